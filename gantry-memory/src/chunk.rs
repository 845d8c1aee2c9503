//! Chunking: text is cut into pieces the embedder can take whole, which are also the
//! units BM25 scores and the assistant quotes.
//!
//! text-splitter picks the cuts: the largest run of paragraphs, then lines, sentences,
//! words, that fits (with Markdown, sections and blocks first). Sizes are counted by
//! [`approx_tokens`], an estimate of BERT word pieces that needs no model files, so this
//! crate can chunk without the embedder at hand. (text-splitter's own `tokenizers`
//! feature needs tokenizers 0.23; the workspace is on 0.22.)
//!
//! [`chunks`] is lazy and walks the text in windows of at least 256 KiB, cut between
//! paragraphs (Markdown: between top-level blocks), so splitting a large file holds one
//! window's worth of chunks at a time, not the whole file's. Chunks never span a window
//! seam or (Markdown) a heading, and the overlap does not reach across either.

use std::collections::VecDeque;
use std::fmt;
use std::ops::Range;

use gantry_core::validate::{MAX_CHUNK_BYTES, MAX_HEADING_BYTES};
use gantry_core::{Error, Result};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use text_splitter::{ChunkConfig, ChunkSizer, MarkdownSplitter, TextSplitter};

use crate::extract::FileKind;

/// How text is cut into chunks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkOptions {
    /// Largest chunk, in estimated word pieces, 16 to 8192. The default, 256, is the
    /// window all-MiniLM-L6-v2 embeds; more would be cut off there.
    pub max_tokens: usize,
    /// Word pieces repeated from the end of one chunk at the start of the next, so a
    /// sentence cut at a boundary is still whole in one of them; under `max_tokens / 2`.
    pub overlap_tokens: usize,
    /// Follow Markdown structure and record each chunk's heading path.
    pub markdown: bool,
}

impl Default for ChunkOptions {
    fn default() -> Self {
        Self {
            max_tokens: 256,
            overlap_tokens: 32,
            markdown: false,
        }
    }
}

impl ChunkOptions {
    /// The defaults, with Markdown structure followed for Markdown files.
    pub fn for_kind(kind: FileKind) -> Self {
        Self {
            markdown: kind == FileKind::Markdown,
            ..Self::default()
        }
    }

    /// Checks the sizes, naming the field at fault.
    pub fn validate(&self) -> Result<()> {
        if !(16..=8192).contains(&self.max_tokens) {
            return Err(Error::invalid(
                "max_tokens",
                format!("must be 16 to 8192, got {}", self.max_tokens),
            ));
        }
        if self.overlap_tokens * 2 >= self.max_tokens {
            return Err(Error::invalid(
                "overlap_tokens",
                format!(
                    "must be less than half of max_tokens ({}), got {}",
                    self.max_tokens, self.overlap_tokens
                ),
            ));
        }
        Ok(())
    }
}

/// One piece of a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextChunk {
    /// Position among the text's chunks, from 0.
    pub ordinal: u32,
    /// The chunk, with no whitespace at either end; equal to `text[byte_range]`.
    pub text: String,
    /// Estimated word pieces ([`approx_tokens`]), at most the options' `max_tokens`.
    pub token_count: u32,
    /// Where the chunk lies in the text it was cut from.
    pub byte_range: Range<usize>,
    /// Markdown only: the headings of the section the chunk lies in, outermost first,
    /// e.g. `Install > Linux`; context for both the embedder and the person reading a
    /// citation. A chunk never spans two sections.
    pub heading: Option<String>,
}

/// Cuts `text` into chunks, all at once. See [`chunks`].
pub fn chunk_text(text: &str, opts: &ChunkOptions) -> Result<Vec<TextChunk>> {
    Ok(chunks(text, opts)?.collect())
}

/// Cuts `text` into chunks lazily, in order. Every non-whitespace character of `text` is
/// in at least one chunk; whitespace-only text has none.
pub fn chunks<'a>(text: &'a str, opts: &ChunkOptions) -> Result<Chunks<'a>> {
    Chunks::new(text, opts, window_bytes(opts.max_tokens))
}

/// Smallest window [`chunks`] splits at once.
const MIN_WINDOW: usize = 256 * 1024;

/// Large enough for dozens of the largest chunks (a word piece is rarely over 8 bytes),
/// so seams are rare.
fn window_bytes(max_tokens: usize) -> usize {
    MIN_WINDOW.max(max_tokens.saturating_mul(64))
}

/// The lazy iterator [`chunks`] returns.
pub struct Chunks<'a> {
    text: &'a str,
    splitter: Splitter,
    max_tokens: usize,
    window: usize,
    /// Where the next window starts.
    next_start: usize,
    /// The current window's chunks not yet returned.
    pending: VecDeque<TextChunk>,
    ordinal: u32,
    /// Markdown: the open headings, outermost first, as (level, title).
    headings: Vec<(u8, String)>,
}

impl fmt::Debug for Chunks<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chunks")
            .field("text_len", &self.text.len())
            .field("max_tokens", &self.max_tokens)
            .field("next_start", &self.next_start)
            .field("ordinal", &self.ordinal)
            .finish_non_exhaustive()
    }
}

enum Splitter {
    Text(TextSplitter<ChunkSize>),
    Markdown(MarkdownSplitter<ChunkSize>),
}

impl<'a> Chunks<'a> {
    fn new(text: &'a str, opts: &ChunkOptions, window: usize) -> Result<Self> {
        opts.validate()?;
        let config = ChunkConfig::new(opts.max_tokens)
            .with_sizer(ChunkSize::for_max(opts.max_tokens))
            .with_overlap(opts.overlap_tokens)
            .map_err(|e| Error::invalid("overlap_tokens", e.to_string()))?;
        let splitter = if opts.markdown {
            Splitter::Markdown(MarkdownSplitter::new(config))
        } else {
            Splitter::Text(TextSplitter::new(config))
        };
        Ok(Self {
            text,
            splitter,
            max_tokens: opts.max_tokens,
            window: window.max(16),
            next_start: 0,
            pending: VecDeque::new(),
            ordinal: 0,
            headings: Vec::new(),
        })
    }

    /// Splits the next window into `pending`. Markdown windows are split section by
    /// section, so no chunk straddles a heading and each chunk's heading path is exact. A
    /// heading with nothing under it (`# Guide` right before `## Install`) is kept with the
    /// section that follows instead of becoming a chunk of its own, which would match
    /// little but its own words and crowd real passages out of an answer's context.
    fn fill(&mut self) {
        let start = self.next_start;
        let rest = &self.text[start..];
        let (end, headings) = match self.splitter {
            Splitter::Markdown(_) => markdown_window(rest, self.window),
            Splitter::Text(_) => (text_window(rest, self.window), Vec::new()),
        };
        self.next_start = start + end;
        let mut section_start = start;
        // The end of the heading the current section starts with, if it does.
        let mut opened_by: Option<usize> = None;
        for heading in headings {
            let bare = opened_by.is_some_and(|after| rest[after..heading.at].trim().is_empty());
            if !bare {
                self.split(section_start..start + heading.at);
                section_start = start + heading.at;
            }
            opened_by = Some(heading.end);
            self.open(heading);
        }
        self.split(section_start..start + end);
    }

    /// Splits `text[range]` into `pending`.
    fn split(&mut self, range: Range<usize>) {
        let text = self.text;
        let section = &text[range.clone()];
        let pieces: Vec<(usize, &str)> = match &self.splitter {
            Splitter::Text(s) => s.chunk_indices(section).collect(),
            Splitter::Markdown(s) => s.chunk_indices(section).collect(),
        };
        let heading = self.heading_path();
        for (offset, piece) in pieces {
            let trimmed = piece.trim_start();
            let at = range.start + offset + piece.len() - trimmed.len();
            let trimmed = trimmed.trim_end();
            if trimmed.is_empty() {
                continue;
            }
            for (part, tokens) in fit(trimmed, self.max_tokens) {
                let byte_range = at + part.start..at + part.end;
                self.pending.push_back(TextChunk {
                    ordinal: self.ordinal,
                    text: text[byte_range.clone()].to_owned(),
                    token_count: u32::try_from(tokens).unwrap_or(u32::MAX),
                    byte_range,
                    heading: heading.clone(),
                });
                self.ordinal = self.ordinal.saturating_add(1);
            }
        }
    }

    fn open(&mut self, heading: Heading) {
        while self
            .headings
            .last()
            .is_some_and(|(l, _)| *l >= heading.level)
        {
            self.headings.pop();
        }
        if !heading.title.is_empty() {
            self.headings.push((heading.level, heading.title));
        }
    }

    fn heading_path(&self) -> Option<String> {
        if self.headings.is_empty() {
            return None;
        }
        let titles: Vec<&str> = self.headings.iter().map(|(_, t)| t.as_str()).collect();
        let mut path = titles.join(" > ");
        // Headings are user text: a path past the store's limit is cut, visibly.
        if path.len() > MAX_HEADING_BYTES {
            let mut end = MAX_HEADING_BYTES - '…'.len_utf8();
            while !path.is_char_boundary(end) {
                end -= 1;
            }
            path.truncate(end);
            path.push('…');
        }
        Some(path)
    }
}

impl Iterator for Chunks<'_> {
    type Item = TextChunk;

    fn next(&mut self) -> Option<TextChunk> {
        loop {
            if let Some(chunk) = self.pending.pop_front() {
                return Some(chunk);
            }
            if self.next_start >= self.text.len() {
                return None;
            }
            self.fill();
        }
    }
}

/// A Markdown heading at bytes `at..end` of its window.
struct Heading {
    at: usize,
    end: usize,
    level: u8,
    title: String,
}

/// Where a plain-text window of at most `window` bytes ends: after the last blank line
/// in its second half, else the last line end, else the last whitespace, else anywhere.
fn text_window(rest: &str, window: usize) -> usize {
    if rest.len() <= window {
        return rest.len();
    }
    let limit = rest.floor_char_boundary(window);
    let half = rest.floor_char_boundary(window / 2);
    let region = &rest[half..limit];
    if let Some(i) = region.rfind("\n\n") {
        return half + i + 2;
    }
    if let Some(i) = region.rfind('\n') {
        return half + i + 1;
    }
    if let Some((i, c)) = region.char_indices().rev().find(|(_, c)| c.is_whitespace()) {
        return half + i + c.len_utf8();
    }
    limit
}

/// Where a Markdown window ends (at the start of the last top-level block that begins in
/// its second half, so no block is split across windows) and the headings before that.
fn markdown_window(rest: &str, window: usize) -> (usize, Vec<Heading>) {
    let whole = rest.len() <= window;
    let limit = if whole {
        rest.len()
    } else {
        rest.floor_char_boundary(window)
    };
    let mut headings = Vec::new();
    let mut depth = 0usize;
    let mut last_block = 0;
    let mut title: Option<(usize, u8, String)> = None;
    for (event, range) in Parser::new_ext(&rest[..limit], Options::all()).into_offset_iter() {
        match event {
            Event::Start(tag) => {
                if depth == 0 {
                    last_block = range.start;
                }
                depth += 1;
                if let Tag::Heading { level, .. } = tag {
                    title = Some((range.start, level as u8, String::new()));
                }
            }
            Event::End(tag) => {
                depth = depth.saturating_sub(1);
                if let (TagEnd::Heading(_), Some((at, level, text))) = (tag, title.take()) {
                    let title = text.split_whitespace().collect::<Vec<_>>().join(" ");
                    headings.push(Heading {
                        at,
                        end: range.end,
                        level,
                        title,
                    });
                }
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, _, title)) = title.as_mut() {
                    title.push_str(&text);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some((_, _, title)) = title.as_mut() {
                    title.push(' ');
                }
            }
            _ => {
                if depth == 0 {
                    last_block = range.start;
                }
            }
        }
    }
    let end = if whole {
        limit
    } else if last_block >= window / 2 {
        last_block
    } else {
        text_window(rest, window)
    };
    headings.retain(|h| h.at < end);
    (end, headings)
}

/// Splits an over-long chunk (text-splitter lets a single unit it cannot split exceed the
/// size) into the longest prefixes that fit, with their estimated word pieces. Relies on
/// [`ChunkSize`] never shrinking as text grows and counting any one character as at most 1.
fn fit(text: &str, max_tokens: usize) -> Vec<(Range<usize>, usize)> {
    let size = ChunkSize::for_max(max_tokens);
    if size.of(text) <= max_tokens {
        return vec![(0..text.len(), approx_tokens(text))];
    }
    let mut out = Vec::new();
    let mut start = 0;
    while start < text.len() {
        // No piece that fits is longer than MAX_CHUNK_BYTES (the size counts bytes too),
        // so only that much of the rest is looked at: linear time, bounded memory.
        let end = text.floor_char_boundary(start + MAX_CHUNK_BYTES + 4);
        let rest = &text[start..end];
        let ends: Vec<usize> = rest.char_indices().map(|(i, c)| i + c.len_utf8()).collect();
        // Binary search for the last end that fits; the first character always does.
        let fits = ends.partition_point(|&e| size.of(&rest[..e]) <= max_tokens);
        let end = ends
            .get(fits.saturating_sub(1))
            .copied()
            .unwrap_or(rest.len());
        let piece = &rest[..end];
        let trimmed = piece.trim_start();
        let lead = piece.len() - trimmed.len();
        let trimmed = trimmed.trim_end();
        if !trimmed.is_empty() {
            let from = start + lead;
            out.push((from..from + trimmed.len(), approx_tokens(trimmed)));
        }
        start += end;
    }
    out
}

/// A chunk's size as the splitter counts it: its estimated word pieces or its bytes over
/// `bytes_per_unit`, whichever is more. Word pieces alone would let a line padded with
/// 70,000 spaces (2 pieces) become one chunk of hundreds of KiB, over the store's
/// [`MAX_CHUNK_BYTES`]; with bytes counted too, a chunk of `max_tokens` is at most
/// `MAX_CHUNK_BYTES`, and ordinary prose (about 5 bytes a piece) is cut as before.
#[derive(Clone, Copy, Debug)]
struct ChunkSize {
    /// 8 to 16: at least the longest character (4 bytes), so a character counts at most 1.
    bytes_per_unit: usize,
}

impl ChunkSize {
    fn for_max(max_tokens: usize) -> Self {
        Self {
            bytes_per_unit: (MAX_CHUNK_BYTES / max_tokens.max(1)).clamp(4, 16),
        }
    }

    fn of(self, text: &str) -> usize {
        approx_tokens(text).max(text.len().div_ceil(self.bytes_per_unit))
    }
}

impl ChunkSizer for ChunkSize {
    fn size(&self, chunk: &str) -> usize {
        self.of(chunk)
    }
}

/// Estimates the BERT word pieces (all-MiniLM-L6-v2's uncased vocabulary) in `text`,
/// erring high so a chunk of `max_tokens` is rarely cut off by the embedder. Like BERT,
/// each punctuation mark or symbol is a piece of its own, and words are split further: an
/// ASCII word of up to 4 letters is one piece, each further 4 letters one more, each
/// camelCase hump one more, every 3 digits one, and each other letter (accented,
/// Cyrillic, CJK...) one, since outside ASCII the vocabulary holds little beyond single
/// characters. Whitespace, controls and combining marks (BERT strips accents) count
/// nothing. Against the real tokenizer on English prose, Markdown and Rust source cut
/// into 1,200-byte pieces, it counts about 25% more on the whole and at worst 7% fewer
/// on a piece. No character counts more than 1, and text never counts fewer pieces
/// than a prefix of it: the chunker relies on both.
pub fn approx_tokens(text: &str) -> usize {
    let mut total = 0;
    let mut word = Word::default();
    for c in text.chars() {
        if c.is_alphanumeric() {
            word.push(c);
        } else if is_zero_width(c) {
            // Combining marks and joiners continue the word they are in.
        } else {
            total += word.take();
            if !(c.is_whitespace() || c.is_control()) {
                total += 1;
            }
        }
    }
    total + word.take()
}

#[derive(Default)]
struct Word {
    letters: usize,
    humps: usize,
    digits: usize,
    other: usize,
    after_lower: bool,
}

impl Word {
    fn push(&mut self, c: char) {
        if c.is_ascii_digit() {
            self.digits += 1;
        } else if c.is_ascii() {
            self.letters += 1;
            if c.is_ascii_uppercase() && self.after_lower {
                self.humps += 1;
            }
        } else {
            self.other += 1;
        }
        self.after_lower = c.is_ascii_lowercase();
    }

    fn take(&mut self) -> usize {
        let letters = match self.letters {
            0 => 0,
            n => 1 + n.saturating_sub(4).div_ceil(4),
        };
        let pieces = letters + self.humps + self.digits.div_ceil(3) + self.other;
        *self = Self::default();
        pieces
    }
}

/// Combining marks, variation selectors, zero-width joiners and spaces, word joiners, BOM.
fn is_zero_width(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FE20}'..='\u{FE2F}'
        | '\u{200B}'..='\u{200D}'
        | '\u{2060}'
        | '\u{FEFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn estimates_word_pieces() {
        assert_eq!(approx_tokens(""), 0);
        assert_eq!(approx_tokens("  \n\t"), 0);
        assert_eq!(approx_tokens("The cat sat."), 4);
        assert_eq!(approx_tokens("internationalization"), 5);
        assert_eq!(approx_tokens("quick brown"), 4);
        assert_eq!(approx_tokens("getElementById"), 7);
        assert_eq!(approx_tokens("2024-01-31"), 2 + 1 + 1 + 1 + 1);
        assert_eq!(approx_tokens("café"), 2);
        assert_eq!(approx_tokens("e\u{301}"), 1);
        assert_eq!(approx_tokens("日本語"), 3);
    }

    #[test]
    fn fit_cuts_an_oversized_piece_into_fitting_ones() {
        let text = "a.".repeat(40);
        let pieces = fit(&text, 16);
        assert!(pieces.len() >= 5);
        let mut next = 0;
        for (range, tokens) in pieces {
            assert_eq!(range.start, next);
            assert!(tokens <= 16);
            assert_eq!(tokens, approx_tokens(&text[range.clone()]));
            next = range.end;
        }
        assert_eq!(next, text.len());
    }

    #[test]
    fn windows_carry_headings_across_seams() {
        let mut text = String::from("# Guide\n\n");
        for i in 0..40 {
            text.push_str(&format!(
                "## Part {i}\n\nSome words about part {i} here.\n\n"
            ));
        }
        let opts = ChunkOptions {
            max_tokens: 16,
            overlap_tokens: 0,
            markdown: true,
        };
        let chunks: Vec<TextChunk> = Chunks::new(&text, &opts, 200).unwrap().collect();
        let last = chunks.last().unwrap();
        assert!(last.text.contains("part 39"), "{last:?}");
        assert_eq!(last.heading.as_deref(), Some("Guide > Part 39"));
    }

    #[test]
    fn a_heading_with_nothing_under_it_goes_with_the_next_section() {
        let opts = ChunkOptions {
            markdown: true,
            ..ChunkOptions::default()
        };
        let text = "# Garden\n\n## Trees\n\n### Lemons\n\nWatered on Sundays.\n\n\
                    ## Beds\n\nTomatoes grow here.\n";
        let chunks: Vec<TextChunk> = chunks(text, &opts).unwrap().collect();
        let seen: Vec<(&str, Option<&str>)> = chunks
            .iter()
            .map(|c| (c.text.as_str(), c.heading.as_deref()))
            .collect();
        assert_eq!(
            seen,
            vec![
                (
                    "# Garden\n\n## Trees\n\n### Lemons\n\nWatered on Sundays.",
                    Some("Garden > Trees > Lemons")
                ),
                ("## Beds\n\nTomatoes grow here.", Some("Garden > Beds")),
            ]
        );
        // A heading with text under it still starts a section of its own.
        let text = "# Garden\n\nAn intro.\n\n## Beds\n\nTomatoes.\n";
        let two: Vec<TextChunk> = super::chunks(text, &opts).unwrap().collect();
        assert_eq!(two.len(), 2, "{two:?}");
        assert_eq!(two[0].heading.as_deref(), Some("Garden"));
        assert_eq!(two[1].heading.as_deref(), Some("Garden > Beds"));
    }

    #[test]
    fn an_overlong_heading_path_is_cut_within_the_limit() {
        let title = "Überschrift ".repeat(60);
        let text = format!("# {title}\n\n## {title}\n\nThe body.\n");
        let opts = ChunkOptions {
            markdown: true,
            ..ChunkOptions::default()
        };
        let chunks: Vec<TextChunk> = chunks(&text, &opts).unwrap().collect();
        let heading = chunks.last().unwrap().heading.as_deref().unwrap();
        assert!(heading.len() <= MAX_HEADING_BYTES, "{}", heading.len());
        assert!(heading.starts_with("Überschrift") && heading.ends_with('…'));
    }

    fn check(text: &str, opts: &ChunkOptions, window: usize) {
        let chunks: Vec<TextChunk> = Chunks::new(text, opts, window).unwrap().collect();
        let mut covered = vec![false; text.len()];
        let mut prev_start = 0;
        for (i, c) in chunks.iter().enumerate() {
            assert_eq!(c.ordinal as usize, i);
            assert_eq!(&text[c.byte_range.clone()], c.text);
            assert!(!c.text.is_empty() && c.text.trim() == c.text);
            assert!(c.token_count as usize <= opts.max_tokens);
            assert!(c.byte_range.start >= prev_start);
            prev_start = c.byte_range.start;
            covered[c.byte_range.clone()].fill(true);
        }
        for (i, ch) in text.char_indices() {
            assert!(
                ch.is_whitespace() || covered[i],
                "{ch:?} at {i} not covered"
            );
        }
    }

    proptest! {
        #[test]
        fn small_windows_keep_the_invariants(
            text in "([a-zé日#\\- ]{0,12}[\n.]{0,3}){0,60}",
            window in 16usize..300,
            markdown: bool,
        ) {
            let opts = ChunkOptions { max_tokens: 16, overlap_tokens: 4, markdown };
            check(&text, &opts, window);
        }
    }
}
