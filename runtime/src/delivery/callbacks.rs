//! [`Callbacks`]: what an application holds to send, read back and replay
//! deliveries.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use url::Url;

use super::bound;
use super::dispatch::{self, AwaitedError};
use super::dispatcher_thread::Dispatcher;
use super::endpoints::EndpointHealth;
use super::engine::Engine;
use super::error::SendError;
use super::record::{DeliveryId, DeliveryRecord};
use super::store::{
    DeliveryFilter, DeliveryStore, LogQuery, NewDelivery, Payload, StateKind, StoreError,
};
use crate::context::DeclaredReply;
use crate::openapi::Method;

pub(super) struct Running {
    pub(super) shared: Arc<Engine>,
    pub(super) dispatcher: Dispatcher,
    /// Set by [`Callbacks::shutdown`]: store calls then run on the caller's runtime.
    pub(super) stopped: AtomicBool,
}

/// What one delivery sends, before it is checked and accepted.
pub(super) struct Message {
    pub name: &'static str,
    pub method: Method,
    pub url: String,
    pub body: Result<Vec<u8>, String>,
    pub content_type: Option<&'static str>,
    pub reply: DeclaredReply,
    pub owner: Option<String>,
}

/// Sends declared callbacks: typed bodies, URLs evaluated from the triggering
/// request, a durable outbox, retries, signatures, and the SSRF guard. Cheap to
/// clone; put one in the app's data (`web::Data<Callbacks>`).
#[derive(Clone)]
pub struct Callbacks {
    pub(super) inner: Arc<Running>,
}

impl fmt::Debug for Callbacks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callbacks")
            .field("settings", &self.inner.shared.settings)
            .field("policy", &self.inner.shared.policy)
            .field("instance", &self.inner.shared.instance)
            .finish()
    }
}

impl Callbacks {
    /// Starts sending from its parts, as [`CallbacksBuilder::build`] made them.
    pub(super) fn from_parts(shared: Arc<Engine>, dispatcher: Dispatcher) -> Self {
        Callbacks {
            inner: Arc::new(Running {
                shared,
                dispatcher,
                stopped: AtomicBool::new(false),
            }),
        }
    }

    /// Runs a store call on the dispatcher's runtime, where the store's
    /// connections live, and waits for it from the caller's. After a shutdown,
    /// records stay readable: the call runs on the caller's runtime.
    pub(super) async fn on_store<T: Send + 'static>(
        &self,
        call: impl std::future::Future<Output = Result<T, StoreError>> + Send + 'static,
    ) -> Result<T, StoreError> {
        if self.inner.stopped.load(Ordering::SeqCst) {
            return call.await;
        }
        self.inner
            .dispatcher
            .handle
            .spawn(call)
            .await
            .map_err(|_| StoreError::Unavailable("the dispatcher has stopped".into()))?
    }

    fn store(&self) -> Arc<dyn DeliveryStore> {
        Arc::clone(&self.inner.shared.store)
    }

    /// The record of one delivery.
    pub async fn delivery(&self, id: &DeliveryId) -> Result<Option<DeliveryRecord>, StoreError> {
        let (store, id) = (self.store(), id.clone());
        self.on_store(async move { store.get(&id).await }).await
    }

    /// The records matching `filter`, oldest first.
    pub async fn deliveries(
        &self,
        filter: DeliveryFilter,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let store = self.store();
        self.on_store(async move { store.list(&filter).await })
            .await
    }

    /// A page of the delivery log: the records `query` admits, newest first
    /// (an owner's, from the stores' index on owner and time).
    pub async fn delivery_log(&self, query: LogQuery) -> Result<Vec<DeliveryRecord>, StoreError> {
        let store = self.store();
        self.on_store(async move { store.log(&query).await }).await
    }

    /// What delivery `id` sends: its body and the body's media type.
    pub async fn delivery_payload(&self, id: &DeliveryId) -> Result<Option<Payload>, StoreError> {
        let (store, id) = (self.store(), id.clone());
        self.on_store(async move { store.payload(&id).await }).await
    }

    /// Sends again (as [`replay`](Self::replay)) the dead letters of
    /// `owner`'s `endpoint` accepted since `since`, oldest first, at most
    /// `limit`; returns how many. Calling it again recovers the next ones, and
    /// never what was delivered.
    pub async fn recover_endpoint(
        &self,
        owner: &str,
        endpoint: &str,
        since: SystemTime,
        limit: usize,
    ) -> Result<u64, StoreError> {
        let (store, owner, endpoint) = (self.store(), owner.to_owned(), endpoint.to_owned());
        let recovered = self
            .on_store(async move {
                store
                    .recover(&owner, &endpoint, since, SystemTime::now(), limit)
                    .await
            })
            .await?;
        self.inner.shared.wake_to_claim();
        Ok(recovered)
    }

    /// Gives up every unfinished delivery of `owner`'s `endpoint` (as failed,
    /// "cancelled by its owner"); returns how many.
    pub async fn cancel_endpoint_deliveries(
        &self,
        owner: &str,
        endpoint: &str,
    ) -> Result<u64, StoreError> {
        let (store, owner, endpoint) = (self.store(), owner.to_owned(), endpoint.to_owned());
        self.on_store(async move {
            store
                .cancel(&owner, &endpoint, "cancelled by its owner")
                .await
        })
        .await
    }

    /// The dead letters: deliveries given up, with their attempts, oldest first.
    pub async fn dead_letters(&self) -> Result<Vec<DeliveryRecord>, StoreError> {
        self.deliveries(DeliveryFilter::dead_letters()).await
    }

    /// Sends a finished delivery again, with the same id (`webhook-id`) and a
    /// fresh round of retries (its history stays): a dead letter, or one
    /// delivered that its receiver lost. Returns `false` if `id` is not a
    /// finished delivery (unknown, or still under way).
    pub async fn replay(&self, id: &DeliveryId) -> Result<bool, StoreError> {
        let (store, id) = (self.store(), id.clone());
        let replayed = self
            .on_store(async move { store.replay(&id, SystemTime::now()).await })
            .await?;
        self.inner.shared.wake_to_claim();
        Ok(replayed)
    }

    /// The health of every endpoint this process has sent to, by name: failed
    /// attempts in a row, whether (since when) it is disabled, its last error,
    /// its deliveries in flight.
    pub fn endpoints(&self) -> Vec<EndpointHealth> {
        self.inner.shared.endpoints.list()
    }

    /// Deletes the dead letters accepted before `accepted_before`, with their
    /// attempts (up to 10,000 a call); how many.
    pub async fn purge_dead_letters(&self, accepted_before: SystemTime) -> Result<u64, StoreError> {
        let store = self.store();
        self.on_store(async move {
            store
                .purge(StateKind::Failed, accepted_before, 10_000)
                .await
        })
        .await
    }

    /// Looks for due deliveries now rather than at the next poll: call after
    /// committing a transaction that enqueued callbacks.
    pub fn poll_now(&self) {
        self.inner.shared.wake_to_claim();
    }

    /// How many deliveries are unfinished (in a shared store: by all instances).
    pub async fn unfinished(&self) -> Result<u64, StoreError> {
        let store = self.store();
        self.on_store(async move { store.unfinished().await }).await
    }

    /// Stops accepting and claiming callbacks and waits up to `grace` for the
    /// attempts under way (an in-memory store: for every unfinished delivery).
    /// Then stops the dispatcher: a durable store keeps what is unfinished for
    /// the next start (leases given back); an in-memory one marks it
    /// [`DeliveryState::Abandoned`](super::record::DeliveryState::Abandoned). Returns how many deliveries were left
    /// unfinished.
    pub async fn shutdown(&self, grace: Duration) -> u64 {
        let shared = &self.inner.shared;
        shared.accepting.store(false, Ordering::SeqCst);
        let durable = shared.store.is_durable();
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            let attempts_under_way = shared.claim_slots.available_permits() < shared.concurrency
                || shared.in_flight.available_permits() < shared.concurrency
                || shared.outcome_writes.available_permits() < shared.concurrency;
            let waiting = !durable && self.unfinished().await.unwrap_or(0) > 0;
            if !attempts_under_way && !waiting {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // Stop the attempts first, so none writes an outcome after its lease is
        // given back; then the store is read from the caller's runtime.
        self.inner.stopped.store(true, Ordering::SeqCst);
        self.inner.dispatcher.stop();
        let store = self.store();
        let instance = shared.instance.clone();
        let left = self
            .on_store(async move {
                store.release(&instance).await?;
                let abandoned = store.abandon_unfinished().await?;
                if abandoned > 0 {
                    return Ok(abandoned);
                }
                store.unfinished().await
            })
            .await;
        let left = match left {
            Ok(left) => left,
            Err(error) => {
                tracing::warn!(%error, "cannot read the delivery store while shutting down");
                0
            }
        };
        if left > 0 {
            tracing::warn!(
                unfinished = left,
                durable,
                "callback dispatcher stopped with unfinished deliveries"
            );
        }
        left
    }

    /// Checks a message and turns it into a delivery: the URL against the
    /// address policy, the body encoded, the reply check remembered.
    pub(super) fn accept(
        &self,
        message: Message,
    ) -> Result<(NewDelivery, Option<bound::Reservation>), SendError> {
        let shared = &self.inner.shared;
        if !shared.is_accepting() {
            return Err(SendError::ShuttingDown);
        }
        if message.owner.is_none() && shared.settings.signing.needs_owner() {
            return Err(SendError::NoOwner);
        }
        let url = Url::parse(&message.url).map_err(|error| SendError::InvalidUrl {
            url: message.url.clone(),
            reason: error.to_string(),
        })?;
        shared.policy.check_url(&url).map_err(SendError::Refused)?;
        let body = message.body.map_err(SendError::Encode)?;
        // A durable store has a bound too (the memory store checks its own):
        // past it, nothing more is accepted rather than the disk filling up.
        let reservation = if shared.store.is_durable() {
            let reservation = shared.bound.reserve().ok_or_else(|| SendError::QueueFull {
                capacity: usize::try_from(shared.bound.max()).unwrap_or(usize::MAX),
            })?;
            Some(reservation)
        } else {
            None
        };
        shared.replies.declare(message.reply);
        let delivery = NewDelivery {
            id: DeliveryId::random(),
            callback: message.name.to_owned(),
            method: message.method.http_name().to_owned(),
            url: url.to_string(),
            content_type: message.content_type.map(str::to_owned),
            body,
            created_at: SystemTime::now(),
            owner: message.owner,
            endpoint: None,
        };
        Ok((delivery, reservation))
    }

    /// Writes an accepted delivery to the store and wakes the dispatcher. With
    /// a send slot free, it is written leased to this instance and attempted
    /// at once (see [`dispatch::enqueue_leased`]); with none but room in the
    /// backlog, written leased and queued here for the next free slot
    /// ([`dispatch::enqueue_backlogged`]); otherwise written for any instance
    /// to claim.
    pub(super) async fn enqueue_delivery(
        &self,
        delivery: NewDelivery,
    ) -> Result<DeliveryId, SendError> {
        let id = delivery.id.clone();
        let shared = &self.inner.shared;
        if !self.inner.stopped.load(Ordering::SeqCst) && shared.is_accepting() {
            // Not ahead of deliveries already waiting in the backlog: a slot
            // that comes free is theirs (the dispatcher takes them first).
            let free_slot = if shared.backlog_is_empty() {
                Arc::clone(&shared.claim_slots).try_acquire_owned().ok()
            } else {
                None
            };
            if let Some(slot) = free_slot {
                let shared = Arc::clone(shared);
                self.on_store(dispatch::enqueue_leased(shared, delivery, slot))
                    .await?;
                return Ok(id);
            }
            if shared.backlog_has_room() {
                let shared = Arc::clone(shared);
                self.on_store(dispatch::enqueue_backlogged(shared, delivery))
                    .await?;
                return Ok(id);
            }
        }
        let store = self.store();
        self.on_store(async move { store.insert(&delivery).await })
            .await?;
        self.inner.shared.wake_to_claim();
        Ok(id)
    }

    /// Sends an accepted delivery and waits for the reply: on the dispatcher,
    /// like background deliveries, so the HTTP client and the store live on one
    /// runtime, and an abandoned wait does not abandon the delivery.
    pub(super) async fn send_delivery(&self, delivery: NewDelivery) -> Result<Vec<u8>, SendError> {
        let shared = Arc::clone(&self.inner.shared);
        let id = delivery.id.clone();
        let deadline = shared.settings.send_deadline;
        let sent = self
            .inner
            .dispatcher
            .handle
            .spawn(dispatch::send_awaited(shared, delivery));
        // Past the deadline the caller stops waiting; the delivery does not stop
        // (the task goes on, retries included, and the store keeps it).
        match tokio::time::timeout(deadline, sent).await {
            Err(_) => Err(SendError::StillPending { id }),
            Ok(Ok(Ok(reply))) => Ok(reply),
            Ok(Ok(Err(AwaitedError::Store(error)))) => Err(error.into()),
            Ok(Ok(Err(AwaitedError::Delivery(error)))) => Err(SendError::Delivery(error)),
            Ok(Ok(Err(AwaitedError::Pending(id)))) => Err(SendError::StillPending { id }),
            Ok(Err(_)) => Err(SendError::ShuttingDown),
        }
    }
}
