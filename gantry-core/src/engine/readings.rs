//! Admission for document readings: how many run at once, how many wait, and how many one
//! user may have in flight. An accepted upload holds its bytes until it is read, so without
//! these a user posting uploads in a loop could fill the machine's memory and the blocking
//! pool for everyone; with them, memory for uploads is bounded by `queued × max upload`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::ids::UserId;
use crate::{Error, Result};

/// The readings admitted and not yet finished, in all and per user.
#[derive(Debug)]
pub(crate) struct Readings {
    /// Readings that run at once; the others wait here, in order.
    running: Arc<Semaphore>,
    counts: Mutex<Counts>,
    max_queued: usize,
    max_per_user: usize,
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    per_user: HashMap<UserId, usize>,
}

/// An admitted reading: counted until dropped.
#[derive(Debug)]
pub(crate) struct Ticket {
    readings: Arc<Readings>,
    user: UserId,
}

impl Readings {
    pub(crate) fn new(at_once: usize, max_queued: usize, max_per_user: usize) -> Arc<Self> {
        Arc::new(Self {
            running: Arc::new(Semaphore::new(at_once.max(1))),
            counts: Mutex::new(Counts::default()),
            max_queued,
            max_per_user,
        })
    }

    /// Admits one more reading for `user`, or refuses it (`LimitReached`, naming the limit)
    /// when the user already has `max_per_user` in flight or the queue is full.
    pub(crate) fn admit(self: &Arc<Self>, user: UserId) -> Result<Ticket> {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let mine = counts.per_user.get(&user).copied().unwrap_or(0);
        let refuse = |what: String| Error::LimitReached { what };
        if mine >= self.max_per_user {
            return Err(refuse(format!(
                "{mine} of your uploads are still being read (at most {} at a time); \
                 wait for one to finish",
                self.max_per_user
            )));
        }
        if counts.total >= self.max_queued {
            return Err(refuse(format!(
                "{} uploads are being read (at most {}); try again shortly",
                counts.total, self.max_queued
            )));
        }
        counts.total += 1;
        *counts.per_user.entry(user).or_insert(0) += 1;
        Ok(Ticket {
            readings: Arc::clone(self),
            user,
        })
    }
}

impl Ticket {
    /// Waits for a turn to run (readings run a few at a time, in order of arrival).
    pub(crate) async fn run_slot(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.readings.running)
            .acquire_owned()
            .await
            .ok()
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut counts = self
            .readings
            .counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        counts.total = counts.total.saturating_sub(1);
        if let Some(mine) = counts.per_user.get_mut(&self.user) {
            *mine -= 1;
            if *mine == 0 {
                counts.per_user.remove(&self.user);
            }
        }
    }
}
