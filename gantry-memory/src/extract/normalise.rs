//! Normalisation of extracted text: control characters dropped, line ends unified, blank
//! lines collapsed; once on a copy, once in the text's own buffer.

/// [`normalise`] done in the text's own buffer, for plain text read whole: no second copy
/// of a large file is made (the one line being cleaned is the only extra memory). Gives
/// exactly what `normalise` gives.
pub(crate) fn normalise_owned(text: String) -> String {
    let mut buf = text.into_bytes();
    let (mut read, mut write) = (0, 0);
    let mut line = String::new();
    let (mut blank_run, mut any) = (false, false);
    while read <= buf.len() {
        let (end, next) = line_end(&buf, read);
        line.clear();
        // Lines end only at ASCII bytes or whole separators, so each is valid UTF-8.
        if let Ok(raw) = std::str::from_utf8(&buf[read..end]) {
            line.extend(
                raw.chars()
                    .filter(|&c| c == '\t' || !(c.is_control() || c == '\u{feff}')),
            );
        }
        let kept = line.trim_end();
        if kept.trim_start().is_empty() {
            blank_run = true;
        } else {
            // What is written never overtakes what is read: a separator written stands for
            // at least as many line-ending bytes read, and a cleaned line is never longer.
            if any {
                buf[write] = b'\n';
                write += 1;
                if blank_run {
                    buf[write] = b'\n';
                    write += 1;
                }
            }
            blank_run = false;
            any = true;
            buf[write..write + kept.len()].copy_from_slice(kept.as_bytes());
            write += kept.len();
        }
        if next > buf.len() {
            break;
        }
        read = next;
    }
    buf.truncate(write);
    String::from_utf8(buf).unwrap_or_default()
}

/// Where the line starting at `from` ends, and where the next begins (past the end of the
/// buffer for the last line), with the same separators as [`lines`].
fn line_end(buf: &[u8], from: usize) -> (usize, usize) {
    let mut i = from;
    while i < buf.len() {
        match buf[i] {
            b'\n' => return (i, i + 1),
            b'\r' if buf.get(i + 1) == Some(&b'\n') => return (i, i + 2),
            b'\r' => return (i, i + 1),
            0xE2 if buf.get(i + 1) == Some(&0x80)
                && matches!(buf.get(i + 2), Some(0xA8 | 0xA9)) =>
            {
                return (i, i + 3);
            }
            _ => i += 1,
        }
    }
    (buf.len(), buf.len() + 1)
}

/// Cleans extracted text for storage and chunking: drops NUL (the store rejects it) and
/// every other control character but `\t`, as well as stray BOMs; turns `\r\n`, `\r` and
/// Unicode line/paragraph separators into `\n`; trims trailing blanks off lines; collapses
/// runs of blank lines into one (paragraphs stay apart); trims blank lines at both ends.
pub(crate) fn normalise(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut blank_run = false;
    let mut line = String::new();
    for raw_line in lines(raw) {
        line.clear();
        line.extend(
            raw_line
                .chars()
                .filter(|&c| c == '\t' || !(c.is_control() || c == '\u{feff}')),
        );
        let kept = line.trim_end();
        if kept.trim_start().is_empty() {
            blank_run = true;
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
            if blank_run {
                out.push('\n');
            }
        }
        blank_run = false;
        out.push_str(kept);
    }
    out
}

/// Lines ended by `\r\n`, `\n`, `\r`, U+2028 or U+2029.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match current.find(['\n', '\r', '\u{2028}', '\u{2029}']) {
            Some(i) => {
                let end_len = match current[i..].chars().next() {
                    Some('\r') if current[i + 1..].starts_with('\n') => 2,
                    Some(c) => c.len_utf8(),
                    None => 1,
                };
                rest = Some(&current[i + end_len..]);
                Some(&current[..i])
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_cleans_controls_and_blank_lines() {
        let raw = "\r\n\n  a\u{0}b \t\r\n\r\n\r\n\n\u{7}\nc\u{feff}d\re\n\n";
        assert_eq!(normalise(raw), "  ab\n\ncd\ne");
        assert_eq!(normalise_owned(raw.to_owned()), "  ab\n\ncd\ne");
    }

    proptest::proptest! {
        #[test]
        fn normalising_in_place_gives_the_same_text(
            raw in "([a-zé \t\u{0}\u{7}\u{85}\u{a0}\u{feff}\u{2028}\u{2029}\u{3000}]|\r\n|\r|\n){0,80}"
        ) {
            proptest::prop_assert_eq!(normalise_owned(raw.clone()), normalise(&raw));
        }
    }
}
