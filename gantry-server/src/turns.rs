//! Answers being generated, by conversation, so a request other than the one that asked
//! can stop one. An answer outlives the request that asked for it: a client that goes away
//! does not stop it; only an explicit stop does.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use gantry::{ConversationId, UserId};
use tokio::sync::Notify;

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
}

/// One running answer's place in [`RunningTurns`]; removed when dropped.
pub(crate) struct RunningTurn {
    turns: RunningTurns,
    conversation: ConversationId,
    number: u64,
    /// Notified when someone stops the answer.
    pub(crate) stop: Arc<Notify>,
}

impl RunningTurns {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<ConversationId, Running>> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records an answer starting in `conversation` (replacing the record of an earlier
    /// one there, which keeps running but can no longer be stopped by conversation).
    pub(crate) fn start(&self, owner: UserId, conversation: ConversationId) -> RunningTurn {
        let number = self.next.fetch_add(1, Ordering::Relaxed);
        let stop = Arc::new(Notify::new());
        self.map().insert(
            conversation,
            Running {
                owner,
                number,
                stop: Arc::clone(&stop),
            },
        );
        RunningTurn {
            turns: self.clone(),
            conversation,
            number,
            stop,
        }
    }

    /// Stops `owner`'s answer in `conversation`; whether one was running.
    pub(crate) fn stop(&self, owner: UserId, conversation: ConversationId) -> bool {
        match self.map().get(&conversation) {
            Some(running) if running.owner == owner => {
                running.stop.notify_one();
                true
            }
            _ => false,
        }
    }
}

impl Drop for RunningTurn {
    fn drop(&mut self) {
        let mut map = self.turns.map();
        if map
            .get(&self.conversation)
            .is_some_and(|running| running.number == self.number)
        {
            map.remove(&self.conversation);
        }
    }
}
