//! Reading a file in a separate process, for readers that cannot be bounded in-process.
//!
//! pdf-extract (on lopdf) inflates Flate streams without a cap and recurses through Form
//! XObjects and `/Parent` chains: a 1 KiB stream can inflate to gigabytes, and a form that
//! draws itself overflows the stack. Neither an allocation failure nor a stack overflow
//! is a panic `catch_unwind` can stop: both abort the whole process. So PDFs are read by a
//! child process that limits itself (memory, CPU time, no files, no core dumps) before it
//! reads a byte, and that the parent kills when the time limit passes. A crash costs that
//! one upload, which fails with a reason; the server never notices.
//!
//! The reading program is either the running program itself, when its `main` calls
//! [`serve_reader_if_asked`] first (the `gantry` binary does, so `gantry serve` is one file),
//! or the `gantry-extract` program found beside it or on `PATH`, or one named explicitly.

use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::error::damaged;
use super::{ExtractError, ExtractLimits, FileKind, read_raw};

/// The first argument that makes a program a reading process.
pub const READER_ARG: &str = "--gantry-read-file";

/// The name of the stand-alone reading program, looked for beside the running program and
/// on `PATH`.
pub const READER_PROGRAM: &str = "gantry-extract";

/// Exit code of a reading process whose reader refused the file; its stderr holds the
/// [`ExtractError`] as JSON.
const REFUSED: i32 = 3;

/// Most of a reading process's stderr the parent keeps (panic messages, the refusal).
const MAX_STDERR: u64 = 64 * 1024;

/// Set once the running program has shown it can serve as a reading process.
static SELF_READS: AtomicBool = AtomicBool::new(false);

/// Call first thing in `main`: when the program was started as a reading process
/// (first argument [`READER_ARG`]), reads one file from stdin, writes its text to stdout
/// and exits; otherwise returns, and Gantry will start this same program to read PDFs.
///
/// A program that does not call it reads PDFs through `gantry-extract` beside it or on
/// `PATH` (or a program named in [`IngestOptions`](crate::IngestOptions)).
pub fn serve_reader_if_asked() {
    let mut args = std::env::args_os();
    if args.nth(1).as_deref() == Some(OsStr::new(READER_ARG)) {
        std::process::exit(serve_reader(args.collect()));
    }
    SELF_READS.store(true, Ordering::Relaxed);
}

/// The reading process: `<kind> <max input bytes> <max memory bytes> <cpu seconds>`.
fn serve_reader(args: Vec<OsString>) -> i32 {
    let Some(request) = ReaderRequest::parse(&args) else {
        eprintln!("{READER_PROGRAM}: Gantry starts this program itself to read uploads");
        return 2;
    };
    if let Err(error) = limit_self(&request) {
        eprintln!("{READER_PROGRAM}: cannot set resource limits: {error}");
        return 1;
    }
    let mut bytes = Vec::new();
    let input = std::io::stdin().lock().take(request.max_input as u64 + 1);
    if let Err(error) = { input }.read_to_end(&mut bytes) {
        eprintln!("{READER_PROGRAM}: cannot read the file: {error}");
        return 1;
    }
    let limits = ExtractLimits {
        max_bytes: request.max_input,
        ..ExtractLimits::default()
    };
    let result = if bytes.len() > request.max_input {
        Err(ExtractError::TooLarge {
            limit: request.max_input,
        })
    } else {
        read_raw(request.kind, &bytes, &limits)
    };
    drop(bytes);
    match result {
        Ok(text) => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Ok(()) => 0,
                // The parent stopped reading (the text is over its limit).
                Err(_) => 1,
            }
        }
        Err(refusal) => {
            let json = serde_json::to_string(&refusal).unwrap_or_default();
            eprintln!("{json}");
            REFUSED
        }
    }
}

/// What a reading process is asked to do, from its arguments.
struct ReaderRequest {
    kind: FileKind,
    max_input: usize,
    max_memory: u64,
    cpu_seconds: u64,
}

impl ReaderRequest {
    fn args(&self) -> [String; 4] {
        [
            serde_json::to_string(&self.kind)
                .unwrap_or_default()
                .trim_matches('"')
                .to_owned(),
            self.max_input.to_string(),
            self.max_memory.to_string(),
            self.cpu_seconds.to_string(),
        ]
    }

    fn parse(args: &[OsString]) -> Option<Self> {
        let [kind, max_input, max_memory, cpu_seconds] = args else {
            return None;
        };
        let kind = serde_json::from_value(serde_json::Value::String(kind.to_str()?.into())).ok()?;
        Some(Self {
            kind,
            max_input: max_input.to_str()?.parse().ok()?,
            max_memory: max_memory.to_str()?.parse().ok()?,
            cpu_seconds: cpu_seconds.to_str()?.parse().ok()?,
        })
    }
}

/// Limits the reading process before it reads anything: heap and other private memory,
/// CPU seconds (a backstop to the parent's kill), no files written, no core dumps.
#[cfg(unix)]
fn limit_self(request: &ReaderRequest) -> std::io::Result<()> {
    use rlimit::Resource;
    Resource::DATA.set(request.max_memory, request.max_memory)?;
    Resource::CPU.set(request.cpu_seconds, request.cpu_seconds.saturating_add(1))?;
    Resource::FSIZE.set(0, 0)?;
    Resource::CORE.set(0, 0)?;
    Ok(())
}

#[cfg(not(unix))]
fn limit_self(_request: &ReaderRequest) -> std::io::Result<()> {
    Ok(())
}

/// The program that reads files in a separate process: `configured` when given, else this
/// program if it serves as one ([`serve_reader_if_asked`]), else `gantry-extract` beside
/// it (or one folder up, where cargo puts binaries next to tests and examples) or on
/// `PATH`.
pub fn find_reader(configured: Option<&Path>) -> Option<PathBuf> {
    if let Some(program) = configured {
        return Some(program.to_path_buf());
    }
    let this = std::env::current_exe().ok();
    if SELF_READS.load(Ordering::Relaxed) {
        return this;
    }
    let name = format!("{READER_PROGRAM}{}", std::env::consts::EXE_SUFFIX);
    let beside = this
        .iter()
        .flat_map(|exe| exe.ancestors().skip(1).take(2))
        .map(Path::to_path_buf);
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .unwrap_or_default();
    beside
        .chain(on_path)
        .map(|dir| dir.join(&name))
        .find(|candidate| candidate.is_file())
}

/// Reads `bytes` as a `kind` file in a reading process started from `program`, within
/// `limits`: the process may use at most `limits.reader_memory` and is killed after
/// `limits.timeout`. Returns the raw text (not yet normalised), at most twice
/// `limits.max_text_bytes`.
pub(super) async fn read_in_process(
    program: &Path,
    kind: FileKind,
    bytes: &[u8],
    limits: &ExtractLimits,
) -> Result<String, ExtractError> {
    let request = ReaderRequest {
        kind,
        max_input: limits.max_bytes,
        max_memory: limits.reader_memory as u64,
        cpu_seconds: limits.timeout.as_secs().max(1) + 1,
    };
    let mut child = tokio::process::Command::new(program)
        .arg(READER_ARG)
        .args(request.args())
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|error| {
            ExtractError::Internal(format!(
                "cannot start the file reader {}: {error}",
                program.display()
            ))
        })?;
    let (Some(mut stdin), Some(stdout), Some(stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err(ExtractError::Internal(
            "the file reader has no pipes".into(),
        ));
    };
    let text_cap = limits.max_text_bytes.saturating_mul(2);
    let exchange = async {
        let send = async {
            // A reader that exits early closes its stdin; its exit status says why.
            let _ = stdin.write_all(bytes).await;
            drop(stdin);
        };
        let receive = async {
            let mut text = Vec::new();
            // Past the cap the pipe is dropped, so a reader still writing stops (EPIPE).
            let read = stdout
                .take(text_cap as u64 + 1)
                .read_to_end(&mut text)
                .await;
            read.map(|_| text)
        };
        let complain = async {
            let mut message = Vec::new();
            let _ = stderr.take(MAX_STDERR).read_to_end(&mut message).await;
            message
        };
        let ((), text, message) = tokio::join!(send, receive, complain);
        let status = child.wait().await;
        (text, message, status)
    };
    let (text, message, status) = match tokio::time::timeout(limits.timeout, exchange).await {
        Ok(done) => done,
        Err(_) => {
            // Really stopped, not abandoned: the reader's work ends with it.
            let _ = child.kill().await;
            return Err(ExtractError::TimedOut {
                limit: limits.timeout,
            });
        }
    };
    let status = status.map_err(|error| ExtractError::Internal(error.to_string()))?;
    let text = text.map_err(|error| ExtractError::Internal(error.to_string()))?;
    if text.len() > text_cap {
        return Err(ExtractError::TooMuchText {
            limit: limits.max_text_bytes,
        });
    }
    if !status.success() {
        return Err(why_it_failed(kind, status, &message, limits));
    }
    String::from_utf8(text).map_err(|_| damaged(kind, "the reader returned text that is not UTF-8"))
}

/// What a reading process's exit means for the person who uploaded the file.
fn why_it_failed(
    kind: FileKind,
    status: ExitStatus,
    stderr: &[u8],
    limits: &ExtractLimits,
) -> ExtractError {
    let message = String::from_utf8_lossy(stderr);
    if status.code() == Some(REFUSED)
        && let Some(refusal) = message
            .lines()
            .rev()
            .find_map(|line| serde_json::from_str::<ExtractError>(line).ok())
    {
        return refusal;
    }
    if message.contains("memory allocation of") {
        return ExtractError::TooDemanding {
            limit: limits.reader_memory,
        };
    }
    if cpu_time_ran_out(status) {
        return ExtractError::TimedOut {
            limit: limits.timeout,
        };
    }
    tracing::warn!(%kind, %status, stderr = %message.trim_end(), "the file reader crashed");
    if message.contains("overflowed its stack") {
        return damaged(kind, "it nests or repeats itself without end");
    }
    damaged(kind, "the reader could not make sense of it")
}

#[cfg(unix)]
fn cpu_time_ran_out(status: ExitStatus) -> bool {
    use std::os::unix::process::ExitStatusExt;
    // SIGXCPU at the soft limit, SIGKILL at the hard one.
    matches!(status.signal(), Some(24 | 9))
}

#[cfg(not(unix))]
fn cpu_time_ran_out(_status: ExitStatus) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_survives_its_arguments() {
        let request = ReaderRequest {
            kind: FileKind::Pdf,
            max_input: 50,
            max_memory: 1 << 30,
            cpu_seconds: 31,
        };
        let args: Vec<OsString> = request.args().into_iter().map(OsString::from).collect();
        let parsed = ReaderRequest::parse(&args).unwrap();
        assert_eq!(parsed.kind, FileKind::Pdf);
        assert_eq!(
            (parsed.max_input, parsed.max_memory, parsed.cpu_seconds),
            (50, 1 << 30, 31)
        );
        assert!(ReaderRequest::parse(&args[..3]).is_none());
    }
}
