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
//!     // URL from this request, body typed as the callback declares; returns at once.
//!     let sent = callbacks
//!         .callback::<invoice_notification>(&req)
//!         .enqueue(&InvoiceEvent { paid: true });
//!     if let Err(why) = sent {
//!         eprintln!("no notification: {why}"); // e.g. no callback_url was given
//!     }
//!     invoice
//! }
//! ```

mod attempt;
pub(crate) mod evaluate;
mod receive;
mod record;
pub mod signing;
mod ssrf;

use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

pub use attempt::{DeliveryError, RetryPolicy};
pub use evaluate::{NotApplicable, Trigger};
pub use receive::Verified;
pub use record::{Attempt, DeliveryId, DeliveryRecord, DeliveryState};
pub use signing::{Signer, Verifier};
pub use ssrf::{AddressPolicy, Refused};

use crate::openapi::Method;
use crate::operation::{CallbackDeclaration, WebhookDeclaration};
use crate::payload::{CallbackBody, CallbackReply};
use crate::problem::Problem;
use attempt::{deliver, Outgoing};
use record::Records;

/// How [`Callbacks`] sends.
#[derive(Debug)]
pub(crate) struct Settings {
    pub retry: RetryPolicy,
    pub attempt_timeout: Duration,
    pub queue_capacity: usize,
    pub max_reply_bytes: usize,
    pub signer: Option<Signer>,
}

/// What the dispatcher's tasks share.
pub(crate) struct Shared {
    pub settings: Settings,
    pub client: reqwest::Client,
    policy: Arc<AddressPolicy>,
    records: Mutex<Records>,
    /// One permit per accepted, unfinished delivery: the queue's bound.
    pending: Arc<Semaphore>,
    pub in_flight: Semaphore,
    accepting: std::sync::atomic::AtomicBool,
}

impl Shared {
    fn records(&self) -> MutexGuard<'_, Records> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.records
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn update(&self, id: &DeliveryId, change: impl FnOnce(&mut DeliveryRecord)) {
        self.records().update(id, change);
    }
}

/// The dispatcher thread: a tokio runtime of its own, so deliveries go on whatever
/// the web server's workers do, and one HTTP client serves them all.
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
                // Dropping the runtime cancels the deliveries still waiting.
                runtime.shutdown_timeout(Duration::from_secs(1));
            })?;
        Ok(Dispatcher {
            handle,
            stop: Mutex::new(Some(stop)),
            thread: Mutex::new(Some(thread)),
        })
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
}

/// Sends declared callbacks: typed bodies, URLs evaluated from the triggering
/// request, retries, signatures, and the SSRF guard. Cheap to clone; put one in
/// the app's data (`web::Data<Callbacks>`).
#[derive(Clone)]
pub struct Callbacks {
    inner: Arc<Inner>,
}

impl fmt::Debug for Callbacks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callbacks")
            .field("settings", &self.inner.shared.settings)
            .field("policy", &self.inner.shared.policy)
            .finish()
    }
}

/// Builds [`Callbacks`].
#[derive(Debug)]
pub struct CallbacksBuilder {
    retry: RetryPolicy,
    attempt_timeout: Duration,
    queue_capacity: usize,
    concurrency: usize,
    max_reply_bytes: usize,
    retain_finished: usize,
    policy: AddressPolicy,
    secrets: Vec<String>,
}

impl Default for CallbacksBuilder {
    fn default() -> Self {
        CallbacksBuilder {
            retry: RetryPolicy::default(),
            attempt_timeout: Duration::from_secs(10),
            queue_capacity: 10_000,
            concurrency: 64,
            max_reply_bytes: 64 * 1024,
            retain_finished: 10_000,
            policy: AddressPolicy::public_only(),
            secrets: Vec::new(),
        }
    }
}

/// Why [`Callbacks`] could not be built.
#[derive(Debug)]
pub enum BuildError {
    /// A signing secret is malformed.
    Secret(signing::SignatureError),
    /// The HTTP client or the dispatcher thread could not start.
    Start(String),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Secret(error) => write!(f, "{error}"),
            BuildError::Start(error) => write!(f, "cannot start callback delivery: {error}"),
        }
    }
}

impl std::error::Error for BuildError {}

impl CallbacksBuilder {
    /// Signs every callback with these `whsec_...` secrets (several during a key
    /// rotation). Without one, callbacks are sent unsigned.
    pub fn signing_secrets(mut self, secrets: &[&str]) -> Self {
        self.secrets = secrets.iter().map(|s| (*s).to_owned()).collect();
        self
    }

    /// When to retry and give up (default: 6 attempts from 1 s doubling up to
    /// 5 min, within one hour).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The longest one attempt may take, connecting and reading the reply
    /// included (default 10 s).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// How many deliveries may be accepted and unfinished at once (default
    /// 10,000); past that, sending fails with [`SendError::QueueFull`].
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.queue_capacity = capacity.max(1);
        self
    }

    /// How many requests may be in flight at once (default 64).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// The largest reply read (default 64 KiB); a larger one fails the delivery.
    pub fn max_reply_bytes(mut self, bytes: usize) -> Self {
        self.max_reply_bytes = bytes;
        self
    }

    /// How many finished delivery records to keep (default 10,000).
    pub fn retain_finished(mut self, records: usize) -> Self {
        self.retain_finished = records;
        self
    }

    /// Which addresses callbacks may reach (default: public addresses only).
    pub fn address_policy(mut self, policy: AddressPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Starts the dispatcher.
    pub fn build(self) -> Result<Callbacks, BuildError> {
        let secrets: Vec<&str> = self.secrets.iter().map(String::as_str).collect();
        let signer = if secrets.is_empty() {
            None
        } else {
            Some(Signer::new(&secrets).map_err(BuildError::Secret)?)
        };
        let policy = Arc::new(self.policy);
        let client = http_client(&policy).map_err(BuildError::Start)?;
        let dispatcher =
            Dispatcher::start().map_err(|error| BuildError::Start(error.to_string()))?;
        let shared = Arc::new(Shared {
            settings: Settings {
                retry: self.retry,
                attempt_timeout: self.attempt_timeout,
                queue_capacity: self.queue_capacity,
                max_reply_bytes: self.max_reply_bytes,
                signer,
            },
            client,
            policy,
            records: Mutex::new(Records::new(self.retain_finished)),
            pending: Arc::new(Semaphore::new(self.queue_capacity)),
            in_flight: Semaphore::new(self.concurrency),
            accepting: std::sync::atomic::AtomicBool::new(true),
        });
        Ok(Callbacks {
            inner: Arc::new(Inner { shared, dispatcher }),
        })
    }
}

/// reqwest's rustls (the platform's roots); no proxy (it would resolve names where
/// the guard cannot see them) and no redirects.
fn http_client(policy: &Arc<AddressPolicy>) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(ssrf::GuardedResolver {
            policy: Arc::clone(policy),
        }))
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|error| error.to_string())
}

/// Why a callback was not sent.
#[derive(Debug)]
pub enum SendError {
    /// The URL has an expression with no value for this request.
    NotApplicable(NotApplicable),
    /// The evaluated URL is not a URL.
    InvalidUrl {
        /// The text evaluated.
        url: String,
        /// Why it does not parse.
        reason: String,
    },
    /// The URL points where callbacks may not go.
    Refused(Refused),
    /// The body could not be encoded.
    Encode(String),
    /// As many deliveries as the queue holds are unfinished.
    QueueFull {
        /// The queue's capacity.
        capacity: usize,
    },
    /// The dispatcher is shutting down.
    ShuttingDown,
    /// Awaited delivery failed.
    Delivery(DeliveryError),
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::NotApplicable(why) => write!(f, "callback not applicable: {why}"),
            SendError::InvalidUrl { url, reason } => {
                write!(f, "callback URL `{url}` is not a URL: {reason}")
            }
            SendError::Refused(refused) => write!(f, "{refused}"),
            SendError::Encode(error) => write!(f, "callback body cannot be encoded: {error}"),
            SendError::QueueFull { capacity } => write!(
                f,
                "callback queue is full ({capacity} deliveries unfinished); try again later"
            ),
            SendError::ShuttingDown => f.write_str("callback delivery is shutting down"),
            SendError::Delivery(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for SendError {}

/// So a handler can answer with `?`: the API user's bad URL is their error (400),
/// a full queue or a shutdown is ours for now (503), a failed awaited delivery is
/// the receiver's (502).
impl ResponseError for SendError {
    fn status_code(&self) -> StatusCode {
        match self {
            SendError::NotApplicable(_) | SendError::InvalidUrl { .. } | SendError::Refused(_) => {
                StatusCode::BAD_REQUEST
            }
            SendError::QueueFull { .. } | SendError::ShuttingDown => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            SendError::Delivery(_) => StatusCode::BAD_GATEWAY,
            SendError::Encode(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        Problem::new(self.status_code(), self.to_string()).error_response()
    }
}

/// Every status [`SendError`] can answer with, as problem details.
impl crate::OperationOutput for SendError {
    fn describe(cx: &mut crate::OperationContext<'_>) {
        for status in [400, 500, 502, 503] {
            cx.add_problem_response(status);
        }
    }
}

impl Callbacks {
    /// Starts configuring.
    pub fn builder() -> CallbacksBuilder {
        CallbacksBuilder::default()
    }

    /// Prepares callback `C` for the request `req` that triggered it.
    pub fn callback<C: CallbackDeclaration>(&self, req: &HttpRequest) -> CallbackRequest<'_, C> {
        self.callback_for(Trigger::from_request(req))
    }

    /// Prepares callback `C` for a trigger assembled by hand (outside a handler,
    /// or with a URL the caller supplies).
    pub fn callback_for<C: CallbackDeclaration>(&self, trigger: Trigger) -> CallbackRequest<'_, C> {
        CallbackRequest {
            callbacks: self,
            trigger,
            declaration: PhantomData,
        }
    }

    /// The record of one delivery.
    pub fn delivery(&self, id: &DeliveryId) -> Option<DeliveryRecord> {
        self.inner.shared.records().get(id)
    }

    /// Every record kept, oldest first.
    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        self.inner.shared.records().all()
    }

    /// How many deliveries are accepted and unfinished.
    pub fn unfinished(&self) -> usize {
        let shared = &self.inner.shared;
        shared.settings.queue_capacity - shared.pending.available_permits()
    }

    /// Stops accepting callbacks, waits up to `grace` for unfinished deliveries,
    /// then marks those still unfinished [`DeliveryState::Abandoned`] and stops
    /// the dispatcher. Returns how many were abandoned.
    pub async fn shutdown(&self, grace: Duration) -> usize {
        let shared = &self.inner.shared;
        shared
            .accepting
            .store(false, std::sync::atomic::Ordering::SeqCst);
        let deadline = Instant::now() + grace;
        while self.unfinished() > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let abandoned = shared.records().abandon_unfinished();
        if abandoned > 0 {
            tracing::warn!(
                abandoned,
                "callback dispatcher stopped with unfinished deliveries"
            );
        }
        self.inner.dispatcher.stop();
        abandoned
    }

    /// Prepares webhook `W` for one subscriber's `url`.
    pub fn webhook<W: WebhookDeclaration>(&self, url: &str) -> WebhookRequest<'_, W> {
        WebhookRequest {
            callbacks: self,
            url: url.to_owned(),
            declaration: PhantomData,
        }
    }

    /// Checks and accepts one delivery: the URL against the address policy, the
    /// body encoded, a place in the queue, a record.
    fn accept(&self, message: Message) -> Result<(Outgoing, OwnedSemaphorePermit), SendError> {
        let shared = &self.inner.shared;
        if !shared.accepting.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(SendError::ShuttingDown);
        }
        let url = Url::parse(&message.url).map_err(|error| SendError::InvalidUrl {
            url: message.url.clone(),
            reason: error.to_string(),
        })?;
        shared.policy.check_url(&url).map_err(SendError::Refused)?;
        let body = message.body.map_err(SendError::Encode)?;
        let permit = Arc::clone(&shared.pending)
            .try_acquire_owned()
            .map_err(|_| SendError::QueueFull {
                capacity: shared.settings.queue_capacity,
            })?;
        let id = DeliveryId::random();
        shared.records().insert(DeliveryRecord {
            id: id.clone(),
            callback: message.name.to_owned(),
            url: url.to_string(),
            created_at: SystemTime::now(),
            state: DeliveryState::Pending,
            attempts: Vec::new(),
        });
        let method = reqwest::Method::from_bytes(message.method.http_name().as_bytes())
            .unwrap_or(reqwest::Method::POST);
        Ok((
            Outgoing {
                id,
                callback: message.name,
                method,
                url,
                body,
                content_type: message.content_type,
                check_reply: message.check_reply,
            },
            permit,
        ))
    }

    /// Hands an accepted delivery to the dispatcher.
    fn dispatch(&self, outgoing: Outgoing, permit: OwnedSemaphorePermit) -> DeliveryId {
        let id = outgoing.id.clone();
        let shared = Arc::clone(&self.inner.shared);
        self.inner.dispatcher.handle.spawn(async move {
            let _permit = permit;
            let _ = deliver(shared, outgoing).await;
        });
        id
    }

    /// Runs an accepted delivery and waits for it: on the dispatcher, like
    /// background deliveries, so the HTTP client and its connections live on one
    /// runtime.
    async fn deliver_now(
        &self,
        outgoing: Outgoing,
        permit: OwnedSemaphorePermit,
    ) -> Result<Vec<u8>, SendError> {
        let shared = Arc::clone(&self.inner.shared);
        let delivered = self.inner.dispatcher.handle.spawn(async move {
            let _permit = permit;
            deliver(shared, outgoing).await
        });
        match delivered.await {
            Ok(result) => result.map_err(SendError::Delivery),
            Err(_) => Err(SendError::ShuttingDown),
        }
    }
}

/// What one delivery sends, before it is checked and accepted.
struct Message {
    name: &'static str,
    method: Method,
    url: String,
    body: Result<Vec<u8>, String>,
    content_type: Option<&'static str>,
    check_reply: fn(&[u8]) -> Result<(), String>,
}

impl Message {
    fn new<P: CallbackBody, A: CallbackReply>(
        name: &'static str,
        method: Method,
        url: String,
        body: &P::Body,
    ) -> Self {
        Message {
            name,
            method,
            url,
            body: P::encode(body),
            content_type: P::content_type(),
            check_reply: |reply| A::decode(reply).map(drop),
        }
    }
}

fn decode_reply<A: CallbackReply>(reply: &[u8]) -> Result<A::Reply, SendError> {
    A::decode(reply)
        .map_err(|reason| SendError::Encode(format!("the reply no longer decodes: {reason}")))
}

/// One callback about to be sent; from [`Callbacks::callback`].
pub struct CallbackRequest<'a, C> {
    callbacks: &'a Callbacks,
    trigger: Trigger,
    declaration: PhantomData<C>,
}

impl<C: CallbackDeclaration> CallbackRequest<'_, C> {
    /// Makes the response to the triggering request known, for URLs that read
    /// `$statusCode` or `$response.body#/...`.
    pub fn with_response<T: Serialize>(mut self, status: u16, body: &T) -> Self {
        self.trigger.status = Some(status);
        self.trigger.response_body = serde_json::to_value(body).ok();
        self
    }

    /// Hands the callback to the background dispatcher and returns at once with
    /// the delivery's id; its progress is in [`Callbacks::delivery`].
    pub fn enqueue(
        self,
        body: &<C::Payload as CallbackBody>::Body,
    ) -> Result<DeliveryId, SendError> {
        let (outgoing, permit) = self.callbacks.accept(self.message(body)?)?;
        Ok(self.callbacks.dispatch(outgoing, permit))
    }

    /// Sends the callback, retrying as configured, and returns the receiver's
    /// decoded reply.
    pub async fn send(
        self,
        body: &<C::Payload as CallbackBody>::Body,
    ) -> Result<<C::Answer as CallbackReply>::Reply, SendError> {
        let (outgoing, permit) = self.callbacks.accept(self.message(body)?)?;
        let reply = self.callbacks.deliver_now(outgoing, permit).await?;
        decode_reply::<C::Answer>(&reply)
    }

    /// The message, with the URL evaluated for the trigger.
    fn message(&self, body: &<C::Payload as CallbackBody>::Body) -> Result<Message, SendError> {
        let meta = &C::META;
        let url = evaluate::evaluate(&meta.url, &self.trigger).map_err(SendError::NotApplicable)?;
        Ok(Message::new::<C::Payload, C::Answer>(
            meta.name,
            meta.method,
            url,
            body,
        ))
    }
}

/// One webhook about to be sent to one subscriber; from [`Callbacks::webhook`].
pub struct WebhookRequest<'a, W> {
    callbacks: &'a Callbacks,
    url: String,
    declaration: PhantomData<W>,
}

impl<W: WebhookDeclaration> WebhookRequest<'_, W> {
    fn message(&self, body: &<W::Payload as CallbackBody>::Body) -> Message {
        let meta = &W::META;
        Message::new::<W::Payload, W::Answer>(meta.name, meta.method, self.url.clone(), body)
    }

    /// Hands the webhook to the background dispatcher; see [`CallbackRequest::enqueue`].
    pub fn enqueue(
        self,
        body: &<W::Payload as CallbackBody>::Body,
    ) -> Result<DeliveryId, SendError> {
        let (outgoing, permit) = self.callbacks.accept(self.message(body))?;
        Ok(self.callbacks.dispatch(outgoing, permit))
    }

    /// Sends the webhook and waits for the decoded reply; see [`CallbackRequest::send`].
    pub async fn send(
        self,
        body: &<W::Payload as CallbackBody>::Body,
    ) -> Result<<W::Answer as CallbackReply>::Reply, SendError> {
        let (outgoing, permit) = self.callbacks.accept(self.message(body))?;
        let reply = self.callbacks.deliver_now(outgoing, permit).await?;
        decode_reply::<W::Answer>(&reply)
    }
}
