//! `gantry serve` started as a person starts it: the real binary, its environment, its
//! printed URL.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout};

/// The admin every server here is started with.
pub const ADMIN_EMAIL: &str = "admin@example.com";
/// The admin's password.
pub const ADMIN_PASSWORD: &str = "an unattended passphrase";

/// A running `gantry serve`, killed when dropped.
pub struct Served {
    pub url: String,
    pub child: Child,
    /// What it printed before its URL.
    pub said: Vec<String>,
    /// The rest of its standard output.
    pub stdout: Lines<BufReader<ChildStdout>>,
}

/// The variable a test needs, or a failure saying how to get it.
pub fn required(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the tests with scripts/test, which sets it")
    })
}

/// Starts `gantry serve` on a free port with only `env` (and `PATH`) in its environment,
/// the first admin from [`ADMIN_EMAIL`], and waits for its URL.
pub async fn serve(env: &[(&str, &str)]) -> Served {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_gantry"));
    command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GANTRY_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("GANTRY_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut said = Vec::new();
    let url = loop {
        let line = tokio::time::timeout(Duration::from_secs(120), stdout.next_line())
            .await
            .expect("it starts within two minutes")
            .unwrap()
            .unwrap_or_else(|| panic!("it prints where it listens: {said:#?}"));
        said.push(line.clone());
        if let Some(url) = line.strip_prefix("Listening on ") {
            break url.to_owned();
        }
    };
    Served {
        url,
        child,
        said,
        stdout,
    }
}

/// The admin's session, on one server (the same cookie works on every server sharing
/// the store: see [`Session::on`]).
#[derive(Clone)]
pub struct Session {
    pub url: String,
    pub cookie: String,
    pub http: reqwest::Client,
}

impl Session {
    /// Signs in as the admin on the server at `url`.
    pub async fn sign_in(url: &str) -> Self {
        let http = reqwest::Client::new();
        let login = http
            .post(format!("{url}/api/auth/login"))
            .json(&serde_json::json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 200);
        let cookie = login.headers()["set-cookie"].to_str().unwrap();
        Self {
            url: url.to_owned(),
            cookie: cookie.split(';').next().unwrap().to_owned(),
            http,
        }
    }

    /// The same session, used on the server at `url`.
    pub fn on(&self, url: &str) -> Self {
        Self {
            url: url.to_owned(),
            ..self.clone()
        }
    }

    /// A GET with the session.
    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .get(format!("{}{path}", self.url))
            .header("cookie", &self.cookie)
    }

    /// A change (`method`) with the session and the server's own origin.
    pub fn change(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.url))
            .header("cookie", &self.cookie)
            .header("origin", &self.url)
    }

    /// A POST with the session and the server's own origin.
    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.change(reqwest::Method::POST, path)
    }

    /// A GET's JSON answer, which must be a success.
    pub async fn json(&self, path: &str) -> serde_json::Value {
        let answer = self.get(path).send().await.unwrap();
        assert!(answer.status().is_success(), "{path}: {}", answer.status());
        answer.json().await.unwrap()
    }
}

/// Runs `gantry` on the data directory `dir` with only `env` (and `PATH`) in its
/// environment, `stdin` written to it (or closed), and waits for it.
pub fn run_gantry(
    dir: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: Option<&str>,
) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_gantry"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GANTRY_DATA_DIR", dir)
        .env("GANTRY_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

/// What a finished command printed, as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
