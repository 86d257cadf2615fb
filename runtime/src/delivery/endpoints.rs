//! Receiving endpoints (an origin: scheme, host, port), as this process sees
//! them: each one's share of the send slots (fairness), and its health (a
//! circuit breaker). An endpoint that failed `failures` attempts in a row is
//! disabled: its deliveries are held in the store, not attempted and not
//! dead-lettered, and one of them probes it every `probe_every`; the first
//! success enables it again. Both changes are events for the application and
//! `tracing`. Health is per process: instances learn it each on their own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

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
}

/// When an endpoint is disabled and how it is probed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CircuitSettings {
    pub failures: u32,
    pub probe_every: Duration,
}

/// What the application is told of health changes.
pub(crate) type EventHook = Arc<dyn Fn(&EndpointEvent) + Send + Sync>;

struct Endpoint {
    slots: Arc<Semaphore>,
    /// Since when every slot has been taken, if it is full.
    full_since: Option<Instant>,
    consecutive_failures: u32,
    last_error: Option<String>,
    /// Disabled since (wall clock, for listing; monotonic, for probing).
    disabled: Option<(SystemTime, Instant)>,
    /// When the next probe may go.
    next_probe: Instant,
}

/// Every endpoint this process has sent to.
pub(crate) struct Endpoints {
    map: Mutex<HashMap<String, Endpoint>>,
    per_endpoint: usize,
    circuit: CircuitSettings,
    on_event: Option<EventHook>,
}

/// A delivery admitted to its endpoint: holds one of its send slots.
pub(crate) struct Admission {
    origin: String,
    _slot: OwnedSemaphorePermit,
}

/// What an attempt says of its endpoint's health.
pub(crate) enum Health {
    /// It answered (a success, or a `4xx`: up, if unhappy with the request).
    Answered,
    /// It failed: no answer, a timeout, `408`, `429` or `5xx`.
    Failed(String),
}

impl Endpoints {
    pub(crate) fn new(
        per_endpoint: usize,
        circuit: CircuitSettings,
        on_event: Option<EventHook>,
    ) -> Self {
        Endpoints {
            map: Mutex::default(),
            per_endpoint,
            circuit,
            on_event,
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Endpoint>> {
        self.map
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Admits a delivery to `url`'s endpoint, or says how long to put it back
    /// for: until the next probe of a disabled endpoint; for a full endpoint,
    /// after waiting up to 5 ms for one of its slots (a healthy receiver frees
    /// one within a millisecond or two), as long as it has been full, from
    /// 50 ms up to 5 s (a tarpit: few claims, few store writes).
    pub(crate) async fn admit(&self, url: &Url) -> Result<Admission, Duration> {
        const WAIT_FOR_A_SLOT: Duration = Duration::from_millis(5);
        let origin = url.origin().ascii_serialization();
        let slots = {
            let mut map = self.map();
            // Forget idle, healthy endpoints now and then, so the map stays small.
            if map.len() > 10_000 {
                let per_endpoint = self.per_endpoint;
                map.retain(|_, endpoint| {
                    endpoint.slots.available_permits() < per_endpoint || endpoint.disabled.is_some()
                });
            }
            let now = Instant::now();
            let endpoint = map.entry(origin.clone()).or_insert_with(|| Endpoint {
                slots: Arc::new(Semaphore::new(self.per_endpoint)),
                full_since: None,
                consecutive_failures: 0,
                last_error: None,
                disabled: None,
                next_probe: now,
            });
            if endpoint.disabled.is_some() {
                // One probe at a time, every `probe_every`.
                if now < endpoint.next_probe {
                    return Err(endpoint.next_probe - now);
                }
                endpoint.next_probe = now + self.circuit.probe_every;
            }
            if let Ok(slot) = Arc::clone(&endpoint.slots).try_acquire_owned() {
                endpoint.full_since = None;
                return Ok(Admission {
                    origin,
                    _slot: slot,
                });
            }
            Arc::clone(&endpoint.slots)
        };
        let waited = tokio::time::timeout(WAIT_FOR_A_SLOT, slots.acquire_owned()).await;
        let mut map = self.map();
        let endpoint = map.get_mut(&origin);
        match (waited, endpoint) {
            (Ok(Ok(slot)), endpoint) => {
                if let Some(endpoint) = endpoint {
                    endpoint.full_since = None;
                }
                Ok(Admission {
                    origin,
                    _slot: slot,
                })
            }
            (_, Some(endpoint)) => {
                let full_for = endpoint
                    .full_since
                    .get_or_insert_with(Instant::now)
                    .elapsed();
                Err(full_for.clamp(Duration::from_millis(50), Duration::from_secs(5)))
            }
            (_, None) => Err(Duration::from_millis(50)),
        }
    }

    /// Records what an admitted attempt said of its endpoint's health.
    pub(crate) fn record(&self, admission: &Admission, health: Health) {
        let event = {
            let mut map = self.map();
            let Some(endpoint) = map.get_mut(&admission.origin) else {
                return;
            };
            match health {
                Health::Answered => {
                    endpoint.consecutive_failures = 0;
                    endpoint
                        .disabled
                        .take()
                        .map(|(_, since)| EndpointEvent::Recovered {
                            endpoint: admission.origin.clone(),
                            disabled_for: since.elapsed(),
                        })
                }
                Health::Failed(error) => {
                    endpoint.consecutive_failures = endpoint.consecutive_failures.saturating_add(1);
                    endpoint.last_error = Some(error.clone());
                    let disable = endpoint.disabled.is_none()
                        && endpoint.consecutive_failures >= self.circuit.failures;
                    disable.then(|| {
                        let now = Instant::now();
                        endpoint.disabled = Some((SystemTime::now(), now));
                        endpoint.next_probe = now + self.circuit.probe_every;
                        EndpointEvent::Disabled {
                            endpoint: admission.origin.clone(),
                            failures: endpoint.consecutive_failures,
                            last_error: error,
                        }
                    })
                }
            }
        };
        if let Some(event) = event {
            let disabled = self
                .map()
                .values()
                .filter(|endpoint| endpoint.disabled.is_some())
                .count();
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
        }
    }

    /// Every endpoint's health, by name.
    pub(crate) fn list(&self) -> Vec<EndpointHealth> {
        let mut list: Vec<EndpointHealth> = self
            .map()
            .iter()
            .map(|(origin, endpoint)| EndpointHealth {
                endpoint: origin.clone(),
                consecutive_failures: endpoint.consecutive_failures,
                disabled_since: endpoint.disabled.map(|(since, _)| since),
                last_error: endpoint.last_error.clone(),
                in_flight: self
                    .per_endpoint
                    .saturating_sub(endpoint.slots.available_permits()),
            })
            .collect();
        list.sort_by(|a, b| a.endpoint.cmp(&b.endpoint));
        list
    }
}
