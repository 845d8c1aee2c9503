//! Hostile uploads cannot grow memory past a stated bound. Generated bombs of every kind
//! the extractors read in-process (a CSV whose wide header is repeated before every cell,
//! a .docx whose XML inflates, HTML of many or deeply nested elements, text padded with
//! whitespace) go through extraction and chunking, as an upload does, under a counting
//! allocator; the peak heap of each must stay within the bound [`bound`] states per kind:
//! a multiple of the input, plus fixed caps from the limits (ARCHITECTURE.md,
//! "Promises"). PDFs (streams that inflate to gigabytes, forms that draw themselves, pages
//! that are their own parent) are read in a separate process: this process stays within
//! the same bound, and the reading process within its memory limit, its peak measured by
//! the kernel. The allocator counts the whole process, so the cases run one at a time.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::{Cursor, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use gantry_memory::{
    ChunkOptions, ExtractError, ExtractLimits, FileKind, MAX_HTML_TREE_BYTES, chunks, extract_text,
    extract_with,
};
use gantry_test::alloc::{self, Counting};
use gantry_test::files::{inflating_pdf, parent_loop_pdf, self_drawing_pdf};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One test at a time: the counts are process-wide, so a test measuring, or building its
/// next input (a large PDF, a wide CSV), while another measures would be counted in the
/// other's peak. Within a test, measurements follow one another.
static ONE_TEST: Mutex<()> = Mutex::new(());

fn one_test() -> std::sync::MutexGuard<'static, ()> {
    ONE_TEST
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The stated bound's factors, per kind: what the input may cost as it is read (its
/// decoded copy, a CSV reader's record buffers), the unpacked XML of a .docx (read into a
/// buffer that may grow to twice the cap), the text (built, normalised, chunked), the
/// document tree of a small HTML page, and the chunker's fixed cost per window.
const INPUT_FACTOR: usize = 4;
const CSV_INPUT_FACTOR: usize = 20;
const UNPACK_FACTOR: usize = 2;
const TEXT_FACTOR: usize = 4;
const TREE_FACTOR: usize = 512;
/// The chunker splits the text a 256 KiB window at a time; text-splitter's bookkeeping
/// for a window is up to about 25 times its size (measured: 256 KiB of tabs, 6.4 MB).
const CHUNK_WINDOW_COST: usize = 32 * 256 * 1024;

const LIMITS: ExtractLimits = ExtractLimits {
    max_bytes: 4 << 20,
    max_text_bytes: 1 << 20,
    timeout: Duration::from_secs(60),
    reader_memory: 256 << 20,
};

/// What the reading process may hold beyond its heap limit: its program and libraries,
/// mapped from the file and counted in its resident size, and the stack.
const READER_FIXED_RSS: usize = 64 << 20;

fn bound(kind: FileKind, input: usize) -> usize {
    let read = match kind {
        FileKind::Csv => CSV_INPUT_FACTOR * input,
        _ => INPUT_FACTOR * input,
    };
    let unpacked = match kind {
        FileKind::Docx => UNPACK_FACTOR * LIMITS.max_bytes,
        _ => 0,
    };
    let tree = match kind {
        FileKind::Html => TREE_FACTOR * input.min(MAX_HTML_TREE_BYTES),
        _ => 0,
    };
    read + unpacked + TEXT_FACTOR * LIMITS.max_text_bytes + tree + CHUNK_WINDOW_COST
}

/// Extracts and chunks `bytes` as an upload of `kind`; returns the peak heap it added and
/// whether text came out.
fn peak_of_upload(kind: FileKind, bytes: &[u8]) -> (usize, bool) {
    let before = alloc::live();
    alloc::reset_peak();
    let read = match extract_text(kind, bytes, &LIMITS) {
        Ok(text) => {
            let mut pieces = 0usize;
            for chunk in chunks(&text, &ChunkOptions::for_kind(kind)).unwrap() {
                assert!(chunk.text.len() <= gantry_core::validate::MAX_CHUNK_BYTES);
                pieces += 1;
            }
            pieces > 0
        }
        Err(_) => false,
    };
    let peak = usize::try_from(alloc::peak() - before).unwrap_or(0);
    (peak, read)
}

fn check(kind: FileKind, bytes: &[u8]) -> Result<(), TestCaseError> {
    let (peak, _) = peak_of_upload(kind, bytes);
    within_bound(kind, bytes.len(), peak)
}

/// Fails the case when `peak` (this process's heap) is over the bound for an upload of
/// `kind` and `input` bytes.
fn within_bound(kind: FileKind, input: usize, peak: usize) -> Result<(), TestCaseError> {
    prop_assert!(
        peak <= bound(kind, input),
        "a {kind} of {} KiB peaked at {} KiB here, over the bound of {} KiB",
        input >> 10,
        peak >> 10,
        bound(kind, input) >> 10
    );
    Ok(())
}

/// A CSV with `columns` names of `name_len` letters, then one-letter rows up to `size`.
fn wide_csv(columns: usize, name_len: usize, size: usize) -> Vec<u8> {
    let name = "n".repeat(name_len);
    let mut csv = (0..columns)
        .map(|i| format!("{name}{i}"))
        .collect::<Vec<_>>()
        .join(",");
    csv.push('\n');
    let row = vec!["a"; columns].join(",") + "\n";
    while csv.len() < size {
        csv.push_str(&row);
    }
    csv.into_bytes()
}

/// A .docx whose `word/document.xml` is `paragraphs` copies of `paragraph`, deflated.
fn docx_bomb(paragraph: &str, paragraphs: usize) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("word/document.xml", options).unwrap();
    zip.write_all(
        br#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#,
    )
    .unwrap();
    for _ in 0..paragraphs {
        zip.write_all(paragraph.as_bytes()).unwrap();
    }
    zip.write_all(b"</w:body></w:document>").unwrap();
    zip.finish().unwrap().into_inner()
}

/// Runs `cases` generated inputs through `check`. The bombs run one after another in
/// one test (not as separate tests), because the counts are process-wide: another test
/// generating its next input would be counted in this one's peak.
fn run<S: Strategy>(strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>) {
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 12,
        ..ProptestConfig::default()
    });
    if let Err(failure) = runner.run(&strategy, test) {
        panic!("{failure}");
    }
}

#[test]
fn bombs_of_every_kind_stay_bounded() {
    let _alone = one_test();
    // CSV: wide headers repeated before every cell.
    run(
        (1usize..160, 1usize..16_384, 1usize..(1 << 20)),
        |(columns, name_len, size)| check(FileKind::Csv, &wide_csv(columns, name_len, size)),
    );
    // .docx: XML that inflates from a few KiB.
    run(
        (
            prop::sample::select(vec![
                "<w:p/>",
                "<w:p><w:r><w:t>x</w:t></w:r></w:p>",
                "<w:p><w:r><w:t>lorem ipsum dolor sit amet</w:t><w:tab/></w:r></w:p>",
            ]),
            1usize..400_000,
        ),
        |(paragraph, paragraphs)| check(FileKind::Docx, &docx_bomb(paragraph, paragraphs)),
    );
    // HTML: many small elements, or deep nesting.
    run(
        (
            prop::sample::select(vec![
                "<i>x</i>",
                "<div>",
                "<b id=n>",
                "<p>a",
                "<table><tr><td>x",
                "<a href=#>y</a> ",
            ]),
            1usize..300_000,
        ),
        |(element, count)| check(FileKind::Html, element.repeat(count).as_bytes()),
    );
    // Text and Markdown padded with what counts as no word piece.
    run(
        (
            prop::sample::select(vec![" ", "\u{200B}", "\u{301}", "\t", "\n\n"]),
            1usize..200_000,
            1usize..40,
        ),
        |(pad, width, lines)| {
            let line = format!("a{}b\n", pad.repeat(width));
            let text = line.repeat(lines);
            prop_assume!(text.len() <= LIMITS.max_bytes);
            check(FileKind::Text, text.as_bytes())?;
            check(FileKind::Markdown, text.as_bytes())
        },
    );
}

/// Reads `bytes` as an uploaded PDF, as an upload is read; returns the outcome, the
/// peak heap it added to this process, and the largest resident size of any reading
/// process so far.
fn read_pdf(bytes: &[u8], limits: ExtractLimits) -> (Result<String, ExtractError>, usize, usize) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let reader = Path::new(env!("CARGO_BIN_EXE_gantry-extract"));
    let bytes = bytes.to_vec();
    let before = alloc::live();
    alloc::reset_peak();
    let outcome = runtime
        .block_on(extract_with("upload.pdf", bytes, limits, Some(reader)))
        .map(|extracted| extracted.text);
    let peak = usize::try_from(alloc::peak() - before).unwrap_or(0);
    (outcome, peak, largest_child_rss())
}

/// The largest resident size of any child process this process has waited for, as the
/// kernel measured it.
fn largest_child_rss() -> usize {
    let usage =
        nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).unwrap();
    // Linux reports kilobytes.
    usize::try_from(usage.max_rss()).unwrap_or(0) * 1024
}

fn check_pdf(bytes: &[u8]) -> Result<Result<String, ExtractError>, TestCaseError> {
    check_pdf_within(bytes, LIMITS)
}

fn check_pdf_within(
    bytes: &[u8],
    limits: ExtractLimits,
) -> Result<Result<String, ExtractError>, TestCaseError> {
    let (outcome, peak, child) = read_pdf(bytes, limits);
    within_bound(FileKind::Pdf, bytes.len(), peak)?;
    prop_assert!(
        child <= LIMITS.reader_memory + READER_FIXED_RSS,
        "a reading process grew to {} MiB, over its limit of {} MiB",
        child >> 20,
        (LIMITS.reader_memory + READER_FIXED_RSS) >> 20
    );
    Ok(outcome)
}

#[test]
fn pdf_bombs_are_stopped_in_their_reading_process() {
    let _alone = one_test();
    // Streams that inflate to up to 768 MiB from a few KiB each: read when they fit the reading
    // process's limit (zeros are no text), refused by name when they do not.
    run(1usize..768, |mib| {
        let outcome = check_pdf(&inflating_pdf(mib))?;
        prop_assert!(
            matches!(
                outcome,
                Err(ExtractError::NoText { .. } | ExtractError::TooDemanding { .. })
            ),
            "{outcome:?}"
        );
        Ok(())
    });
    let outcome = check_pdf(&inflating_pdf(767)).unwrap();
    assert_eq!(
        outcome,
        Err(ExtractError::TooDemanding {
            limit: LIMITS.reader_memory
        })
    );
    assert_eq!(
        outcome.unwrap_err().to_string(),
        "reading the file needs more than the 256 MiB memory limit"
    );
    // A form that draws itself overflows the reader's stack: that one upload fails.
    let outcome = check_pdf(&self_drawing_pdf()).unwrap();
    match outcome {
        Err(ExtractError::Damaged { kind, detail }) => {
            assert_eq!(kind, FileKind::Pdf);
            assert!(detail.contains("without end"), "{detail}");
        }
        other => panic!("expected a damaged PDF, got {other:?}"),
    }
    // A page that is its own parent sends the reader round in circles: it is stopped
    // (killed) when the time limit passes, not abandoned.
    let limits = ExtractLimits {
        timeout: Duration::from_secs(3),
        ..LIMITS
    };
    let outcome = check_pdf_within(&parent_loop_pdf(), limits).unwrap();
    assert_eq!(
        outcome,
        Err(ExtractError::TimedOut {
            limit: limits.timeout
        })
    );
}

/// The CSV the review reproduced (64 names of 8 KiB, 1 MiB in all) once peaked at 4.2 GB;
/// now it is refused within the bound.
#[test]
fn the_reviewed_csv_bomb_is_refused_within_the_bound() {
    let _alone = one_test();
    let csv = wide_csv(64, 8 * 1024, 1 << 20);
    let (peak, read) = peak_of_upload(FileKind::Csv, &csv);
    assert!(!read, "the expanded text is over the limit and refused");
    assert!(
        peak <= bound(FileKind::Csv, csv.len()),
        "peaked at {} KiB, over the bound of {} KiB",
        peak >> 10,
        bound(FileKind::Csv, csv.len()) >> 10
    );
}
