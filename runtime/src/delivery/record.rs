//! Delivery records: what happened to each callback sent, kept in memory and
//! readable through [`Callbacks`](super::Callbacks).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::time::{Duration, SystemTime};

/// The id of one delivery; also its `webhook-id`, the same on every attempt.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeliveryId(pub(crate) String);

impl DeliveryId {
    pub(crate) fn random() -> Self {
        DeliveryId(format!("msg_{:032x}", fastrand::u128(..)))
    }

    /// The id as text (`msg_...`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An id read back, from a delivery record's id or a `webhook-id` header.
impl From<&str> for DeliveryId {
    fn from(id: &str) -> Self {
        DeliveryId(id.to_owned())
    }
}

impl fmt::Display for DeliveryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a delivery stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryState {
    /// Accepted, not attempted yet.
    Pending,
    /// An attempt is under way.
    InFlight,
    /// The last attempt failed; another is due after a wait.
    Retrying {
        /// How long the dispatcher waits before the next attempt.
        after: Duration,
    },
    /// The receiver answered 2xx with a reply of the declared shape.
    Succeeded,
    /// Given up: a permanent error, or retries or time budget exhausted.
    Failed {
        /// Why.
        reason: String,
    },
    /// Not finished when the dispatcher shut down.
    Abandoned,
}

impl DeliveryState {
    /// Whether nothing more will happen to the delivery.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            DeliveryState::Succeeded | DeliveryState::Failed { .. } | DeliveryState::Abandoned
        )
    }
}

/// One attempt of a delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// 1 for the first attempt.
    pub number: u32,
    /// When it started.
    pub started_at: SystemTime,
    /// How long it took.
    pub duration: Duration,
    /// The receiver's status, if it answered.
    pub status: Option<u16>,
    /// What went wrong, if anything.
    pub error: Option<String>,
}

/// Everything known about one delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// Its id (`webhook-id`).
    pub id: DeliveryId,
    /// The callback's name.
    pub callback: String,
    /// The URL, as evaluated for the triggering request.
    pub url: String,
    /// When it was accepted.
    pub created_at: SystemTime,
    /// Where it stands.
    pub state: DeliveryState,
    /// Its attempts, in order.
    pub attempts: Vec<Attempt>,
}

impl DeliveryRecord {
    /// The status of the last attempt that got an answer.
    pub fn last_status(&self) -> Option<u16> {
        self.attempts
            .iter()
            .rev()
            .find_map(|attempt| attempt.status)
    }

    /// The error of the last attempt, if it failed.
    pub fn last_error(&self) -> Option<&str> {
        self.attempts
            .last()
            .and_then(|attempt| attempt.error.as_deref())
    }
}

/// The records, with finished ones evicted oldest first past `retain_finished`.
pub(crate) struct Records {
    by_id: HashMap<DeliveryId, DeliveryRecord>,
    finished: VecDeque<DeliveryId>,
    retain_finished: usize,
}

impl Records {
    pub fn new(retain_finished: usize) -> Self {
        Records {
            by_id: HashMap::new(),
            finished: VecDeque::new(),
            retain_finished,
        }
    }

    pub fn insert(&mut self, record: DeliveryRecord) {
        self.by_id.insert(record.id.clone(), record);
    }

    pub fn get(&self, id: &DeliveryId) -> Option<DeliveryRecord> {
        self.by_id.get(id).cloned()
    }

    pub fn all(&self) -> Vec<DeliveryRecord> {
        let mut all: Vec<DeliveryRecord> = self.by_id.values().cloned().collect();
        all.sort_by(|a, b| {
            a.created_at
                .cmp(&b.created_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        all
    }

    /// Applies `change` to a record; a record that becomes final is queued for
    /// eviction.
    pub fn update(&mut self, id: &DeliveryId, change: impl FnOnce(&mut DeliveryRecord)) {
        let Some(record) = self.by_id.get_mut(id) else {
            return;
        };
        let was_final = record.state.is_final();
        change(record);
        if !was_final && record.state.is_final() {
            self.finished.push_back(id.clone());
            while self.finished.len() > self.retain_finished {
                if let Some(oldest) = self.finished.pop_front() {
                    self.by_id.remove(&oldest);
                }
            }
        }
    }

    /// Marks every unfinished delivery abandoned; returns how many there were.
    pub fn abandon_unfinished(&mut self) -> usize {
        let unfinished: Vec<DeliveryId> = self
            .by_id
            .values()
            .filter(|record| !record.state.is_final())
            .map(|record| record.id.clone())
            .collect();
        for id in &unfinished {
            self.update(id, |record| record.state = DeliveryState::Abandoned);
        }
        unfinished.len()
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.by_id.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str) -> DeliveryRecord {
        DeliveryRecord {
            id: DeliveryId(id.into()),
            callback: "cb".into(),
            url: "https://x.example/".into(),
            created_at: SystemTime::UNIX_EPOCH,
            state: DeliveryState::Pending,
            attempts: Vec::new(),
        }
    }

    #[test]
    fn finished_records_are_evicted_oldest_first() {
        let mut records = Records::new(2);
        for id in ["a", "b", "c", "d"] {
            records.insert(record(id));
        }
        for id in ["a", "b", "c"] {
            records.update(&DeliveryId(id.into()), |r| {
                r.state = DeliveryState::Succeeded
            });
        }
        assert!(records.get(&DeliveryId("a".into())).is_none());
        assert!(records.get(&DeliveryId("b".into())).is_some());
        // Unfinished records are never evicted.
        assert_eq!(
            records.get(&DeliveryId("d".into())).unwrap().state,
            DeliveryState::Pending
        );
        assert_eq!(records.abandon_unfinished(), 1);
        assert_eq!(records.len(), 2);
    }

    #[test]
    fn ids_are_distinct_and_prefixed() {
        let (a, b) = (DeliveryId::random(), DeliveryId::random());
        assert_ne!(a, b);
        assert!(a.as_str().starts_with("msg_") && a.as_str().len() == 36);
    }
}
