//! Moving conversations in and out: one as JSON, Markdown or PDF; an admin's ZIP of many;
//! imports of Gantry's own JSON and of ChatGPT's `conversations.json`.

use std::io::Write;

use time::OffsetDateTime;

use super::quotas::Adding;
use super::{AdminScope, UserScope};
use crate::export::{
    ChatGptImport, ConversationExport, SkippedConversation, parse_chatgpt, parse_claude,
    to_markdown, to_pdf, write_zip,
};
use crate::ids::{ConversationId, UserId};
use crate::model::{Conversation, ImportedConversation, Quotas};
use crate::store::{ConversationFilter, PageRequest};
use crate::validate::MAX_PAGE;
use crate::{Error, Result};

/// Runs CPU-heavy format work (parsing, PDF, ZIP) on the blocking pool, so a big export or
/// import never stalls the async workers other requests run on.
async fn off_the_workers<T: Send + 'static>(
    what: &'static str,
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::internal_from(what, e))?
}

/// How one conversation is exported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// Gantry's JSON, which imports back exactly.
    Json,
    /// Readable Markdown.
    Markdown,
    /// A printable PDF.
    Pdf,
}

impl ExportFormat {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Markdown => "md",
            Self::Pdf => "pdf",
        }
    }

    /// The media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::Markdown => "text/markdown; charset=utf-8",
            Self::Pdf => "application/pdf",
        }
    }
}

/// What an import of ChatGPT's export did.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatGptReport {
    /// The conversations created.
    pub imported: Vec<Conversation>,
    /// Conversations of the file that were left out, with why.
    pub skipped: Vec<SkippedConversation>,
}

impl UserScope {
    /// One of the user's conversations, with every message, as a file.
    pub async fn export_conversation(
        &self,
        id: ConversationId,
        format: ExportFormat,
    ) -> Result<Vec<u8>> {
        let export = collect(self, id).await?;
        off_the_workers("exporting a conversation", move || match format {
            ExportFormat::Json => export.to_json(),
            ExportFormat::Markdown => Ok(to_markdown(&export).into_bytes()),
            ExportFormat::Pdf => Ok(to_pdf(&export)),
        })
        .await
    }

    /// Imports a conversation exported as Gantry JSON into the user's account, all or
    /// nothing, under new ids (its times, flags and messages as they were).
    pub async fn import_conversation(&self, json: Vec<u8>) -> Result<Conversation> {
        let export = off_the_workers("reading an import", move || {
            ConversationExport::from_json(&json)
        })
        .await?;
        let limits = self.make_room(Adding::conversations(1)).await?;
        if export.messages.len() as u64 > limits.messages_per_conversation {
            return Err(too_long(export.messages.len(), &limits));
        }
        let conversation = self
            .store()
            .import_conversation(self.user, imported(&export))
            .await?;
        self.engine.inner.index.nudge();
        Ok(conversation)
    }

    /// Imports ChatGPT's `conversations.json`: each conversation on the branch its user last
    /// saw. Conversations that cannot be read are skipped and reported, not fatal.
    pub async fn import_chatgpt(&self, json: Vec<u8>) -> Result<ChatGptReport> {
        let parsed =
            off_the_workers("reading a ChatGPT export", move || parse_chatgpt(&json)).await?;
        self.import_parsed(parsed).await
    }

    /// Imports Claude's `conversations.json`. Conversations that cannot be read are
    /// skipped and reported, not fatal.
    pub async fn import_claude(&self, json: Vec<u8>) -> Result<ChatGptReport> {
        let parsed =
            off_the_workers("reading a Claude export", move || parse_claude(&json)).await?;
        self.import_parsed(parsed).await
    }

    /// Stores what an import from another product read.
    async fn import_parsed(&self, parsed: ChatGptImport) -> Result<ChatGptReport> {
        // All or nothing against the conversation quota; a conversation too long for one
        // is skipped and reported, like one that cannot be read.
        let limits = self
            .make_room(Adding::conversations(parsed.conversations.len() as u64))
            .await?;
        let unread: std::collections::HashSet<usize> =
            parsed.skipped.iter().map(|s| s.index).collect();
        let mut positions = (0..).filter(|i| !unread.contains(i));
        let mut report = ChatGptReport {
            imported: Vec::with_capacity(parsed.conversations.len()),
            skipped: parsed.skipped,
        };
        for export in &parsed.conversations {
            let index = positions.next().unwrap_or_default();
            if export.messages.len() as u64 > limits.messages_per_conversation {
                report.skipped.push(SkippedConversation {
                    index,
                    title: Some(export.conversation.title.clone()),
                    reason: too_long(export.messages.len(), &limits).to_string(),
                });
                continue;
            }
            let conversation = self
                .store()
                .import_conversation(self.user, imported(export))
                .await?;
            report.imported.push(conversation);
        }
        report.skipped.sort_by_key(|skipped| skipped.index);
        self.engine.inner.index.nudge();
        Ok(report)
    }
}

impl AdminScope {
    /// Writes a ZIP of JSON files into `out`: every conversation of `user` (or of
    /// everyone) active in `[from, to)`, archived ones included, then a manifest. Streamed:
    /// conversations are read one at a time while the ZIP is written on a blocking thread,
    /// so memory holds a few conversations whatever the instance's size, and `out` may be
    /// a network stream (it need not seek). Returns `out` when done.
    pub async fn export_archive<W: Write + Send + 'static>(
        &self,
        user: Option<UserId>,
        from: OffsetDateTime,
        to: OffsetDateTime,
        out: W,
    ) -> Result<W> {
        crate::validate::time_range(from, to)?;
        let account = match user {
            Some(user) => Some(self.user(user).await?),
            None => None,
        };
        let (users, whose) = match &account {
            Some(account) => (vec![account.id], account.email.clone()),
            None => {
                let users = self.all_users().await?;
                let whose = format!("all {} users", users.len());
                (users, whose)
            }
        };
        // Recorded before the first byte: an export that fails half-way still showed data.
        let range = format!("conversations active from {} to {}", from.date(), to.date());
        self.audit("export.bulk", account.as_ref(), whose, range)
            .await;
        // Two conversations in flight: one being written, one read ahead.
        let (sender, mut receiver) = tokio::sync::mpsc::channel::<Result<ConversationExport>>(2);
        let writer = tokio::task::spawn_blocking(move || {
            let mut failure = None;
            let exports = std::iter::from_fn(|| match receiver.blocking_recv()? {
                Ok(export) => Some(export),
                Err(error) => {
                    failure = Some(error);
                    None
                }
            });
            let out = write_zip(exports, out)?;
            failure.map_or(Ok(out), Err)
        });
        let read = self.send_exports(users, from, to, &sender).await;
        if let Err(error) = read {
            // The writer stops at this error and reports it.
            let _ = sender.send(Err(error)).await;
        }
        drop(sender);
        writer
            .await
            .map_err(|e| Error::internal_from("writing a ZIP export", e))?
    }

    /// Reads each conversation of `users` active in `[from, to)` and sends it to the ZIP
    /// writer; stops early when the writer has stopped.
    async fn send_exports(
        &self,
        users: Vec<UserId>,
        from: OffsetDateTime,
        to: OffsetDateTime,
        sender: &tokio::sync::mpsc::Sender<Result<ConversationExport>>,
    ) -> Result<()> {
        for owner in users {
            let owner = self.engine.for_user(owner);
            for archived in [false, true] {
                let mut page = PageRequest::first(MAX_PAGE);
                loop {
                    let slice = owner
                        .conversations(ConversationFilter { archived }, page)
                        .await?;
                    for conversation in slice.items {
                        if conversation.updated_at >= from && conversation.updated_at < to {
                            let export = collect(&owner, conversation.id).await?;
                            if sender.send(Ok(export)).await.is_err() {
                                return Ok(());
                            }
                        }
                    }
                    match slice.next {
                        Some(next) => page = PageRequest::after(MAX_PAGE, next),
                        None => break,
                    }
                }
            }
        }
        Ok(())
    }

    async fn all_users(&self) -> Result<Vec<UserId>> {
        let mut users = Vec::new();
        let mut page = PageRequest::first(MAX_PAGE);
        loop {
            let slice = self.users(page).await?;
            users.extend(slice.items.into_iter().map(|u| u.id));
            match slice.next {
                Some(next) => page = PageRequest::after(MAX_PAGE, next),
                None => return Ok(users),
            }
        }
    }
}

/// The refusal of a conversation with more messages than one may hold.
fn too_long(messages: usize, limits: &Quotas) -> Error {
    Error::LimitReached {
        what: format!(
            "the conversation has {messages} messages and one may hold {}",
            limits.messages_per_conversation
        ),
    }
}

async fn collect(scope: &UserScope, id: ConversationId) -> Result<ConversationExport> {
    let conversation = scope.conversation(id).await?;
    let messages = scope.all_messages(id).await?;
    Ok(ConversationExport::new(&conversation, &messages))
}

/// An export as the store recreates it.
fn imported(export: &ConversationExport) -> ImportedConversation {
    let c = &export.conversation;
    ImportedConversation {
        title: c.title.clone(),
        pinned: c.pinned,
        archived: c.archived,
        persona_id: c.persona_id,
        model: c.model.clone(),
        created_at: c.created_at,
        updated_at: c.updated_at,
        messages: export
            .messages
            .iter()
            .map(|m| (m.new_message(), m.created_at))
            .collect(),
    }
}
