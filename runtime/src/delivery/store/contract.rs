//! What a delivery store is: the [`DeliveryStore`] trait and the types it
//! takes and gives back, shared by every store.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::SystemTime;

use crate::delivery::record::{Attempt, DeliveryId, DeliveryRecord, DeliveryState};

/// What a store's operations return: a boxed future, so stores can be chosen
/// at run time (`Arc<dyn DeliveryStore>`).
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A delivery as accepted: everything needed to attempt it, in any process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDelivery {
    /// Its id, sent as `webhook-id` on every attempt.
    pub id: DeliveryId,
    /// The callback's (or webhook's) name.
    pub callback: String,
    /// The HTTP method.
    pub method: String,
    /// The evaluated URL.
    pub url: String,
    /// The body's media type, if it has a body.
    pub content_type: Option<String>,
    /// The encoded body.
    pub body: Vec<u8>,
    /// When it was accepted.
    pub created_at: SystemTime,
    /// The API user it is sent for
    /// ([`DeliveryRequest::owner`](crate::delivery::DeliveryRequest::owner)),
    /// whose secrets sign it: looked up at each attempt, so a rotation applies
    /// to retries too.
    pub owner: Option<String>,
    /// The subscribed endpoint it goes to (a published event's fan-out),
    /// whose secrets sign it.
    pub endpoint: Option<String>,
}

/// A delivery a worker holds the lease of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimedDelivery {
    /// What to send.
    pub delivery: NewDelivery,
    /// Attempts made so far, by any worker.
    pub attempts_made: u32,
    /// When the current round of retries began: acceptance, or the last replay.
    pub round_started_at: SystemTime,
    /// Attempts made before the current round (non-zero after a replay).
    pub round_first_attempt: u32,
}

impl ClaimedDelivery {
    /// The attempts made in the current round, which the retry policy counts.
    pub fn attempts_in_round(&self) -> u32 {
        self.attempts_made.saturating_sub(self.round_first_attempt)
    }
}

/// What happens to a delivery after an attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// Delivered; nothing more to do.
    Succeeded,
    /// Try again at this time.
    RetryAt(SystemTime),
    /// Given up: it becomes a dead letter, kept with its attempts for replay.
    Failed(String),
}

/// A lease on claimed deliveries: who holds it and until when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    /// A token unique to one claim (`<instance>/<n>`): an attempt's outcome is
    /// written only while the delivery is still leased under it.
    pub token: String,
    /// When the lease ends unless the outcome is written first.
    pub until: SystemTime,
}

/// Which records to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeliveryFilter {
    /// Only deliveries in this state (all if `None`).
    pub state: Option<StateKind>,
    /// At most this many, oldest first (all if `None`).
    pub limit: Option<usize>,
}

impl DeliveryFilter {
    /// Every delivery kept.
    pub fn all() -> Self {
        DeliveryFilter::default()
    }

    /// Deliveries that exhausted their retries or failed for good.
    pub fn dead_letters() -> Self {
        DeliveryFilter {
            state: Some(StateKind::Failed),
            limit: None,
        }
    }

    /// At most `limit` records.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }
}

/// What a delivery sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    /// The body's media type, if it has a body.
    pub content_type: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// Which deliveries a page of the delivery log shows, newest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogQuery {
    /// Only this owner's (every owner's if `None`: an operator's view).
    pub owner: Option<String>,
    /// Only those to this subscribed endpoint.
    pub endpoint: Option<String>,
    /// Only this callback's or event type's.
    pub callback: Option<String>,
    /// Only those in this state.
    pub state: Option<StateKind>,
    /// Only those accepted at or after this time.
    pub since: Option<SystemTime>,
    /// Only those accepted before this time.
    pub until: Option<SystemTime>,
    /// Only those older than this one (the previous page's last): its
    /// acceptance time and id.
    pub before: Option<(SystemTime, DeliveryId)>,
    /// At most this many.
    pub limit: usize,
}

impl LogQuery {
    /// The newest `limit` deliveries of every owner.
    pub fn newest(limit: usize) -> Self {
        LogQuery {
            owner: None,
            endpoint: None,
            callback: None,
            state: None,
            since: None,
            until: None,
            before: None,
            limit,
        }
    }

    /// Whether the query shows `record` (its order and limit aside).
    pub fn admits(&self, record: &LogEntry<'_>) -> bool {
        let equal = |wanted: &Option<String>, found: Option<&str>| {
            wanted.as_deref().is_none_or(|wanted| Some(wanted) == found)
        };
        equal(&self.owner, record.owner)
            && equal(&self.endpoint, record.endpoint)
            && self
                .callback
                .as_deref()
                .is_none_or(|c| c == record.callback)
            && self.state.is_none_or(|state| state == record.state)
            && self.since.is_none_or(|since| record.created_at >= since)
            && self.until.is_none_or(|until| record.created_at < until)
            && self
                .before
                .as_ref()
                .is_none_or(|(at, id)| (record.created_at, record.id) < (*at, id))
    }
}

/// What [`LogQuery::admits`] looks at.
#[derive(Clone, Copy, Debug)]
pub struct LogEntry<'a> {
    /// The delivery's id.
    pub id: &'a DeliveryId,
    /// Its owner, if any.
    pub owner: Option<&'a str>,
    /// Its endpoint, if any.
    pub endpoint: Option<&'a str>,
    /// Its callback or event type.
    pub callback: &'a str,
    /// Its state.
    pub state: StateKind,
    /// When it was accepted.
    pub created_at: SystemTime,
}

/// The states a store keeps, as filters see them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StateKind {
    /// Not finished: waiting for its first attempt or a retry, or under way.
    Unfinished,
    /// Delivered.
    Succeeded,
    /// A dead letter.
    Failed,
    /// Left unfinished when an in-memory dispatcher shut down.
    Abandoned,
}

impl StateKind {
    /// The name stores write (`pending`, `succeeded`, `failed`, `abandoned`).
    pub fn as_str(self) -> &'static str {
        match self {
            StateKind::Unfinished => "pending",
            StateKind::Succeeded => "succeeded",
            StateKind::Failed => "failed",
            StateKind::Abandoned => "abandoned",
        }
    }

    /// The kind of a record's state.
    pub fn of(state: &DeliveryState) -> Self {
        match state {
            DeliveryState::Pending | DeliveryState::InFlight | DeliveryState::Retrying { .. } => {
                StateKind::Unfinished
            }
            DeliveryState::Succeeded => StateKind::Succeeded,
            DeliveryState::Failed { .. } => StateKind::Failed,
            DeliveryState::Abandoned => StateKind::Abandoned,
        }
    }
}

/// One signing secret as a store keeps it: sealed (see
/// [`SecretsKey`](crate::delivery::owners::SecretsKey)), with its lifetime.
/// `Debug` shows no secret.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredSecret {
    /// The holder's secrets are numbered from 1, newest highest.
    pub generation: u32,
    /// The secret, sealed for its holder.
    pub sealed: Vec<u8>,
    /// When it was made.
    pub created_at: SystemTime,
    /// When it stops signing: `None` for the newest; a rotation gives the
    /// ones it replaces the end of the overlap.
    pub expires_at: Option<SystemTime>,
}

impl fmt::Debug for StoredSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredSecret")
            .field("generation", &self.generation)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// An endpoint as a store keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEndpoint {
    /// Its id (`ep_...`).
    pub id: String,
    /// The API user it belongs to.
    pub owner: String,
    /// Where its deliveries go.
    pub url: String,
    /// The event types it wants; empty: every one.
    pub event_types: Vec<String>,
    /// Its owner's words for it.
    pub description: String,
    /// Its owner's keys and values.
    pub metadata: BTreeMap<String, String>,
    /// Why and since when it is disabled, if it is: it then gets nothing.
    pub disabled: Option<(String, SystemTime)>,
    /// Since when its deliveries have failed, unbroken by a success.
    pub failing_since: Option<SystemTime>,
    /// When it was registered.
    pub created_at: SystemTime,
    /// When it last changed.
    pub updated_at: SystemTime,
}

/// How one attempt to a subscribed endpoint went
/// ([`DeliveryStore::endpoint_outcome`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EndpointOutcome {
    /// Whether it was delivered.
    pub delivered: bool,
    /// Whether the endpoint answered `410 Gone`: it wants nothing more.
    pub gone: bool,
    /// When.
    pub now: SystemTime,
    /// A failing streak that began then or earlier disables the endpoint.
    pub disable_before: SystemTime,
}

/// The reason a disabled endpoint gives, for a `410 Gone` or a long failure.
pub(crate) fn disabled_reason(outcome: &EndpointOutcome) -> &'static str {
    if outcome.gone {
        "it answered 410 Gone"
    } else {
        "its deliveries failed for longer than allowed"
    }
}

/// One event published for an owner, to fan out to their endpoints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publication {
    /// The message: its id, event type (`callback`), method, body, owner and
    /// time. Each endpoint's delivery is a copy with the endpoint's URL, the
    /// endpoint named, and the id `<message id>.<endpoint id>`.
    pub message: NewDelivery,
    /// A repeated publication with this key (per owner) is not fanned out
    /// again.
    pub idempotency_key: Option<String>,
}

/// What a publication did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    /// The message id: the publication's, or the first one's if repeated.
    pub message: DeliveryId,
    /// Deliveries written: one per enabled endpoint of the owner that wants
    /// the event type (none if repeated).
    pub deliveries: u64,
    /// Whether the idempotency key was used before: nothing was written.
    pub repeated: bool,
}

/// What a store keeps, counted ([`DeliveryStore::kept`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Kept {
    /// Deliveries not yet finished.
    pub unfinished: u64,
    /// Deliveries given up, kept to be read and replayed.
    pub dead_letters: u64,
}

/// Why a store could not do what was asked.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreError {
    /// The store cannot be reached (database down, file not writable); nothing
    /// was written. Worth trying again later.
    Unavailable(String),
    /// An in-memory store holds as many unfinished deliveries as it may.
    Full {
        /// Its capacity.
        capacity: usize,
    },
    /// The store holds data this version cannot read.
    Corrupt(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Unavailable(why) => write!(f, "the delivery store is unavailable: {why}"),
            StoreError::Full { capacity } => write!(
                f,
                "the delivery queue is full ({capacity} deliveries unfinished)"
            ),
            StoreError::Corrupt(why) => write!(f, "the delivery store holds bad data: {why}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl StoreError {
    /// The store cannot take or give anything now (down, or full): worth trying
    /// again later.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_) | StoreError::Full { .. })
    }
}

/// A durable (or not) outbox of deliveries. Implemented by [`MemoryStore`](super::memory::MemoryStore),
/// `SqliteStore` and `PostgresStore`; another database can implement it too.
///
/// Times are the application's clock, as milliseconds since the Unix epoch
/// where stored: instances sharing a store need clocks in step to well within
/// the lease duration.
pub trait DeliveryStore: Send + Sync + 'static {
    /// Writes a new delivery, due now. When this returns `Ok`, the delivery
    /// survives a crash of the process (for durable stores).
    fn insert<'a>(&'a self, delivery: &'a NewDelivery) -> StoreFuture<'a, ()>;

    /// Writes a new delivery that its caller attempts at once, under `lease`
    /// (an awaited send). If the caller dies, the lease expires and any worker
    /// resumes the delivery.
    fn insert_leased<'a>(
        &'a self,
        delivery: &'a NewDelivery,
        lease: &'a Lease,
    ) -> StoreFuture<'a, ()>;

    /// Leases up to `limit` deliveries that are due at `now` and not leased by
    /// anyone (or whose lease expired), oldest due first.
    fn claim<'a>(
        &'a self,
        now: SystemTime,
        lease: &'a Lease,
        limit: usize,
    ) -> StoreFuture<'a, Vec<ClaimedDelivery>>;

    /// Records attempt `attempt` and what comes next, if the delivery is still
    /// leased under `token`. With `hold_until`, the lease is kept until then (the
    /// caller retries itself); otherwise it is released. Returns whether the
    /// lease was still held (if not, nothing was written).
    fn complete<'a>(
        &'a self,
        id: &'a DeliveryId,
        token: &'a str,
        attempt: &'a Attempt,
        next: &'a Next,
        hold_until: Option<SystemTime>,
    ) -> StoreFuture<'a, bool>;

    /// Deletes up to `limit` deliveries in state `kind` (a finished one:
    /// succeeded, failed or abandoned) accepted before `accepted_before`, with
    /// their attempts; how many. Unfinished deliveries are never purged.
    fn purge<'a>(
        &'a self,
        kind: StateKind,
        accepted_before: SystemTime,
        limit: usize,
    ) -> StoreFuture<'a, u64>;

    /// Gives back one delivery leased under `token` without an attempt, due
    /// again at `until` (its endpoint was busy); `false` if the lease is not
    /// held. Its attempts and round are unchanged.
    fn defer<'a>(
        &'a self,
        id: &'a DeliveryId,
        token: &'a str,
        until: SystemTime,
    ) -> StoreFuture<'a, bool>;

    /// Gives back every lease whose token starts with `instance` (shutdown).
    fn release<'a>(&'a self, instance: &'a str) -> StoreFuture<'a, u64>;

    /// One delivery's record.
    fn get<'a>(&'a self, id: &'a DeliveryId) -> StoreFuture<'a, Option<DeliveryRecord>>;

    /// Records matching `filter`, oldest first.
    fn list<'a>(&'a self, filter: &'a DeliveryFilter) -> StoreFuture<'a, Vec<DeliveryRecord>>;

    /// A page of the delivery log: the records `query` admits, newest first
    /// (by acceptance, then id), at most `query.limit`. The stores here read
    /// it from an index on owner and time; this default reads every record.
    fn log<'a>(&'a self, query: &'a LogQuery) -> StoreFuture<'a, Vec<DeliveryRecord>> {
        Box::pin(async move {
            let mut records = self.list(&DeliveryFilter::all()).await?;
            records.retain(|record| {
                let state = StateKind::of(&record.state);
                query.admits(&LogEntry {
                    id: &record.id,
                    owner: record.owner.as_deref(),
                    endpoint: record.endpoint.as_deref(),
                    callback: &record.callback,
                    state,
                    created_at: record.created_at,
                })
            });
            records.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
            records.truncate(query.limit);
            Ok(records)
        })
    }

    /// Makes a finished delivery (a dead letter, an abandoned one, or one
    /// delivered that its receiver lost) due again now, with a fresh round of
    /// retries and the same id; its attempt history stays. Returns whether
    /// there was such a delivery (not one still unfinished).
    fn replay<'a>(&'a self, id: &'a DeliveryId, now: SystemTime) -> StoreFuture<'a, bool>;

    /// Replays (as [`replay`](Self::replay) does) the dead letters of
    /// `owner`'s `endpoint` accepted at or after `since`, oldest first, at
    /// most `limit`; returns how many. After an outage: run it again to
    /// recover the next `limit`, and each time only what failed is sent.
    fn recover<'a>(
        &'a self,
        owner: &'a str,
        endpoint: &'a str,
        since: SystemTime,
        now: SystemTime,
        limit: usize,
    ) -> StoreFuture<'a, u64> {
        let _ = (owner, endpoint, since, now, limit);
        Box::pin(async { Err(unsupported("recover")) })
    }

    /// Gives up every unfinished delivery of `owner`'s `endpoint` (in flight
    /// too: its outcome is then not written), as failed for `reason`;
    /// returns how many.
    fn cancel<'a>(
        &'a self,
        owner: &'a str,
        endpoint: &'a str,
        reason: &'a str,
    ) -> StoreFuture<'a, u64> {
        let _ = (owner, endpoint, reason);
        Box::pin(async { Err(unsupported("cancel")) })
    }

    /// What delivery `id` sends: its body's media type and its body.
    fn payload<'a>(&'a self, id: &'a DeliveryId) -> StoreFuture<'a, Option<Payload>> {
        let _ = id;
        Box::pin(async { Err(unsupported("payload")) })
    }

    /// How many deliveries are unfinished.
    fn unfinished(&self) -> StoreFuture<'_, u64>;

    /// Makes up to `limit` unfinished, unleased deliveries to `origin`
    /// (`scheme://host` with its port when not the default, as [`url::Origin`]
    /// writes it) that are due after `now` due at `now`, those due soonest
    /// first; how many. The dispatcher holds a disabled endpoint's deliveries
    /// and calls this for one of them at each probe time, and for all of them
    /// when the endpoint recovers. The default does nothing: held deliveries
    /// then go when they come due.
    fn resume_endpoint<'a>(
        &'a self,
        origin: &'a str,
        now: SystemTime,
        limit: u64,
    ) -> StoreFuture<'a, u64> {
        let _ = (origin, now, limit);
        Box::pin(async { Ok(0) })
    }

    /// How many deliveries are unfinished and how many are dead letters: what
    /// the bound on a durable store counts. The default counts unfinished
    /// deliveries and reports no dead letters; the shipped stores count both
    /// in one statement.
    fn kept(&self) -> StoreFuture<'_, Kept> {
        Box::pin(async move {
            Ok(Kept {
                unfinished: self.unfinished().await?,
                dead_letters: 0,
            })
        })
    }

    /// Whether deliveries survive the process (false for [`MemoryStore`](super::memory::MemoryStore)).
    fn is_durable(&self) -> bool {
        true
    }

    /// Marks unfinished deliveries abandoned when the process stops, for stores
    /// that lose them anyway (in memory); durable stores keep them for the next
    /// start. Returns how many were marked.
    fn abandon_unfinished(&self) -> StoreFuture<'_, u64> {
        Box::pin(async { Ok(0) })
    }

    /// Whether this store keeps the signing secrets hookspec manages (every
    /// shipped store does). One that does not implements none of the secret
    /// methods below, and `CallbacksBuilder::build` refuses managed secrets
    /// with it.
    fn keeps_secrets(&self) -> bool {
        false
    }

    /// The secrets of `holder` that sign at `now` (not expired), newest first.
    fn secrets<'a>(
        &'a self,
        holder: &'a str,
        now: SystemTime,
    ) -> StoreFuture<'a, Vec<StoredSecret>> {
        let _ = (holder, now);
        Box::pin(async { Err(no_secrets()) })
    }

    /// Gives `holder` its first secret, `first` (generation 1, no expiry),
    /// unless it has one already (another instance was first); either way,
    /// returns the secrets that sign at `now`, newest first.
    fn add_first_secret<'a>(
        &'a self,
        holder: &'a str,
        first: &'a StoredSecret,
        now: SystemTime,
    ) -> StoreFuture<'a, Vec<StoredSecret>> {
        let _ = (holder, first, now);
        Box::pin(async { Err(no_secrets()) })
    }

    /// Makes `sealed` the newest secret of `holder` (one generation above the
    /// highest, made at `now`, no expiry), in one transaction: the secrets
    /// signing until then sign until `old_until` too (`now`: not at all),
    /// and expired ones are deleted. Returns the new secret.
    fn rotate_secret<'a>(
        &'a self,
        holder: &'a str,
        sealed: &'a [u8],
        now: SystemTime,
        old_until: SystemTime,
    ) -> StoreFuture<'a, StoredSecret> {
        let _ = (holder, sealed, now, old_until);
        Box::pin(async { Err(no_secrets()) })
    }

    /// Whether this store keeps subscriptions: endpoints and publications
    /// (every shipped store does). One that does not implements none of the
    /// endpoint methods below.
    fn keeps_endpoints(&self) -> bool {
        false
    }

    /// Registers an endpoint (its id is new).
    fn insert_endpoint<'a>(&'a self, endpoint: &'a StoredEndpoint) -> StoreFuture<'a, ()> {
        let _ = endpoint;
        Box::pin(async { Err(no_endpoints()) })
    }

    /// The endpoint `id` of `owner`; `None` if it is another owner's.
    fn endpoint<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
    ) -> StoreFuture<'a, Option<StoredEndpoint>> {
        let _ = (owner, id);
        Box::pin(async { Err(no_endpoints()) })
    }

    /// Up to `limit` endpoints of `owner` with ids after `after`, by id.
    fn endpoints<'a>(
        &'a self,
        owner: &'a str,
        after: Option<&'a str>,
        limit: usize,
    ) -> StoreFuture<'a, Vec<StoredEndpoint>> {
        let _ = (owner, after, limit);
        Box::pin(async { Err(no_endpoints()) })
    }

    /// Writes `endpoint` over the one of its id and owner; `false` if there
    /// is none.
    fn replace_endpoint<'a>(&'a self, endpoint: &'a StoredEndpoint) -> StoreFuture<'a, bool> {
        let _ = endpoint;
        Box::pin(async { Err(no_endpoints()) })
    }

    /// Deletes the endpoint `id` of `owner` and its secrets; `false` if there
    /// is none. Its deliveries stay.
    fn delete_endpoint<'a>(&'a self, owner: &'a str, id: &'a str) -> StoreFuture<'a, bool> {
        let _ = (owner, id);
        Box::pin(async { Err(no_endpoints()) })
    }

    /// Records how an attempt to endpoint `id` went: a success ends its
    /// failing streak; a failure starts one (if none is under way), and
    /// disables the endpoint (if enabled) when it is `gone` (it answered
    /// `410 Gone`) or has been failing since `disable_before` or earlier.
    /// Returns the endpoint if this call disabled it.
    fn endpoint_outcome<'a>(
        &'a self,
        id: &'a str,
        outcome: EndpointOutcome,
    ) -> StoreFuture<'a, Option<StoredEndpoint>> {
        let _ = (id, outcome);
        Box::pin(async { Err(no_endpoints()) })
    }

    /// Fans `publication` out in one transaction: one delivery, due now, per
    /// enabled endpoint of its owner that wants its event type, unless its
    /// idempotency key was used before.
    fn publish<'a>(&'a self, publication: &'a Publication) -> StoreFuture<'a, Published> {
        let _ = publication;
        Box::pin(async { Err(no_endpoints()) })
    }

    /// For stores other processes write to: a task that calls `wake` whenever
    /// a delivery may have become due because of another writer (PostgreSQL:
    /// `LISTEN`), so the dispatcher claims it at once instead of at its next
    /// poll. The dispatcher runs it on its runtime for as long as it runs;
    /// `None` (the default): poll only.
    fn wake_ups(&self, wake: Wake) -> Option<Pin<Box<dyn Future<Output = ()> + Send>>> {
        let _ = wake;
        None
    }
}

/// What a store that does not implement `what` answers.
fn unsupported(what: &str) -> StoreError {
    StoreError::Unavailable(format!("this delivery store does not implement `{what}`"))
}

fn no_endpoints() -> StoreError {
    StoreError::Unavailable("this delivery store keeps no subscriptions".into())
}

fn no_secrets() -> StoreError {
    StoreError::Unavailable("this delivery store keeps no signing secrets".into())
}

/// The id of `endpoint`'s delivery of `message`.
pub(crate) fn fanned_out_id(message: &DeliveryId, endpoint: &str) -> DeliveryId {
    DeliveryId(format!("{}.{endpoint}", message.as_str()))
}

/// What a store's [`wake_ups`](DeliveryStore::wake_ups) task calls.
pub type Wake = std::sync::Arc<dyn Fn() + Send + Sync>;

/// Where a delivery stands, from what every store keeps: its state column, the
/// reason it failed, its lease, whether it was attempted, when it is next due.
pub(crate) fn delivery_state(
    kind: StateKind,
    reason: Option<String>,
    leased_until: Option<SystemTime>,
    attempted: bool,
    next_attempt_at: SystemTime,
    now: SystemTime,
) -> DeliveryState {
    match kind {
        StateKind::Unfinished => match leased_until {
            Some(until) if until > now => DeliveryState::InFlight,
            _ if !attempted => DeliveryState::Pending,
            _ => DeliveryState::Retrying {
                at: next_attempt_at,
            },
        },
        StateKind::Succeeded => DeliveryState::Succeeded,
        StateKind::Failed => DeliveryState::Failed {
            reason: reason.unwrap_or_default(),
        },
        StateKind::Abandoned => DeliveryState::Abandoned,
    }
}
