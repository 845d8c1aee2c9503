//! Chunking: pieces fit the embedder, cover the whole text, point back into it, and
//! carry the Markdown headings they sit under.

use gantry_memory::{ChunkOptions, FileKind, TextChunk, approx_tokens, chunk_text, chunks};
use proptest::prelude::*;

fn opts(max_tokens: usize, overlap_tokens: usize, markdown: bool) -> ChunkOptions {
    ChunkOptions {
        max_tokens,
        overlap_tokens,
        markdown,
    }
}

/// Every promise [`chunks`] makes, checked on one text.
fn check_invariants(text: &str, opts: &ChunkOptions) -> Vec<TextChunk> {
    let chunks = chunk_text(text, opts).unwrap();
    let mut covered = vec![false; text.len()];
    let mut previous: Option<&TextChunk> = None;
    for (i, chunk) in chunks.iter().enumerate() {
        assert_eq!(chunk.ordinal as usize, i);
        assert!(!chunk.text.is_empty(), "empty chunk {i}");
        assert_eq!(chunk.text.trim(), chunk.text, "untrimmed chunk {i}");
        assert_eq!(&text[chunk.byte_range.clone()], chunk.text);
        assert_eq!(chunk.token_count as usize, approx_tokens(&chunk.text));
        assert!(
            chunk.token_count as usize <= opts.max_tokens,
            "chunk {i} has {} tokens",
            chunk.token_count
        );
        if let Some(previous) = previous {
            assert!(previous.byte_range.start < chunk.byte_range.start);
            assert!(previous.byte_range.end < chunk.byte_range.end);
        }
        covered[chunk.byte_range.clone()].fill(true);
        previous = Some(chunk);
    }
    for (i, c) in text.char_indices() {
        assert!(
            c.is_whitespace() || covered[i],
            "{c:?} at byte {i} is in no chunk"
        );
    }
    chunks
}

fn prose(sentences: usize) -> String {
    let words = [
        "retrieval",
        "needs",
        "chunks",
        "that",
        "fit",
        "the",
        "embedder",
        "window",
        "and",
        "keep",
        "sentences",
        "whole",
        "where",
        "possible",
    ];
    let mut text = String::new();
    for s in 0..sentences {
        for w in 0..(5 + s % 7) {
            if w > 0 {
                text.push(' ');
            }
            let word = words[(s * 3 + w) % words.len()];
            if w == 0 {
                // Capitalised, or Unicode does not see a new sentence.
                text.push_str(&word[..1].to_uppercase());
                text.push_str(&word[1..]);
            } else {
                text.push_str(word);
            }
        }
        text.push_str(". ");
        if s % 6 == 5 {
            text.push_str("\n\n");
        }
    }
    text
}

#[test]
fn defaults_suit_the_minilm_embedder() {
    let defaults = ChunkOptions::default();
    assert_eq!(defaults, opts(256, 32, false));
    assert!(defaults.validate().is_ok());
    assert!(ChunkOptions::for_kind(FileKind::Markdown).markdown);
    assert!(!ChunkOptions::for_kind(FileKind::Pdf).markdown);
}

#[test]
fn bad_options_name_their_field() {
    for (o, field) in [
        (opts(8, 0, false), "max_tokens"),
        (opts(9000, 0, false), "max_tokens"),
        (opts(256, 128, false), "overlap_tokens"),
        (opts(16, 8, true), "overlap_tokens"),
    ] {
        let err = chunk_text("text", &o).unwrap_err();
        assert_eq!(err.invalid_field(), Some(field), "{o:?}: {err}");
        assert!(chunks("text", &o).is_err());
    }
    assert!(chunk_text("text", &opts(16, 7, false)).is_ok());
}

#[test]
fn blank_text_has_no_chunks() {
    for text in ["", " ", "\n\n\t  \n"] {
        assert!(
            chunk_text(text, &ChunkOptions::default())
                .unwrap()
                .is_empty()
        );
    }
}

#[test]
fn short_text_is_one_trimmed_chunk() {
    let text = "\n\n  A short note.  \n";
    let chunks = chunk_text(text, &ChunkOptions::default()).unwrap();
    assert_eq!(chunks.len(), 1);
    assert_eq!(chunks[0].text, "A short note.");
    assert_eq!(chunks[0].byte_range, 4..17);
    assert_eq!(chunks[0].token_count, 5);
    assert_eq!(chunks[0].heading, None);
}

#[test]
fn long_text_is_cut_at_sentences() {
    let text = prose(200);
    let chunks = check_invariants(&text, &opts(64, 0, false));
    assert!(chunks.len() > 5, "{}", chunks.len());
    for w in chunks.windows(2) {
        assert!(w[0].byte_range.end <= w[1].byte_range.start);
    }
    for chunk in &chunks {
        assert!(
            chunk.text.ends_with('.'),
            "cut mid-sentence: {:?}",
            chunk.text
        );
    }
}

#[test]
fn overlap_repeats_the_end_of_the_previous_chunk() {
    let text = prose(200);
    let options = opts(64, 16, false);
    let chunks = check_invariants(&text, &options);
    let mut overlapping = 0;
    for w in chunks.windows(2) {
        if w[1].byte_range.start < w[0].byte_range.end {
            overlapping += 1;
            let shared = &text[w[1].byte_range.start..w[0].byte_range.end];
            assert!(
                approx_tokens(shared) <= options.overlap_tokens,
                "{shared:?}"
            );
        }
    }
    // text-splitter repeats whole sentences when they fit, and not across paragraphs.
    assert!(overlapping > 0);
}

#[test]
fn markdown_chunks_carry_their_heading_path() {
    let text = "Intro before any heading.\n\n\
        # Install\n\nGet the binary.\n\n\
        ## Linux\n\nUse the tarball and unpack it somewhere on your path, then run it.\n\n\
        ## Windows\n\nRun the installer and follow every step it shows you on screen.\n\n\
        # Use\n\nStart the server.\n";
    let chunks = check_invariants(text, &opts(16, 0, true));
    let heading_of = |needle: &str| {
        chunks
            .iter()
            .find(|c| c.text.contains(needle))
            .unwrap_or_else(|| panic!("{needle} in no chunk: {chunks:#?}"))
            .heading
            .clone()
    };
    assert_eq!(heading_of("Intro"), None);
    assert_eq!(heading_of("tarball").as_deref(), Some("Install > Linux"));
    assert_eq!(
        heading_of("installer").as_deref(),
        Some("Install > Windows")
    );
    assert_eq!(heading_of("Start the server").as_deref(), Some("Use"));
    // Plain-text chunking ignores headings.
    let plain = chunk_text(text, &opts(16, 0, false)).unwrap();
    assert!(plain.iter().all(|c| c.heading.is_none()));
}

#[test]
fn setext_headings_and_inline_code_in_headings_count() {
    let text =
        "Guide\n=====\n\nWords.\n\n`gantry serve` flags\n--------------------\n\nMore words.";
    let chunks = check_invariants(text, &opts(16, 0, true));
    let last = chunks.last().unwrap();
    assert!(last.text.contains("More words"));
    assert_eq!(last.heading.as_deref(), Some("Guide > gantry serve flags"));
}

#[test]
fn chunks_is_lazy_and_matches_chunk_text() {
    // Over a megabyte: several windows.
    let text = prose(20_000);
    assert!(text.len() > 1024 * 1024);
    let options = ChunkOptions::default();
    let first = chunks(&text, &options).unwrap().next().unwrap();
    assert_eq!(first.ordinal, 0);
    let all = check_invariants(&text, &options);
    assert_eq!(all[0], first);
    assert_eq!(chunks(&text, &options).unwrap().count(), all.len());
}

#[test]
fn large_markdown_keeps_headings_across_windows() {
    let mut text = String::new();
    for part in 0..400 {
        text.push_str(&format!("# Part {part}\n\n"));
        for section in 0..3 {
            text.push_str(&format!("## Section {section}\n\n{}\n\n", prose(20)));
        }
    }
    assert!(text.len() > 1024 * 1024);
    let chunks = check_invariants(&text, &ChunkOptions::for_kind(FileKind::Markdown));
    let last = chunks.last().unwrap();
    assert_eq!(last.heading.as_deref(), Some("Part 399 > Section 2"));
    for chunk in &chunks {
        let heading = chunk.heading.as_deref().unwrap();
        assert!(heading.starts_with("Part "), "{heading}");
    }
}

#[test]
fn token_estimate_errs_high() {
    // Word pieces from all-MiniLM-L6-v2's tokenizer, without [CLS] and [SEP].
    for (text, word_pieces) in [
        ("The quick brown fox jumps over the lazy dog.", 10),
        ("Gantry is a self-hosted chat platform.", 10),
        (
            "Retrieval-augmented generation combines search with language models.",
            10,
        ),
        ("getElementById", 5),
        (
            "tokio::task::spawn_blocking(move || extract_text(kind, &bytes, &limits))",
            28,
        ),
    ] {
        let estimate = approx_tokens(text);
        assert!(
            estimate >= word_pieces,
            "{text}: {estimate} < {word_pieces}"
        );
        assert!(
            estimate <= word_pieces * 2,
            "{text}: {estimate} > 2 x {word_pieces}"
        );
    }
}

/// Markdown made of headings, paragraphs, lists and code, with arbitrary words.
fn markdown_doc() -> impl Strategy<Value = String> {
    let word = "[a-zA-Z0-9éß日本]{1,12}";
    let line = prop::collection::vec(word, 1..12).prop_map(|w| w.join(" "));
    let block = prop_oneof![
        (1usize..=6, line.clone())
            .prop_map(|(level, title)| format!("{} {title}", "#".repeat(level))),
        prop::collection::vec(line.clone(), 1..6).prop_map(|l| l.join("\n")),
        prop::collection::vec(line.clone(), 1..4).prop_map(|l| l
            .iter()
            .map(|x| format!("- {x}"))
            .collect::<Vec<_>>()
            .join("\n")),
        prop::collection::vec(line, 1..4).prop_map(|l| format!("```\n{}\n```", l.join("\n"))),
    ];
    prop::collection::vec(block, 0..30).prop_map(|blocks| blocks.join("\n\n"))
}

fn options() -> impl Strategy<Value = ChunkOptions> {
    (16usize..200, any::<prop::sample::Index>(), any::<bool>())
        .prop_map(|(max, overlap, markdown)| opts(max, overlap.index(max.div_ceil(2)), markdown))
}

proptest! {
    #[test]
    fn any_unicode_text_keeps_the_invariants(text in any::<String>(), options in options()) {
        check_invariants(&text, &options);
    }

    #[test]
    fn spaced_unicode_text_keeps_the_invariants(
        text in "(\\PC{0,20}[ \n\t\r]{0,3}){0,80}",
        options in options(),
    ) {
        check_invariants(&text, &options);
    }

    #[test]
    fn generated_markdown_keeps_the_invariants(text in markdown_doc(), options in options()) {
        let options = ChunkOptions { markdown: true, ..options };
        let chunks = check_invariants(&text, &options);
        let has_heading = text.lines().any(|l| l.starts_with('#'));
        if !has_heading {
            prop_assert!(chunks.iter().all(|c| c.heading.is_none()));
        }
        for chunk in &chunks {
            if let Some(heading) = &chunk.heading {
                prop_assert!(!heading.is_empty());
            }
        }
    }
}

#[test]
fn whitespace_padded_text_is_cut_by_bytes_too() {
    // A space-padded line is 2 word pieces in 70 KB: counted by pieces alone it would be one
    // chunk over the store's 64 KiB limit, and the upload would fail for good.
    let text = format!("a{}b\nsecond line", " ".repeat(70_000));
    for max_tokens in [16, 256, 8192] {
        let chunks = chunk_text(&text, &opts(max_tokens, 0, false)).unwrap();
        assert!(chunks.len() > 1);
        for chunk in &chunks {
            assert!(
                chunk.text.len() <= gantry_core::validate::MAX_CHUNK_BYTES,
                "a chunk of {} bytes at max_tokens {max_tokens}",
                chunk.text.len()
            );
        }
        let all: String = chunks.iter().map(|c| c.text.as_str()).collect();
        assert!(all.contains('a') && all.contains('b') && all.contains("second line"));
    }
    // Ordinary prose is still cut by word pieces.
    let prose = "The quick brown fox jumps over the lazy dog. ".repeat(200);
    let chunks = chunk_text(&prose, &opts(256, 0, false)).unwrap();
    assert!(
        chunks.iter().any(|c| c.token_count > 200),
        "pieces still decide prose chunks"
    );
}
