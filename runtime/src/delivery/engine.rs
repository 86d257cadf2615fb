//! The delivery engine: the state the dispatcher's tasks and the senders share
//! (settings, HTTP client, store, send slots, endpoints, timers).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, Semaphore};

use super::replies::Replies;
use super::settings::Settings;
use super::ssrf::AddressPolicy;
use super::store::{self, DeliveryStore};
use super::{bound, due_times, endpoints};

/// What the dispatcher's tasks and the senders share.
pub(crate) struct Engine {
    pub settings: Settings,
    pub client: reqwest::Client,
    pub(super) policy: Arc<AddressPolicy>,
    pub store: Arc<dyn DeliveryStore>,
    /// This process's name in lease tokens.
    pub(super) instance: String,
    pub(super) claims: AtomicU64,
    /// Wakes the dispatcher: a delivery was enqueued, an attempt finished.
    pub wake: Notify,
    /// Whether the store may hold deliveries this instance could claim now
    /// that it has not tried to claim: set by whatever puts one there (an
    /// unleased insert, a retry or a deferred delivery coming due, a replay,
    /// another instance's insert announced by the store, `poll_now`), cleared
    /// by the claim that looks. Most wake-ups only free a send slot; without
    /// this each would be a claim statement finding nothing, which on a busy
    /// PostgreSQL was most of the statements (see `dispatch::run`).
    pub claimable: AtomicBool,
    /// One permit per claimed delivery this instance works on.
    pub claim_slots: Arc<Semaphore>,
    /// Deliveries this instance accepted while every claim slot was busy:
    /// written to the store leased to this instance, and taken from here by
    /// the dispatcher before it claims from the store (one statement fewer
    /// per delivery). At most `concurrency`; past that, `enqueue` writes them
    /// unleased for any instance to claim.
    pub backlog: Mutex<std::collections::VecDeque<(store::ClaimedDelivery, store::Lease)>>,
    /// One permit per attempt's outcome being written after its claim slot
    /// was handed on (at most `concurrency`).
    pub outcome_writes: Arc<Semaphore>,
    /// One permit per request in flight.
    pub in_flight: Semaphore,
    pub(super) concurrency: usize,
    pub(super) accepting: AtomicBool,
    /// The event types endpoints may want: the catalog of the `Api` given to
    /// the builder, if one was.
    pub(crate) catalog: Option<crate::catalog::EventCatalog>,
    /// The reply types deliveries are checked against, by name.
    pub(super) replies: Replies,
    /// Each endpoint's send slots and health.
    pub endpoints: endpoints::Endpoints,
    /// A durable store's bound on unfinished deliveries and dead letters.
    pub bound: Arc<bound::StoreBound>,
    /// When the deliveries this process put back come due.
    pub due_times: due_times::DueTimes,
}

impl Engine {
    pub(crate) fn is_accepting(&self) -> bool {
        self.accepting.load(Ordering::SeqCst)
    }

    /// Wakes the dispatcher to claim: something may be due in the store.
    pub(crate) fn wake_to_claim(&self) {
        self.claimable.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }
}
