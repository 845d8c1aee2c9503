//! Moving conversations in and out: one as JSON, Markdown or PDF; an admin's ZIP of many;
//! imports of Gantry's own JSON and of ChatGPT's `conversations.json`.

use std::io::Cursor;

use time::OffsetDateTime;

use super::{AdminScope, UserScope};
use crate::export::{
    ConversationExport, SkippedConversation, parse_chatgpt, to_markdown, to_pdf, write_zip,
};
use crate::ids::{ConversationId, UserId};
use crate::model::{Conversation, ImportedConversation};
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
        let mut report = ChatGptReport {
            imported: Vec::with_capacity(parsed.conversations.len()),
            skipped: parsed.skipped,
        };
        for export in &parsed.conversations {
            let conversation = self
                .store()
                .import_conversation(self.user, imported(export))
                .await?;
            report.imported.push(conversation);
        }
        self.engine.inner.index.nudge();
        Ok(report)
    }
}

impl AdminScope {
    /// A ZIP of JSON files: every conversation of `user` (or of everyone) active in
    /// `[from, to)`, archived ones included.
    pub async fn export_archive(
        &self,
        user: Option<UserId>,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<u8>> {
        crate::validate::time_range(from, to)?;
        let users = match user {
            Some(user) => vec![self.user(user).await?.id],
            None => self.all_users().await?,
        };
        let mut exports = Vec::new();
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
                            exports.push(collect(&owner, conversation.id).await?);
                        }
                    }
                    match slice.next {
                        Some(next) => page = PageRequest::after(MAX_PAGE, next),
                        None => break,
                    }
                }
            }
        }
        off_the_workers("writing a ZIP export", move || {
            let mut zip = Cursor::new(Vec::new());
            write_zip(exports, &mut zip)?;
            Ok(zip.into_inner())
        })
        .await
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
