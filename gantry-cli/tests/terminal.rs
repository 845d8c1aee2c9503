//! `gantry chat` and `gantry ingest` as a person uses them: in a real terminal (tmux), keys
//! sent, the screen read. Ctrl+C stops an answer mid-stream and the session goes on.
//! Needs tmux and the real llama-server (GANTRY_LLM_URL; scripts/test sets it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod support;

/// A tmux server of this test's own, killed when dropped.
struct Terminal {
    socket: String,
}

impl Terminal {
    /// Starts `command` in a fresh 120x40 terminal.
    fn start(name: &str, command: &str) -> Self {
        let socket = format!("gantry-{name}-{}", std::process::id());
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "new-session",
                "-d",
                "-x",
                "120",
                "-y",
                "40",
                "-s",
                "t",
            ])
            .arg(format!("{command}; echo '[exited '$?']'; sleep 600"))
            .status()
            .expect("tmux runs (Debian's tmux package; .ci/run installs it)");
        assert!(status.success());
        Self { socket }
    }

    fn keys(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "t"])
            .args(keys)
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn screen(&self) -> String {
        let output = Command::new("tmux")
            .args([
                "-L",
                &self.socket,
                "capture-pane",
                "-p",
                "-J",
                "-t",
                "t",
                "-S",
                "-200",
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Waits until the screen satisfies `seen`; fails with the screen after `secs`.
    fn wait_for(&self, what: &str, secs: u64, seen: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let screen = self.screen();
            if seen(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "waited {secs} s for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

/// The environment line for a command in the terminal: a data directory with one account.
fn prepared(dir: &Path) -> String {
    let bin = env!("CARGO_BIN_EXE_gantry");
    let output = Command::new(bin)
        .args([
            "users",
            "add",
            "--email",
            "ada@example.com",
            "--name",
            "Ada",
        ])
        .env("GANTRY_DATA_DIR", dir)
        .env("GANTRY_PASSWORD", "a long enough password")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let llm = support::required("GANTRY_LLM_URL");
    let mut env = format!(
        "env GANTRY_DATA_DIR={} GANTRY_LLM_URL={llm} GANTRY_CONTEXT_LENGTH=2048 GANTRY_LOG=error NO_COLOR=1",
        dir.display()
    );
    if let Ok(minilm) = std::env::var("GANTRY_MINILM_DIR") {
        env.push_str(&format!(" GANTRY_MINILM_DIR={minilm}"));
    }
    format!("{env} {bin}")
}

/// The text after the last line that starts with `marker`.
fn after_last<'a>(screen: &'a str, marker: &str) -> &'a str {
    screen.rfind(marker).map_or("", |at| &screen[at..])
}

#[test]
fn chat_streams_answers_and_ctrl_c_stops_one_without_leaving() {
    let dir = tempfile::tempdir().unwrap();
    let gantry = prepared(dir.path());
    let term = Terminal::start("chat", &format!("{gantry} chat"));
    term.wait_for("the prompt", 120, |s| s.contains("you> "));

    term.keys(&["Say hello in one short sentence.", "Enter"]);
    let screen = term.wait_for("a whole answer and its footnote", 120, |s| {
        s.contains(" tokens")
    });
    assert!(screen.contains("Say hello"), "{screen}");

    // A long answer, stopped while it streams: what arrived stays, the prompt returns.
    // The small model sometimes answers in one short sentence, done before Ctrl+C could
    // land: then it is asked again (the question is found by its prompt line, which an
    // answer never writes).
    const ASKED: &str = "you> Write a very long story about a lighthouse keeper";
    let mut stopped = None;
    for _ in 0..4 {
        term.keys(&[
            "Write a very long story about a lighthouse keeper and the sea, in many chapters.",
            "Enter",
        ]);
        term.wait_for("the answer to start streaming", 120, |s| {
            let answer = after_last(s, ASKED);
            answer.contains(" tokens · ")
                || answer
                    .lines()
                    .skip(1)
                    .map(str::trim)
                    .collect::<String>()
                    .len()
                    > 40
        });
        term.keys(&["C-c"]);
        let screen = term.wait_for("the stop, or the end of the answer", 30, |s| {
            let answer = after_last(s, ASKED);
            answer.contains(" tokens · ")
                || after_last(answer, "(stopped; what arrived is kept)").contains("you> ")
        });
        if after_last(&screen, ASKED).contains("(stopped; what arrived is kept)") {
            stopped = Some(screen);
            break;
        }
    }
    let screen = stopped.expect("an answer long enough to be stopped, in four tries");
    assert!(
        !screen.contains("[exited"),
        "Ctrl+C during an answer does not quit: {screen}"
    );
    let partial: String = after_last(&screen, ASKED)
        .lines()
        .skip(1)
        .take_while(|l| !l.contains("(stopped"))
        .collect();

    // The partial answer was kept: /history shows it.
    term.keys(&["/history", "Enter"]);
    let head: String = partial.trim().chars().take(20).collect();
    term.wait_for("the history with the stopped answer", 30, |s| {
        after_last(s, "/history").contains(head.as_str())
    });

    // Ctrl+C at the prompt does not quit either; /quit does.
    term.keys(&["C-c"]);
    term.wait_for("the hint", 10, |s| s.contains("(Ctrl+D or /quit to leave)"));
    term.keys(&["/quit", "Enter"]);
    term.wait_for("the exit", 30, |s| s.contains("[exited 0]"));
}

#[test]
fn ingest_shows_progress_and_sums_up_what_is_ready_and_what_failed() {
    let dir = tempfile::tempdir().unwrap();
    let gantry = prepared(dir.path());
    let files = tempfile::tempdir().unwrap();
    let nested = files.path().join("notes");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::write(
        files.path().join("tides.md"),
        "# Tides\n\nThe moon pulls the sea.\n",
    )
    .unwrap();
    std::fs::write(
        nested.join("keeper.txt"),
        "The lighthouse keeper trims the wick at dusk.\n",
    )
    .unwrap();
    std::fs::write(
        nested.join("broken.pdf"),
        b"%PDF-1.7 this is not really a PDF",
    )
    .unwrap();
    std::fs::write(nested.join(".hidden.txt"), "skipped").unwrap();

    let term = Terminal::start(
        "ingest",
        &format!("{gantry} ingest {}", files.path().display()),
    );
    let screen = term.wait_for("the summary", 180, |s| s.contains("[exited"));
    assert!(screen.contains("2 ready, 1 failed, of 3 files"), "{screen}");
    assert!(
        screen.contains("broken.pdf: "),
        "the failure says why: {screen}"
    );
    assert!(
        screen.contains("[exited 1]"),
        "a failed file fails the command: {screen}"
    );
}
