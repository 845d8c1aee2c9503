//! Bulk export for admins: conversations of one user or everyone, active in a date range,
//! as a ZIP streamed to the client while it is written (never whole in memory). The audit
//! log records each export and whose data it held: this is the one way an admin reads
//! other people's conversations.

use std::io::Write;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use gantry::UserId;
use serde::Deserialize;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use utoipa::IntoParams;

use crate::auth::Admin;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Query;

/// Pieces of the ZIP in flight between its writer and the client.
const PIECES_IN_FLIGHT: usize = 8;
/// The size of each piece sent.
const PIECE_BYTES: usize = 64 * 1024;

/// Whose conversations, from when to when.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExportQuery {
    /// One account's conversations; everyone's without.
    #[param(value_type = Option<String>, format = Uuid)]
    user_id: Option<uuid::Uuid>,
    /// Conversations active from (inclusive; RFC 3339; default: the beginning).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    from: Option<OffsetDateTime>,
    /// Active before (exclusive; default: now).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    to: Option<OffsetDateTime>,
}

/// A ZIP of Gantry JSON files, one per conversation, and a manifest, streamed. A failure
/// half-way ends the download early (the ZIP is then incomplete, and the log says why).
#[utoipa::path(get, path = "/api/admin/export", tag = "admin", params(ExportQuery),
    responses((status = 200, description = "The ZIP, as an attachment", content_type = "application/zip"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn export(
    Admin(admin): Admin,
    Query(query): Query<ExportQuery>,
) -> ApiResult<Response> {
    let to = query.to.unwrap_or_else(OffsetDateTime::now_utc);
    let from = query.from.unwrap_or(OffsetDateTime::UNIX_EPOCH);
    gantry::validate::time_range(from, to)?;
    let user = query.user_id.map(UserId);
    if let Some(user) = user {
        // An unknown account is a 404 before the download starts.
        admin.user(user).await?;
    }
    let (sender, receiver) = mpsc::channel::<Result<Bytes, std::io::Error>>(PIECES_IN_FLIGHT);
    let writer = Pieces {
        sender: sender.clone(),
        buffer: Vec::with_capacity(PIECE_BYTES),
    };
    tokio::spawn(async move {
        match admin.export_archive(user, from, to, writer).await {
            Ok(mut writer) => {
                if let Err(error) = tokio::task::spawn_blocking(move || writer.flush()).await {
                    tracing::warn!(%error, "could not finish a bulk export");
                }
            }
            Err(error) => {
                tracing::error!(%error, "a bulk export failed half-way");
                let _ = sender
                    .send(Err(std::io::Error::other("the export failed")))
                    .await;
            }
        }
    });
    let stream = futures::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|piece| (piece, receiver))
    });
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    let name = format!("attachment; filename=\"gantry-export-{}.zip\"", to.date());
    if let Ok(value) = HeaderValue::from_str(&name) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// A `Write` that sends what is written to the response in pieces, waiting (on the
/// blocking thread the ZIP is written on) while the client is slower than the writer.
struct Pieces {
    sender: mpsc::Sender<Result<Bytes, std::io::Error>>,
    buffer: Vec<u8>,
}

impl Pieces {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let piece = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(PIECE_BYTES),
        ));
        self.sender
            .blocking_send(Ok(piece))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client left"))
    }
}

impl Write for Pieces {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= PIECE_BYTES {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}
