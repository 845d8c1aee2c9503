//! HTML to text: html2text for ordinary pages, a linear tag stripper for deeply nested ones.

use super::FileKind;
use super::error::{ExtractError, damaged};

/// The largest page rendered through a document tree (html2text); larger ones are read by
/// [`strip_tags`], in one pass and linear memory. The tree costs up to about 450 bytes
/// per byte of markup (measured: 28 KiB of `<p>a` peaked at 12.8 MB, 57 KiB of links at
/// 8.4 MB), so this caps it near 32 MB however large the upload.
pub const MAX_HTML_TREE_BYTES: usize = 64 * 1024;

/// Rendered wide (no wrapping inside paragraphs), tables as one cell per line, with no
/// markup (no `#` before headings, no link references) to pollute keyword search;
/// html2text leaves out `<script>` and `<style>`. Deeply nested pages, and pages over
/// [`MAX_HTML_TREE_BYTES`], go to [`strip_tags`] instead: html5ever's tree building is
/// quadratic in the nesting depth, and its tree many times the page's size.
pub(super) fn html_to_text(html: &str) -> Result<String, ExtractError> {
    const WIDTH: usize = 10_000;
    // Measured: 50,000 nested `<div>`s take html2text over 10 s, 20,000 unclosed
    // `<b id=n>` over 15 s.
    const MAX_DEPTH: usize = 512;
    if html.len() > MAX_HTML_TREE_BYTES || html_depth(html) > MAX_DEPTH {
        return Ok(strip_tags(html));
    }
    html2text::config::with_decorator(html2text::render::TrivialDecorator::new())
        .raw_mode(true)
        .link_footnotes(false)
        .allow_width_overflow()
        .string_from_read(html.as_bytes(), WIDTH)
        .map_err(|e| damaged(FileKind::Html, e.to_string()))
}

/// Elements that hold nothing, or whose end tag may be left out (the next one closes
/// them), so they do not deepen the nesting.
const FLAT_ELEMENTS: [&str; 32] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "thead",
    "tbody", "tfoot", "colgroup", "rb", "rt", "rtc", "rp", "html",
];

/// The deepest element nesting in `html`, estimated in one pass over the tags.
fn html_depth(html: &str) -> usize {
    let bytes = html.as_bytes();
    let (mut depth, mut max) = (0usize, 0usize);
    let mut i = 0;
    while let Some(lt) = bytes[i..].iter().position(|&b| b == b'<') {
        i += lt + 1;
        let closing = bytes.get(i) == Some(&b'/');
        let name_start = i + usize::from(closing);
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        let name = &html[name_start..name_start + name_len];
        if !name.starts_with(|c: char| c.is_ascii_alphabetic())
            || FLAT_ELEMENTS.iter().any(|f| f.eq_ignore_ascii_case(name))
        {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
            continue;
        }
        // `<x ... />` closes itself; look a bounded way ahead so this stays linear.
        let tag = &bytes[name_start..bytes.len().min(name_start + 1024)];
        let self_closing = tag
            .iter()
            .position(|&b| b == b'>')
            .is_some_and(|gt| gt > 0 && tag[gt - 1] == b'/');
        if !self_closing {
            depth += 1;
            max = max.max(depth);
        }
    }
    max
}

/// Elements after which text starts on a new line.
const BLOCK_ELEMENTS: [&str; 28] = [
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "tr",
];

/// Text of `html` in one linear pass, for pages html2text would take too long on: tags
/// dropped (block ones leave a line break), `<script>`, `<style>` and comments skipped,
/// whitespace runs collapsed, common entities decoded.
fn strip_tags(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let mut out = String::with_capacity(html.len() / 2);
    let mut i = 0;
    while let Some(lt) = html[i..].find('<') {
        push_text(&mut out, &html[i..i + lt]);
        let at = i + lt + 1;
        let rest = &lower[at..];
        let is_tag = rest.starts_with(|c: char| c.is_ascii_alphabetic() || "/!?".contains(c));
        if !is_tag {
            out.push('<');
            i = at;
            continue;
        }
        let name: &str = {
            let n = rest.trim_start_matches('/');
            &n[..n
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(n.len())]
        };
        let end = if rest.starts_with("!--") {
            rest.find("-->").map(|e| e + 3)
        } else if !rest.starts_with('/') && (name == "script" || name == "style") {
            let close = format!("</{name}");
            rest.find(&close)
                .and_then(|c| rest[c..].find('>').map(|g| c + g + 1))
        } else {
            rest.find('>').map(|g| g + 1)
        };
        if BLOCK_ELEMENTS.contains(&name) {
            out.push('\n');
        }
        match end {
            Some(end) => i = at + end,
            None => return out,
        }
    }
    push_text(&mut out, &html[i..]);
    out
}

/// Appends text between tags: whitespace runs become one space, entities are decoded.
fn push_text(out: &mut String, text: &str) {
    let mut rest = text;
    while !rest.is_empty() {
        let c = rest.chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            if !out.ends_with([' ', '\n']) && !out.is_empty() {
                out.push(' ');
            }
            rest = rest.trim_start();
            continue;
        }
        if c == '&'
            && let Some(semi) = rest[..rest.floor_char_boundary(12)].find(';')
            && let Some(decoded) = entity(&rest[1..semi])
        {
            out.push(decoded);
            rest = &rest[semi + 1..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
}

fn entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some(' '),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_depth_counts_elements_that_nest() {
        assert_eq!(
            html_depth("<html><body><div><p>a<p>b<br><img/></div></body>"),
            2
        );
        assert_eq!(html_depth(&"<div>".repeat(600)), 600);
        assert_eq!(html_depth(&"<div></div>".repeat(600)), 1);
        assert_eq!(html_depth("a < b <3 <"), 0);
    }

    #[test]
    fn strip_tags_keeps_the_text() {
        let html = "<html><head><style>p{}</style><script>let x = '</p>';</script></head>\
            <body><!-- note --><h1>Caf&eacute; &amp; bar</h1><p>one\n   two</p>a < b &#x263A;</body>";
        assert_eq!(
            strip_tags(html),
            "\nCaf&eacute; & bar\n\none two\na < b \u{263A}"
        );
    }
}
