//! Running the server: bind, say where and on what, serve until SIGTERM or Ctrl+C, then
//! finish: answers in flight are saved, the indexes saved, and the process exits 0.

use std::net::SocketAddr;

use gantry::Gantry;
use tokio::net::TcpListener;

use crate::app::{AppState, router};

/// Where a started server listens.
#[derive(Clone, Debug)]
pub struct Listening {
    /// The bound address (the port is the real one when 0 was asked for).
    pub address: SocketAddr,
    /// The URL people reach it at.
    pub url: String,
}

/// Serves `gantry` on its configured address until `shutdown` completes; then stops
/// accepting, lets requests in flight finish, and closes `gantry` (answers saved, indexes
/// saved). `started` is told where it listens once it does.
pub async fn serve(
    gantry: Gantry,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    started: impl FnOnce(&Listening),
) -> gantry::Result<()> {
    let settings = gantry.config().server.clone();
    let listener = TcpListener::bind(&settings.listen).await.map_err(|error| {
        gantry::Error::invalid(
            "server.listen",
            format!("cannot listen on {}: {error}", settings.listen),
        )
    })?;
    let address = listener
        .local_addr()
        .map_err(|e| gantry::Error::internal_from("reading the bound address", e))?;
    let url = settings.public_url(address);
    let state = AppState::new(gantry.clone(), &url)?;
    let (app, _doc) = router(state, settings.max_body_bytes);
    started(&Listening {
        address,
        url: url.clone(),
    });
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| gantry::Error::internal_from("serving HTTP", e))?;
    gantry.close().await
}
