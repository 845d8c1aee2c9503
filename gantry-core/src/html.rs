//! Text made safe for HTML: search snippets are shown as markup, so everything in them that
//! is not Gantry's own `<mark>` is escaped, in one place for every crate.

/// The start of `text` for display: at most `max_chars` characters, and `…` when cut.
pub(crate) fn excerpt(text: &str, max_chars: usize) -> String {
    let (mut start, cut) = start_of(text, max_chars);
    if cut {
        start.push('…');
    }
    start
}

/// At most `max_chars` characters of `text`, and whether any were left out.
pub(crate) fn start_of(text: &str, max_chars: usize) -> (String, bool) {
    let mut chars = text.chars();
    let start: String = chars.by_ref().take(max_chars).collect();
    (start, chars.next().is_some())
}

/// `text` as HTML with every case-insensitive occurrence of `query` in `<mark>`.
pub fn highlight(text: &str, query: &str) -> String {
    let lower = text.to_lowercase();
    let needle = query.to_lowercase();
    // Lower-casing can change byte lengths; mark nothing rather than cut a character.
    if needle.is_empty() || lower.len() != text.len() {
        return escape(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    while let Some(found) = lower[at..].find(&needle) {
        let start = at + found;
        let end = start + needle.len();
        if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            break;
        }
        out.push_str(&escape(&text[at..start]));
        out.push_str("<mark>");
        out.push_str(&escape(&text[start..end]));
        out.push_str("</mark>");
        at = end;
    }
    out.push_str(&escape(&text[at..]));
    out
}

/// `text` with the characters HTML gives meaning to (`& < > " '`) escaped, safe inside an
/// element or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(text, &mut out);
    out
}

/// [`escape`], appending to `out`.
pub fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::highlight;

    #[test]
    fn highlights_every_occurrence_and_escapes_the_rest() {
        assert_eq!(
            highlight("Rust <tips> & rust", "rust"),
            "<mark>Rust</mark> &lt;tips&gt; &amp; <mark>rust</mark>"
        );
        assert_eq!(highlight("plain", "zzz"), "plain");
    }
}
