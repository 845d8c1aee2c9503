//! The `gantry` command as a script uses it, on a real SQLite data directory: its help
//! (snapshots), accounts, `--json` listings, exit codes, one-line errors, backup,
//! completions, the man page, and `doctor` naming what is wrong and how to fix it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Output;

mod support;

/// Runs `gantry` on `dir` with only `env` (and PATH) in its environment.
fn gantry(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    support::run_gantry(dir, args, env, stdin)
}

fn stdout(output: &Output) -> String {
    support::text(&output.stdout)
}

fn stderr(output: &Output) -> String {
    support::text(&output.stderr)
}

#[test]
fn help_lists_every_command_and_stays_as_documented() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["--help"],
        vec!["chat", "--help"],
        vec!["ask", "--help"],
        vec!["ingest", "--help"],
        vec!["users", "--help"],
        vec!["export", "--help"],
    ] {
        let output = gantry(dir.path(), &args, &[], None);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        let name = args.join("_").replace("--", "");
        insta::assert_snapshot!(name, stdout(&output));
    }
}

#[test]
fn accounts_are_added_listed_changed_and_disabled_with_json_for_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let add = |email: &str, name: &str, extra: &[&str]| {
        let mut args = vec!["users", "add", "--email", email, "--name", name];
        args.extend_from_slice(extra);
        gantry(d, &args, &[], Some("a long enough password\n"))
    };
    let first = add("ada@example.com", "Ada", &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stdout(&first).starts_with("created admin ada@example.com"),
        "{}",
        stdout(&first)
    );
    let second = add("bea@example.com", "Bea", &[]);
    assert!(stdout(&second).starts_with("created user bea@example.com"));

    let listed = gantry(d, &["users", "list"], &[], None);
    let text = stdout(&listed);
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 3, "a header and two accounts: {text}");
    assert!(rows[1].contains("ada@example.com") && rows[1].contains("admin"));

    assert!(
        gantry(d, &["users", "role", "bea@example.com", "admin"], &[], None)
            .status
            .success()
    );
    assert!(
        gantry(d, &["users", "disable", "bea@example.com"], &[], None)
            .status
            .success()
    );
    let json = gantry(d, &["users", "list", "--json"], &[], None);
    let users: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let bea = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "bea@example.com")
        .unwrap();
    assert_eq!(bea["role"], "admin");
    assert_eq!(bea["disabled"], true);

    // A new password for an account that exists; a clear error for one that does not.
    let passwd = gantry(
        d,
        &["users", "passwd", "bea@example.com"],
        &[("GANTRY_PASSWORD", "another long password")],
        None,
    );
    assert!(passwd.status.success(), "{}", stderr(&passwd));
    let missing = gantry(
        d,
        &["users", "passwd", "nobody@example.com"],
        &[("GANTRY_PASSWORD", "x")],
        None,
    );
    assert_eq!(missing.status.code(), Some(1));
    let said = stderr(&missing);
    assert_eq!(said.lines().count(), 1, "one line: {said}");
    assert!(
        said.contains("nobody@example.com") && said.contains("gantry users list"),
        "{said}"
    );
}

#[test]
fn exit_codes_tell_usage_errors_from_failures() {
    let dir = tempfile::tempdir().unwrap();
    let usage = gantry(
        dir.path(),
        &["users", "role", "x@example.com", "emperor"],
        &[],
        None,
    );
    assert_eq!(usage.status.code(), Some(2), "{}", stderr(&usage));
    let failure = gantry(
        dir.path(),
        &["export", "--conversation", "not-an-id"],
        &[],
        None,
    );
    assert_eq!(failure.status.code(), Some(1));
    let said = stderr(&failure);
    assert!(said.starts_with("error: "), "{said}");
    assert_eq!(said.lines().count(), 1, "{said}");
    let server = gantry(
        dir.path(),
        &["search", "tides", "--server", "http://127.0.0.1:9"],
        &[],
        None,
    );
    assert_eq!(server.status.code(), Some(1));
    assert!(
        stderr(&server).contains("GANTRY_API_KEY"),
        "{}",
        stderr(&server)
    );
}

#[test]
fn a_backup_is_a_working_copy_of_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    gantry(
        d,
        &[
            "users",
            "add",
            "--email",
            "ada@example.com",
            "--name",
            "Ada",
        ],
        &[],
        Some("a long enough password\n"),
    );
    let copy = dir.path().join("copy.db");
    let backup = gantry(d, &["backup", copy.to_str().unwrap()], &[], None);
    assert!(backup.status.success(), "{}", stderr(&backup));
    // Open the copy as a database of its own: it holds the account.
    let copied = gantry(
        d,
        &["users", "list", "--json"],
        &[(
            "GANTRY_DATABASE_URL",
            &format!("sqlite://{}", copy.display()),
        )],
        None,
    );
    let users: serde_json::Value = serde_json::from_slice(&copied.stdout).unwrap();
    assert_eq!(users[0]["email"], "ada@example.com");
    // It does not overwrite a file.
    let again = gantry(d, &["backup", copy.to_str().unwrap()], &[], None);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("exists already"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn doctor_names_what_is_wrong_and_how_to_fix_it() {
    let dir = tempfile::tempdir().unwrap();
    let output = gantry(
        dir.path(),
        &["doctor"],
        &[
            ("GANTRY_LLM_URL", "http://127.0.0.1:9/v1"),
            ("GANTRY_MINILM_DIR", "/nonexistent/minilm"),
        ],
        None,
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "a dead backend fails the check"
    );
    let text = stdout(&output);
    assert!(text.contains("✓ database"), "{text}");
    assert!(text.contains("none runs on this data directory"), "{text}");
    assert!(text.contains("✗ model backend"), "{text}");
    assert!(text.contains("→ start that server"), "{text}");
    assert!(
        text.contains("✗ embeddings") && text.contains("scripts/fetch-models"),
        "{text}"
    );

    let json = gantry(dir.path(), &["doctor", "--json"], &[], None);
    let findings: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let states: Vec<_> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["state"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        !states.contains(&"fail".to_owned()),
        "nothing configured is no failure: {findings}"
    );
    assert!(json.status.success());
}

#[test]
fn completions_and_the_man_page_come_from_the_command_definitions() {
    let dir = tempfile::tempdir().unwrap();
    let bash = stdout(&gantry(dir.path(), &["completions", "bash"], &[], None));
    assert!(
        bash.contains("_gantry()") && bash.contains("ingest"),
        "{bash}"
    );
    let man = stdout(&gantry(dir.path(), &["man"], &[], None));
    assert!(
        man.contains(".TH gantry") && man.contains("doctor"),
        "{}",
        &man[..man.len().min(300)]
    );
}

#[tokio::test]
async fn db_copy_moves_everything_to_postgresql_where_it_is_used_as_is() {
    let Some(schema) = gantry_test::postgres_schema().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_owned();
    let url = schema.url.clone();
    let (copied, listed) = tokio::task::spawn_blocking(move || {
        gantry(
            &d,
            &[
                "users",
                "add",
                "--email",
                "ada@example.com",
                "--name",
                "Ada",
            ],
            &[],
            Some("a long enough password\n"),
        );
        let copied = gantry(&d, &["db", "copy", "--to", &url], &[], None);
        let listed = gantry(
            &d,
            &["users", "list", "--json"],
            &[("GANTRY_DATABASE_URL", &url)],
            None,
        );
        (copied, listed)
    })
    .await
    .unwrap();
    assert!(copied.status.success(), "{}", stderr(&copied));
    let said = stdout(&copied);
    assert!(
        said.contains("checked row for row") && said.contains("users"),
        "{said}"
    );
    assert!(
        !said.contains("postgres://"),
        "no database URL (and password) is printed: {said}"
    );
    let users: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(users[0]["email"], "ada@example.com", "{}", stderr(&listed));
}
