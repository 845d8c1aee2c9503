//! Text extraction: an uploaded file's bytes become plain text for chunking and indexing.
//!
//! Uploads are untrusted, so every reader is defensive: the input is capped before any
//! parsing, a .docx's XML is capped as it unpacks (zip bombs), CSV and HTML expansion is
//! bounded, and the in-process readers run under `catch_unwind` on the blocking pool under
//! a timeout. PDFs, whose reader cannot be bounded in-process, are read by [`extract`] in
//! a separate process with memory and time limits (see [`serve_reader_if_asked`]). Every
//! failure is an [`ExtractError`] whose message a person can act on.

mod csv;
mod decode;
mod docx;
mod error;
mod html;
mod normalise;
mod process;

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::Duration;

use gantry_core::Error;

use self::csv::csv_to_text;
use self::decode::decode;
use self::docx::docx_to_text;
pub use self::error::ExtractError;
use self::error::damaged;
pub use self::html::MAX_HTML_TREE_BYTES;
use self::html::html_to_text;
use self::normalise::{normalise, normalise_owned};
pub use self::process::{READER_ARG, READER_PROGRAM, find_reader, serve_reader_if_asked};

/// The kinds of file Gantry can turn into text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    /// Plain text (.txt).
    Text,
    /// Markdown (.md), kept as is so the chunker can follow its headings.
    Markdown,
    /// Comma-, semicolon- or tab-separated values (.csv).
    Csv,
    /// A web page (.html, .htm).
    Html,
    /// A PDF with a text layer (scans without one have no text to find). Read in a
    /// separate process by [`extract`].
    Pdf,
    /// A Word document (.docx, Office Open XML).
    Docx,
}

impl FileKind {
    /// Every kind, in the order of the "Gantry reads" list.
    pub const ALL: [FileKind; 6] = [
        Self::Text,
        Self::Markdown,
        Self::Csv,
        Self::Html,
        Self::Pdf,
        Self::Docx,
    ];

    /// Picks the kind from the file name's extension (case-insensitive), or, when the
    /// extension is missing or unknown, from the content: `%PDF-`, or a zip holding
    /// `word/document.xml`. A name without extension whose bytes look like text is text.
    pub fn detect(filename: &str, bytes: &[u8]) -> gantry_core::Result<FileKind> {
        detect_kind(filename, bytes).map_err(Error::from)
    }

    /// The kind an extension (without the dot, any case) names, if Gantry reads it.
    pub fn from_extension(extension: &str) -> Option<FileKind> {
        match extension.to_ascii_lowercase().as_str() {
            "txt" | "text" => Some(Self::Text),
            "md" | "markdown" => Some(Self::Markdown),
            "csv" => Some(Self::Csv),
            "html" | "htm" | "xhtml" => Some(Self::Html),
            "pdf" => Some(Self::Pdf),
            "docx" => Some(Self::Docx),
            _ => None,
        }
    }

    /// How messages name the file: "the PDF is damaged".
    pub fn label(self) -> &'static str {
        match self {
            Self::Text => "text file",
            Self::Markdown => "Markdown file",
            Self::Csv => "CSV file",
            Self::Html => "HTML page",
            Self::Pdf => "PDF",
            Self::Docx => ".docx",
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Resource limits for one extraction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtractLimits {
    /// Largest upload read, in bytes; also the most a .docx's XML may unpack to.
    pub max_bytes: usize,
    /// Largest text produced, in bytes (after normalisation).
    pub max_text_bytes: usize,
    /// Longest an extraction may take through [`extract`].
    pub timeout: Duration,
    /// Most memory (heap and other private mappings) a reading process may use: PDFs
    /// are read in one (see [`serve_reader_if_asked`]).
    pub reader_memory: usize,
}

impl Default for ExtractLimits {
    fn default() -> Self {
        Self {
            max_bytes: 50 * MIB,
            max_text_bytes: 20 * MIB,
            timeout: Duration::from_secs(30),
            reader_memory: 1024 * MIB,
        }
    }
}

const KIB: usize = 1024;
const MIB: usize = 1024 * KIB;

/// The text of an upload and the kind it was read as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extracted {
    /// The kind [`FileKind::detect`] chose.
    pub kind: FileKind,
    /// Normalised text: no NUL or other control character but `\n` and `\t`, `\n` line
    /// ends, at most one blank line in a row, never empty.
    pub text: String,
    /// Where each page with text begins in `text`, in order (PDFs; empty for kinds
    /// without pages), so a chunk can be cited by the page it starts on.
    pub pages: Vec<PageStart>,
}

/// A page's start in an extracted text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageStart {
    /// The byte offset in [`Extracted::text`] where the page's text begins.
    pub offset: usize,
    /// The page's number in the file, from 1 (pages without text are skipped, so numbers
    /// may jump).
    pub number: u32,
}

impl Extracted {
    /// The number of the page that byte `offset` of the text lies on, if the text has
    /// pages.
    pub fn page_at(&self, offset: usize) -> Option<u32> {
        page_at(&self.pages, offset)
    }
}

/// The number of the page that byte `offset` lies on, given the pages' starts.
fn page_at(pages: &[PageStart], offset: usize) -> Option<u32> {
    let after = pages.partition_point(|page| page.offset <= offset);
    pages.get(after.checked_sub(1)?).map(|page| page.number)
}

/// Separates the pages of a PDF's text as its reader writes it: a line holding only a
/// form feed, which normalising drops, so text read without [`paginate`] just runs on.
const PAGE_BREAK: &str = "\n\u{c}\n";

/// Normalises each page of `raw` (pages separated by [`PAGE_BREAK`]) and joins those with
/// text by a blank line, noting where each begins.
fn paginate(raw: &str) -> (String, Vec<PageStart>) {
    let mut text = String::with_capacity(raw.len());
    let mut pages = Vec::new();
    for (index, page) in raw.split(PAGE_BREAK).enumerate() {
        let page = normalise(page);
        if page.is_empty() {
            continue;
        }
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        pages.push(PageStart {
            offset: text.len(),
            number: u32::try_from(index + 1).unwrap_or(u32::MAX),
        });
        text.push_str(&page);
    }
    (text, pages)
}

fn detect_kind(filename: &str, bytes: &[u8]) -> Result<FileKind, ExtractError> {
    // Browsers may send a Windows path ("C:\fakepath\report.pdf"); only the last part counts.
    let name = filename.rsplit(['/', '\\']).next().unwrap_or(filename);
    let extension = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext,
        _ => "",
    };
    if let Some(kind) = FileKind::from_extension(extension) {
        return Ok(kind);
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok(FileKind::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") && contains(bytes, b"word/document.xml") {
        return Ok(FileKind::Docx);
    }
    if extension.is_empty() && looks_like_text(bytes) {
        return Ok(FileKind::Text);
    }
    Err(ExtractError::Unsupported(
        extension.chars().take(16).collect(),
    ))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// No NUL in the first 8 KiB and valid UTF-8 there (allowing a character cut at the end).
fn looks_like_text(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8 * KIB)];
    if head.is_empty() || head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() == 8 * KIB,
    }
}

/// Like [`extract_text`], taking the bytes: UTF-8 plain text and Markdown become their text
/// in the same buffer, so a large file is never held twice.
fn extract_text_owned(
    kind: FileKind,
    mut bytes: Vec<u8>,
    limits: &ExtractLimits,
) -> Result<String, ExtractError> {
    if !matches!(kind, FileKind::Text | FileKind::Markdown) {
        return extract_text(kind, &bytes, limits);
    }
    let bom = bytes.starts_with(b"\xEF\xBB\xBF");
    let body = if bom { &bytes[3..] } else { &bytes[..] };
    if std::str::from_utf8(body).is_err() || bytes.len() > limits.max_bytes {
        return extract_text(kind, &bytes, limits);
    }
    if bom {
        bytes.drain(..3);
    }
    let raw = String::from_utf8(bytes).map_err(|e| ExtractError::Internal(e.to_string()))?;
    checked(kind, normalise_owned(raw), limits)
}

/// `text` if it is within the limit and not empty.
fn checked(kind: FileKind, text: String, limits: &ExtractLimits) -> Result<String, ExtractError> {
    if text.len() > limits.max_text_bytes {
        return Err(ExtractError::TooMuchText {
            limit: limits.max_text_bytes,
        });
    }
    if text.is_empty() {
        return Err(ExtractError::NoText { kind });
    }
    Ok(text)
}

/// Reads `bytes` as a file of `kind` into normalised text, synchronously and in this
/// process (a large PDF can take seconds; async callers want [`extract`]). Never panics:
/// a reader's panic is reported as [`ExtractError::Damaged`]. Only for files that are
/// trusted or not PDFs: a hostile PDF can exhaust this process's memory or stack, which
/// no panic handler stops; [`extract`] reads PDFs in a separate process.
pub fn extract_text(
    kind: FileKind,
    bytes: &[u8],
    limits: &ExtractLimits,
) -> Result<String, ExtractError> {
    if bytes.len() > limits.max_bytes {
        return Err(ExtractError::TooLarge {
            limit: limits.max_bytes,
        });
    }
    let raw = match catch_unwind(AssertUnwindSafe(|| read_raw(kind, bytes, limits))) {
        Ok(raw) => raw?,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::warn!(%kind, %message, "a file reader panicked");
            return Err(damaged(kind, ""));
        }
    };
    checked(kind, normalise(&raw), limits)
}

/// Detects the kind of `filename` and extracts its text, giving up after
/// `limits.timeout`. PDFs are read in a separate process ([`find_reader`] picks the
/// program), which is killed when the time is up; the other kinds, whose readers are
/// bounded, on tokio's blocking pool (a timed-out one is abandoned, and its input caps
/// keep it finite).
pub async fn extract(
    filename: &str,
    bytes: Vec<u8>,
    limits: ExtractLimits,
) -> Result<Extracted, ExtractError> {
    extract_with(filename, bytes, limits, None).await
}

/// [`extract`], reading PDFs with the program `reader` (see [`serve_reader_if_asked`])
/// instead of the one [`find_reader`] finds.
pub async fn extract_with(
    filename: &str,
    bytes: Vec<u8>,
    limits: ExtractLimits,
    reader: Option<&Path>,
) -> Result<Extracted, ExtractError> {
    if bytes.len() > limits.max_bytes {
        return Err(ExtractError::TooLarge {
            limit: limits.max_bytes,
        });
    }
    let kind = detect_kind(filename, &bytes)?;
    if kind == FileKind::Pdf {
        let program = find_reader(reader).ok_or(ExtractError::ReaderMissing { kind })?;
        let raw = process::read_in_process(&program, kind, &bytes, &limits).await?;
        drop(bytes);
        let (text, pages) = tokio::task::spawn_blocking(move || {
            let (text, pages) = paginate(&raw);
            checked(kind, text, &limits).map(|text| (text, pages))
        })
        .await
        .map_err(|join| ExtractError::Internal(join.to_string()))??;
        return Ok(Extracted { kind, text, pages });
    }
    let task = tokio::task::spawn_blocking(move || extract_text_owned(kind, bytes, &limits));
    match tokio::time::timeout(limits.timeout, task).await {
        Ok(Ok(text)) => text.map(|text| Extracted {
            kind,
            text,
            pages: Vec::new(),
        }),
        Ok(Err(join)) => Err(ExtractError::Internal(join.to_string())),
        Err(_) => {
            tracing::warn!(%kind, filename, "text extraction timed out; abandoned");
            Err(ExtractError::TimedOut {
                limit: limits.timeout,
            })
        }
    }
}

/// The reader for `kind`, in this process.
fn read_raw(kind: FileKind, bytes: &[u8], limits: &ExtractLimits) -> Result<String, ExtractError> {
    match kind {
        FileKind::Text | FileKind::Markdown => Ok(decode(bytes).into_owned()),
        FileKind::Csv => csv_to_text(&decode(bytes), limits.max_text_bytes),
        FileKind::Html => html_to_text(&decode(bytes)),
        FileKind::Pdf => pdf_extract::extract_text_from_mem_by_pages(bytes)
            .map(|pages| pages.join(PAGE_BREAK))
            .map_err(|e| damaged(FileKind::Pdf, e.to_string())),
        FileKind::Docx => docx_to_text(bytes, limits),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_normalised_apart_and_located() {
        let raw = ["Intro\r\n\r\n\r\nline", "  \n", "Third\u{0}page"].join(PAGE_BREAK);
        let (text, pages) = paginate(&raw);
        assert_eq!(text, "Intro\n\nline\n\nThirdpage");
        let third = text.find("Third").unwrap();
        assert_eq!(
            pages,
            vec![
                PageStart {
                    offset: 0,
                    number: 1
                },
                PageStart {
                    offset: third,
                    number: 3
                }
            ],
            "the empty second page is skipped but keeps its number"
        );
        assert_eq!(page_at(&pages, 0), Some(1));
        assert_eq!(page_at(&pages, third - 1), Some(1));
        assert_eq!(page_at(&pages, third), Some(3));
        assert_eq!(page_at(&[], 5), None);
    }

    #[test]
    fn text_read_without_pages_runs_on_across_them() {
        let raw = ["one", "two"].join(PAGE_BREAK);
        assert_eq!(normalise(&raw), "one\n\ntwo");
    }
}
