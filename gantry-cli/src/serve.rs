//! `gantry serve`: the whole stack behind the HTTP API and the web UI, until a signal.

use anyhow::{Context, Result};
use gantry::{ChatModelInUse, Config, Gantry, NewAccount};

use crate::door::ServerFile;

/// `gantry serve`: opens the whole stack, says what it runs on, serves until a signal.
pub(crate) async fn serve(config: Config) -> Result<()> {
    let location = config.database();
    let gantry = Gantry::open(config)
        .await
        .with_context(|| format!("opening {location}"))?;
    println!(
        "Gantry {} on {}",
        gantry::VERSION,
        gantry.engine().database()
    );
    // An unattended first run: the first admin from the environment, once.
    if let (Ok(email), Ok(password)) = (
        std::env::var("GANTRY_ADMIN_EMAIL"),
        std::env::var("GANTRY_ADMIN_PASSWORD"),
    ) && gantry.engine().needs_setup().await?
    {
        let admin = gantry
            .engine()
            .set_up(NewAccount::new(email, "Admin", password))
            .await
            .context("creating the first admin from GANTRY_ADMIN_EMAIL")?;
        println!("  first admin {} created", admin.email);
    }
    match gantry.embedder_id() {
        Some(embedder) => println!("  embeddings  {embedder}"),
        None => println!("  embeddings  none (set GANTRY_MINILM_DIR): keyword search only"),
    }
    match gantry.chat_model_in_use() {
        ChatModelInUse::Backends if gantry.config().backends.is_empty() => {
            println!("  models      the backends added on the Admin page");
        }
        ChatModelInUse::Backends => {
            for backend in &gantry.config().backends {
                println!("  model       {} at {}", backend.name, backend.base_url);
            }
        }
        ChatModelInUse::None { reason } => {
            println!("  model       none: chat is unavailable: {reason}");
        }
        in_use => println!("  model       {in_use}"),
    }
    let data_dir = gantry.config().data_dir.clone();
    let served = gantry_server::serve(gantry, shutdown_signal(), |listening| {
        // Other commands on this data directory go through the server (see `door`).
        let mut local = listening.address;
        if local.ip().is_unspecified() {
            local.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        let file = ServerFile {
            url: format!("http://{local}"),
            pid: std::process::id(),
        };
        if let Ok(text) = serde_json::to_string(&file) {
            let _ = std::fs::write(ServerFile::path(&data_dir), text);
        }
        println!("Listening on {}", listening.url);
    })
    .await
    .context("serving");
    let _ = std::fs::remove_file(ServerFile::path(&data_dir));
    served
}

/// Completes at SIGTERM or Ctrl+C.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    println!("Stopping: saving answers in flight and the indexes");
}
