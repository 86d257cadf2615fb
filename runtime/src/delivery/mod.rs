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
mod dispatch;
mod env;
pub(crate) mod evaluate;
mod record;
mod replies;
mod sender;
mod ssrf;
pub mod store;

use std::fmt;
use std::marker::PhantomData;
#[cfg(feature = "sqlite")]
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use reqwest::header::HeaderValue;
use serde::Serialize;
use tokio::sync::{Notify, Semaphore};
use url::Url;

/// Signatures (also reachable as [`crate::signing`], for receivers that use
/// nothing else).
pub use crate::signing;
pub use crate::signing::{Signer, Verified, Verifier};
pub use attempt::{DeliveryError, RetryPolicy};
pub use env::{POLICY_VARIABLE, SECRETS_VARIABLE, STORE_VARIABLE};
pub use evaluate::{NotApplicable, Trigger};
pub use record::{Attempt, DeliveryId, DeliveryRecord, DeliveryState};
pub use sender::{Callback, Webhook};
pub use ssrf::{AddressPolicy, LookupFuture, NameLookup, Refused};
pub use store::{DeliveryFilter, DeliveryStore, StateKind, StoreError};

use crate::openapi::Method;
use crate::operation::{CallbackDeclaration, WebhookDeclaration};
use crate::payload::{CallbackBody, CallbackReply, ReplyDeclaration};
use crate::problem::Problem;
use attempt::Outgoing;
use dispatch::AwaitedError;
use replies::Replies;
use store::{MemoryStore, NewDelivery};

/// How [`Callbacks`] sends.
#[derive(Debug)]
pub(crate) struct Settings {
    pub retry: RetryPolicy,
    pub attempt_timeout: Duration,
    pub max_reply_bytes: usize,
    pub signer: Option<Signer>,
    /// How long a claim holds a delivery; longer than an attempt can take.
    pub lease: Duration,
    /// How often the store is asked for due deliveries without a wake-up.
    pub poll_interval: Duration,
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
    /// One permit per claimed delivery this instance works on.
    pub claim_slots: Arc<Semaphore>,
    /// One permit per request in flight.
    pub in_flight: Semaphore,
    concurrency: usize,
    accepting: AtomicBool,
    /// The reply types deliveries are checked against, by name.
    replies: Replies,
}

impl Shared {
    pub(crate) fn is_accepting(&self) -> bool {
        self.accepting.load(Ordering::SeqCst)
    }

    /// A stored delivery, ready to send.
    pub(crate) fn outgoing(&self, delivery: &NewDelivery) -> Result<Outgoing, String> {
        let url = Url::parse(&delivery.url)
            .map_err(|error| format!("the stored URL `{}` is not a URL: {error}", delivery.url))?;
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
    /// (used once, to open a store while building).
    #[cfg(feature = "postgres")]
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

/// Which store a [`CallbacksBuilder`] opens.
enum StoreChoice {
    Memory,
    #[cfg(feature = "sqlite")]
    Sqlite(PathBuf, store::SqliteSync),
    #[cfg(feature = "postgres")]
    Postgres(String),
    Given(Arc<dyn DeliveryStore>),
}

impl fmt::Debug for StoreChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreChoice::Memory => f.write_str("Memory"),
            #[cfg(feature = "sqlite")]
            StoreChoice::Sqlite(path, sync) => write!(f, "Sqlite({}, {sync:?})", path.display()),
            #[cfg(feature = "postgres")]
            StoreChoice::Postgres(_) => f.write_str("Postgres"),
            StoreChoice::Given(_) => f.write_str("Given"),
        }
    }
}

/// The file the default SQLite store opens, in the working directory.
pub const DEFAULT_SQLITE_PATH: &str = "hookspec-deliveries.sqlite3";

/// The name lookup a builder was given (closures have no `Debug`).
#[derive(Clone)]
struct Lookup(Arc<dyn NameLookup>);

impl fmt::Debug for Lookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NameLookup")
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
    lookup: Lookup,
    secrets: Vec<String>,
    store: StoreChoice,
    lease: Option<Duration>,
    poll_interval: Duration,
    replies: Vec<ReplyDeclaration>,
    api_error: Option<crate::SpecError>,
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
            lookup: Lookup(Arc::new(ssrf::SystemLookup)),
            secrets: Vec::new(),
            #[cfg(feature = "sqlite")]
            store: StoreChoice::Sqlite(DEFAULT_SQLITE_PATH.into(), store::SqliteSync::Full),
            #[cfg(not(feature = "sqlite"))]
            store: StoreChoice::Memory,
            lease: None,
            poll_interval: Duration::from_millis(500),
            replies: Vec::new(),
            api_error: None,
        }
    }
}

/// Why [`Callbacks`] could not be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// A signing secret is malformed.
    Secret(signing::SignatureError),
    /// The HTTP client or the dispatcher thread could not start.
    Start(String),
    /// The delivery store could not be opened.
    Store(StoreError),
    /// The settings contradict each other.
    Settings(String),
    /// The [`Api`](crate::Api) given to [`CallbacksBuilder::api`] has no
    /// document.
    Api(crate::SpecError),
    /// An environment variable read by [`CallbacksBuilder::from_env`] holds
    /// something it cannot use.
    Env {
        /// The variable.
        variable: &'static str,
        /// What is wrong with its value.
        reason: String,
    },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Secret(error) => write!(f, "{error}"),
            BuildError::Start(error) => write!(f, "cannot start callback delivery: {error}"),
            BuildError::Store(error) => write!(f, "cannot open the delivery store: {error}"),
            BuildError::Settings(error) => write!(f, "callback delivery settings: {error}"),
            BuildError::Api(error) => write!(f, "{error}"),
            BuildError::Env { variable, reason } => write!(f, "{variable}: {reason}"),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::Secret(error) => Some(error),
            BuildError::Store(error) => Some(error),
            BuildError::Api(error) => Some(error),
            _ => None,
        }
    }
}

impl CallbacksBuilder {
    /// Checks the replies of the callbacks and webhooks `api` documents, also
    /// of deliveries read back from the store after a restart (which carry only
    /// their callback's name). Without it, the declarations this `Callbacks`
    /// sends are known once it has sent them; a delivery of one not sent yet
    /// since the start accepts any successful reply.
    /// An API whose document cannot be built makes [`build`](Self::build)
    /// fail with [`BuildError::Api`].
    pub fn api(mut self, api: &crate::Api) -> Self {
        match api.reply_declarations() {
            Ok(replies) => self.replies.extend_from_slice(replies),
            Err(error) => self.api_error = Some(error),
        }
        self
    }

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

    /// Keeps deliveries in this process's memory only: nothing survives a
    /// restart. For tests, and programs that accept losing unsent callbacks.
    pub fn in_memory(mut self) -> Self {
        self.store = StoreChoice::Memory;
        self
    }

    /// Keeps deliveries in the SQLite file at `path` (created if missing). The
    /// default, at [`DEFAULT_SQLITE_PATH`], when the `sqlite` feature is on.
    #[cfg(feature = "sqlite")]
    #[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
    pub fn sqlite(mut self, path: impl Into<PathBuf>) -> Self {
        self.store = StoreChoice::Sqlite(path.into(), store::SqliteSync::Full);
        self
    }

    /// Like [`sqlite`](Self::sqlite), choosing how durable each write is.
    #[cfg(feature = "sqlite")]
    #[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
    pub fn sqlite_with(mut self, path: impl Into<PathBuf>, sync: store::SqliteSync) -> Self {
        self.store = StoreChoice::Sqlite(path.into(), sync);
        self
    }

    /// Keeps deliveries in PostgreSQL at `url`, shared by every instance that
    /// uses the same database.
    #[cfg(feature = "postgres")]
    #[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
    pub fn postgres(mut self, url: &str) -> Self {
        self.store = StoreChoice::Postgres(url.to_owned());
        self
    }

    /// Keeps deliveries in a store opened by the application.
    pub fn store(mut self, store: impl DeliveryStore) -> Self {
        self.store = StoreChoice::Given(Arc::new(store));
        self
    }

    /// How long a worker's claim on a delivery lasts (default: the attempt
    /// timeout plus 30 s). A worker that dies holding one delays that delivery
    /// by at most this long; it must be longer than the attempt timeout.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = Some(lease);
        self
    }

    /// How often the store is checked for deliveries this process was not told
    /// about: enqueued by other instances or in a caller's transaction, or left
    /// by a worker that died (default 500 ms).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// How many deliveries the in-memory store may hold unfinished (default
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

    /// How many finished delivery records the in-memory store keeps (default
    /// 10,000). Durable stores keep every record.
    pub fn retain_finished(mut self, records: usize) -> Self {
        self.retain_finished = records;
        self
    }

    /// Looks callback host names up with `lookup` instead of the system
    /// resolver. The address policy still filters every address it returns,
    /// when connecting.
    pub fn name_lookup(mut self, lookup: impl NameLookup) -> Self {
        self.lookup = Lookup(Arc::new(lookup));
        self
    }

    /// Which addresses callbacks may reach (default: public addresses only).
    pub fn address_policy(mut self, policy: AddressPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Opens the store and starts the dispatcher.
    pub fn build(self) -> Result<Callbacks, BuildError> {
        if let Some(error) = self.api_error {
            return Err(BuildError::Api(error));
        }
        let secrets: Vec<&str> = self.secrets.iter().map(String::as_str).collect();
        let signer = if secrets.is_empty() {
            None
        } else {
            Some(Signer::new(&secrets).map_err(BuildError::Secret)?)
        };
        let lease = self
            .lease
            .unwrap_or(self.attempt_timeout + Duration::from_secs(30));
        if lease <= self.attempt_timeout {
            return Err(BuildError::Settings(format!(
                "the lease ({lease:?}) must be longer than the attempt timeout ({:?}), or two workers could attempt one delivery at once",
                self.attempt_timeout
            )));
        }
        let replies = Replies::default();
        for reply in &self.replies {
            replies.declare(*reply);
        }
        let policy = Arc::new(self.policy);
        let client = http_client(&policy, self.lookup.0).map_err(BuildError::Start)?;
        let dispatcher =
            Dispatcher::start().map_err(|error| BuildError::Start(error.to_string()))?;
        let store: Arc<dyn DeliveryStore> = match self.store {
            StoreChoice::Memory => {
                Arc::new(MemoryStore::new(self.queue_capacity, self.retain_finished))
            }
            #[cfg(feature = "sqlite")]
            StoreChoice::Sqlite(path, sync) => {
                Arc::new(store::SqliteStore::open_with(path, sync).map_err(BuildError::Store)?)
            }
            #[cfg(feature = "postgres")]
            StoreChoice::Postgres(url) => {
                let opened = dispatcher
                    .block_on(async move { store::PostgresStore::connect(&url).await })
                    .ok_or_else(|| BuildError::Start("the dispatcher stopped".into()))?;
                Arc::new(opened.map_err(BuildError::Store)?)
            }
            StoreChoice::Given(store) => store,
        };
        let shared = Arc::new(Shared {
            settings: Settings {
                retry: self.retry,
                attempt_timeout: self.attempt_timeout,
                max_reply_bytes: self.max_reply_bytes,
                signer,
                lease,
                poll_interval: self.poll_interval,
            },
            client,
            policy,
            store,
            instance: format!("inst_{:016x}", fastrand::u64(..)),
            claims: AtomicU64::new(0),
            wake: Notify::new(),
            claim_slots: Arc::new(Semaphore::new(self.concurrency)),
            in_flight: Semaphore::new(self.concurrency),
            concurrency: self.concurrency,
            accepting: AtomicBool::new(true),
            replies,
        });
        dispatcher.handle.spawn(dispatch::run(Arc::clone(&shared)));
        Ok(Callbacks {
            inner: Arc::new(Inner {
                shared,
                dispatcher,
                stopped: AtomicBool::new(false),
            }),
        })
    }
}

/// reqwest's rustls (the platform's roots); no proxy (it would resolve names where
/// the guard cannot see them) and no redirects.
fn http_client(
    policy: &Arc<AddressPolicy>,
    lookup: Arc<dyn NameLookup>,
) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(ssrf::GuardedResolver {
            policy: Arc::clone(policy),
            lookup,
        }))
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|error| error.to_string())
}

/// Why a callback was not sent. Handlers usually ask
/// [`is_bad_url`](Self::is_bad_url) (the API user's URL: the request can go on
/// without the callback) or [`is_unavailable`](Self::is_unavailable) (ours:
/// answer 503, try again later) rather than match each variant.
#[derive(Debug)]
#[non_exhaustive]
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
    /// The in-memory store holds as many unfinished deliveries as it may.
    QueueFull {
        /// The queue's capacity.
        capacity: usize,
    },
    /// The delivery store could not write the delivery: nothing was accepted,
    /// and nothing will be sent. Worth trying again later.
    Store(StoreError),
    /// The dispatcher is shutting down.
    ShuttingDown,
    /// Awaited delivery failed.
    Delivery(DeliveryError),
}

impl From<StoreError> for SendError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Full { capacity } => SendError::QueueFull { capacity },
            other => SendError::Store(other),
        }
    }
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
            SendError::Store(error) => write!(f, "callback not accepted: {error}"),
            SendError::ShuttingDown => f.write_str("callback delivery is shutting down"),
            SendError::Delivery(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for SendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SendError::NotApplicable(error) => Some(error),
            SendError::Refused(error) => Some(error),
            SendError::Store(error) => Some(error),
            SendError::Delivery(error) => Some(error),
            _ => None,
        }
    }
}

impl SendError {
    /// The callback's URL is the problem: an expression without a value for this
    /// request (no `callback_url` given), not a URL, or an address callbacks may
    /// not reach. The API user's doing; nothing was accepted.
    pub fn is_bad_url(&self) -> bool {
        matches!(
            self,
            SendError::NotApplicable(_) | SendError::InvalidUrl { .. } | SendError::Refused(_)
        )
    }

    /// Nothing was accepted for now: the store is unavailable or full, or the
    /// sender is shutting down. Worth trying again later (a `503`).
    pub fn is_unavailable(&self) -> bool {
        match self {
            SendError::QueueFull { .. } | SendError::ShuttingDown => true,
            SendError::Store(error) => error.is_unavailable(),
            _ => false,
        }
    }

    /// What an API client is told: the whole message for its own mistakes and
    /// the receiver's; for ours, what happened without the internals (database
    /// errors, addresses), which go to the log.
    fn public_detail(&self) -> String {
        match self {
            SendError::Store(StoreError::Unavailable(_)) => {
                "callback not accepted: the delivery store is unavailable; try again later".into()
            }
            SendError::Store(_) => "callback not accepted: the delivery store failed".into(),
            SendError::Encode(_) => "callback not accepted: its body cannot be encoded".into(),
            other => other.to_string(),
        }
    }
}

/// So a handler can answer with `?`: the API user's bad URL is their error (400),
/// a full queue, an unavailable store or a shutdown is ours for now (503, with
/// `Retry-After`), a failed awaited delivery is the receiver's (502).
impl ResponseError for SendError {
    fn status_code(&self) -> StatusCode {
        match self {
            SendError::NotApplicable(_) | SendError::InvalidUrl { .. } | SendError::Refused(_) => {
                StatusCode::BAD_REQUEST
            }
            SendError::QueueFull { .. } | SendError::ShuttingDown => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            SendError::Store(StoreError::Corrupt(_)) | SendError::Encode(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            SendError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
            SendError::Delivery(_) => StatusCode::BAD_GATEWAY,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if self.status_code().is_server_error() {
            tracing::error!(error = %self, "a callback was not accepted");
        }
        let mut response = Problem::new(self.status_code(), self.public_detail()).error_response();
        if self.status_code() == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from_static("1"),
            );
        }
        response
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

    /// Prepares webhook `W` for one subscriber's `url`.
    pub fn webhook<W: WebhookDeclaration>(&self, url: &str) -> WebhookRequest<'_, W> {
        WebhookRequest {
            callbacks: self,
            url: url.to_owned(),
            declaration: PhantomData,
        }
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
        self.inner.shared.wake.notify_one();
        Ok(replayed)
    }

    /// Looks for due deliveries now rather than at the next poll: call after
    /// committing a transaction that enqueued callbacks.
    pub fn poll_now(&self) {
        self.inner.shared.wake.notify_one();
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
                || shared.in_flight.available_permits() < shared.concurrency;
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
    fn accept(&self, message: Message) -> Result<NewDelivery, SendError> {
        let shared = &self.inner.shared;
        if !shared.is_accepting() {
            return Err(SendError::ShuttingDown);
        }
        let url = Url::parse(&message.url).map_err(|error| SendError::InvalidUrl {
            url: message.url.clone(),
            reason: error.to_string(),
        })?;
        shared.policy.check_url(&url).map_err(SendError::Refused)?;
        let body = message.body.map_err(SendError::Encode)?;
        shared.replies.declare(message.reply);
        Ok(NewDelivery {
            id: DeliveryId::random(),
            callback: message.name.to_owned(),
            method: message.method.http_name().to_owned(),
            url: url.to_string(),
            content_type: message.content_type.map(str::to_owned),
            body,
            created_at: SystemTime::now(),
        })
    }

    /// Writes an accepted delivery to the store and wakes the dispatcher.
    async fn enqueue_delivery(&self, delivery: NewDelivery) -> Result<DeliveryId, SendError> {
        let id = delivery.id.clone();
        let store = self.store();
        self.on_store(async move { store.insert(&delivery).await })
            .await?;
        self.inner.shared.wake.notify_one();
        Ok(id)
    }

    /// Sends an accepted delivery and waits for the reply: on the dispatcher,
    /// like background deliveries, so the HTTP client and the store live on one
    /// runtime, and an abandoned wait does not abandon the delivery.
    async fn send_delivery(&self, delivery: NewDelivery) -> Result<Vec<u8>, SendError> {
        let shared = Arc::clone(&self.inner.shared);
        let sent = self
            .inner
            .dispatcher
            .handle
            .spawn(dispatch::send_awaited(shared, delivery));
        match sent.await {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(AwaitedError::Store(error))) => Err(error.into()),
            Ok(Err(AwaitedError::Delivery(error))) => Err(SendError::Delivery(error)),
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
    reply: ReplyDeclaration,
}

impl Message {
    fn new<P: CallbackBody>(
        reply: ReplyDeclaration,
        method: Method,
        url: String,
        body: &P::Body,
    ) -> Self {
        Message {
            name: reply.name,
            method,
            url,
            body: P::encode(body),
            content_type: P::content_type(),
            reply,
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

    /// Writes the callback to the store and returns its id once it is there (in
    /// a durable store, it then survives a crash); the dispatcher sends it in
    /// the background. Progress is in [`Callbacks::delivery`].
    pub async fn enqueue(
        self,
        body: &<C::Payload as CallbackBody>::Body,
    ) -> Result<DeliveryId, SendError> {
        let delivery = self.callbacks.accept(self.message(body)?)?;
        self.callbacks.enqueue_delivery(delivery).await
    }

    /// Writes the callback inside the caller's PostgreSQL transaction (the
    /// transactional outbox): it is sent if and only if the transaction
    /// commits. The transaction must be on the database the [`Callbacks`]
    /// store uses; the dispatcher finds the delivery at its next poll after
    /// the commit, or at once after [`Callbacks::poll_now`].
    #[cfg(feature = "postgres")]
    #[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
    pub async fn enqueue_in(
        self,
        transaction: &tokio_postgres::Transaction<'_>,
        body: &<C::Payload as CallbackBody>::Body,
    ) -> Result<DeliveryId, SendError> {
        let delivery = self.callbacks.accept(self.message(body)?)?;
        store::enqueue_in(transaction, &delivery).await?;
        Ok(delivery.id)
    }

    /// Sends the callback, retrying as configured, and returns the receiver's
    /// decoded reply. The delivery is written to the store first: if this
    /// process dies meanwhile, another worker finishes it.
    pub async fn send(
        self,
        body: &<C::Payload as CallbackBody>::Body,
    ) -> Result<<C::Answer as CallbackReply>::Reply, SendError> {
        let delivery = self.callbacks.accept(self.message(body)?)?;
        let reply = self.callbacks.send_delivery(delivery).await?;
        decode_reply::<C::Answer>(&reply)
    }

    /// The message, with the URL evaluated for the trigger.
    fn message(&self, body: &<C::Payload as CallbackBody>::Body) -> Result<Message, SendError> {
        let meta = &C::META;
        let url = evaluate::evaluate(&meta.url, &self.trigger).map_err(SendError::NotApplicable)?;
        Ok(Message::new::<C::Payload>(
            ReplyDeclaration::of_callback::<C>(),
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
        Message::new::<W::Payload>(
            ReplyDeclaration::of_webhook::<W>(),
            meta.method,
            self.url.clone(),
            body,
        )
    }

    /// Writes the webhook to the store; see [`CallbackRequest::enqueue`].
    pub async fn enqueue(
        self,
        body: &<W::Payload as CallbackBody>::Body,
    ) -> Result<DeliveryId, SendError> {
        let delivery = self.callbacks.accept(self.message(body))?;
        self.callbacks.enqueue_delivery(delivery).await
    }

    /// Writes the webhook inside the caller's PostgreSQL transaction; see
    /// [`CallbackRequest::enqueue_in`].
    #[cfg(feature = "postgres")]
    #[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
    pub async fn enqueue_in(
        self,
        transaction: &tokio_postgres::Transaction<'_>,
        body: &<W::Payload as CallbackBody>::Body,
    ) -> Result<DeliveryId, SendError> {
        let delivery = self.callbacks.accept(self.message(body))?;
        store::enqueue_in(transaction, &delivery).await?;
        Ok(delivery.id)
    }

    /// Sends the webhook and waits for the decoded reply; see [`CallbackRequest::send`].
    pub async fn send(
        self,
        body: &<W::Payload as CallbackBody>::Body,
    ) -> Result<<W::Answer as CallbackReply>::Reply, SendError> {
        let delivery = self.callbacks.accept(self.message(body))?;
        let reply = self.callbacks.send_delivery(delivery).await?;
        decode_reply::<W::Answer>(&reply)
    }
}
