//! Sending the callbacks an API documents, from the same declarations.
//!
//! ```no_run
//! # use actix_web::{web::{Data, Json, Query}, HttpRequest};
//! # use hookspec::{callback, post, JsonSchema, delivery::Callbacks};
//! # use serde::{Deserialize, Serialize};
//! # #[derive(Serialize, Deserialize, JsonSchema)] struct Invoice { id: String }
//! # #[derive(Serialize, Deserialize, JsonSchema)] struct InvoiceEvent { paid: bool }
//! # #[derive(Serialize, Deserialize, JsonSchema)] struct Ack { ok: bool }
//! # #[derive(Deserialize, JsonSchema)] struct Params { callback_url: Option<String> }
//! /// Tell the API user about their invoice.
//! #[callback(post, "{$request.query.callback_url}/invoices/{$request.body#/id}")]
//! async fn invoice_notification(body: Json<InvoiceEvent>) -> Json<Ack> {}
//!
//! /// Create an invoice.
//! #[post("/invoices/", callbacks(invoice_notification))]
//! async fn create_invoice(
//!     req: HttpRequest,
//!     invoice: Json<Invoice>,
//!     params: Query<Params>,
//!     callbacks: Data<Callbacks>,
//! ) -> Json<Invoice> {
//!     // URL from this request, body typed as the callback declares; returns once
//!     // the delivery is in the store, before it is sent.
//!     let sent = callbacks
//!         .callback::<invoice_notification>(&req)
//!         .enqueue(&InvoiceEvent { paid: true })
//!         .await;
//!     if let Err(why) = sent {
//!         eprintln!("no notification: {why}"); // e.g. no callback_url was given
//!     }
//!     invoice
//! }
//! ```

mod attempt;
mod bound;
mod builder;
mod dispatch;
mod due_times;
mod endpoints;
mod env;
mod error;
pub(crate) mod evaluate;
pub mod metrics;
mod record;
mod replies;
mod request;
mod retry;
mod retry_after;
mod sender;
mod ssrf;
pub mod store;

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use actix_web::HttpRequest;
use reqwest::header::HeaderValue;
use tokio::sync::{Notify, Semaphore};

/// Signatures (also reachable as [`crate::signing`], for receivers that use
/// nothing else).
pub use crate::signing;
pub use crate::signing::{Signer, Verified, Verifier};
pub use attempt::DeliveryError;
pub use builder::{BuildError, CallbacksBuilder, DEFAULT_SQLITE_PATH};
pub use endpoints::{EndpointEvent, EndpointHealth};
pub use env::{
    ATTEMPT_TIMEOUT_VARIABLE, LEASE_VARIABLE, POLICY_VARIABLE, RETRY_SCHEDULE_VARIABLE,
    SECRETS_VARIABLE, STORE_VARIABLE,
};
pub use error::SendError;
pub use evaluate::{NotApplicable, Trigger};
pub use record::{Attempt, DeliveryId, DeliveryRecord, DeliveryState};
pub use request::{CallbackRequest, DeliveryRequest, WebhookRequest};
pub use retry::RetryPolicy;
pub use sender::{Callback, Webhook};
pub use ssrf::{AddressPolicy, LookupFuture, NameLookup, Refused};
pub use store::{DeliveryFilter, DeliveryStore, StateKind, StoreError};
/// The URL type [`SecretResolver`]s are given (the `url` crate's).
pub use url::Url;

use crate::operation::{CallbackDeclaration, WebhookDeclaration};

use attempt::Outgoing;
use dispatch::AwaitedError;
use replies::Replies;
use request::Message;
use store::NewDelivery;

/// How [`Callbacks`] sends.
#[derive(Debug)]
pub(crate) struct Settings {
    pub retry: RetryPolicy,
    pub attempt_timeout: Duration,
    pub max_reply_bytes: usize,
    pub signing: Signing,
    /// How long a claim holds a delivery; longer than an attempt can take.
    pub lease: Duration,
    /// How often the store is asked for due deliveries without a wake-up.
    pub poll_interval: Duration,
    /// How long an awaited `send` waits before answering `StillPending`.
    pub send_deadline: Duration,
}

/// How deliveries are signed.
pub(crate) enum Signing {
    /// Not at all.
    Unsigned,
    /// With the same secrets for every receiver.
    Fixed(Signer),
    /// With each receiver's own secrets, looked up per attempt.
    PerEndpoint(Arc<dyn SecretResolver>),
    /// With the secrets of the key each delivery names, looked up per attempt.
    ByKey(Arc<dyn KeySecretResolver>),
}

impl fmt::Debug for Signing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Signing::Unsigned => f.write_str("Unsigned"),
            Signing::Fixed(signer) => write!(f, "Fixed({signer:?})"),
            Signing::PerEndpoint(_) => f.write_str("PerEndpoint"),
            Signing::ByKey(_) => f.write_str("ByKey"),
        }
    }
}

/// Looks up the signing secrets of the API user a delivery goes to, from its
/// URL (most often by its host: each user registers their own endpoint), so one
/// user cannot forge callbacks another user's verifier accepts. Any
/// `Fn(&Url) -> Option<Vec<String>>` is one; `None` sends unsigned. Secrets are
/// checked as at build time (`whsec_`, 24 to 64 bytes); a bad one fails the
/// delivery instead of sending it unsigned.
pub trait SecretResolver: Send + Sync + 'static {
    /// The `whsec_...` secrets for a delivery to `url` (several during a
    /// rotation), or `None` to send it unsigned.
    fn secrets_for(&self, url: &Url) -> Option<Vec<String>>;
}

impl<F> SecretResolver for F
where
    F: Fn(&Url) -> Option<Vec<String>> + Send + Sync + 'static,
{
    fn secrets_for(&self, url: &Url) -> Option<Vec<String>> {
        self(url)
    }
}

/// Looks up the signing secrets of the key a handler named for a delivery
/// ([`DeliveryRequest::signing_key`]: the API user's id, or whatever the
/// application keys its users' secrets by). Any
/// `Fn(&str) -> Option<Vec<String>>` is one. Only the key is stored with the
/// delivery: secrets are looked up at every attempt, so a rotation applies to
/// retries too. `None` (the key's owner is gone) fails the delivery rather than
/// send it unsigned; secrets are checked as at build time.
pub trait KeySecretResolver: Send + Sync + 'static {
    /// The `whsec_...` secrets of `key` (several during a rotation), or `None`
    /// if there are none.
    fn secrets_for_key(&self, key: &str) -> Option<Vec<String>>;
}

impl<F> KeySecretResolver for F
where
    F: Fn(&str) -> Option<Vec<String>> + Send + Sync + 'static,
{
    fn secrets_for_key(&self, key: &str) -> Option<Vec<String>> {
        self(key)
    }
}

/// What the dispatcher's tasks and the senders share.
pub(crate) struct Shared {
    pub settings: Settings,
    pub client: reqwest::Client,
    policy: Arc<AddressPolicy>,
    pub store: Arc<dyn DeliveryStore>,
    /// This process's name in lease tokens.
    instance: String,
    claims: AtomicU64,
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
    concurrency: usize,
    accepting: AtomicBool,
    /// The reply types deliveries are checked against, by name.
    replies: Replies,
    /// Each endpoint's send slots and health.
    pub endpoints: endpoints::Endpoints,
    /// A durable store's bound on unfinished deliveries and dead letters.
    pub bound: Arc<bound::StoreBound>,
    /// When the deliveries this process put back come due.
    pub due_times: due_times::DueTimes,
}

impl Shared {
    pub(crate) fn is_accepting(&self) -> bool {
        self.accepting.load(Ordering::SeqCst)
    }

    /// Wakes the dispatcher to claim: something may be due in the store.
    pub(crate) fn wake_to_claim(&self) {
        self.claimable.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// A stored delivery, ready to send.
    pub(crate) fn outgoing(&self, delivery: &NewDelivery) -> Result<Outgoing, String> {
        let url = Url::parse(&delivery.url)
            .map_err(|error| format!("the stored URL is not a URL: {error}"))?;
        // Checked again when sent, not only when accepted: a delivery written by
        // another instance, under an older policy, or replayed after the policy
        // changed goes only where this policy admits (names still at connect).
        self.policy
            .check_url(&url)
            .map_err(|refused| refused.to_string())?;
        let method = reqwest::Method::from_bytes(delivery.method.as_bytes()).map_err(|error| {
            format!(
                "the stored method `{}` is not a method: {error}",
                delivery.method
            )
        })?;
        let content_type = delivery
            .content_type
            .as_deref()
            .map(HeaderValue::from_str)
            .transpose()
            .map_err(|error| format!("the stored content type is not a header value: {error}"))?;
        let check_reply = self.replies.check_for(&delivery.callback);
        Ok(Outgoing {
            id: delivery.id.clone(),
            callback: delivery.callback.clone(),
            method,
            url,
            body: delivery.body.clone(),
            content_type,
            check_reply,
            signing_key: delivery.signing_key.clone(),
        })
    }
}

/// The dispatcher thread: a tokio runtime of its own, so deliveries go on whatever
/// the web server's workers do, and one HTTP client and one store connection pool
/// serve them all.
struct Dispatcher {
    handle: tokio::runtime::Handle,
    stop: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Dispatcher {
    fn start() -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .thread_name("hookspec-callbacks")
            .build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("hookspec-callbacks".into())
            .spawn(move || {
                runtime.block_on(async {
                    let _ = stopped.await;
                });
                // Dropping the runtime cancels the attempts still under way; their
                // leases run out and the deliveries stay in the store.
                runtime.shutdown_timeout(Duration::from_secs(1));
            })?;
        Ok(Dispatcher {
            handle,
            stop: Mutex::new(Some(stop)),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Runs `work` on the dispatcher's runtime and waits for it from any thread
    /// (while building: to open a store, and to count it).
    fn block_on<T: Send + 'static>(
        &self,
        work: impl std::future::Future<Output = T> + Send + 'static,
    ) -> Option<T> {
        let (done, result) = std::sync::mpsc::channel();
        self.handle.spawn(async move {
            let _ = done.send(work.await);
        });
        result.recv().ok()
    }

    fn stop(&self) {
        if let Some(stop) = self.stop.lock().ok().and_then(|mut stop| stop.take()) {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.lock().ok().and_then(|mut thread| thread.take()) {
            // Never join from the dispatcher thread itself.
            if thread.thread().id() != std::thread::current().id() {
                let _ = thread.join();
            }
        }
    }
}

impl Drop for Dispatcher {
    fn drop(&mut self) {
        self.stop();
    }
}

struct Inner {
    shared: Arc<Shared>,
    dispatcher: Dispatcher,
    /// Set by [`Callbacks::shutdown`]: store calls then run on the caller's runtime.
    stopped: AtomicBool,
}

/// Sends declared callbacks: typed bodies, URLs evaluated from the triggering
/// request, a durable outbox, retries, signatures, and the SSRF guard. Cheap to
/// clone; put one in the app's data (`web::Data<Callbacks>`).
#[derive(Clone)]
pub struct Callbacks {
    inner: Arc<Inner>,
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
    /// Starts configuring.
    pub fn builder() -> CallbacksBuilder {
        CallbacksBuilder::default()
    }

    /// Prepares callback `C` for the request `req` that triggered it.
    pub fn callback<C: CallbackDeclaration>(&self, req: &HttpRequest) -> CallbackRequest<'_, C> {
        self.callback_for::<C>(Trigger::from_request(req))
    }

    /// Prepares callback `C` for a trigger assembled by hand (outside a handler,
    /// or with a URL the caller supplies).
    pub fn callback_for<C: CallbackDeclaration>(&self, trigger: Trigger) -> CallbackRequest<'_, C> {
        DeliveryRequest::callback::<C>(self, trigger)
    }

    /// Prepares webhook `W` for one subscriber's `url`.
    pub fn webhook<W: WebhookDeclaration>(&self, url: &str) -> WebhookRequest<'_, W> {
        DeliveryRequest::webhook::<W>(self, url.to_owned())
    }

    /// Runs a store call on the dispatcher's runtime, where the store's
    /// connections live, and waits for it from the caller's. After a shutdown,
    /// records stay readable: the call runs on the caller's runtime.
    async fn on_store<T: Send + 'static>(
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

    /// The dead letters: deliveries given up, with their attempts, oldest first.
    pub async fn dead_letters(&self) -> Result<Vec<DeliveryRecord>, StoreError> {
        self.deliveries(DeliveryFilter::dead_letters()).await
    }

    /// Sends a dead letter again, with a fresh round of retries (its history
    /// stays). Returns `false` if `id` is not a dead letter.
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
    /// [`DeliveryState::Abandoned`]. Returns how many deliveries were left
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
    fn accept(
        &self,
        message: Message,
    ) -> Result<(NewDelivery, Option<bound::Reservation>), SendError> {
        let shared = &self.inner.shared;
        if !shared.is_accepting() {
            return Err(SendError::ShuttingDown);
        }
        match (&shared.settings.signing, &message.signing_key) {
            (Signing::ByKey(_), None) => {
                return Err(SendError::SigningKey(
                    "the dispatcher signs by key (`signing_secrets_by_key`) and the delivery \
                     names none (`.signing_key(..)`)",
                ))
            }
            (Signing::ByKey(_), Some(_)) | (_, None) => {}
            (_, Some(_)) => {
                return Err(SendError::SigningKey(
                    "the delivery names a signing key, and the dispatcher has no key \
                     resolver (`signing_secrets_by_key`)",
                ))
            }
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
            signing_key: message.signing_key,
        };
        Ok((delivery, reservation))
    }

    /// Writes an accepted delivery to the store and wakes the dispatcher. With
    /// a send slot free, it is written leased to this instance and attempted
    /// at once (see [`dispatch::enqueue_leased`]); with none but room in the
    /// backlog, written leased and queued here for the next free slot
    /// ([`dispatch::enqueue_backlogged`]); otherwise written for any instance
    /// to claim.
    async fn enqueue_delivery(&self, delivery: NewDelivery) -> Result<DeliveryId, SendError> {
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
    async fn send_delivery(&self, delivery: NewDelivery) -> Result<Vec<u8>, SendError> {
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
