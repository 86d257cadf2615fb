//! Configuring and starting [`Callbacks`]: the builder, its settings' checks, the
//! store it opens and the HTTP client it sends with.

use std::fmt;
#[cfg(feature = "sqlite")]
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, Semaphore};

use super::bound::StoreBound;
use super::callbacks::Callbacks;
use super::dispatcher_thread::Dispatcher;
use super::endpoints::EndpointEvent;
use super::endpoints::{CircuitSettings, Endpoints, EventHook};
use super::engine::Engine;
use super::owners::{ManagedSecrets, Owner, OwnerSource, Sealing, SecretsKey};
use super::replies::Replies;
use super::retry::RetryPolicy;
use super::settings::{OwnerSecretResolver, Settings, Signing};
use super::ssrf::{AddressPolicy, NameLookup};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
use super::store;
use super::store::MemoryStore;
use super::store::{DeliveryStore, StoreError, Wake};
use super::{dispatch, ssrf};
use crate::context::DeclaredReply;
use crate::signing;
use crate::signing::Signer;

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

/// The endpoint-event hook a builder was given (closures have no `Debug`).
#[derive(Clone)]
struct Hook(EventHook);

impl fmt::Debug for Hook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EndpointEventHook")
    }
}

/// How the application chose to sign (closures and keys have no `Debug` to show).
#[derive(Clone, Default)]
pub(super) enum SigningChoice {
    /// Nothing chosen: `build` says what to choose.
    #[default]
    Unchosen,
    Unsigned,
    SingleTenant(SecretList),
    Managed(Sealing),
    Resolver(Arc<dyn OwnerSecretResolver>),
}

impl fmt::Debug for SigningChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SigningChoice::Unchosen => f.write_str("Unchosen"),
            SigningChoice::Unsigned => f.write_str("Unsigned"),
            SigningChoice::SingleTenant(secrets) => write!(f, "SingleTenant({secrets:?})"),
            SigningChoice::Managed(Sealing::Key(_)) => f.write_str("Managed(sealed)"),
            SigningChoice::Managed(Sealing::Plaintext) => f.write_str("Managed(plaintext)"),
            SigningChoice::Resolver(_) => f.write_str("OwnerSecretResolver"),
        }
    }
}

/// How many endpoints, and addresses, the fairness and health tables remember;
/// past it the least recently used idle one is forgotten.
const ENDPOINTS_REMEMBERED: usize = 10_000;

/// Signing secrets as given; `Debug` shows how many, never what they are.
#[derive(Clone, Default)]
pub(super) struct SecretList(pub(super) Vec<String>);

impl fmt::Debug for SecretList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} secrets", self.0.len())
    }
}

/// Builds [`Callbacks`].
#[derive(Debug)]
pub struct CallbacksBuilder {
    pub(super) retry: RetryPolicy,
    pub(super) attempt_timeout: Duration,
    queue_capacity: usize,
    max_unfinished: u64,
    concurrency: usize,
    max_reply_bytes: usize,
    retain_finished: usize,
    policy: AddressPolicy,
    lookup: Lookup,
    pub(super) signing: SigningChoice,
    owners: OwnerSource,
    store: StoreChoice,
    pub(super) lease: Option<Duration>,
    poll_interval: Duration,
    send_deadline: Duration,
    disable_endpoints_after: Duration,
    per_endpoint: Option<usize>,
    circuit: CircuitSettings,
    on_endpoint_event: Option<Hook>,
    retention: Duration,
    dead_letter_retention: Duration,
    replies: Vec<DeclaredReply>,
    catalog: Option<crate::catalog::EventCatalog>,
    api_error: Option<crate::assemble::SpecError>,
}

impl Default for CallbacksBuilder {
    fn default() -> Self {
        CallbacksBuilder {
            retry: RetryPolicy::default(),
            attempt_timeout: Duration::from_secs(10),
            queue_capacity: 10_000,
            max_unfinished: 1_000_000,
            concurrency: 64,
            max_reply_bytes: 64 * 1024,
            retain_finished: 10_000,
            policy: AddressPolicy::public_only(),
            lookup: Lookup(Arc::new(ssrf::SystemLookup)),
            signing: SigningChoice::default(),
            owners: OwnerSource::default(),
            #[cfg(feature = "sqlite")]
            store: StoreChoice::Sqlite(DEFAULT_SQLITE_PATH.into(), store::SqliteSync::Full),
            #[cfg(not(feature = "sqlite"))]
            store: StoreChoice::Memory,
            lease: None,
            poll_interval: Duration::from_millis(500),
            send_deadline: Duration::from_secs(30),
            disable_endpoints_after: super::subscriptions::health::DEFAULT_DISABLE_AFTER,
            per_endpoint: None,
            circuit: CircuitSettings {
                failures: 5,
                probe_every: Duration::from_secs(60),
            },
            on_endpoint_event: None,
            retention: Duration::from_secs(7 * 24 * 3600),
            dead_letter_retention: Duration::from_secs(30 * 24 * 3600),
            replies: Vec::new(),
            catalog: None,
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
    /// The application did not say how deliveries are signed: with each
    /// owner's secrets ([`CallbacksBuilder::owner_secrets`],
    /// [`owner_secrets_from`](CallbacksBuilder::owner_secrets_from)), one
    /// single-tenant set ([`single_tenant_secrets`](CallbacksBuilder::single_tenant_secrets))
    /// or not at all ([`unsigned`](CallbacksBuilder::unsigned)).
    SigningNotChosen,
    /// The HTTP client or the dispatcher thread could not start.
    Start(String),
    /// The delivery store could not be opened.
    Store(StoreError),
    /// The settings contradict each other.
    Settings(String),
    /// The [`Api`](crate::api::Api) given to [`CallbacksBuilder::api`] has no
    /// document.
    Api(crate::assemble::SpecError),
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
            BuildError::SigningNotChosen => f.write_str(
                "say how callbacks are signed: `owner_secrets(key)` (each API user's own \
                 secret, managed by hookspec; HOOKSPEC_SECRETS_KEY), `owner_secrets_from(..)`, \
                 `single_tenant_secrets(..)` (HOOKSPEC_SINGLE_TENANT_SECRETS) or `unsigned()`",
            ),
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
    pub fn api(mut self, api: &crate::api::Api) -> Self {
        match (api.reply_declarations(), api.event_catalog()) {
            (Ok(replies), Ok(catalog)) => {
                self.replies.extend_from_slice(replies);
                self.catalog = Some(catalog.clone());
            }
            (Err(error), _) | (_, Err(error)) => self.api_error = Some(error),
        }
        self
    }

    /// Signs each delivery with the secrets of its owner (the API user it is
    /// sent for), which hookspec makes on first use, keeps in the delivery
    /// store sealed with `key`, rotates
    /// ([`Callbacks::rotate_owner_secret`]) and reveals to hand to the owner
    /// ([`Callbacks::owner_secrets`]). Every delivery then needs an owner:
    /// the request's (see [`owner_from`](Self::owner_from)) or one named with
    /// [`DeliveryRequest::owner`](super::DeliveryRequest::owner); one without
    /// is refused with [`SendError::NoOwner`](super::SendError::NoOwner).
    ///
    /// ```no_run
    /// # use hookspec::delivery::{owners::SecretsKey, Callbacks};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let key = SecretsKey::from_base64(&std::env::var("HOOKSPEC_SECRETS_KEY")?)?;
    /// let callbacks = Callbacks::builder().owner_secrets(key).build()?;
    /// # Ok(()) }
    /// ```
    pub fn owner_secrets(mut self, key: SecretsKey) -> Self {
        self.signing = SigningChoice::Managed(Sealing::Key(key));
        self
    }

    /// Like [`owner_secrets`](Self::owner_secrets), with the secrets stored
    /// as they are: whoever reads the store (or a backup of it) can sign as
    /// the application. For development, or a store encrypted some other way.
    pub fn owner_secrets_in_plaintext(mut self) -> Self {
        self.signing = SigningChoice::Managed(Sealing::Plaintext);
        self
    }

    /// Signs each delivery with the secrets of its owner as `resolver` looks
    /// them up at every attempt, for applications that keep their users'
    /// secrets themselves. Every delivery needs an owner, as with
    /// [`owner_secrets`](Self::owner_secrets); an owner without secrets fails
    /// its delivery instead of sending it unsigned.
    ///
    /// ```no_run
    /// # use hookspec::delivery::Callbacks;
    /// let callbacks = Callbacks::builder()
    ///     .owner_secrets_from(|user: &str| {
    ///         // The secrets stored with the API user's account.
    ///         match user {
    ///             "acme" => Some(vec!["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into()]),
    ///             _ => None, // no such user: the delivery fails
    ///         }
    ///     })
    ///     .build();
    /// ```
    pub fn owner_secrets_from(mut self, resolver: impl OwnerSecretResolver) -> Self {
        self.signing = SigningChoice::Resolver(Arc::new(resolver));
        self
    }

    /// Signs every delivery, whoever it is for, with these `whsec_...`
    /// secrets (several during a rotation): for an API with one user. With
    /// several, every user who can verify a callback can also forge one for
    /// any other user; use [`owner_secrets`](Self::owner_secrets) instead.
    pub fn single_tenant_secrets(mut self, secrets: &[&str]) -> Self {
        self.signing = SigningChoice::SingleTenant(SecretList(
            secrets.iter().map(|secret| (*secret).to_owned()).collect(),
        ));
        self
    }

    /// Sends every delivery unsigned: receivers cannot tell a callback from
    /// a forgery. For tests, or receivers that authenticate some other way.
    pub fn unsigned(mut self) -> Self {
        self.signing = SigningChoice::Unsigned;
        self
    }

    /// Says who the caller of a request is: the API user extractor `A` (the
    /// application's authentication extractor, implementing [`Owner`]) yields.
    /// Every [`Callback`](super::Callback) and [`Webhook`](super::Webhook)
    /// argument runs it on its request and sends for that owner; a request it
    /// rejects is answered with its error. Without it, a request's owner is
    /// the [`OwnerId`](super::owners::OwnerId) extension a middleware set, if
    /// any.
    pub fn owner_from<A>(mut self) -> Self
    where
        A: actix_web::FromRequest + Owner + 'static,
        A::Future: 'static,
    {
        self.owners = OwnerSource::extractor::<A>();
        self
    }

    /// When to retry and give up (default: [`RetryPolicy::default`], 8 attempts
    /// over about a day).
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
    /// 10,000); past that, sending fails with [`SendError::QueueFull`](super::SendError::QueueFull).
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.queue_capacity = capacity.max(1);
        self
    }

    /// How many deliveries a durable store may keep unfinished or as dead
    /// letters (default 1,000,000); past that, sending fails with
    /// [`SendError::QueueFull`](super::SendError::QueueFull) (a 503) instead of
    /// the disk filling up. Counted across instances every poll interval (at
    /// least every second), plus this instance's writes since (a write that
    /// fails gives its place back): a bound one instance never passes, and
    /// that several instances can overshoot by what the others accept between
    /// two counts.
    pub fn max_unfinished(mut self, deliveries: u64) -> Self {
        self.max_unfinished = deliveries.max(1);
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

    /// How long finished deliveries (succeeded or abandoned) stay in a durable
    /// store after they were accepted (default 7 days); a background task
    /// deletes older ones in batches. Dead letters have their own
    /// ([`dead_letter_retention`](Self::dead_letter_retention)).
    pub fn retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// How long dead letters (deliveries given up: a `410`, retries spent)
    /// stay in the store after they were accepted, to be read and replayed
    /// (default 30 days); the background task that deletes finished
    /// deliveries deletes older ones too. They count against
    /// [`max_unfinished`](Self::max_unfinished) while they stay.
    /// [`Callbacks::purge_dead_letters`](super::Callbacks::purge_dead_letters)
    /// deletes them sooner.
    pub fn dead_letter_retention(mut self, retention: Duration) -> Self {
        self.dead_letter_retention = retention;
        self
    }

    /// How many deliveries to one endpoint (scheme, host and port), and to one
    /// address, are in flight at once (default: a quarter of
    /// [`concurrency`](Self::concurrency), 16 of 64, so three hostile receivers
    /// cannot take every slot from a fourth). A slow or dead receiver holds at
    /// most that many send slots, however many host names or ports lead to it;
    /// its other deliveries wait in the store (due again 50 ms to 5 s later),
    /// and the other endpoints' callbacks go on. The price: one receiver alone
    /// (or one address, shared by the endpoints it hosts) gets at most this
    /// many deliveries in flight.
    pub fn max_in_flight_per_endpoint(mut self, deliveries: usize) -> Self {
        self.per_endpoint = Some(deliveries.max(1));
        self
    }

    /// Disables an endpoint after `failures` failed attempts in a row
    /// (connection errors, timeouts, `408`, `429`, `5xx`; default 5): its
    /// deliveries are held in the store (not attempted, not dead-lettered, and
    /// not claimed again until it has been down as long again, up to an hour)
    /// and one of them probes it every `probe_every` (default 1 min); the
    /// first success enables it again and makes every held delivery due.
    pub fn circuit_breaker(mut self, failures: u32, probe_every: Duration) -> Self {
        self.circuit = CircuitSettings {
            failures: failures.max(1),
            probe_every,
        };
        self
    }

    /// Calls `hook` when an endpoint is disabled or recovers (also logged with
    /// `tracing`): to alert the API user, or to pause their subscription.
    pub fn on_endpoint_event(
        mut self,
        hook: impl Fn(&EndpointEvent) + Send + Sync + 'static,
    ) -> Self {
        self.on_endpoint_event = Some(Hook(Arc::new(hook)));
        self
    }

    /// How long an awaited [`send`](super::DeliveryRequest::send) waits for a
    /// successful reply, retries included (default 30 s). Past it, `send`
    /// answers [`SendError::StillPending`](super::SendError::StillPending) and
    /// the delivery goes on in the background.
    pub fn send_deadline(mut self, deadline: Duration) -> Self {
        self.send_deadline = deadline;
        self
    }

    /// Looks callback host names up with `lookup` instead of the system
    /// resolver. The address policy still filters every address it returns,
    /// when connecting.
    pub fn name_lookup(mut self, lookup: impl NameLookup) -> Self {
        self.lookup = Lookup(Arc::new(lookup));
        self
    }

    /// How long a subscribed endpoint's deliveries may fail, unbroken by a
    /// success, before the endpoint is disabled for every instance (default 5
    /// days). A `410 Gone` disables it at once. Its owner enables it again
    /// with [`Callbacks::update_endpoint`].
    pub fn disable_endpoints_failing_for(mut self, failing_for: Duration) -> Self {
        self.disable_endpoints_after = failing_for;
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
        let signing = match self.signing {
            SigningChoice::Unchosen => return Err(BuildError::SigningNotChosen),
            SigningChoice::Unsigned => Signing::Unsigned,
            SigningChoice::SingleTenant(SecretList(secrets)) => {
                let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
                Signing::SingleTenant(Arc::new(Signer::new(&secrets).map_err(BuildError::Secret)?))
            }
            SigningChoice::Managed(sealing) => Signing::Managed(ManagedSecrets::new(sealing)),
            SigningChoice::Resolver(resolver) => Signing::ByOwner(resolver),
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
        let per_endpoint = self
            .per_endpoint
            .unwrap_or(self.concurrency / 4)
            .clamp(1, self.concurrency);
        let replies = Replies::default();
        for reply in &self.replies {
            replies.declare(*reply);
        }
        let policy = Arc::new(self.policy);
        let client = http_client(&policy, Arc::clone(&self.lookup.0)).map_err(BuildError::Start)?;
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
        if matches!(signing, Signing::Managed(_)) && !store.keeps_secrets() {
            return Err(BuildError::Settings(
                "owner secrets are kept in the delivery store, and this store keeps no secrets"
                    .into(),
            ));
        }
        let shared = Arc::new(Engine {
            settings: Settings {
                retry: self.retry,
                attempt_timeout: self.attempt_timeout,
                max_reply_bytes: self.max_reply_bytes,
                signing,
                owners: self.owners,
                lease,
                poll_interval: self.poll_interval,
                send_deadline: self.send_deadline,
                disable_endpoints_after: self.disable_endpoints_after,
            },
            client,
            policy,
            store,
            instance: format!("inst_{:016x}", fastrand::u64(..)),
            claims: AtomicU64::new(0),
            wake: Notify::new(),
            // Deliveries a previous run left may be waiting.
            claimable: AtomicBool::new(true),
            claim_slots: Arc::new(Semaphore::new(self.concurrency)),
            backlog: Mutex::default(),
            outcome_writes: Arc::new(Semaphore::new(self.concurrency)),
            in_flight: Semaphore::new(self.concurrency),
            concurrency: self.concurrency,
            accepting: AtomicBool::new(true),
            replies,
            catalog: self.catalog,
            bound: StoreBound::new(self.max_unfinished),
            due_times: Default::default(),
            endpoints: Endpoints::new(
                per_endpoint,
                ENDPOINTS_REMEMBERED,
                self.circuit,
                self.on_endpoint_event.map(|hook| hook.0),
                self.lookup.0,
            ),
        });
        dispatcher.handle.spawn(dispatch::run(Arc::clone(&shared)));
        dispatcher.handle.spawn(dispatch::purge_finished(
            Arc::clone(&shared),
            self.retention,
            self.dead_letter_retention,
        ));
        if shared.store.is_durable() {
            // Counted once before the first send, so the bound holds from the
            // start (a store left nearly full by an earlier run refuses at
            // once); then again every poll interval.
            let store = Arc::clone(&shared.store);
            let started = shared.bound.count_started();
            match dispatcher.block_on(async move { store.kept().await }) {
                Some(Ok(kept)) => shared
                    .bound
                    .counted(started, kept.unfinished.saturating_add(kept.dead_letters)),
                Some(Err(error)) => tracing::warn!(%error, "cannot count the deliveries kept"),
                None => {}
            }
            dispatcher
                .handle
                .spawn(dispatch::count_kept(Arc::clone(&shared)));
        }
        // Another instance's (or a committed transaction's) delivery wakes this
        // dispatcher at once where the store can say so (PostgreSQL `LISTEN`).
        let weak = Arc::downgrade(&shared);
        let wake: Wake = Arc::new(move || {
            if let Some(shared) = weak.upgrade() {
                shared.wake_to_claim();
            }
        });
        if let Some(wake_ups) = shared.store.wake_ups(wake) {
            dispatcher.handle.spawn(wake_ups);
        }
        Ok(Callbacks::from_parts(shared, dispatcher))
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

impl Callbacks {
    /// Starts configuring.
    pub fn builder() -> CallbacksBuilder {
        CallbacksBuilder::default()
    }
}
