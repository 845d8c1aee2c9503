//! A running Gantry server, through its HTTP API and an API key: the same calls as on a
//! data directory, for `--server` and for a data directory a server holds.

use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use eventsource_stream::Eventsource;
use futures::StreamExt;
use gantry::model::{Conversation, Document, DocumentStatus, Message, Persona};
use gantry::{ConversationId, SearchResults};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::door::{AnswerEvent, Events, Minted, ModelRow};

pub(crate) struct Remote {
    http: reqwest::Client,
    base: String,
    key: String,
    /// The key made for a server on the local data directory, revoked at the end.
    minted: Option<Minted>,
}

/// An error body, as every Gantry error is.
#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    message: String,
}

/// A streamed answer's event, as the server sends it.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum WireEvent {
    Context {
        citations: Vec<gantry::model::CitedSource>,
    },
    Token {
        text: String,
    },
    Done {
        message: Box<Message>,
    },
    Error {
        message: String,
    },
}

impl Remote {
    pub(crate) fn new(base: &str, key: String, minted: Option<Minted>) -> Result<Self> {
        let base = base.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            bail!("--server {base}: give the server's URL, e.g. http://127.0.0.1:8000");
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .context("starting the HTTP client")?;
        Ok(Self {
            http,
            base,
            key,
            minted,
        })
    }

    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.key)
    }

    /// Sends a request and reads its JSON answer, or turns the error body into one line.
    async fn call<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T> {
        let response = self.send(request).await?;
        response
            .json::<T>()
            .await
            .with_context(|| format!("reading the answer of {}", self.base))
    }

    async fn send(&self, request: RequestBuilder) -> Result<reqwest::Response> {
        let response = request
            .send()
            .await
            .with_context(|| format!("cannot reach the Gantry server at {}", self.base))?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status();
        let message = match response.json::<ErrorBody>().await {
            Ok(body) => body.error.message,
            Err(_) => status.canonical_reason().unwrap_or("error").to_owned(),
        };
        if status == StatusCode::UNAUTHORIZED {
            bail!("the server refused the API key ({message}): check --api-key / GANTRY_API_KEY");
        }
        Err(anyhow!("{message} (HTTP {})", status.as_u16()))
    }

    pub(crate) async fn new_conversation(&self) -> Result<Conversation> {
        self.call(
            self.request(Method::POST, "/api/chat/conversations")
                .json(&serde_json::json!({})),
        )
        .await
    }

    pub(crate) async fn conversation(&self, id: &str) -> Result<Conversation> {
        #[derive(Deserialize)]
        struct WithMessages {
            conversation: Conversation,
        }
        let id = crate::door::parse_id(id)?;
        let got: WithMessages = self
            .call(self.request(
                Method::GET,
                &format!("/api/chat/conversations/{}?limit=1", id.0),
            ))
            .await?;
        Ok(got.conversation)
    }

    pub(crate) async fn ask(
        &self,
        conversation: ConversationId,
        text: String,
        model: Option<String>,
    ) -> Result<Events> {
        let response = self
            .send(
                self.request(
                    Method::POST,
                    &format!("/api/chat/conversations/{}/messages", conversation.0),
                )
                .header(reqwest::header::ACCEPT, "text/event-stream")
                .json(&serde_json::json!({ "content": text, "model": model })),
            )
            .await?;
        let events = response
            .bytes_stream()
            .eventsource()
            .filter_map(|event| async move {
                let event = match event {
                    Ok(event) => event,
                    Err(error) => return Some(Err(anyhow!("the answer's stream broke: {error}"))),
                };
                if event.data == "[DONE]" {
                    return None;
                }
                match serde_json::from_str::<WireEvent>(&event.data) {
                    Ok(WireEvent::Context { citations }) => {
                        Some(Ok(AnswerEvent::Context(citations)))
                    }
                    Ok(WireEvent::Token { text }) => Some(Ok(AnswerEvent::Token(text))),
                    Ok(WireEvent::Done { message }) => Some(Ok(AnswerEvent::Done(message))),
                    Ok(WireEvent::Error { message }) => Some(Err(anyhow!("{message}"))),
                    // An event this client does not know is skipped.
                    Err(_) => None,
                }
            });
        Ok(Box::pin(events))
    }

    pub(crate) async fn stop(&self, conversation: ConversationId) -> Result<()> {
        self.send(self.request(
            Method::POST,
            &format!("/api/chat/conversations/{}/stop", conversation.0),
        ))
        .await?;
        Ok(())
    }

    pub(crate) async fn messages(
        &self,
        conversation: ConversationId,
        limit: u32,
    ) -> Result<Vec<Message>> {
        #[derive(Deserialize)]
        struct Page {
            items: Vec<Message>,
        }
        let page: Page = self
            .call(self.request(
                Method::GET,
                &format!(
                    "/api/chat/conversations/{}/messages?limit={limit}",
                    conversation.0
                ),
            ))
            .await?;
        Ok(page.items)
    }

    pub(crate) async fn use_persona(
        &self,
        conversation: ConversationId,
        name: &str,
    ) -> Result<String> {
        let personas: Vec<Persona> = self
            .call(self.request(Method::GET, "/api/personas"))
            .await?;
        let persona = personas
            .into_iter()
            .find(|p| p.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| anyhow!("no persona called {name:?}"))?;
        self.send(
            self.request(
                Method::PATCH,
                &format!("/api/chat/conversations/{}/persona", conversation.0),
            )
            .json(&serde_json::json!({ "persona_id": persona.id.0 })),
        )
        .await?;
        Ok(persona.name)
    }

    pub(crate) async fn models(&self) -> Result<Vec<ModelRow>> {
        #[derive(Deserialize)]
        struct List {
            models: Vec<ModelRow>,
        }
        let list: List = self.call(self.request(Method::GET, "/api/models")).await?;
        Ok(list.models)
    }

    pub(crate) async fn search(&self, query: &str, limit: usize) -> Result<SearchResults> {
        self.call(
            self.request(Method::GET, "/api/chat/search")
                .query(&[("q", query), ("limit", &limit.to_string())]),
        )
        .await
    }

    /// Uploads a document, then waits until the server has read it.
    pub(crate) async fn add_document(
        &self,
        filename: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<Document> {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(filename.to_owned())
            .mime_str(content_type)?;
        let form = reqwest::multipart::Form::new().part("file", part);
        let mut document: Document = self
            .call(
                self.request(Method::POST, "/api/documents/upload")
                    .multipart(form),
            )
            .await?;
        let mut wait = Duration::from_millis(100);
        while document.status == DocumentStatus::Processing {
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(1));
            document = self
                .call(self.request(Method::GET, &format!("/api/documents/{}", document.id.0)))
                .await?;
        }
        Ok(document)
    }

    /// Revokes the key made for this command, if one was.
    pub(crate) async fn close(self) -> Result<()> {
        if let Some((store, scope, key)) = self.minted {
            scope.revoke_api_key(key).await?;
            store.close().await?;
        }
        Ok(())
    }
}
