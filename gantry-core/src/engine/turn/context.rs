//! What a turn draws on: the conversation's history, facts from the knowledge graph and
//! retrieved messages and document chunks, labelled and built into the prompt with the
//! numbered citations.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::{Citation, ContextTimings, Job, Plan};
use crate::Result;
use crate::engine::Engine;
use crate::engine::recheck::{Confirmed, ConfirmedRetrieval, Place};
use crate::html::excerpt;
use crate::index::SearchFilter;
use crate::llm::ChatMessage;
use crate::model::{Message, MessageRole, MessageStatus};
use crate::prompt::{BuiltPrompt, ContextItem, Source, build_prompt};
use crate::store::{ChangeKind, PageRequest};

/// Facts from the knowledge graph put in front of the model at most.
const MAX_FACTS: usize = 8;
/// The longest excerpt of a cited item sent with the context event.
const EXCERPT_CHARS: usize = 300;

impl Engine {
    /// History, context and the prompt built from them, with the numbered citations and
    /// where the time went.
    pub(super) async fn prompt(
        &self,
        job: &Job,
    ) -> Result<(BuiltPrompt, Vec<Citation>, ContextTimings)> {
        let started = Instant::now();
        // The history, the graph facts and the retrieval are independent: run them together.
        let (history, (facts, facts_took), found) =
            tokio::join!(self.history(job), self.facts(job), self.hits(job));
        let history = history?;
        let mut timings = ContextTimings {
            retrieval: found.timings,
            confirm: found.confirm,
            facts: facts_took,
            total: Duration::ZERO,
        };
        let mut context = facts;
        context.extend(self.label_hits(job, found.hits, &history));
        let chat_history: Vec<ChatMessage> = match &job.plan.history {
            Some(sent) => sent.clone(),
            None => history
                .iter()
                .map(|m| ChatMessage {
                    role: m.role,
                    content: m.content.clone(),
                })
                .collect(),
        };
        let items: Vec<ContextItem> = context.iter().map(|(item, _)| item.clone()).collect();
        let built = build_prompt(
            &job.plan.system_prompt,
            &items,
            &chat_history,
            &job.question.content,
            &self.budget(),
            &*self.inner.count_tokens,
        )?;
        let labels: HashMap<Source, Labelled> = context
            .into_iter()
            .map(|(item, label)| (item.source, label))
            .collect();
        let citations = citations(&built, &labels);
        timings.total = started.elapsed();
        Ok((built, citations, timings))
    }

    /// The conversation's latest messages before the question, oldest first: the
    /// candidates for the prompt's history. Failed answers with no text are left out.
    /// None when the caller sent a history of its own.
    async fn history(&self, job: &Job) -> Result<Vec<Message>> {
        if job.plan.history.is_some() {
            return Ok(Vec::new());
        }
        let page = self
            .inner
            .store
            .list_messages(
                job.plan.user,
                job.plan.conversation.id,
                PageRequest::first(self.inner.settings.history_messages),
            )
            .await?;
        let mut history = Vec::with_capacity(page.items.len());
        for message in page.items {
            if message.id == job.question.id {
                break;
            }
            let failed_empty =
                message.status == MessageStatus::Error && message.content.trim().is_empty();
            if !failed_empty && message.role != MessageRole::System {
                history.push(message);
            }
        }
        Ok(history)
    }

    /// Facts from the user's graph about what the question names, labelled "Memory", and
    /// how long finding them took. Graph trouble never fails a turn: it is logged and the
    /// turn goes on without.
    async fn facts(&self, job: &Job) -> (Vec<(ContextItem, Labelled)>, Duration) {
        let started = Instant::now();
        let mut context = Vec::new();
        let Some(graph) = &self.inner.graph else {
            return (context, Duration::ZERO);
        };
        match graph
            .facts_about(job.plan.user, &job.question.content)
            .await
        {
            Ok(subgraph) => {
                let names: HashMap<_, _> = subgraph
                    .entities
                    .iter()
                    .map(|e| (e.id, e.name.as_str()))
                    .collect();
                for relation in subgraph.relations.iter().take(MAX_FACTS) {
                    let (Some(subject), Some(object)) = (
                        names.get(&relation.subject_id),
                        names.get(&relation.object_id),
                    ) else {
                        continue;
                    };
                    let text = format!(
                        "{subject} {} {object}",
                        relation.predicate.replace('_', " ")
                    );
                    context.push((
                        ContextItem {
                            source: Source::Fact { id: relation.id },
                            text,
                        },
                        Labelled::unplaced("Memory"),
                    ));
                }
            }
            Err(error) => tracing::warn!(%error, "graph facts unavailable for this turn"),
        }
        (context, started.elapsed())
    }

    /// The best matching earlier messages and document chunks (those of the conversation's
    /// scope, when it has one), twice as many as a turn uses, since some may turn out to
    /// be in the history already. Retrieval trouble never fails a turn.
    async fn hits(&self, job: &Job) -> ConfirmedRetrieval {
        let k = self.inner.settings.retrieval_k * 2;
        match self.retrieve_for(&job.plan, &job.question.content, k).await {
            Ok(found) => found,
            Err(error) => {
                tracing::warn!(%error, "retrieval unavailable for this turn");
                ConfirmedRetrieval::default()
            }
        }
    }

    /// The first `retrieval_k` hits not already in the prompt's history (nor the question,
    /// nor an answer being replaced), each labelled with its conversation's title or its
    /// document's name (the store confirmed both, see `recheck`).
    fn label_hits(
        &self,
        job: &Job,
        hits: Vec<Confirmed>,
        history: &[Message],
    ) -> Vec<(ContextItem, Labelled)> {
        let seen: HashSet<Uuid> = history
            .iter()
            .map(|m| m.id.0)
            .chain([job.question.id.0])
            .chain(job.replaces.map(|m| m.0))
            .collect();
        hits.into_iter()
            .filter(|c| !seen.contains(&c.hit.item.id))
            .take(self.inner.settings.retrieval_k)
            .map(|c| {
                let label = Labelled {
                    label: c.parent.label().to_owned(),
                    place: c.place,
                };
                (
                    ContextItem {
                        source: c.hit.item.source(),
                        text: c.hit.text,
                    },
                    label,
                )
            })
            .collect()
    }

    /// Retrieval for a turn: everything of the user's, or, in a scoped conversation, the
    /// user's messages and the chunks of the chosen documents.
    async fn retrieve_for(
        &self,
        plan: &Plan,
        question: &str,
        k: usize,
    ) -> Result<ConfirmedRetrieval> {
        let scope = self
            .inner
            .store
            .scope_documents(plan.user, plan.conversation.id)
            .await?;
        let Some(documents) = scope else {
            let everything = SearchFilter {
                owner_id: plan.user,
                kind: None,
                parents: Vec::new(),
            };
            return self.retrieve_timed(question, &everything, k).await;
        };
        // Scoped: the user's messages, and the chunks of the chosen documents, merged by
        // rank so neither list crowds out the other.
        let messages = SearchFilter {
            owner_id: plan.user,
            kind: Some(ChangeKind::Message),
            parents: Vec::new(),
        };
        let chunks = SearchFilter {
            owner_id: plan.user,
            kind: Some(ChangeKind::Chunk),
            parents: documents.iter().map(|d| d.0).collect(),
        };
        let from_messages = self.retrieve_timed(question, &messages, k).await?;
        let from_documents = if documents.is_empty() {
            ConfirmedRetrieval::default()
        } else {
            self.retrieve_timed(question, &chunks, k).await?
        };
        let mut timings = from_messages.timings;
        timings += from_documents.timings;
        Ok(ConfirmedRetrieval {
            hits: interleave(from_documents.hits, from_messages.hits, k),
            timings,
            confirm: from_messages.confirm + from_documents.confirm,
        })
    }
}

/// The first `k` of two ranked lists taken in turns, `first` leading.
fn interleave<T>(first: Vec<T>, second: Vec<T>, k: usize) -> Vec<T> {
    let mut out = Vec::with_capacity(k);
    let (mut a, mut b) = (first.into_iter(), second.into_iter());
    while out.len() < k {
        match (a.next(), b.next()) {
            (None, None) => break,
            (x, y) => out.extend(x.into_iter().chain(y)),
        }
    }
    out.truncate(k);
    out
}

/// What a citation calls a context item, and where in its document it lies.
#[derive(Clone, Debug)]
struct Labelled {
    label: String,
    place: Place,
}

impl Labelled {
    fn unplaced(label: &str) -> Self {
        Self {
            label: label.to_owned(),
            place: Place::default(),
        }
    }
}

/// The numbered citations for the context a prompt kept.
fn citations(built: &BuiltPrompt, labels: &HashMap<Source, Labelled>) -> Vec<Citation> {
    built
        .cited
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let labelled = labels.get(&item.source);
            let place = labelled.map(|l| l.place.clone()).unwrap_or_default();
            Citation {
                number: i + 1,
                source: item.source,
                label: labelled.map(|l| l.label.clone()).unwrap_or_default(),
                excerpt: excerpt(&item.text, EXCERPT_CHARS),
                heading: place.heading,
                page: place.page,
            }
        })
        .collect()
}
