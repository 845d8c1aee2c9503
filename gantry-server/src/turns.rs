//! Answers being generated, by conversation. Each keeps the events it has sent, so any
//! number of readers follow it, and a client that reconnects (a reload, another device, a
//! proxy that dropped the connection) picks up where it left off (`Last-Event-ID`). An
//! answer outlives the requests that read it: only an explicit stop ends it early. A
//! finished answer stays readable for a minute, then its events go (the saved message is
//! the record).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::Stream;
use gantry::store::Signal;
use gantry::{ConversationId, UserId};
use tokio::sync::{Notify, watch};

use crate::routes::chat::StreamEvent;

/// How long a finished answer's events stay readable.
const KEEP_FINISHED: Duration = Duration::from_secs(60);

/// The running answers, oldest first in each conversation (a second question sent while
/// an answer is being written gets an answer of its own; neither is lost).
#[derive(Clone, Default)]
pub(crate) struct RunningTurns {
    inner: Arc<Mutex<HashMap<ConversationId, Vec<Running>>>>,
    next: Arc<AtomicU64>,
}

struct Running {
    owner: UserId,
    number: u64,
    stop: Arc<Notify>,
    live: Arc<LiveAnswer>,
}

/// One answer's events so far, and whether it has ended.
pub(crate) struct LiveAnswer {
    events: Mutex<Vec<StreamEvent>>,
    /// (events so far, ended)
    progress: watch::Sender<(usize, bool)>,
}

impl LiveAnswer {
    fn new() -> Self {
        Self {
            events: Mutex::new(Vec::new()),
            progress: watch::Sender::new((0, false)),
        }
    }

    fn events(&self) -> std::sync::MutexGuard<'_, Vec<StreamEvent>> {
        self.events
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds the next event.
    pub(crate) fn push(&self, event: StreamEvent) {
        let count = {
            let mut events = self.events();
            events.push(event);
            events.len()
        };
        self.progress.send_modify(|progress| progress.0 = count);
    }

    fn end(&self) {
        self.progress.send_modify(|progress| progress.1 = true);
    }

    /// The events from number `from` on (numbered from 0), as they come, until the end.
    pub(crate) fn read_from(
        self: Arc<Self>,
        from: usize,
    ) -> impl Stream<Item = (usize, StreamEvent)> + Send + 'static {
        let progress = self.progress.subscribe();
        futures::stream::unfold(
            (self, from, progress),
            |(live, next, mut progress)| async move {
                loop {
                    let event = live.events().get(next).cloned();
                    if let Some(event) = event {
                        return Some(((next, event), (live, next + 1, progress)));
                    }
                    if progress.borrow_and_update().1 {
                        return None;
                    }
                    if progress.changed().await.is_err() {
                        return None;
                    }
                }
            },
        )
    }
}

/// One running answer's place in [`RunningTurns`]: while it is held, the answer can be
/// stopped; dropped, the answer has ended.
pub(crate) struct RunningTurn {
    turns: RunningTurns,
    conversation: ConversationId,
    number: u64,
    /// Notified when someone stops the answer.
    pub(crate) stop: Arc<Notify>,
    /// Its events.
    pub(crate) live: Arc<LiveAnswer>,
}

impl RunningTurns {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<ConversationId, Vec<Running>>> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records an answer starting in `conversation`, after any still there.
    pub(crate) fn start(&self, owner: UserId, conversation: ConversationId) -> RunningTurn {
        let number = self.next.fetch_add(1, Ordering::Relaxed);
        let stop = Arc::new(Notify::new());
        let live = Arc::new(LiveAnswer::new());
        self.map().entry(conversation).or_default().push(Running {
            owner,
            number,
            stop: Arc::clone(&stop),
            live: Arc::clone(&live),
        });
        RunningTurn {
            turns: self.clone(),
            conversation,
            number,
            stop,
            live,
        }
    }

    /// Stops `owner`'s answers being written in `conversation`; whether there were any.
    pub(crate) fn stop(&self, owner: UserId, conversation: ConversationId) -> bool {
        let map = self.map();
        let writing = map
            .get(&conversation)
            .into_iter()
            .flatten()
            .filter(|running| running.owner == owner && !running.live.progress.borrow().1);
        let mut stopped = false;
        for running in writing {
            running.stop.notify_one();
            stopped = true;
        }
        stopped
    }

    /// Stops answers when another server sharing the database is asked to stop them (see
    /// `Signal::StopAnswers`), until the store closes.
    pub(crate) fn follow_stops(&self, mut signals: tokio::sync::broadcast::Receiver<Signal>) {
        let turns = self.clone();
        tokio::spawn(async move {
            use tokio::sync::broadcast::error::RecvError;
            loop {
                match signals.recv().await {
                    Ok(Signal::StopAnswers { user, conversation }) => {
                        turns.stop(user, conversation);
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return,
                }
            }
        });
    }

    /// `owner`'s latest answer in `conversation`, being written or finished within the
    /// last minute.
    pub(crate) fn live(
        &self,
        owner: UserId,
        conversation: ConversationId,
    ) -> Option<Arc<LiveAnswer>> {
        self.map()
            .get(&conversation)
            .and_then(|answers| answers.last())
            .filter(|running| running.owner == owner)
            .map(|running| Arc::clone(&running.live))
    }
}

impl Drop for RunningTurn {
    fn drop(&mut self) {
        self.live.end();
        let (turns, conversation, number) = (self.turns.clone(), self.conversation, self.number);
        let forget = move || {
            let mut map = turns.map();
            if let Some(answers) = map.get_mut(&conversation) {
                answers.retain(|running| running.number != number);
                if answers.is_empty() {
                    map.remove(&conversation);
                }
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    tokio::time::sleep(KEEP_FINISHED).await;
                    forget();
                });
            }
            Err(_) => forget(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_answer_in_a_conversation_leaves_the_first_stoppable() {
        let turns = RunningTurns::default();
        let (ada, eve) = (UserId(uuid::Uuid::new_v4()), UserId(uuid::Uuid::new_v4()));
        let chat = ConversationId(uuid::Uuid::new_v4());
        let first = turns.start(ada, chat);
        let second = turns.start(ada, chat);
        assert!(Arc::ptr_eq(&turns.live(ada, chat).unwrap(), &second.live));
        assert!(turns.live(eve, chat).is_none(), "only the owner finds it");
        assert!(!turns.stop(eve, chat), "only the owner stops it");

        assert!(turns.stop(ada, chat));
        let stopped = |turn: &RunningTurn| {
            let stop = Arc::clone(&turn.stop);
            async move { tokio::time::timeout(Duration::from_secs(1), stop.notified()).await }
        };
        assert!(
            stopped(&first).await.is_ok(),
            "the first answer is told to stop"
        );
        assert!(stopped(&second).await.is_ok(), "and so is the second");

        // Ended answers stay readable; a stop finds nothing left to stop.
        drop(first);
        drop(second);
        assert!(!turns.stop(ada, chat));
        assert!(turns.live(ada, chat).is_some());
    }
}
