//! The Rust side of the Python binding's search benchmark (gantry-py/bench/search.py is
//! the Python side): times `UserScope::search` on a data directory holding 1,000 small
//! documents, called the way the binding calls it (`Runtime::block_on` from a plain
//! thread, one call at a time) and from inside the runtime (`.await` in a loop).
//!
//! `cargo run -p gantry-py --example search_bench -- [DATA_DIR] [ITERATIONS] [QUERY] [DOCS]`
//!
//! Without DATA_DIR a temporary one is used. A directory without the benchmark's user is
//! filled first with DOCS (default 1,000) documents, the same ones bench/search.py writes,
//! so both sides can be pointed at one directory in turn.

use std::time::{Duration, Instant};

use gantry::{Config, Gantry, NewAccount, model::Role, store::PageRequest};

const EMAIL: &str = "bench@example.com";
const WORDS: [&str; 40] = [
    "lemon", "harvest", "porto", "river", "engine", "garden", "violin", "winter", "market",
    "copper", "lantern", "meadow", "harbour", "pepper", "signal", "canvas", "thunder", "orchard",
    "glacier", "saffron", "timber", "falcon", "marble", "velvet", "compass", "ember", "quartz",
    "willow", "cobalt", "juniper", "basalt", "cinder", "tundra", "lagoon", "mosaic", "nectar",
    "prairie", "summit", "walnut", "zephyr",
];

/// Document `i`'s text: the same formula as bench/search.py's `text(i)`.
fn text(i: usize) -> String {
    let words: Vec<&str> = (0..40)
        .map(|j| WORDS[(i * 7 + j * 3 + (i / 40)) % WORDS.len()])
        .collect();
    format!("Note {i}. {}.", words.join(" "))
}

fn stats(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let n = samples.len().max(1);
    let mean = samples.iter().sum::<Duration>() / n as u32;
    let at = |q: f64| samples[((n as f64 * q) as usize).min(n - 1)];
    println!(
        "{name}: n={n} mean={:.1}us median={:.1}us p90={:.1}us min={:.1}us",
        mean.as_secs_f64() * 1e6,
        at(0.5).as_secs_f64() * 1e6,
        at(0.9).as_secs_f64() * 1e6,
        at(0.0).as_secs_f64() * 1e6,
    );
}

fn main() -> gantry::Result<()> {
    let mut args = std::env::args().skip(1);
    // Removed at the end when the benchmark made it.
    let mut scratch = None;
    let dir = match args.next() {
        Some(dir) => std::path::PathBuf::from(dir),
        None => {
            let made = tempfile::tempdir()
                .map_err(|e| gantry::Error::internal_from("making a scratch directory", e))?;
            let dir = made.path().to_path_buf();
            scratch = Some(made);
            dir
        }
    };
    let iterations: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(2_000);
    let query = args.next().unwrap_or_else(|| "lemon harvest".to_owned());
    let docs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1_000);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| gantry::Error::internal_from("starting tokio", e))?;
    let config = Config {
        data_dir: dir.clone(),
        ..Config::default()
    };
    let gantry = runtime.block_on(Gantry::open(config))?;
    let me = runtime.block_on(async {
        let admin = gantry.operator();
        let user = match admin.find_user(EMAIL).await? {
            Some(user) => user,
            None => {
                let account = NewAccount::new(EMAIL, "Bench", "a long passphrase");
                admin.create_user(account, Role::User).await?
            }
        };
        let me = gantry.for_user(user.id);
        let have = me
            .documents(PageRequest::first(gantry::validate::MAX_PAGE))
            .await?
            .items
            .len();
        if have == 0 {
            let started = Instant::now();
            for i in 0..docs {
                let name = format!("doc-{i:04}.txt");
                me.add_document(&name, "text/plain", text(i).into_bytes())
                    .await?;
            }
            println!("wrote {docs} documents in {:.1?}", started.elapsed());
        }
        gantry.flush().await?;
        Ok::<_, gantry::Error>(me)
    })?;

    let found = runtime.block_on(me.search(&query, 10))?;
    println!(
        "rust: query {query:?} finds {} documents, {} conversations",
        found.documents.len(),
        found.conversations.len()
    );
    for _ in 0..200 {
        runtime.block_on(me.search(&query, 10))?;
    }
    // As the binding calls it: block_on from this (non-runtime) thread, once per call.
    let mut samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        let results = runtime.block_on(me.search(&query, 10))?;
        samples.push(started.elapsed());
        std::hint::black_box(results);
    }
    stats("rust block_on", samples);
    // From inside the runtime, for reference.
    let samples = runtime.block_on(async {
        let mut samples = Vec::with_capacity(iterations);
        for _ in 0..iterations {
            let started = Instant::now();
            let results = me.search(&query, 10).await?;
            samples.push(started.elapsed());
            std::hint::black_box(results);
        }
        Ok::<_, gantry::Error>(samples)
    })?;
    stats("rust await", samples);
    runtime.block_on(gantry.close())?;
    drop(scratch);
    Ok(())
}
