//! Printing for people and for scripts: colour only on a terminal (and not with
//! NO_COLOR), search snippets as plain text, JSON for `--json`.

use std::io::IsTerminal;

use anyhow::Result;
use serde::Serialize;

/// Whether to colour what goes to stdout.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Style {
    colour: bool,
}

impl Style {
    pub(crate) fn stdout() -> Self {
        Self {
            colour: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.colour && !text.is_empty() {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    pub(crate) fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }

    pub(crate) fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    pub(crate) fn prompt(self, text: &str) -> String {
        self.paint("1;36", text)
    }

    pub(crate) fn error(self, text: &str) -> String {
        self.paint("31", text)
    }

    pub(crate) fn good(self, text: &str) -> String {
        self.paint("32", text)
    }
}

/// Prints the models, a star before the one that answers: `chosen`, else the default.
pub(crate) fn models(style: Style, models: &[crate::door::ModelRow], chosen: Option<&str>) {
    for m in models {
        let answers = chosen.map_or(m.active, |chosen| chosen == m.id);
        let mark = if answers { "*" } else { " " };
        println!("{mark} {}  {}", m.id, style.dim(&m.backend));
    }
}

/// Prints `value` as pretty JSON.
pub(crate) fn json<T: Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A search snippet (HTML: escaped text with the matches in `<mark>`) as terminal text,
/// the matches in bold.
pub(crate) fn snippet(style: Style, html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<mark>") {
        out.push_str(&unescape(&rest[..start]));
        let after = &rest[start + "<mark>".len()..];
        let end = after.find("</mark>").unwrap_or(after.len());
        out.push_str(&style.bold(&unescape(&after[..end])));
        rest = after.get(end + "</mark>".len()..).unwrap_or("");
    }
    out.push_str(&unescape(rest));
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_become_plain_text_with_the_matches_kept() {
        let plain = Style { colour: false };
        assert_eq!(
            snippet(plain, "tides &amp; the <mark>moon</mark>\n  &lt;3"),
            "tides & the moon <3"
        );
        let coloured = Style { colour: true };
        assert_eq!(snippet(coloured, "a <mark>b</mark>"), "a \x1b[1mb\x1b[0m");
    }
}
