//! What the durability tests share: the app under test as a child process
//! (`tests/apps/outbox_app.rs`, killed with SIGKILL), a receiver on 127.0.0.1
//! that records every delivery and any two attempts of one delivery at once,
//! and a throwaway PostgreSQL cluster the tests can stop and start.

#![allow(dead_code)] // each test file uses part of it

pub mod conformance;
mod postgres;

#[allow(unused_imports)] // only the PostgreSQL tests start one
pub use postgres::Postgres;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::web::{self, Data};
use actix_web::{App as ActixApp, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};

/// What the receiver saw.
#[derive(Default)]
pub struct Seen {
    /// Completed deliveries per `webhook-id` (more than one: a duplicate).
    pub completed: HashMap<String, u32>,
    /// Every `webhook-id` that arrived, completed or not.
    pub arrived: HashSet<String>,
    /// How many times each `webhook-id` arrived.
    pub arrivals: HashMap<String, u32>,
    /// `webhook-id`s being received right now.
    in_flight: HashSet<String>,
    /// `webhook-id`s that arrived while another attempt of theirs was in flight.
    pub overlaps: Vec<String>,
}

/// Removes a delivery from the in-flight set however its request ends (the
/// sender may be killed mid-request).
struct InFlight {
    seen: Arc<Mutex<Seen>>,
    id: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.seen.lock().unwrap().in_flight.remove(&self.id);
    }
}

/// A receiver on 127.0.0.1 that answers every callback `200 {"ok": true}`
/// after `delay`; with a hold, requests arriving once `after` deliveries have
/// completed are held unanswered until released.
pub struct Receiver {
    pub port: u16,
    pub seen: Arc<Mutex<Seen>>,
    hold: Data<Hold>,
    handle: ServerHandle,
}

/// Holds requests once `after` deliveries completed, until `released`.
struct Hold {
    after: usize,
    released: std::sync::atomic::AtomicBool,
}

async fn receive(
    req: HttpRequest,
    seen: Data<Arc<Mutex<Seen>>>,
    delay: Data<Duration>,
    hold: Data<Hold>,
) -> HttpResponse {
    let id = req
        .headers()
        .get("webhook-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let held = {
        let mut state = seen.lock().unwrap();
        state.arrived.insert(id.clone());
        *state.arrivals.entry(id.clone()).or_default() += 1;
        if !state.in_flight.insert(id.clone()) {
            state.overlaps.push(id.clone());
        }
        state.completed.len() >= hold.after
    };
    let guard = InFlight {
        seen: Arc::clone(&seen),
        id: id.clone(),
    };
    // Bounded: a test that never releases still ends.
    let held_until = Instant::now() + Duration::from_secs(60);
    while held
        && !hold.released.load(std::sync::atomic::Ordering::SeqCst)
        && Instant::now() < held_until
    {
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    actix_web::rt::time::sleep(**delay).await;
    *seen.lock().unwrap().completed.entry(id).or_default() += 1;
    drop(guard);
    HttpResponse::Ok().json(json!({ "ok": true }))
}

impl Receiver {
    /// Starts on the current actix runtime.
    pub fn start(delay: Duration) -> Receiver {
        Receiver::start_holding(delay, usize::MAX)
    }

    /// Starts a receiver that holds every request arriving once `after`
    /// deliveries completed, until [`release`](Self::release).
    pub fn start_holding(delay: Duration, after: usize) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let data = Data::new(Arc::clone(&seen));
        let delay = Data::new(delay);
        let hold = Data::new(Hold {
            after,
            released: false.into(),
        });
        let server_hold = hold.clone();
        let server = HttpServer::new(move || {
            ActixApp::new()
                .app_data(data.clone())
                .app_data(delay.clone())
                .app_data(server_hold.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .max_connections(1024)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Receiver {
            port,
            seen,
            hold,
            handle,
        }
    }

    /// Answers the held requests, and holds no more.
    pub fn release(&self) {
        self.hold
            .released
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// `webhook-id`s being received (or held) right now.
    pub fn in_flight(&self) -> HashSet<String> {
        self.seen.lock().unwrap().in_flight.clone()
    }

    /// How many times `id` arrived.
    pub fn arrivals(&self, id: &str) -> u32 {
        self.seen
            .lock()
            .unwrap()
            .arrivals
            .get(id)
            .copied()
            .unwrap_or(0)
    }

    /// The base URL the app's callbacks go to.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// How many distinct deliveries completed.
    pub fn distinct(&self) -> usize {
        self.seen.lock().unwrap().completed.len()
    }

    /// Every delivery id that completed.
    pub fn ids(&self) -> HashSet<String> {
        self.seen
            .lock()
            .unwrap()
            .completed
            .keys()
            .cloned()
            .collect()
    }

    /// Every delivery id that arrived, completed or not.
    pub fn arrived(&self) -> HashSet<String> {
        self.seen.lock().unwrap().arrived.clone()
    }

    /// Deliveries that completed more than once.
    pub fn duplicates(&self) -> usize {
        let seen = self.seen.lock().unwrap();
        seen.completed.values().filter(|count| **count > 1).count()
    }

    /// Deliveries attempted twice at once.
    pub fn overlaps(&self) -> Vec<String> {
        self.seen.lock().unwrap().overlaps.clone()
    }

    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }
}

/// One running instance of the app under test.
pub struct App {
    child: Child,
    pub port: u16,
}

impl App {
    /// Starts the app on `store` (`sqlite:<file>` or `postgres://...`) and waits
    /// until it listens.
    pub fn start(store: &str, lease: Duration) -> App {
        App::start_with_concurrency(store, lease, 64)
    }

    /// Like [`start`](Self::start), with at most `concurrency` deliveries in
    /// flight at once.
    pub fn start_with_concurrency(store: &str, lease: Duration, concurrency: usize) -> App {
        App::start_with(store, lease, concurrency, Duration::from_millis(100))
    }

    /// Like [`start`](Self::start), polling the store only every `poll`.
    pub fn start_polling_every(store: &str, lease: Duration, poll: Duration) -> App {
        App::start_with(store, lease, 64, poll)
    }

    fn start_with(store: &str, lease: Duration, concurrency: usize, poll: Duration) -> App {
        let mut child = Command::new(env!("CARGO_BIN_EXE_outbox-app"))
            .env("OUTBOX_STORE", store)
            .env("OUTBOX_CONCURRENCY", concurrency.to_string())
            .env("OUTBOX_LEASE_MS", lease.as_millis().to_string())
            .env("OUTBOX_POLL_MS", poll.as_millis().to_string())
            .env("RUST_LOG", "off")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the outbox app starts");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the app prints its port");
        let port = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line from the app: {line:?}"));
        App { child, port }
    }

    /// SIGKILL: no shutdown code runs, whatever is in flight is cut off.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// How many deliveries the store holds unfinished (`None` if it cannot tell).
    pub async fn unfinished(&self, client: &reqwest::Client) -> Option<u64> {
        let response = client
            .get(self.url("/deliveries/unfinished"))
            .send()
            .await
            .ok()?;
        if !response.status().is_success() {
            return None;
        }
        response.json().await.ok()
    }

    /// Waits (at most `limit`) until the store holds nothing unfinished.
    pub async fn drained(&self, client: &reqwest::Client, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if self.unfinished(client).await == Some(0) {
                return true;
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }
}

impl Drop for App {
    fn drop(&mut self) {
        self.kill();
    }
}

/// An HTTP client for the app (loopback only, no proxy).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// Posts event `n` to `path` of `app`, asking for a callback to `receiver`;
/// the delivery id if accepted, else the status and problem body.
pub async fn post_event(
    client: &reqwest::Client,
    app: &App,
    path: &str,
    n: u64,
    callback_base: &str,
) -> Result<String, (u16, Value)> {
    let url =
        url::Url::parse_with_params(&app.url(path), [("callback_url", callback_base)]).unwrap();
    let response = client
        .post(url)
        .json(&json!({ "n": n }))
        .send()
        .await
        .map_err(|error| (0, json!({ "error": error.to_string() })))?;
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status == 200 {
        Ok(body["delivery"].as_str().unwrap().to_owned())
    } else {
        Err((status, body))
    }
}

/// Waits until `done` holds, at most `limit`; false if it never did.
#[must_use = "a wait that timed out must fail the test"]
pub async fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    done()
}

/// Posts `count` events (numbered from `first`) to `app`; the ids accepted.
async fn post_events(app: &App, receiver: &Receiver, first: u64, count: u64) -> HashSet<String> {
    let client = client();
    let mut accepted = HashSet::new();
    for n in first..first + count {
        let id = post_event(&client, app, "/events", n, &receiver.url())
            .await
            .unwrap_or_else(|error| panic!("event {n} refused: {error:?}"));
        accepted.insert(id);
    }
    accepted
}

/// Kills `app` once `receiver` has completed at least `after` deliveries and
/// holds others unanswered, so that some are certainly in flight at the kill;
/// then releases the hold. The ids in flight at the kill.
async fn kill_mid_run(
    app: &mut App,
    receiver: &Receiver,
    after: usize,
    accepted: usize,
) -> HashSet<String> {
    assert!(
        wait_until(Duration::from_secs(30), || receiver.distinct() >= after
            && !receiver.in_flight().is_empty())
        .await,
        "deliveries never started, or none was held"
    );
    app.kill();
    let in_flight = receiver.in_flight();
    receiver.release();
    let done = receiver.distinct();
    assert!(
        !in_flight.is_empty() && done < accepted,
        "nothing was in flight at the kill ({done} of {accepted} delivered): the test proves nothing"
    );
    in_flight
}

/// Shared by the SQLite and PostgreSQL versions: 200 callbacks to a slow
/// receiver, SIGKILL mid-run, restart, and every accepted one arrives.
pub async fn every_accepted_callback_survives_a_kill(store: &str) {
    // 100 ms per delivery: with 64 at once, 200 take about 0.4 s, plenty of time
    // to kill the app in the middle.
    // Once 20 have completed, the receiver holds every request unanswered until
    // the kill: those are certainly in flight when the app dies.
    let receiver = Receiver::start_holding(Duration::from_millis(20), 20);
    // A short lease: the deliveries in flight at the kill are resumed 6 s later.
    // The app's attempt timeout is half of it: 3 s, longer than the receiver
    // holds requests before the kill, so no attempt of the killed instance times
    // out (and is retried while the receiver still holds the first).
    let lease = Duration::from_secs(6);
    let mut app = App::start(store, lease);
    let accepted = post_events(&app, &receiver, 0, 200).await;
    assert_eq!(accepted.len(), 200);
    let in_flight_at_kill = kill_mid_run(&mut app, &receiver, 20, accepted.len()).await;
    let delivered_before_restart = receiver.distinct();

    // Sent by the killed instance: completed, or cut off mid-request.
    let sent_before_restart = receiver.arrived();

    let restarted = App::start(store, lease);
    // The store empties: the deliveries the dead instance held are resumed once
    // its leases run out, the others at once.
    assert!(
        restarted.drained(&client(), Duration::from_secs(60)).await,
        "deliveries left unfinished: {:?}",
        restarted.unfinished(&client()).await
    );
    let received = receiver.ids();
    let missing: Vec<&String> = accepted.difference(&received).collect();
    assert!(
        missing.is_empty(),
        "{} accepted callbacks never arrived (delivered before the kill: {delivered_before_restart}): {missing:?}",
        missing.len()
    );
    // At-least-once: a delivery the dead instance sent but could not record is
    // sent again, with the same webhook-id; only those are duplicates, and never
    // two attempts at once.
    let duplicated: Vec<String> = {
        let seen = receiver.seen.lock().unwrap();
        let mut ids: Vec<String> = seen
            .completed
            .iter()
            .filter(|(_, count)| **count > 1)
            .map(|(id, _)| id.clone())
            .collect();
        ids.sort();
        ids
    };
    assert!(
        duplicated.iter().all(|id| sent_before_restart.contains(id)),
        "a delivery was duplicated that the killed instance never sent: {duplicated:?}"
    );
    assert!(receiver.overlaps().is_empty(), "{:?}", receiver.overlaps());
    // What the killed instance had in flight, it never learnt the outcome of:
    // the restarted one sent each again.
    let not_resent: Vec<&String> = in_flight_at_kill
        .iter()
        .filter(|id| receiver.arrivals(id) < 2)
        .collect();
    assert!(
        not_resent.is_empty(),
        "in flight at the kill and not sent again: {not_resent:?}"
    );
    eprintln!(
        "{} accepted; {delivered_before_restart} delivered before the kill, {} in flight; {} sent twice",
        accepted.len(),
        in_flight_at_kill.len(),
        duplicated.len()
    );
    receiver.stop().await;
}

/// A fresh directory under the system's temporary directory.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "hookspec-{name}-{}-{:x}",
        std::process::id(),
        fastrand_u64()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fastrand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    hasher.finish()
}

/// The path of a fresh SQLite file.
pub fn sqlite_file(dir: &Path) -> String {
    format!("sqlite:{}", dir.join("deliveries.sqlite3").display())
}
