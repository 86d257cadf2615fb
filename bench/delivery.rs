//! Callback delivery, measured against a bare HTTP client loop in the same run:
//!
//! 1. throughput: N callbacks to a loopback receiver through `Callbacks` (signed,
//!    reply decoded, records kept), enqueued by 32 concurrent producers, with
//!    each store (memory, SQLite with `synchronous = FULL` and `NORMAL`,
//!    PostgreSQL), versus the same N requests sent by a bare reqwest loop with
//!    the same concurrency (reply decoded too); alternating runs, medians, and
//!    ratios to the bare loop and to the in-memory store;
//! 2. memory: resident memory added by 10,000 deliveries pending against a
//!    receiver that accepts connections and never answers, versus 10,000 bare
//!    request futures pending against the same receiver.
//!
//! PostgreSQL: a throwaway cluster started from the machine's server binaries
//! (as the tests do; `apt install postgresql`), or skipped with a note when
//! there are none. Traffic goes to 127.0.0.1 only; counts are fixed and every
//! wait is bounded.
//!
//! 3. `--tarpit`: the throughput to a healthy receiver alone, and while 200
//!    deliveries wait on a receiver that never answers, in the same run.
//! 5. `--fan-out`: publishing one event to 1, 100 and 1,000 subscribed
//!    endpoints against as many single enqueues to the same endpoints (each
//!    signed with the endpoint's or the owner's managed secret), per store:
//!    deliveries per second from the first call until every delivery is
//!    written back, medians, and the ratio of the two.
//! 4. `--latency`: enqueue-to-receiver latency, one delivery at a time, per
//!    store (p50, p99 of 300), against the bare loop sending one request; for
//!    PostgreSQL also a transactional `enqueue_in` found through `LISTEN`
//!    (the dispatcher polling only hourly).
//!
//! ```text
//! cd bench && cargo run --release --bin delivery
//! cd bench && cargo run --release --bin delivery -- --tarpit
//! cd bench && cargo run --release --bin delivery -- --latency
//! cd bench && cargo run --release --bin delivery -- --fan-out
//! cd bench && cargo run --release --bin delivery -- --only PostgreSQL  # memory and one store
//! ```

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web::{self, Json};
use actix_web::{App, HttpServer};
use hookspec::delivery::policy::{AddressPolicy, RetryPolicy};
use hookspec::delivery::records::{DeliveryFilter, DeliveryState};
use hookspec::delivery::store::SqliteSync;
use hookspec::delivery::{Callbacks, CallbacksBuilder, Trigger};
use hookspec::JsonSchema;
use serde::{Deserialize, Serialize};

#[path = "../tests/outbox/postgres.rs"]
#[allow(dead_code)]
mod postgres;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// Handlers enqueueing at once.
const PRODUCERS: usize = 32;
const DELIVERIES: usize = 5_000;
const CONCURRENCY: usize = 32;
const RUNS: usize = 5;
const PENDING: usize = 10_000;
/// No phase may take longer than this.
const PHASE_LIMIT: Duration = Duration::from_secs(120);

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Ping {
    pub n: u64,
    pub note: String,
}

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Ack {
    pub ok: bool,
}

/// The benchmark's callback.
#[hookspec::callback(post, "{$request.query.callback_url}/hook")]
async fn ping(body: Json<Ping>) -> Json<Ack> {}

/// The benchmark's event, for subscribed endpoints.
#[hookspec::webhook("bench.ping")]
async fn ping_event(body: Json<Ping>) -> Json<Ack> {}

fn ping_body(n: u64) -> Ping {
    Ping {
        n,
        note: "a small event body, as callbacks usually are".to_owned(),
    }
}

/// Resident memory of this process, in KiB (Linux).
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmRSS:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Where a run keeps its deliveries.
#[derive(Clone)]
enum Store {
    Memory,
    Sqlite(SqliteSync),
    Postgres(String),
}

impl Store {
    fn name(&self) -> &'static str {
        match self {
            Store::Memory => "memory",
            Store::Sqlite(SqliteSync::Full) => "SQLite, synchronous = FULL",
            Store::Sqlite(SqliteSync::Normal) => "SQLite, synchronous = NORMAL",
            Store::Postgres(_) => "PostgreSQL (local, fsync on)",
        }
    }

    /// A builder on a fresh, empty store.
    fn fresh(&self, builder: CallbacksBuilder) -> CallbacksBuilder {
        match self {
            Store::Memory => builder.in_memory(),
            Store::Sqlite(sync) => {
                let path = std::env::temp_dir().join("hookspec-bench-deliveries.sqlite3");
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
                builder.sqlite_with(path, *sync)
            }
            Store::Postgres(url) => {
                runtime().block_on(async {
                    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                        .await
                        .expect("PostgreSQL");
                    tokio::spawn(connection);
                    // Absent on the first run: the store creates its tables.
                    let _ = client
                        .batch_execute("TRUNCATE hookspec_deliveries CASCADE")
                        .await;
                });
                builder.postgres(url)
            }
        }
    }
}

fn callbacks(store: &Store, capacity: usize, timeout: Duration, signed: bool) -> Callbacks {
    let builder = if signed {
        Callbacks::builder().single_tenant_secrets(&[SECRET])
    } else {
        Callbacks::builder().unsigned()
    };
    let builder = builder
        .address_policy(AddressPolicy::listed_only().allow_loopback())
        .queue_capacity(capacity)
        .concurrency(CONCURRENCY)
        // One receiver here: its throughput, not the fairness cap, is measured.
        .max_in_flight_per_endpoint(CONCURRENCY)
        .attempt_timeout(timeout)
        .retry(RetryPolicy::with_schedule([]))
        .retain_finished(capacity);
    store.fresh(builder).build().expect("callbacks")
}

fn trigger(port: u16) -> Trigger {
    Trigger {
        query: vec![("callback_url".into(), format!("http://127.0.0.1:{port}"))],
        ..Trigger::default()
    }
}

/// A trigger whose callback goes to the stalled receiver's `port`.
fn stalled_trigger(port: u16) -> Trigger {
    Trigger {
        query: vec![("callback_url".into(), format!("http://{STALLED_IP}:{port}"))],
        ..Trigger::default()
    }
}

/// Enqueues `DELIVERIES` callbacks to `port` from `PRODUCERS` tasks at once
/// (as concurrent handlers would).
async fn enqueue_all(callbacks: &Callbacks, port: u16) {
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|producer| {
            let callbacks = callbacks.clone();
            tokio::spawn(async move {
                for n in (producer..DELIVERIES).step_by(PRODUCERS) {
                    callbacks
                        .callback_for::<ping>(trigger(port))
                        .enqueue(&ping_body(n as u64))
                        .await
                        .expect("enqueued");
                }
            })
        })
        .collect();
    for producer in producers {
        producer.await.expect("producer");
    }
}

/// Seconds to deliver `DELIVERIES` callbacks through hookspec, enqueued by
/// `PRODUCERS` tasks at once (as concurrent handlers would).
fn hookspec_run(port: u16, seen: &Seen, signed: bool, store: &Store) -> f64 {
    let callbacks = callbacks(store, DELIVERIES, Duration::from_secs(30), signed);
    let rt = runtime();
    let received = seen.count.load(std::sync::atomic::Ordering::SeqCst);
    let started = Instant::now();
    rt.block_on(async {
        enqueue_all(&callbacks, port).await;
        // Every request received first (the receiver's counter), then every
        // outcome written. Asking a durable store for its unfinished count is
        // a query, and one a millisecond while deliveries are still under way
        // would compete with them (the in-memory store answers for free).
        while seen.count.load(std::sync::atomic::Ordering::SeqCst) < received + DELIVERIES {
            assert!(started.elapsed() < PHASE_LIMIT, "hookspec run too slow");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        while callbacks.unfinished().await.expect("store") > 0 {
            assert!(started.elapsed() < PHASE_LIMIT, "hookspec run too slow");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let succeeded = rt
        .block_on(callbacks.deliveries(DeliveryFilter::all()))
        .expect("records")
        .iter()
        .filter(|record| record.state == DeliveryState::Succeeded)
        .count();
    assert_eq!(succeeded, DELIVERIES, "every delivery succeeds");
    rt.block_on(callbacks.shutdown(Duration::from_secs(1)));
    elapsed
}

/// What the bare loop does per callback: send the body, decode the reply.
async fn bare_exchange(client: &reqwest::Client, url: &str, n: u64) {
    let body = serde_json::to_vec(&ping_body(n)).expect("body");
    let reply = client
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("sent");
    let bytes = reply.bytes().await.expect("reply");
    let ack: Ack = serde_json::from_slice(&bytes).expect("ack");
    assert!(ack.ok);
}

/// Seconds for a bare reqwest loop to send the same requests, `CONCURRENCY` at a time.
fn bare_run(port: u16) -> f64 {
    let url = format!("http://127.0.0.1:{port}/hook");
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let started = Instant::now();
    runtime().block_on(async move {
        let slots = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
        let mut tasks = Vec::with_capacity(DELIVERIES);
        for n in 0..DELIVERIES as u64 {
            let permit = Arc::clone(&slots).acquire_owned().await.expect("permit");
            let client = client.clone();
            let url = url.clone();
            tasks.push(tokio::spawn(async move {
                let _permit = permit;
                bare_exchange(&client, &url, n).await;
            }));
        }
        for task in tasks {
            task.await.expect("task");
        }
    });
    started.elapsed().as_secs_f64()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

/// Where the stalled receiver listens: an address of its own (Linux answers on
/// all of 127.0.0.0/8), so it holds its own address's share of the send slots,
/// not the healthy receiver's on 127.0.0.1.
const STALLED_IP: &str = "127.0.0.2";

/// A receiver that accepts connections and never answers.
fn stalled_receiver() -> (u16, Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>) {
    let listener = TcpListener::bind((STALLED_IP, 0)).expect("loopback port");
    let port = listener.local_addr().expect("address").port();
    let held = Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = Arc::clone(&held);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            keep.lock().expect("lock").push(stream);
        }
    });
    (port, held)
}

/// KiB of resident memory added by `PENDING` deliveries waiting on a stalled receiver.
fn hookspec_pending(port: u16) -> u64 {
    let callbacks = callbacks(&Store::Memory, PENDING, Duration::from_secs(600), true);
    std::thread::sleep(Duration::from_millis(200));
    let rt = runtime();
    let before = rss_kib();
    rt.block_on(async {
        for n in 0..PENDING as u64 {
            callbacks
                .callback_for::<ping>(stalled_trigger(port))
                .enqueue(&ping_body(n))
                .await
                .expect("enqueued");
        }
    });
    // Let the dispatcher claim what it may and open its connections.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        rt.block_on(callbacks.unfinished()).expect("store"),
        PENDING as u64
    );
    let after = rss_kib();
    rt.block_on(callbacks.shutdown(Duration::ZERO));
    after.saturating_sub(before)
}

/// KiB added by `PENDING` bare request futures waiting on the same receiver, with
/// the same number in flight.
fn bare_pending(port: u16) -> u64 {
    let url = format!("http://127.0.0.1:{port}/hook");
    let rt = runtime();
    let before = rss_kib();
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let slots = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let mut tasks = Vec::with_capacity(PENDING);
    for n in 0..PENDING as u64 {
        let client = client.clone();
        let url = url.clone();
        let slots = Arc::clone(&slots);
        tasks.push(rt.spawn(async move {
            let _permit = slots.acquire_owned().await;
            let body = serde_json::to_vec(&ping_body(n)).expect("body");
            let _ = client.post(&url).body(body).send().await;
        }));
    }
    rt.block_on(async { tokio::time::sleep(Duration::from_secs(2)).await });
    let after = rss_kib();
    for task in tasks {
        task.abort();
    }
    after.saturating_sub(before)
}

/// Runs one memory measurement in a fresh process, so the heap grown by earlier
/// phases does not hide (or inflate) what is measured.
fn measure_in_child(phase: &str, port: u16) -> u64 {
    let output = std::process::Command::new(std::env::current_exe().expect("own path"))
        .args([phase, &port.to_string()])
        .output()
        .expect("child ran");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("child printed KiB")
}

/// Seconds to deliver `DELIVERIES` callbacks to a healthy receiver with the
/// default fairness cap (a quarter of the send slots per endpoint), while
/// `TARPIT` deliveries wait on a receiver that never answers, if `tarpit`.
fn tarpit_run(port: u16, tarpit: Option<u16>) -> f64 {
    const TARPIT: usize = 200;
    let callbacks = Callbacks::builder()
        .unsigned()
        .in_memory()
        .address_policy(AddressPolicy::listed_only().allow_loopback())
        .queue_capacity(DELIVERIES + TARPIT)
        .retain_finished(DELIVERIES + TARPIT)
        .concurrency(CONCURRENCY)
        .attempt_timeout(Duration::from_secs(60))
        .retry(RetryPolicy::with_schedule([]))
        .build()
        .expect("callbacks");
    let rt = runtime();
    let waiting = tarpit.map_or(0, |_| TARPIT as u64);
    rt.block_on(async {
        if let Some(tarpit) = tarpit {
            for n in 0..TARPIT {
                callbacks
                    .callback_for::<ping>(stalled_trigger(tarpit))
                    .enqueue(&ping_body(n as u64))
                    .await
                    .expect("enqueued");
            }
            // The tarpit holds its share of the slots before the clock starts.
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let started = Instant::now();
    rt.block_on(async {
        enqueue_all(&callbacks, port).await;
        while callbacks.unfinished().await.expect("store") > waiting {
            assert!(started.elapsed() < PHASE_LIMIT, "tarpit run too slow");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    rt.block_on(callbacks.shutdown(Duration::ZERO));
    elapsed
}

/// What the counting receiver saw: how many requests, when the last arrived.
#[derive(Default)]
struct Seen {
    count: std::sync::atomic::AtomicUsize,
    last: std::sync::Mutex<Option<Instant>>,
}

/// A receiver answering `{"ok": true}` on its own thread and actix system. It
/// counts the requests it answered and notes when the last arrived, so a run
/// can wait for them without asking the store, and a latency sample is taken
/// at the arrival, not at a timer's granularity.
fn counting_receiver() -> (u16, Arc<Seen>, actix_web::dev::ServerHandle) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("loopback port");
    let port = listener.local_addr().expect("address").port();
    let seen = Arc::new(Seen::default());
    let counter = Arc::clone(&seen);
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                let counter = Arc::clone(&counter);
                App::new().route(
                    "/hook",
                    web::post().to(move |_: web::Bytes| {
                        *counter.last.lock().expect("lock") = Some(Instant::now());
                        counter
                            .count
                            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        async { Json(Ack { ok: true }) }
                    }),
                )
            })
            .workers(1)
            .listen(listener)
            .expect("listen")
            .run();
            sender.send(server.handle()).expect("handle");
            let _ = server.await;
        })
    });
    (port, seen, receiver.recv().expect("receiver started"))
}

const LATENCY_SAMPLES: usize = 300;

/// Waits (at most 5 s) until `seen` passes `before`; when the request arrived.
async fn arrived(seen: &Seen, before: usize) -> Instant {
    let deadline = Instant::now() + Duration::from_secs(5);
    while seen.count.load(std::sync::atomic::Ordering::SeqCst) <= before {
        assert!(
            Instant::now() < deadline,
            "a delivery did not arrive within 5 s"
        );
        tokio::time::sleep(Duration::from_micros(100)).await;
    }
    seen.last.lock().expect("lock").expect("an arrival")
}

/// p50 and p99 of `samples`, in milliseconds.
fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at =
        |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3;
    (at(0.50), at(0.99))
}

/// Enqueue-to-receiver latency of one delivery at a time through `store`;
/// `transactional`: through `enqueue_in` on PostgreSQL, found by `LISTEN`.
fn latency_run(store: &Store, port: u16, seen: &Seen, transactional: bool) -> (f64, f64) {
    let mut builder = store.fresh(
        Callbacks::builder()
            .single_tenant_secrets(&[SECRET])
            .address_policy(AddressPolicy::listed_only().allow_loopback())
            .retry(RetryPolicy::with_schedule([])),
    );
    if transactional {
        builder = builder.poll_interval(Duration::from_secs(3600));
    }
    let callbacks = builder.build().expect("callbacks");
    let rt = runtime();
    let samples = rt.block_on(async {
        let mut database = match (store, transactional) {
            (Store::Postgres(url), true) => {
                let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .expect("PostgreSQL");
                tokio::spawn(connection);
                Some(client)
            }
            _ => None,
        };
        let mut samples = Vec::with_capacity(LATENCY_SAMPLES);
        for n in 0..LATENCY_SAMPLES + 20 {
            let before = seen.count.load(std::sync::atomic::Ordering::SeqCst);
            let started = Instant::now();
            let request = callbacks.callback_for::<ping>(trigger(port));
            match database.as_mut() {
                Some(client) => {
                    let transaction = client.transaction().await.expect("transaction");
                    request
                        .enqueue_in(&transaction, &ping_body(n as u64))
                        .await
                        .expect("enqueued");
                    transaction.commit().await.expect("commit");
                }
                None => {
                    request
                        .enqueue(&ping_body(n as u64))
                        .await
                        .expect("enqueued");
                }
            }
            let at = arrived(seen, before).await;
            // The first 20 warm connections and caches.
            if n >= 20 {
                samples.push(at - started);
            }
        }
        samples
    });
    rt.block_on(callbacks.shutdown(Duration::from_secs(1)));
    percentiles(samples)
}

/// The bare loop's latency: one request at a time on a warm client.
fn bare_latency(port: u16) -> (f64, f64) {
    let url = format!("http://127.0.0.1:{port}/hook");
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let rt = runtime();
    let samples = rt.block_on(async {
        let mut samples = Vec::with_capacity(LATENCY_SAMPLES);
        for n in 0..LATENCY_SAMPLES + 20 {
            let started = Instant::now();
            bare_exchange(&client, &url, n as u64).await;
            if n >= 20 {
                samples.push(started.elapsed());
            }
        }
        samples
    });
    percentiles(samples)
}

fn latency_report() {
    let cluster = std::panic::catch_unwind(postgres::Postgres::start_durable).ok();
    let (port, seen, _server) = counting_receiver();
    let mut rows = vec![(
        "bare reqwest, one request and its reply".to_owned(),
        bare_latency(port),
    )];
    let mut stores = vec![
        Store::Memory,
        Store::Sqlite(SqliteSync::Full),
        Store::Sqlite(SqliteSync::Normal),
    ];
    if let Some(cluster) = &cluster {
        stores.push(Store::Postgres(cluster.url()));
    }
    for store in &stores {
        rows.push((
            format!("hookspec `enqueue`, {}", store.name()),
            latency_run(store, port, &seen, false),
        ));
    }
    if let Some(cluster) = &cluster {
        rows.push((
            "hookspec `enqueue_in` + commit, PostgreSQL, found by LISTEN (hourly poll)".to_owned(),
            latency_run(&Store::Postgres(cluster.url()), port, &seen, true),
        ));
    }
    println!("| enqueue to receiver, one at a time ({LATENCY_SAMPLES} samples) | p50 | p99 |");
    println!("|---|---:|---:|");
    for (name, (p50, p99)) in rows {
        println!("| {name} | {p50:.2} ms | {p99:.2} ms |");
    }
}

/// Deliveries per fan-out measurement: as many publications as that takes.
const FAN_OUT_DELIVERIES: usize = 2_000;

/// Callbacks signing with managed secrets, with `bench.ping` in its catalog
/// and `endpoints` endpoints of owner `bench`, on a fresh `store`.
fn fan_out_callbacks(store: &Store, port: u16, endpoints: usize) -> Callbacks {
    let api = hookspec::Api::new("Bench", "1.0.0").webhook(ping_event);
    let builder = Callbacks::builder()
        .owner_secrets(hookspec::delivery::owners::SecretsKey::generate().expect("key"))
        .api(&api)
        .address_policy(AddressPolicy::listed_only().allow_loopback())
        .queue_capacity(FAN_OUT_DELIVERIES)
        .concurrency(CONCURRENCY)
        .max_in_flight_per_endpoint(CONCURRENCY)
        .attempt_timeout(Duration::from_secs(30))
        .retry(RetryPolicy::with_schedule([]))
        .retain_finished(FAN_OUT_DELIVERIES);
    let callbacks = store.fresh(builder).build().expect("callbacks");
    if let Store::Postgres(url) = store {
        runtime().block_on(async {
            let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .expect("PostgreSQL");
            tokio::spawn(connection);
            client
                .batch_execute(
                    "TRUNCATE hookspec_endpoints, hookspec_secrets, hookspec_publications",
                )
                .await
                .expect("truncate");
        });
    }
    runtime().block_on(async {
        for _ in 0..endpoints {
            callbacks
                .create_endpoint(
                    "bench",
                    hookspec::delivery::subscriptions::NewEndpoint::new(format!(
                        "http://127.0.0.1:{port}/hook"
                    )),
                )
                .await
                .expect("endpoint");
        }
    });
    callbacks
}

/// Seconds to deliver `FAN_OUT_DELIVERIES` to `endpoints` endpoints: by
/// publishing events (`fan_out`), or by as many single enqueues to the same
/// URLs; `PRODUCERS` tasks at once either way.
fn fan_out_run(store: &Store, port: u16, seen: &Seen, endpoints: usize, fan_out: bool) -> f64 {
    let callbacks = fan_out_callbacks(store, port, endpoints);
    let rt = runtime();
    let received = seen.count.load(std::sync::atomic::Ordering::SeqCst);
    let calls = if fan_out {
        FAN_OUT_DELIVERIES / endpoints
    } else {
        FAN_OUT_DELIVERIES
    };
    let url = format!("http://127.0.0.1:{port}/hook");
    let started = Instant::now();
    rt.block_on(async {
        let producers: Vec<_> = (0..PRODUCERS.min(calls))
            .map(|producer| {
                let (callbacks, url) = (callbacks.clone(), url.clone());
                tokio::spawn(async move {
                    for n in (producer..calls).step_by(PRODUCERS) {
                        let body = ping_body(n as u64);
                        if fan_out {
                            let published = callbacks
                                .publish::<ping_event>("bench")
                                .send(&body)
                                .await
                                .expect("published");
                            assert_eq!(published.deliveries as usize, endpoints);
                        } else {
                            callbacks
                                .webhook::<ping_event>(&url)
                                .owner("bench")
                                .enqueue(&body)
                                .await
                                .expect("enqueued");
                        }
                    }
                })
            })
            .collect();
        for producer in producers {
            producer.await.expect("producer");
        }
        while seen.count.load(std::sync::atomic::Ordering::SeqCst) < received + FAN_OUT_DELIVERIES {
            assert!(started.elapsed() < PHASE_LIMIT, "fan-out run too slow");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        while callbacks.unfinished().await.expect("store") > 0 {
            assert!(started.elapsed() < PHASE_LIMIT, "fan-out run too slow");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    rt.block_on(callbacks.shutdown(Duration::from_secs(1)));
    elapsed
}

/// `--fan-out`: the table of publications against single enqueues.
fn fan_out_report() {
    let cluster = std::panic::catch_unwind(postgres::Postgres::start_durable).ok();
    let mut stores = vec![Store::Memory, Store::Sqlite(SqliteSync::Full)];
    match &cluster {
        Some(cluster) => stores.push(Store::Postgres(cluster.url())),
        None => println!("(no PostgreSQL server binaries: the PostgreSQL rows are left out)"),
    }
    let (port, seen, _server) = counting_receiver();
    println!(
        "| store | endpoints | publications | fan-out deliveries/s | single enqueues deliveries/s | ratio |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for store in &stores {
        for endpoints in [1, 100, 1_000] {
            // Warm up, then alternate.
            fan_out_run(store, port, &seen, endpoints, true);
            let (mut published, mut single) = (Vec::new(), Vec::new());
            for _ in 0..RUNS {
                published.push(fan_out_run(store, port, &seen, endpoints, true));
                single.push(fan_out_run(store, port, &seen, endpoints, false));
            }
            let rate = |seconds: Vec<f64>| FAN_OUT_DELIVERIES as f64 / median(seconds);
            let (published, single) = (rate(published), rate(single));
            println!(
                "| {} | {endpoints} | {} | {published:.0} | {single:.0} | {:.2} |",
                store.name(),
                FAN_OUT_DELIVERIES / endpoints,
                published / single
            );
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--fan-out") {
        fan_out_report();
        return;
    }
    if args.get(1).map(String::as_str) == Some("--latency") {
        latency_report();
        return;
    }
    // `--tarpit`: a healthy receiver's throughput beside a tarpit, and without.
    if args.get(1).map(String::as_str) == Some("--tarpit") {
        let (port, _seen, _server) = counting_receiver();
        let (tarpit, _held) = stalled_receiver();
        tarpit_run(port, None);
        let (mut alone, mut beside) = (Vec::new(), Vec::new());
        for _ in 0..RUNS {
            alone.push(tarpit_run(port, None));
            beside.push(tarpit_run(port, Some(tarpit)));
        }
        let rate = |seconds: Vec<f64>| DELIVERIES as f64 / median(seconds);
        let (alone, beside) = (rate(alone), rate(beside));
        println!("| {DELIVERIES} callbacks to a healthy receiver | deliveries/s (median of {RUNS}) | ratio |");
        println!("|---|---:|---:|");
        println!("| alone | {alone:.0} | 1.00 |");
        println!(
            "| while 200 wait on a tarpit | {beside:.0} | {:.2} |",
            beside / alone
        );
        return;
    }
    // `--profile-hookspec`: one signed in-memory run only, for a profiler.
    if args.get(1).map(String::as_str) == Some("--profile-hookspec") {
        let (port, seen, _server) = counting_receiver();
        let seconds = hookspec_run(port, &seen, true, &Store::Memory);
        println!("{DELIVERIES} deliveries in {seconds:.3} s");
        return;
    }
    if args.len() == 3 && args[1].starts_with("--pending") {
        let port: u16 = args[2].parse().expect("port");
        let kib = match args[1].as_str() {
            "--pending-bare" => bare_pending(port),
            "--pending-hookspec" => hookspec_pending(port),
            other => panic!("unknown phase {other}"),
        };
        println!("{kib}");
        return;
    }
    println!(
        "callback delivery benchmark: {DELIVERIES} deliveries x {RUNS} runs each, \
         {PRODUCERS} producers, concurrency {CONCURRENCY}"
    );
    let cluster = std::panic::catch_unwind(postgres::Postgres::start_durable).ok();
    if cluster.is_none() {
        println!("(no PostgreSQL server binaries: the PostgreSQL row is left out)");
    }
    let mut stores = vec![
        Store::Memory,
        Store::Sqlite(SqliteSync::Full),
        Store::Sqlite(SqliteSync::Normal),
    ];
    if let Some(cluster) = &cluster {
        stores.push(Store::Postgres(cluster.url()));
    }
    // `--only <words>`: the in-memory store and the stores whose name has
    // them (`--only PostgreSQL`, `--only FULL`), to measure one change.
    if let Some(only) = args.iter().position(|arg| arg == "--only") {
        let words = args.get(only + 1).map(String::as_str).unwrap_or_default();
        stores.retain(|store| matches!(store, Store::Memory) || store.name().contains(words));
    }
    let (port, seen, server) = counting_receiver();
    // Warm every path (connections, allocator, files) before measuring.
    bare_run(port);
    for store in &stores {
        hookspec_run(port, &seen, true, store);
    }
    let mut bare = Vec::new();
    let mut unsigned = Vec::new();
    let mut signed: Vec<Vec<f64>> = vec![Vec::new(); stores.len()];
    for _ in 0..RUNS {
        bare.push(bare_run(port));
        unsigned.push(hookspec_run(port, &seen, false, &Store::Memory));
        for (store, runs) in stores.iter().zip(signed.iter_mut()) {
            runs.push(hookspec_run(port, &seen, true, store));
        }
    }
    let rate = |seconds: Vec<f64>| DELIVERIES as f64 / median(seconds);
    let bare = rate(bare);
    let unsigned = rate(unsigned);
    let signed: Vec<f64> = signed.into_iter().map(rate).collect();
    let memory = signed[0];
    println!();
    println!("| path | deliveries/s (median of {RUNS}) | ratio to bare | ratio to in-memory |");
    println!("|---|---:|---:|---:|");
    println!("| bare reqwest loop | {bare:.0} | 1.00 | |");
    println!(
        "| hookspec, unsigned, memory | {unsigned:.0} | {:.2} | |",
        unsigned / bare
    );
    for (store, rate) in stores.iter().zip(&signed) {
        println!(
            "| hookspec, signed, {} | {rate:.0} | {:.2} | {:.2} |",
            store.name(),
            rate / bare,
            rate / memory
        );
    }
    drop(server);
    drop(cluster);
    if args.iter().any(|arg| arg == "--only") {
        return;
    }

    let (stalled_port, _held) = stalled_receiver();
    let bare_kib = measure_in_child("--pending-bare", stalled_port);
    let ours_kib = measure_in_child("--pending-hookspec", stalled_port);
    println!();
    println!("| {PENDING} pending against a stalled receiver | RSS added | per pending | ratio to bare |");
    println!("|---|---:|---:|---:|");
    println!(
        "| bare request futures | {:.1} MiB | {:.2} KiB | 1.00 |",
        bare_kib as f64 / 1024.0,
        bare_kib as f64 / PENDING as f64
    );
    println!(
        "| hookspec deliveries (with records) | {:.1} MiB | {:.2} KiB | {:.2} |",
        ours_kib as f64 / 1024.0,
        ours_kib as f64 / PENDING as f64,
        ours_kib as f64 / bare_kib.max(1) as f64
    );
}
