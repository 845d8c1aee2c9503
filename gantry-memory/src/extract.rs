//! Text extraction: an uploaded file's bytes become plain text for chunking and indexing.
//!
//! Uploads are untrusted, so every reader is defensive: the input is capped before any
//! parsing, a .docx's XML is capped as it unpacks (zip bombs), the whole extraction runs
//! under `catch_unwind` (pdf-extract and lopdf panic on some malformed PDFs), and
//! [`extract`] runs it on the blocking pool under a timeout. Every failure is an
//! [`ExtractError`] whose message a person can act on.

use std::borrow::Cow;
use std::fmt;
use std::io::{Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use gantry_core::Error;
use quick_xml::events::Event;

/// The file types Gantry reads, as listed in [`ExtractError::Unsupported`]'s message.
const SUPPORTED: &str = ".txt, .md, .csv, .html, .pdf, .docx";

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
    /// A PDF with a text layer (scans without one have no text to find).
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
}

impl Default for ExtractLimits {
    fn default() -> Self {
        Self {
            max_bytes: 50 * MIB,
            max_text_bytes: 20 * MIB,
            timeout: Duration::from_secs(30),
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
}

/// Why a file yielded no text. The message is meant for the person who uploaded it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExtractError {
    /// The type is not one Gantry reads; holds the extension without dot ("" if none).
    Unsupported(String),
    /// The upload is larger than [`ExtractLimits::max_bytes`].
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A .docx's XML unpacks to more than [`ExtractLimits::max_bytes`] (a zip bomb, or
    /// simply too large).
    UnpacksTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The text is longer than [`ExtractLimits::max_text_bytes`].
    TooMuchText {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The file is not a valid file of its kind (or, for a PDF, is encrypted).
    Damaged {
        /// The kind it was read as.
        kind: FileKind,
        /// What the reader tripped on, e.g. `invalid file trailer`.
        detail: String,
    },
    /// The file was read but holds no text (a scanned PDF, an empty document).
    NoText {
        /// The kind it was read as.
        kind: FileKind,
    },
    /// [`extract`] gave up after [`ExtractLimits::timeout`].
    TimedOut {
        /// The time limit.
        limit: Duration,
    },
    /// The extraction task could not run (the runtime is shutting down).
    Internal(String),
}

impl fmt::Display for ExtractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unsupported(ext) if ext.is_empty() => write!(
                f,
                "unsupported file type (the name has no extension); Gantry reads {SUPPORTED}"
            ),
            Self::Unsupported(ext) => {
                write!(f, "unsupported file type .{ext}; Gantry reads {SUPPORTED}")
            }
            Self::TooLarge { limit } => {
                write!(f, "the file is larger than the {} limit", Bytes(*limit))
            }
            Self::UnpacksTooLarge { limit } => write!(
                f,
                "the .docx unpacks to more than the {} limit",
                Bytes(*limit)
            ),
            Self::TooMuchText { limit } => write!(
                f,
                "the file holds more than the {} limit of text",
                Bytes(*limit)
            ),
            Self::Damaged { kind, detail } => {
                let or = match kind {
                    FileKind::Pdf => " or encrypted",
                    FileKind::Docx => " or password-protected",
                    _ => "",
                };
                write!(f, "the {kind} is damaged{or}")?;
                if !detail.is_empty() {
                    write!(f, " ({detail})")?;
                }
                Ok(())
            }
            Self::NoText {
                kind: FileKind::Pdf,
            } => f.write_str("the PDF holds no text (a scanned PDF needs text recognition first)"),
            Self::NoText {
                kind: FileKind::Docx,
            } => f.write_str("the .docx holds no document text"),
            Self::NoText { kind } => write!(f, "no text found in the {kind}"),
            Self::TimedOut { limit } => {
                write!(f, "reading the file took longer than {}", Secs(*limit))
            }
            Self::Internal(message) => write!(f, "text extraction failed: {message}"),
        }
    }
}

impl std::error::Error for ExtractError {}

/// The upload's fault ([`Error::InvalidInput`] on field `file`), except for an internal
/// failure.
impl From<ExtractError> for Error {
    fn from(err: ExtractError) -> Self {
        match err {
            ExtractError::Internal(message) => Error::internal(format!("extraction: {message}")),
            other => Error::invalid("file", other.to_string()),
        }
    }
}

/// A byte count as people write it: `50 MiB`, `512 KiB`, `100 bytes`.
struct Bytes(usize);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        if n >= MIB && n.is_multiple_of(MIB) {
            write!(f, "{} MiB", n / MIB)
        } else if n >= KIB && n.is_multiple_of(KIB) {
            write!(f, "{} KiB", n / KIB)
        } else {
            write!(f, "{n} bytes")
        }
    }
}

/// A duration as people write it: `30 s`, `1500 ms`.
struct Secs(Duration);

impl fmt::Display for Secs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.subsec_nanos() == 0 {
            write!(f, "{} s", self.0.as_secs())
        } else {
            write!(f, "{} ms", self.0.as_millis())
        }
    }
}

fn damaged(kind: FileKind, detail: impl Into<String>) -> ExtractError {
    ExtractError::Damaged {
        kind,
        detail: detail.into(),
    }
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
    let text = normalise_owned(raw);
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

/// Reads `bytes` as a file of `kind` into normalised text, synchronously (a large PDF
/// can take seconds; async callers want [`extract`]). Never panics: a reader's panic is
/// reported as [`ExtractError::Damaged`].
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
    let text = normalise(&raw);
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

/// Detects the kind of `filename` and extracts its text on tokio's blocking pool, giving
/// up after `limits.timeout`. A timed-out extraction is abandoned, not stopped: its
/// blocking thread runs on until the reader returns (Rust cannot kill a thread), which
/// the input caps keep finite in practice.
pub async fn extract(
    filename: &str,
    bytes: Vec<u8>,
    limits: ExtractLimits,
) -> Result<Extracted, ExtractError> {
    if bytes.len() > limits.max_bytes {
        return Err(ExtractError::TooLarge {
            limit: limits.max_bytes,
        });
    }
    let kind = detect_kind(filename, &bytes)?;
    let task = tokio::task::spawn_blocking(move || extract_text_owned(kind, bytes, &limits));
    match tokio::time::timeout(limits.timeout, task).await {
        Ok(Ok(text)) => text.map(|text| Extracted { kind, text }),
        Ok(Err(join)) => Err(ExtractError::Internal(join.to_string())),
        Err(_) => {
            tracing::warn!(%kind, filename, "text extraction timed out; abandoned");
            Err(ExtractError::TimedOut {
                limit: limits.timeout,
            })
        }
    }
}

fn read_raw(kind: FileKind, bytes: &[u8], limits: &ExtractLimits) -> Result<String, ExtractError> {
    match kind {
        FileKind::Text | FileKind::Markdown => Ok(decode(bytes).into_owned()),
        FileKind::Csv => Ok(csv_to_text(&decode(bytes))),
        FileKind::Html => html_to_text(&decode(bytes)),
        FileKind::Pdf => pdf_extract::extract_text_from_mem(bytes)
            .map_err(|e| damaged(FileKind::Pdf, e.to_string())),
        FileKind::Docx => docx_to_text(bytes, limits),
    }
}

/// Decodes text of unknown encoding: UTF-8 (without its BOM), UTF-16 when a BOM says so,
/// and otherwise Latin-1 with Windows-1252's printable characters in 0x80–0x9F (where
/// Latin-1 has only invisible controls, which normalisation would delete anyway): the
/// legacy encodings of most non-UTF-8 text files met in practice.
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return decode_utf8_or_legacy(rest);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return Cow::Owned(decode_utf16(rest, u16::from_le_bytes));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return Cow::Owned(decode_utf16(rest, u16::from_be_bytes));
    }
    decode_utf8_or_legacy(bytes)
}

fn decode_utf8_or_legacy(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| windows_1252(b)).collect()),
    }
}

fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> String {
    let units = bytes.chunks_exact(2).map(|p| unit([p[0], p[1]]));
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// Windows-1252 for 0x80–0x9F, Latin-1 (byte = code point) for the rest.
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// CSV becomes one line per row, each cell named by its column: `city: Oslo, population:
/// 709000`. Chunks then carry the column names with the values, so a chunk cut from the
/// middle of a table still says what its numbers are, and a question naming a column finds
/// it by keyword as well as by meaning. Without a header row (a number or an empty cell in
/// the first row) the cells are just joined. Text the csv reader refuses stays as it was.
fn csv_to_text(text: &str) -> String {
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first_line.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = reader.records();
    let header: Vec<String> = match rows.next() {
        Some(Ok(row)) => row.iter().map(|c| one_line(c.trim())).collect(),
        _ => return text.to_owned(),
    };
    let named = !header.is_empty()
        && header
            .iter()
            .all(|h| !h.is_empty() && h.parse::<f64>().is_err());
    let mut out = String::with_capacity(text.len() * 2);
    if !named {
        push_row(&mut out, header.iter().map(String::as_str), None);
    }
    let mut data_rows = 0usize;
    for row in rows {
        let Ok(row) = row else {
            return text.to_owned();
        };
        data_rows += 1;
        push_row(&mut out, row.iter(), named.then_some(header.as_slice()));
    }
    if named && data_rows == 0 {
        push_row(&mut out, header.iter().map(String::as_str), None);
    }
    out
}

fn push_row<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>, header: Option<&[String]>) {
    let mut first = true;
    for (i, cell) in cells.enumerate() {
        let cell = one_line(cell.trim());
        if cell.is_empty() {
            continue;
        }
        if !first {
            out.push_str(", ");
        }
        first = false;
        if let Some(header) = header {
            match header.get(i) {
                Some(name) => out.push_str(name),
                None => out.push_str(&format!("column {}", i + 1)),
            }
            out.push_str(": ");
        }
        out.push_str(&cell);
    }
    out.push('\n');
}

fn one_line(cell: &str) -> String {
    cell.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Rendered wide (no wrapping inside paragraphs), tables as one cell per line, with no
/// markup (no `#` before headings, no link references) to pollute keyword search;
/// html2text leaves out `<script>` and `<style>`. Deeply nested pages go to
/// [`strip_tags`] instead: html5ever's tree building is quadratic in the nesting depth
/// (50,000 nested `<div>`s take over 10 s, 20,000 unclosed `<b id=n>` over 15 s).
fn html_to_text(html: &str) -> Result<String, ExtractError> {
    const WIDTH: usize = 10_000;
    const MAX_DEPTH: usize = 512;
    if html_depth(html) > MAX_DEPTH {
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

/// The body text of a .docx: `w:t` runs, a newline per paragraph (`w:p`) and line break
/// (`w:br`, `w:cr`), a tab per `w:tab` outside tab-stop definitions (`w:tabs`). Headers,
/// footers and comments live in other parts and are not read.
fn docx_to_text(bytes: &[u8], limits: &ExtractLimits) -> Result<String, ExtractError> {
    let kind = FileKind::Docx;
    let limit = limits.max_bytes;
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| damaged(kind, format!("not a zip archive: {e}")))?;
    let mut entry = archive
        .by_name("word/document.xml")
        .map_err(|e| damaged(kind, format!("no readable word/document.xml: {e}")))?;
    // The declared size is checked first, then the actual one: a zip can lie.
    if entry.size() > limit as u64 {
        return Err(ExtractError::UnpacksTooLarge { limit });
    }
    let mut xml = Vec::new();
    (&mut entry)
        .take(limit as u64 + 1)
        .read_to_end(&mut xml)
        .map_err(|e| damaged(kind, format!("word/document.xml: {e}")))?;
    if xml.len() > limit {
        return Err(ExtractError::UnpacksTooLarge { limit });
    }
    let xml = decode(&xml);
    docx_xml_to_text(&xml).map_err(|e| damaged(kind, format!("word/document.xml: {e}")))
}

fn docx_xml_to_text(xml: &str) -> Result<String, quick_xml::Error> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = String::with_capacity(xml.len() / 4);
    let mut in_text = false;
    let mut in_tab_stops = 0usize;
    loop {
        match reader.read_event()? {
            Event::Start(e) => match e.local_name().as_ref() {
                "t" => in_text = true,
                "tabs" => in_tab_stops += 1,
                "tab" if in_tab_stops == 0 => out.push('\t'),
                "br" | "cr" => out.push('\n'),
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                "tab" if in_tab_stops == 0 => out.push('\t'),
                "br" | "cr" | "p" => out.push('\n'),
                "noBreakHyphen" => out.push('-'),
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "tabs" => in_tab_stops = in_tab_stops.saturating_sub(1),
                "p" => out.push('\n'),
                _ => {}
            },
            Event::Text(t) if in_text => out.push_str(&t.xml10_content()),
            Event::CData(t) if in_text => out.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_text => {
                let c = match r.resolve_char_ref()? {
                    Some(c) => Some(c),
                    None => match &*r {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => None,
                    },
                };
                if let Some(c) = c {
                    out.push(c);
                }
            }
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

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

    #[test]
    fn sizes_and_durations_read_naturally() {
        assert_eq!(Bytes(50 * MIB).to_string(), "50 MiB");
        assert_eq!(Bytes(512 * KIB).to_string(), "512 KiB");
        assert_eq!(Bytes(1000).to_string(), "1000 bytes");
        assert_eq!(Secs(Duration::from_secs(30)).to_string(), "30 s");
        assert_eq!(Secs(Duration::from_millis(1500)).to_string(), "1500 ms");
    }

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

    #[test]
    fn legacy_bytes_decode_as_windows_1252() {
        assert_eq!(decode(b"caf\xe9 \x93q\x94"), "café “q”");
        assert_eq!(decode(b"\xff\xfeh\x00i\x00"), "hi");
    }
}
