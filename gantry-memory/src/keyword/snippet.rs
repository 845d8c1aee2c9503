//! Snippets: the best-matching excerpt of a hit's text, with its matches marked, and that
//! excerpt as escaped HTML.

use std::ops::Range;

use gantry_core::html::escape_into;
use serde::{Deserialize, Serialize};
use tantivy::snippet::SnippetGenerator;

/// Snippet length in characters, about two lines of a search result.
pub(super) const SNIPPET_CHARS: usize = 200;

/// An excerpt of a text with the words that matched the query marked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snippet {
    /// The excerpt, at most about 200 characters.
    pub fragment: String,
    /// Byte ranges of `fragment` that matched, sorted and not overlapping.
    pub highlighted: Vec<Range<usize>>,
}

impl Snippet {
    /// The fragment as HTML: escaped, with matches in `<mark>` (safe to insert as-is).
    pub fn to_html(&self) -> String {
        let mut html = String::with_capacity(self.fragment.len() + 16);
        let mut at = 0;
        for range in &self.highlighted {
            let (Some(before), Some(marked)) = (
                self.fragment.get(at..range.start),
                self.fragment.get(range.clone()),
            ) else {
                continue;
            };
            escape_into(before, &mut html);
            html.push_str("<mark>");
            escape_into(marked, &mut html);
            html.push_str("</mark>");
            at = range.end;
        }
        escape_into(self.fragment.get(at..).unwrap_or_default(), &mut html);
        html
    }
}

/// Merges tantivy's highlight ranges (which may repeat or overlap) into sorted, disjoint ones.
fn disjoint(ranges: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut sorted = ranges.to_vec();
    sorted.sort_by_key(|r| (r.start, r.end));
    let mut out: Vec<Range<usize>> = Vec::with_capacity(sorted.len());
    for range in sorted {
        match out.last_mut() {
            Some(last) if range.start < last.end => last.end = last.end.max(range.end),
            _ => out.push(range),
        }
    }
    out
}

/// The first `max_chars` characters of `text`, for a hit whose match the snippet
/// generator could not place.
fn prefix(text: &str, max_chars: usize) -> &str {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => text.get(..end).unwrap_or(text),
        None => text,
    }
}

/// The start of a text, nothing marked.
pub(super) fn unmarked(text: &str) -> Snippet {
    Snippet {
        fragment: prefix(text, SNIPPET_CHARS).to_owned(),
        highlighted: Vec::new(),
    }
}

/// The best excerpt of `text`, or its start when no query word is in it.
pub(super) fn snippet_of(generator: &SnippetGenerator, text: &str) -> Snippet {
    let snippet = generator.snippet(text);
    if snippet.fragment().is_empty() {
        unmarked(text)
    } else {
        Snippet {
            fragment: snippet.fragment().to_owned(),
            highlighted: disjoint(snippet.highlighted()),
        }
    }
}
