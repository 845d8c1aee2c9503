//! `gantry serve` as a person runs it: it says what it runs on and where it listens,
//! answers at once, and on SIGTERM saves what it must and exits 0.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

#[tokio::test]
async fn serve_prints_its_url_answers_and_exits_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_gantry"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GANTRY_DATA_DIR", dir.path())
        .env("GANTRY_ADMIN_EMAIL", "admin@example.com")
        .env("GANTRY_ADMIN_PASSWORD", "an unattended passphrase")
        .env("GANTRY_LOG_FORMAT", "json")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut log = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut said = Vec::new();
    let url = loop {
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .expect("it starts within a minute")
            .unwrap()
            .expect("it prints where it listens");
        said.push(line.clone());
        if let Some(url) = line.strip_prefix("Listening on ") {
            break url.to_owned();
        }
    };
    let said = said.join("\n");
    assert!(said.contains("sqlite"), "{said}");
    assert!(
        said.contains("first admin admin@example.com created"),
        "{said}"
    );
    assert!(
        said.contains("keyword search only"),
        "says why there are no embeddings: {said}"
    );
    assert!(
        said.contains("chat is unavailable"),
        "says there is no model: {said}"
    );

    let health = reqwest::get(format!("{url}/health")).await.unwrap();
    assert_eq!(health.status(), 200);
    let setup: serde_json::Value = reqwest::get(format!("{url}/api/setup"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        setup["needs_setup"], false,
        "the first admin came from the environment"
    );
    let login = reqwest::Client::new()
        .post(format!("{url}/api/auth/login"))
        .header("x-request-id", "support-ticket-42")
        .json(&serde_json::json!({
            "email": "admin@example.com",
            "password": "an unattended passphrase"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    assert_eq!(login.headers()["x-request-id"], "support-ticket-42");

    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("it stops within 30 s")
        .unwrap();
    assert!(status.success(), "exit 0 after SIGTERM: {status}");
    let mut rest = String::new();
    while let Ok(Some(line)) = lines.next_line().await {
        rest.push_str(&line);
    }
    assert!(rest.contains("Stopping"), "{rest}");
    // The log (stderr, JSON lines as asked) has a line for the sign-in, with its id, route
    // and status.
    let mut logged = Vec::new();
    while let Ok(Some(line)) = log.next_line().await {
        logged.push(line);
    }
    let line = logged
        .iter()
        .find(|line| line.contains("support-ticket-42"))
        .unwrap_or_else(|| panic!("the request is in the log: {logged:#?}"));
    let entry: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(entry["span"]["route"], "/api/auth/login", "{line}");
    assert_eq!(entry["fields"]["status"], 200, "{line}");
    assert!(entry["fields"]["latency"].is_string(), "{line}");
}
