//! Why a file yielded no text, in words meant for the person who uploaded it.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use gantry_core::Error;

use super::{FileKind, KIB, MIB};

/// The file types Gantry reads, as listed in [`ExtractError::Unsupported`]'s message.
const SUPPORTED: &str = ".txt, .md, .csv, .html, .pdf, .docx";

/// Why a file yielded no text. The message is meant for the person who uploaded it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum ExtractError {
    /// The type is not one Gantry reads; holds the extension without dot ("" if none).
    #[error("unsupported file type {}; Gantry reads {SUPPORTED}", file_type(.0))]
    Unsupported(String),
    /// The upload is larger than [`ExtractLimits::max_bytes`](super::ExtractLimits::max_bytes).
    #[error("the file is larger than the {} limit", Bytes(*.limit))]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A .docx's XML unpacks to more than
    /// [`ExtractLimits::max_bytes`](super::ExtractLimits::max_bytes) (a zip bomb, or simply
    /// too large).
    #[error("the .docx unpacks to more than the {} limit", Bytes(*.limit))]
    UnpacksTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The text is longer than
    /// [`ExtractLimits::max_text_bytes`](super::ExtractLimits::max_text_bytes).
    #[error("the file holds more than the {} limit of text", Bytes(*.limit))]
    TooMuchText {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The file is not a valid file of its kind (or, for a PDF, is encrypted).
    #[error("the {kind} is damaged{}{}", or_locked(*.kind), in_brackets(.detail))]
    Damaged {
        /// The kind it was read as.
        kind: FileKind,
        /// What the reader tripped on, e.g. `invalid file trailer`.
        detail: String,
    },
    /// The file was read but holds no text (a scanned PDF, an empty document).
    #[error("{}", no_text(*.kind))]
    NoText {
        /// The kind it was read as.
        kind: FileKind,
    },
    /// [`extract`](super::extract()) gave up after
    /// [`ExtractLimits::timeout`](super::ExtractLimits::timeout).
    #[error("reading the file took longer than {}", Secs(*.limit))]
    TimedOut {
        /// The time limit.
        limit: Duration,
    },
    /// Reading the file needed more memory than
    /// [`ExtractLimits::reader_memory`](super::ExtractLimits::reader_memory) (a PDF whose
    /// streams inflate without end, or simply a very heavy file).
    #[error("reading the file needs more than the {} memory limit", Bytes(*.limit))]
    TooDemanding {
        /// The limit, in bytes.
        limit: usize,
    },
    /// Files of this kind are read by a separate program, which was not found.
    #[error(
        "{kind} files are read by a separate program, {}, which was not found beside this \
         program or on PATH; install it there or name it (GANTRY_EXTRACT_PROGRAM)",
        super::process::READER_PROGRAM
    )]
    ReaderMissing {
        /// The kind that needs it.
        kind: FileKind,
    },
    /// The extraction task could not run (the runtime is shutting down).
    #[error("text extraction failed: {0}")]
    Internal(String),
}

/// How [`ExtractError::Unsupported`] names the type: `.odt`, or that there is none.
fn file_type(extension: &str) -> Cow<'static, str> {
    if extension.is_empty() {
        Cow::Borrowed("(the name has no extension)")
    } else {
        Cow::Owned(format!(".{extension}"))
    }
}

/// What else a damaged file of `kind` may be instead.
fn or_locked(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Pdf => " or encrypted",
        FileKind::Docx => " or password-protected",
        _ => "",
    }
}

/// ` (detail)`, or nothing for no detail.
fn in_brackets(detail: &str) -> Cow<'static, str> {
    if detail.is_empty() {
        Cow::Borrowed("")
    } else {
        Cow::Owned(format!(" ({detail})"))
    }
}

/// [`ExtractError::NoText`]'s message, with a hint where the kind suggests one.
fn no_text(kind: FileKind) -> Cow<'static, str> {
    match kind {
        FileKind::Pdf => {
            Cow::Borrowed("the PDF holds no text (a scanned PDF needs text recognition first)")
        }
        FileKind::Docx => Cow::Borrowed("the .docx holds no document text"),
        kind => Cow::Owned(format!("no text found in the {kind}")),
    }
}

/// The upload's fault ([`Error::InvalidInput`] on field `file`), except for an internal
/// failure.
impl From<ExtractError> for Error {
    fn from(err: ExtractError) -> Self {
        match err {
            ExtractError::Internal(message) => Error::internal(format!("extraction: {message}")),
            unsupported @ ExtractError::Unsupported(_) => Error::UnsupportedType {
                what: unsupported.to_string(),
            },
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

/// An [`ExtractError::Damaged`] for a file of `kind`.
pub(super) fn damaged(kind: FileKind, detail: impl Into<String>) -> ExtractError {
    ExtractError::Damaged {
        kind,
        detail: detail.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_read_naturally() {
        assert_eq!(Bytes(50 * MIB).to_string(), "50 MiB");
        assert_eq!(Bytes(512 * KIB).to_string(), "512 KiB");
        assert_eq!(Bytes(1000).to_string(), "1000 bytes");
        assert_eq!(Secs(Duration::from_secs(30)).to_string(), "30 s");
        assert_eq!(Secs(Duration::from_millis(1500)).to_string(), "1500 ms");
    }
}
