//! Moving conversations in and out: one as JSON, Markdown or PDF; an admin's ZIP of many;
//! imports of Gantry's own JSON and of ChatGPT's `conversations.json`.

use std::io::Cursor;

use gantry_core::model::{Conversation, ImportedConversation};
use gantry_core::store::{ConversationFilter, PageRequest};
use gantry_core::validate::MAX_PAGE;
use gantry_core::{ConversationId, Result, UserId};
use time::OffsetDateTime;

use crate::Gantry;
use crate::export::{
    ConversationExport, SkippedConversation, parse_chatgpt, to_markdown, to_pdf, write_zip,
};

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

impl Gantry {
    /// One of the user's conversations, with every message, as a file.
    pub async fn export_conversation(
        &self,
        user: UserId,
        id: ConversationId,
        format: ExportFormat,
    ) -> Result<Vec<u8>> {
        let export = self.collect(user, id).await?;
        match format {
            ExportFormat::Json => export.to_json(),
            ExportFormat::Markdown => Ok(to_markdown(&export).into_bytes()),
            ExportFormat::Pdf => Ok(to_pdf(&export)),
        }
    }

    /// (Admins.) A ZIP of JSON files: every conversation of `user` (or of everyone) active
    /// in `[from, to)`, archived ones included.
    pub async fn export_archive(
        &self,
        admin: UserId,
        user: Option<UserId>,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<u8>> {
        self.require_admin(admin).await?;
        gantry_core::validate::time_range(from, to)?;
        let users = match user {
            Some(user) => vec![self.user(user).await?.id],
            None => self.all_users().await?,
        };
        let mut exports = Vec::new();
        for owner in users {
            for archived in [false, true] {
                let mut page = PageRequest::first(MAX_PAGE);
                loop {
                    let slice = self
                        .conversations(owner, ConversationFilter { archived }, page)
                        .await?;
                    for conversation in slice.items {
                        if conversation.updated_at >= from && conversation.updated_at < to {
                            exports.push(self.collect(owner, conversation.id).await?);
                        }
                    }
                    match slice.next {
                        Some(next) => page = PageRequest::after(MAX_PAGE, next),
                        None => break,
                    }
                }
            }
        }
        let mut zip = Cursor::new(Vec::new());
        write_zip(exports, &mut zip)?;
        Ok(zip.into_inner())
    }

    /// Imports a conversation exported as Gantry JSON into the user's account, all or
    /// nothing, under new ids (its times, flags and messages as they were).
    pub async fn import_conversation(&self, user: UserId, json: &[u8]) -> Result<Conversation> {
        let export = ConversationExport::from_json(json)?;
        let conversation = self
            .store()
            .import_conversation(user, imported(&export))
            .await?;
        self.indexer().nudge();
        Ok(conversation)
    }

    /// Imports ChatGPT's `conversations.json`: each conversation on the branch its user last
    /// saw. Conversations that cannot be read are skipped and reported, not fatal.
    pub async fn import_chatgpt(&self, user: UserId, json: &[u8]) -> Result<ChatGptReport> {
        let parsed = parse_chatgpt(json)?;
        let mut report = ChatGptReport {
            imported: Vec::with_capacity(parsed.conversations.len()),
            skipped: parsed.skipped,
        };
        for export in &parsed.conversations {
            let conversation = self
                .store()
                .import_conversation(user, imported(export))
                .await?;
            report.imported.push(conversation);
        }
        self.indexer().nudge();
        Ok(report)
    }

    async fn collect(&self, user: UserId, id: ConversationId) -> Result<ConversationExport> {
        let conversation = self.conversation(user, id).await?;
        let messages = self.all_messages(user, id).await?;
        Ok(ConversationExport::new(&conversation, &messages))
    }

    async fn all_users(&self) -> Result<Vec<UserId>> {
        let mut users = Vec::new();
        let mut page = PageRequest::first(MAX_PAGE);
        loop {
            let slice = self.store().list_users(page).await?;
            users.extend(slice.items.into_iter().map(|u| u.id));
            match slice.next {
                Some(next) => page = PageRequest::after(MAX_PAGE, next),
                None => return Ok(users),
            }
        }
    }
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
