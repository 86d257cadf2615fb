//! Receiving endpoints (an origin: scheme, host, port), as this process sees
//! them: each one's share of the send slots, and each address's (fairness),
//! and its health (a circuit breaker). At most a set number of endpoints and
//! addresses are remembered; the least recently used idle one is forgotten
//! first. An endpoint that failed `failures` attempts in a row is
//! disabled: its deliveries are held in the store, not attempted and not
//! dead-lettered (nor claimed again before it has been down as long again),
//! and at each probe time (every `probe_every`) the store makes one of them
//! due to probe it; the first success enables it again, and the store makes
//! every held delivery due. Both changes are events for the application and
//! `tracing`. Health is per process: instances learn it each on their own.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::{Host, Url};

use super::ssrf::NameLookup;

/// A change in an endpoint's health.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointEvent {
    /// Failed `failures` attempts in a row: its deliveries are held, and probed.
    Disabled {
        /// The endpoint (`https://hooks.example.com`).
        endpoint: String,
        /// Consecutive failed attempts.
        failures: u32,
        /// The last attempt's error.
        last_error: String,
    },
    /// A probe succeeded: its deliveries flow again.
    Recovered {
        /// The endpoint.
        endpoint: String,
        /// How long it was disabled.
        disabled_for: Duration,
    },
}

/// One endpoint's health, from [`Callbacks::endpoints`](super::Callbacks::endpoints).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointHealth {
    /// The endpoint (`https://hooks.example.com`).
    pub endpoint: String,
    /// Failed attempts in a row (connection errors, timeouts, `408`, `429`, `5xx`).
    pub consecutive_failures: u32,
    /// Since when it has been disabled, if it is.
    pub disabled_since: Option<SystemTime>,
    /// The last failed attempt's error, if any.
    pub last_error: Option<String>,
    /// Deliveries to it in flight now.
    pub in_flight: usize,
    /// Until when no delivery is sent to it, if it asked to be sent less
    /// (`429`, `502`, `503`, `504`, with its `Retry-After` if it gave one).
    pub throttled_until: Option<SystemTime>,
}

/// When an endpoint is disabled and how it is probed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CircuitSettings {
    pub failures: u32,
    pub probe_every: Duration,
}

/// What the application is told of health changes.
pub(crate) type EventHook = Arc<dyn Fn(&EndpointEvent) + Send + Sync>;

/// How long a name's resolved address keys its address share before it is
/// looked up again.
const ADDRESS_FRESH_FOR: Duration = Duration::from_secs(60);
/// The longest a disabled endpoint's deliveries are held before they are
/// claimed again (they are made due at once when it recovers).
const MAX_HOLD: Duration = Duration::from_secs(3600);
/// How long a lookup made only to find the address share may take.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(2);

/// A share of the send slots, with how long it has been full.
struct Share {
    slots: Arc<Semaphore>,
    /// Since when every slot has been taken, if it is full.
    full_since: Option<Instant>,
    /// Its place in the table's use order.
    last_use: u64,
}

impl Share {
    fn new(slots: usize, last_use: u64) -> Self {
        Share {
            slots: Arc::new(Semaphore::new(slots)),
            full_since: None,
            last_use,
        }
    }

    fn in_flight(&self, per_share: usize) -> usize {
        per_share.saturating_sub(self.slots.available_permits())
    }

    /// One of its slots at once, or its slots to wait on.
    fn take(&mut self) -> Result<OwnedSemaphorePermit, Arc<Semaphore>> {
        match Arc::clone(&self.slots).try_acquire_owned() {
            Ok(permit) => {
                self.full_since = None;
                Ok(permit)
            }
            Err(_) => Err(Arc::clone(&self.slots)),
        }
    }
}

struct Endpoint {
    share: Share,
    consecutive_failures: u32,
    last_error: Option<String>,
    /// Disabled since (wall clock, for listing; monotonic, for probing).
    disabled: Option<(SystemTime, Instant)>,
    /// When the next probe may go.
    next_probe: Instant,
    /// The address its name resolved to, and when (names only).
    resolved: Option<(IpAddr, Instant)>,
    /// No delivery is admitted before then: it asked to be sent less.
    throttled_until: Option<Instant>,
}

/// Entries kept by key, at most `capacity` of them: past it, the least
/// recently used entry with nothing in flight is forgotten (an idle healthy
/// endpoint, or one disabled long ago, which is learnt again if it comes
/// back). Every entry's last use is kept in order, so finding what to forget
/// looks at no more entries than there are deliveries in flight.
struct Bounded<K, V> {
    entries: HashMap<K, V>,
    by_use: BTreeMap<u64, K>,
}

impl<K: std::hash::Hash + Eq + Clone, V> Bounded<K, V> {
    fn new() -> Self {
        Bounded {
            entries: HashMap::new(),
            by_use: BTreeMap::new(),
        }
    }

    /// Moves `key` to the most recently used end.
    fn touch(&mut self, key: &K, tick: u64, share: impl Fn(&mut V) -> &mut Share) {
        if let Some(value) = self.entries.get_mut(key) {
            let share = share(value);
            self.by_use.remove(&share.last_use);
            share.last_use = tick;
            self.by_use.insert(tick, key.clone());
        }
    }

    /// `key`'s entry, marked as used at `tick`; made with `make` if there is
    /// none, after forgetting the least recently used entry that `idle` says
    /// may go if `capacity` is reached. Also what was forgotten, and how many
    /// entries were looked at to find it.
    fn used(
        &mut self,
        key: &K,
        tick: u64,
        capacity: usize,
        idle: impl Fn(&V) -> bool,
        make: impl FnOnce() -> V,
        share: impl Fn(&mut V) -> &mut Share,
    ) -> (&mut V, Option<(K, V)>, usize) {
        let (mut forgotten, mut examined) = (None, 0);
        if self.entries.contains_key(key) {
            self.touch(key, tick, share);
        } else {
            if self.entries.len() >= capacity {
                (forgotten, examined) = self.forget_one(idle);
            }
            self.entries.insert(key.clone(), make());
            self.by_use.insert(tick, key.clone());
        }
        let value = self.entries.get_mut(key).expect("the entry was made above");
        (value, forgotten, examined)
    }

    /// Forgets the least recently used entry that `idle` says may go; what was
    /// forgotten, and how many entries were looked at.
    fn forget_one(&mut self, idle: impl Fn(&V) -> bool) -> (Option<(K, V)>, usize) {
        let mut examined = 0;
        let mut found = None;
        for (tick, key) in &self.by_use {
            examined += 1;
            if self.entries.get(key).is_some_and(&idle) {
                found = Some((*tick, key.clone()));
                break;
            }
        }
        match found {
            Some((tick, key)) => {
                self.by_use.remove(&tick);
                let value = self.entries.remove(&key);
                (value.map(|value| (key, value)), examined)
            }
            None => (None, examined),
        }
    }
}

/// Every endpoint and address this process has sent to recently.
struct Table {
    origins: Bounded<String, Endpoint>,
    addresses: Bounded<IpAddr, Share>,
    tick: u64,
    /// Disabled endpoints among `origins`, kept as they change.
    disabled: usize,
    /// Disabled endpoints by the time of their next probe: then one of their
    /// held deliveries is made due, to be the probe.
    probes: BTreeSet<(Instant, String)>,
    /// Entries looked at to find one to forget, in all (a test's measure that
    /// forgetting stays cheap however many endpoints came and went).
    examined_to_forget: u64,
}

/// Every endpoint this process has sent to.
pub(crate) struct Endpoints {
    table: Mutex<Table>,
    per_endpoint: usize,
    capacity: usize,
    circuit: CircuitSettings,
    on_event: Option<EventHook>,
    lookup: Arc<dyn NameLookup>,
}

/// A delivery admitted to its endpoint: holds one of its send slots, and one of
/// its address's.
pub(crate) struct Admission {
    origin: String,
    _slot: OwnedSemaphorePermit,
    _address_slot: Option<OwnedSemaphorePermit>,
}

/// What an attempt says of its endpoint's health.
pub(crate) enum Health {
    /// It answered (a success, or a `4xx`: up, if unhappy with the request).
    Answered,
    /// It failed: no answer, a timeout, `408` or another `5xx`.
    Failed(String),
    /// It asked to be sent less (`429`, `502`, `503`, `504`): a failure, and
    /// no delivery is admitted to it until `retry_after` (if it said) or a
    /// wait that doubles with each failure in a row has passed.
    Throttled {
        error: String,
        retry_after: Option<Duration>,
    },
}

/// How long an endpoint that asked to be sent less without saying how long
/// is throttled after `failures` failed attempts in a row: 250 ms, doubling,
/// at most 30 s.
fn default_throttle(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(7);
    (Duration::from_millis(250) * 2u32.pow(doublings)).min(Duration::from_secs(30))
}

/// Which share a delivery waits for a slot of, after a first try found it full.
enum Wanted {
    Origin,
    Address(IpAddr),
}

impl Endpoints {
    pub(crate) fn new(
        per_endpoint: usize,
        capacity: usize,
        circuit: CircuitSettings,
        on_event: Option<EventHook>,
        lookup: Arc<dyn NameLookup>,
    ) -> Self {
        Endpoints {
            table: Mutex::new(Table {
                origins: Bounded::new(),
                addresses: Bounded::new(),
                tick: 0,
                disabled: 0,
                probes: BTreeSet::new(),
                examined_to_forget: 0,
            }),
            per_endpoint,
            capacity: capacity.max(1),
            circuit,
            on_event,
            lookup,
        }
    }

    fn table(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The address that keys `url`'s address share: an IP literal as it is; a
    /// name's first address, looked up at most once a minute; `None` if the
    /// name does not resolve (the attempt then fails to connect anyway).
    async fn address_of(&self, url: &Url, origin: &str) -> Option<IpAddr> {
        let name = match url.host()? {
            Host::Ipv4(ip) => return Some(IpAddr::V4(ip)),
            Host::Ipv6(ip) => return Some(IpAddr::V6(ip)),
            Host::Domain(name) => name,
        };
        let cached = self
            .table()
            .origins
            .entries
            .get(origin)
            .and_then(|endpoint| endpoint.resolved)
            .filter(|(_, at)| at.elapsed() < ADDRESS_FRESH_FOR);
        if let Some((ip, _)) = cached {
            return Some(ip);
        }
        let looked_up =
            tokio::time::timeout(LOOKUP_TIMEOUT, self.lookup.lookup(name.to_owned())).await;
        let ip = *looked_up.ok()?.ok()?.first()?;
        if let Some(endpoint) = self.table().origins.entries.get_mut(origin) {
            endpoint.resolved = Some((ip, Instant::now()));
        }
        Some(ip)
    }

    /// Admits a delivery to `url`'s endpoint, or says how long to put it back
    /// for: until the next probe of a disabled endpoint; for a full endpoint or
    /// address, after waiting up to 5 ms for one of its slots (a healthy
    /// receiver frees one within a millisecond or two), as long as it has been
    /// full, from 50 ms up to 5 s (a tarpit: few claims, few store writes).
    ///
    /// An endpoint (scheme, host, port) and the address it resolves to each
    /// hold at most `per_endpoint` deliveries in flight, so host names or
    /// ports that all lead to one tarpit share one share between them.
    pub(crate) async fn admit(&self, url: &Url) -> Result<Admission, Duration> {
        let origin = url.origin().ascii_serialization();
        let first_try = self.enter(&origin, Instant::now())?;
        let address = self.address_of(url, &origin).await;
        let slot = self.slot(first_try, &origin, Wanted::Origin).await?;
        let address_slot = match address {
            Some(ip) => {
                let first_try = self.try_address_slot(ip);
                Some(self.slot(first_try, &origin, Wanted::Address(ip)).await?)
            }
            None => None,
        };
        Ok(Admission {
            origin,
            _slot: slot,
            _address_slot: address_slot,
        })
    }

    /// The slot a first try took, or one that comes free within 5 ms (a
    /// healthy receiver frees one within a millisecond or two); else how long
    /// to put the delivery back for: as long as the share has been full, from
    /// 50 ms up to 5 s.
    async fn slot(
        &self,
        first_try: Result<OwnedSemaphorePermit, Arc<Semaphore>>,
        origin: &str,
        wanted: Wanted,
    ) -> Result<OwnedSemaphorePermit, Duration> {
        const WAIT_FOR_A_SLOT: Duration = Duration::from_millis(5);
        let slots = match first_try {
            Ok(permit) => return Ok(permit),
            Err(slots) => slots,
        };
        let waited = tokio::time::timeout(WAIT_FOR_A_SLOT, slots.acquire_owned()).await;
        let mut table = self.table();
        let share = match wanted {
            Wanted::Origin => table
                .origins
                .entries
                .get_mut(origin)
                .map(|endpoint| &mut endpoint.share),
            Wanted::Address(ip) => table.addresses.entries.get_mut(&ip),
        };
        match (waited, share) {
            (Ok(Ok(permit)), share) => {
                if let Some(share) = share {
                    share.full_since = None;
                }
                Ok(permit)
            }
            (_, Some(share)) => {
                let full_for = share.full_since.get_or_insert_with(Instant::now).elapsed();
                Err(full_for.clamp(Duration::from_millis(50), Duration::from_secs(5)))
            }
            (_, None) => Err(Duration::from_millis(50)),
        }
    }

    /// Finds or makes `origin`'s entry, marks it used and tries to take one of
    /// its slots; for a disabled endpoint, admits one probe every
    /// `probe_every` and says how long to put the rest back for.
    fn enter(
        &self,
        origin: &str,
        now: Instant,
    ) -> Result<Result<OwnedSemaphorePermit, Arc<Semaphore>>, Duration> {
        let mut guard = self.table();
        let table = &mut *guard;
        table.tick += 1;
        let per_endpoint = self.per_endpoint;
        let key = origin.to_owned();
        let (endpoint, forgotten, examined) = table.origins.used(
            &key,
            table.tick,
            self.capacity,
            |endpoint| endpoint.share.in_flight(per_endpoint) == 0,
            || Endpoint {
                share: Share::new(per_endpoint, table.tick),
                consecutive_failures: 0,
                last_error: None,
                disabled: None,
                next_probe: now,
                resolved: None,
                throttled_until: None,
            },
            |endpoint| &mut endpoint.share,
        );
        table.examined_to_forget += examined as u64;
        if let Some((forgotten_origin, forgotten)) = forgotten {
            if forgotten.disabled.is_some() {
                table.disabled -= 1;
                table
                    .probes
                    .remove(&(forgotten.next_probe, forgotten_origin));
            }
        }
        if let Some(until) = endpoint.throttled_until {
            if now < until {
                return Err(until - now);
            }
            endpoint.throttled_until = None;
        }
        if let Some((_, since)) = endpoint.disabled {
            // One probe at a time, every `probe_every`. The other deliveries
            // are held as long as the endpoint has been disabled (up to an
            // hour), not just until the next probe, so they are not claimed
            // again and again while it stays down: at each probe time the
            // store makes one of them due, to be the probe
            // ([`probes_due`](Self::probes_due)), and all of them when it
            // recovers.
            if now < endpoint.next_probe {
                let held_for = since.elapsed().min(MAX_HOLD);
                return Err((endpoint.next_probe - now).max(held_for));
            }
            let probed_at = endpoint.next_probe;
            endpoint.next_probe = now + self.circuit.probe_every;
            table.probes.remove(&(probed_at, key.clone()));
            table.probes.insert((endpoint.next_probe, key));
        }
        Ok(endpoint.share.take())
    }

    /// A slot of `ip`'s share at once (its entry made or marked used), or the
    /// share's slots to wait on.
    fn try_address_slot(&self, ip: IpAddr) -> Result<OwnedSemaphorePermit, Arc<Semaphore>> {
        let mut guard = self.table();
        let table = &mut *guard;
        table.tick += 1;
        let per_endpoint = self.per_endpoint;
        let (share, _, examined) = table.addresses.used(
            &ip,
            table.tick,
            self.capacity,
            |share| share.in_flight(per_endpoint) == 0,
            || Share::new(per_endpoint, table.tick),
            |share| share,
        );
        let taken = share.take();
        table.examined_to_forget += examined as u64;
        taken
    }

    /// Records what an admitted attempt said of its endpoint's health; the
    /// endpoint if this attempt made it recover (its held deliveries may go).
    pub(crate) fn record(&self, admission: &Admission, health: Health) -> Option<String> {
        // Whether it asked to be sent less, and for how long if it said.
        let throttle = match &health {
            Health::Throttled { retry_after, .. } => Some(*retry_after),
            Health::Answered | Health::Failed(_) => None,
        };
        let (event, disabled) = {
            let mut guard = self.table();
            let table = &mut *guard;
            let endpoint = table.origins.entries.get_mut(&admission.origin)?;
            let event = match health {
                Health::Answered => {
                    endpoint.consecutive_failures = 0;
                    endpoint.throttled_until = None;
                    let recovered = endpoint.disabled.take();
                    if recovered.is_some() {
                        table.disabled -= 1;
                        table
                            .probes
                            .remove(&(endpoint.next_probe, admission.origin.clone()));
                    }
                    recovered.map(|(_, since)| EndpointEvent::Recovered {
                        endpoint: admission.origin.clone(),
                        disabled_for: since.elapsed(),
                    })
                }
                Health::Failed(error) | Health::Throttled { error, .. } => {
                    endpoint.consecutive_failures = endpoint.consecutive_failures.saturating_add(1);
                    if let Some(retry_after) = throttle {
                        let wait = retry_after.map_or_else(
                            || default_throttle(endpoint.consecutive_failures),
                            |wait| wait.min(MAX_HOLD),
                        );
                        endpoint.throttled_until = Some(Instant::now() + wait);
                    }
                    endpoint.last_error = Some(error.clone());
                    let disable = endpoint.disabled.is_none()
                        && endpoint.consecutive_failures >= self.circuit.failures;
                    if disable {
                        table.disabled += 1;
                    }
                    disable.then(|| {
                        let now = Instant::now();
                        endpoint.disabled = Some((SystemTime::now(), now));
                        endpoint.next_probe = now + self.circuit.probe_every;
                        table
                            .probes
                            .insert((endpoint.next_probe, admission.origin.clone()));
                        EndpointEvent::Disabled {
                            endpoint: admission.origin.clone(),
                            failures: endpoint.consecutive_failures,
                            last_error: error,
                        }
                    })
                }
            };
            (event, table.disabled)
        };
        let event = event?;
        let name = match &event {
            EndpointEvent::Disabled { .. } => "disabled",
            EndpointEvent::Recovered { .. } => "recovered",
        };
        super::metrics::endpoint_event(name, disabled);
        match &event {
            EndpointEvent::Disabled {
                endpoint,
                failures,
                last_error,
            } => tracing::warn!(
                %endpoint, failures, %last_error,
                "endpoint disabled: its callbacks are held and it is probed"
            ),
            EndpointEvent::Recovered {
                endpoint,
                disabled_for,
            } => tracing::info!(%endpoint, ?disabled_for, "endpoint recovered"),
        }
        if let Some(hook) = &self.on_event {
            hook(&event);
        }
        match event {
            EndpointEvent::Recovered { endpoint, .. } => Some(endpoint),
            EndpointEvent::Disabled { .. } => None,
        }
    }

    /// The disabled endpoints whose probe time has come, taken off the
    /// schedule: one held delivery of each is to be made due (it is admitted
    /// as the probe, which puts the endpoint back on the schedule).
    pub(crate) fn probes_due(&self, now: Instant) -> Vec<String> {
        let mut table = self.table();
        let mut due = Vec::new();
        while table.probes.first().is_some_and(|(at, _)| *at <= now) {
            if let Some((_, origin)) = table.probes.pop_first() {
                due.push(origin);
            }
        }
        due
    }

    /// How long until the next probe time, if any endpoint is disabled.
    pub(crate) fn next_probe_in(&self, now: Instant) -> Option<Duration> {
        let table = self.table();
        let (at, _) = table.probes.first()?;
        Some(at.saturating_duration_since(now))
    }

    /// Every endpoint's health, by name.
    pub(crate) fn list(&self) -> Vec<EndpointHealth> {
        let table = self.table();
        let mut list: Vec<EndpointHealth> = table
            .origins
            .entries
            .iter()
            .map(|(origin, endpoint)| EndpointHealth {
                endpoint: origin.clone(),
                consecutive_failures: endpoint.consecutive_failures,
                disabled_since: endpoint.disabled.map(|(since, _)| since),
                last_error: endpoint.last_error.clone(),
                in_flight: endpoint.share.in_flight(self.per_endpoint),
                throttled_until: endpoint.throttled_until.and_then(|until| {
                    let left = until.checked_duration_since(Instant::now())?;
                    Some(SystemTime::now() + left)
                }),
            })
            .collect();
        list.sort_by(|a, b| a.endpoint.cmp(&b.endpoint));
        list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_throttle_without_retry_after_doubles_up_to_thirty_seconds() {
        let waits: Vec<u64> = [1, 2, 3, 4, 8, 9, 100]
            .map(|failures| default_throttle(failures).as_millis() as u64)
            .to_vec();
        assert_eq!(waits, [250, 500, 1000, 2000, 30_000, 30_000, 30_000]);
    }

    fn endpoints(per_endpoint: usize, capacity: usize) -> Endpoints {
        // `*.one.test` all resolve to one address; nothing else resolves.
        let lookup = |host: String| async move {
            if host.ends_with(".one.test") {
                Ok(vec![IpAddr::from([192, 0, 2, 1])])
            } else {
                Err(std::io::Error::other("no such name"))
            }
        };
        Endpoints::new(
            per_endpoint,
            capacity,
            CircuitSettings {
                failures: 1,
                probe_every: Duration::from_secs(3600),
            },
            None,
            Arc::new(lookup),
        )
    }

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    /// 100,000 distinct endpoints, each failing once (and so disabled): the
    /// tables stay at their capacity, the count of disabled endpoints stays
    /// right, and finding what to forget looks at one entry per new endpoint,
    /// the same for the last ten thousand as for the first.
    #[tokio::test(flavor = "current_thread")]
    async fn endpoints_beyond_the_capacity_are_forgotten_at_a_flat_cost() {
        let endpoints = endpoints(4, 1000);
        let mut examined_per_window = Vec::new();
        for n in 0..100_000u32 {
            let [_, a, b, c] = n.to_be_bytes();
            let target = url(&format!(
                "http://198.51.{a}.{b}:{}/hook",
                1000 + u16::from(c)
            ));
            let admission = endpoints.admit(&target).await.expect("a new endpoint");
            endpoints.record(&admission, Health::Failed("refused".into()));
            if n % 10_000 == 9_999 {
                let table = endpoints.table();
                assert!(table.origins.entries.len() <= 1000);
                assert!(table.addresses.entries.len() <= 1000);
                assert_eq!(table.origins.by_use.len(), table.origins.entries.len());
                assert_eq!(table.addresses.by_use.len(), table.addresses.entries.len());
                let disabled = table
                    .origins
                    .entries
                    .values()
                    .filter(|endpoint| endpoint.disabled.is_some())
                    .count();
                assert_eq!(table.disabled, disabled);
                examined_per_window.push(table.examined_to_forget);
            }
        }
        let windows: Vec<u64> = examined_per_window
            .windows(2)
            .map(|w| w[1] - w[0])
            .collect();
        // One entry looked at per new endpoint (the 391 addresses fit).
        assert!(windows.iter().all(|&n| n == 10_000), "{windows:?}");
        assert_eq!(endpoints.list().len(), 1000);
    }

    /// Host names and ports leading to one address share that address's slots.
    #[tokio::test(flavor = "current_thread")]
    async fn names_and_ports_of_one_address_share_its_slots() {
        let endpoints = endpoints(2, 100);
        let first = endpoints.admit(&url("http://a.one.test/")).await.unwrap();
        let second = endpoints
            .admit(&url("http://b.one.test:8080/"))
            .await
            .unwrap();
        let full = endpoints.admit(&url("http://c.one.test/")).await;
        assert!(full.is_err(), "a third slot of one address");
        let literal = endpoints.admit(&url("http://192.0.2.1:9/")).await;
        assert!(literal.is_err(), "the address written as a literal");
        // Another address is not held up, nor is a name that does not resolve
        // (its attempt fails to connect).
        let other = endpoints.admit(&url("http://192.0.2.2/")).await.unwrap();
        let unknown = endpoints.admit(&url("http://nowhere.test/")).await.unwrap();
        drop(first);
        let freed = endpoints.admit(&url("http://c.one.test/")).await;
        assert!(freed.is_ok(), "a slot came free");
        drop((second, other, unknown));
    }

    /// Endpoints with deliveries in flight are never forgotten (their health
    /// and slots are in use); idle ones go first, least recently used first.
    #[tokio::test(flavor = "current_thread")]
    async fn busy_endpoints_are_kept_and_idle_ones_forgotten() {
        let endpoints = endpoints(1, 2);
        let busy = endpoints.admit(&url("http://192.0.2.10/")).await.unwrap();
        let idle = endpoints.admit(&url("http://192.0.2.11/")).await.unwrap();
        drop(idle);
        let _newest = endpoints.admit(&url("http://192.0.2.12/")).await.unwrap();
        let names: Vec<String> = endpoints.list().into_iter().map(|e| e.endpoint).collect();
        assert_eq!(names, ["http://192.0.2.10", "http://192.0.2.12"]);
        // The busy endpoint's one slot is still taken.
        assert!(endpoints.admit(&url("http://192.0.2.10/")).await.is_err());
        drop(busy);
    }
}
