//! Puts the built web UI (`web/dist`, made by `scripts/build-web`) where the server embeds
//! it from, so `gantry serve` is one file to copy. Without a build, a page saying how to
//! make one is embedded instead, so the Rust crates build on their own.
// A build script reports trouble by panicking, with the reason.
#![allow(clippy::expect_used)]

use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let dist = manifest.join("../web/dist");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo")).join("web");
    println!("cargo:rerun-if-changed={}", dist.display());
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).expect("the build directory is writable");
    if dist.join("index.html").is_file() {
        copy(&dist, &out);
    } else {
        std::fs::write(out.join("index.html"), PLACEHOLDER)
            .expect("the build directory is writable");
    }
}

/// Copies the tree at `from` into `to`.
fn copy(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("web/dist is readable") {
        let entry = entry.expect("web/dist is readable");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("web/dist is readable").is_dir() {
            std::fs::create_dir_all(&target).expect("the build directory is writable");
            copy(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("the build directory is writable");
        }
    }
}

const PLACEHOLDER: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Gantry</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5">
<h1>Gantry is running</h1>
<p>This build of <code>gantry</code> was made without its web UI. Build the UI with
<code>scripts/build-web</code>, then build <code>gantry</code> again (<code>scripts/serve</code> does both).</p>
<p>The HTTP API answers meanwhile: see <a href="/api/openapi.json">/api/openapi.json</a>.</p>
</body></html>
"#;
