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
use gantry::{ConversationId, UserId};
use tokio::sync::{Notify, watch};

use crate::routes::chat::StreamEvent;

/// How long a finished answer's events stay readable.
const KEEP_FINISHED: Duration = Duration::from_secs(60);

/// The running answers.
#[derive(Clone, Default)]
pub(crate) struct RunningTurns {
    inner: Arc<Mutex<HashMap<ConversationId, Running>>>,
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
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<ConversationId, Running>> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records an answer starting in `conversation` (an earlier one there keeps running,
    /// but is no longer found by conversation).
    pub(crate) fn start(&self, owner: UserId, conversation: ConversationId) -> RunningTurn {
        let number = self.next.fetch_add(1, Ordering::Relaxed);
        let stop = Arc::new(Notify::new());
        let live = Arc::new(LiveAnswer::new());
        self.map().insert(
            conversation,
            Running {
                owner,
                number,
                stop: Arc::clone(&stop),
                live: Arc::clone(&live),
            },
        );
        RunningTurn {
            turns: self.clone(),
            conversation,
            number,
            stop,
            live,
        }
    }

    /// Stops `owner`'s answer in `conversation`; whether one was being written.
    pub(crate) fn stop(&self, owner: UserId, conversation: ConversationId) -> bool {
        match self.map().get(&conversation) {
            Some(running) if running.owner == owner && !running.live.progress.borrow().1 => {
                running.stop.notify_one();
                true
            }
            _ => false,
        }
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
            if map
                .get(&conversation)
                .is_some_and(|running| running.number == number)
            {
                map.remove(&conversation);
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
