//! Nothing accepted is lost, whatever happens to the processes: two instances of
//! the invoices example on one PostgreSQL and one on SQLite are killed with
//! SIGKILL again and again while a client streams invoices with callbacks, and
//! the PostgreSQL server itself restarts once. The receiver fails some first
//! attempts and stalls some replies past the attempt timeout. Every invoice the
//! API accepted (`200`) must reach the receiver, every request must carry a
//! signature the reference verifier accepts, and an invoice's repeated
//! deliveries must all carry its one `webhook-id`.
//!
//! Needs the examples built (`cargo build --examples`) and PostgreSQL's server
//! binaries; `.ci/run` runs it: `cargo test --test chaos -- --ignored --nocapture`.

mod common;
#[allow(dead_code)]
#[path = "outbox/postgres.rs"]
mod postgres;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::web::{self, Bytes, Data};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer};
use postgres::Postgres;

const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
/// Invoices the client sends.
const INVOICES: usize = 300;
/// How long the client spreads them over, while the instances are killed.
const STREAM_FOR: Duration = Duration::from_secs(36);

/// One request the receiver got.
struct Arrival {
    invoice: String,
    webhook_id: String,
    verified: bool,
    /// Answered `200` (not failed or stalled on purpose).
    succeeded: bool,
    at: Instant,
}

#[derive(Default)]
struct Received {
    arrivals: Vec<Arrival>,
    /// Invoices whose first request was answered already (failed or stalled).
    seen: HashSet<String>,
}

/// `POST /cb/invoices/{id}`: checks the signature, fails the first request of
/// every fifth invoice (`503`) and stalls the first of every eleventh past the
/// sender's attempt timeout, answers the rest `{"ok": true}`.
async fn receive(req: HttpRequest, body: Bytes, log: Data<Mutex<Received>>) -> HttpResponse {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let verified = common::reference_verify(SECRET, header, &body);
    let invoice = req.match_info().get("id").unwrap_or_default().to_owned();
    let number: usize = invoice
        .strip_prefix("inv-")
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let webhook_id = header("webhook-id").unwrap_or_default().to_owned();
    let first = log.lock().unwrap().seen.insert(invoice.clone());
    let (fail, stall) = (
        first && number.is_multiple_of(5),
        first && number.is_multiple_of(11),
    );
    if stall {
        actix_web::rt::time::sleep(Duration::from_secs(3)).await;
    }
    log.lock().unwrap().arrivals.push(Arrival {
        invoice,
        webhook_id,
        verified,
        succeeded: !fail && !stall,
        at: Instant::now(),
    });
    if fail {
        return HttpResponse::ServiceUnavailable().finish();
    }
    HttpResponse::Ok().json(serde_json::json!({ "ok": true }))
}

/// One instance of the invoices example, started again after each kill.
struct Instance {
    name: &'static str,
    store: String,
    port: u16,
    log: PathBuf,
    child: Option<Child>,
}

fn example_binary() -> PathBuf {
    // target/<profile>/deps/chaos-<hash> -> target/<profile>/examples/invoices
    let exe = std::env::current_exe().unwrap();
    let profile = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let binary = profile.join("examples").join("invoices");
    assert!(
        binary.exists(),
        "{} is missing: run `cargo build --examples` first",
        binary.display()
    );
    binary
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Instance {
    fn new(name: &'static str, store: String, dir: &std::path::Path) -> Instance {
        Instance {
            name,
            store,
            port: free_port(),
            log: dir.join(format!("{name}.log")),
            child: None,
        }
    }

    /// Starts the example and waits until it answers.
    fn start(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let child = Command::new(example_binary())
            .env("HOST", "127.0.0.1")
            .env("PORT", self.port.to_string())
            .env("HOOKSPEC_DELIVERY_STORE", &self.store)
            .env("HOOKSPEC_CALLBACK_POLICY", "loopback-only")
            .env("HOOKSPEC_SINGLE_TENANT_SECRETS", SECRET)
            .env(
                "HOOKSPEC_RETRY_SCHEDULE",
                "200ms, 500ms, 1s, 2s, 2s, 2s, 2s, 2s, 2s, 2s, 2s, 2s, 2s, 2s, 2s",
            )
            .env("HOOKSPEC_ATTEMPT_TIMEOUT", "2s")
            .env("HOOKSPEC_LEASE", "3s")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("the invoices example starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "{} did not answer within 30 s: see {}",
                self.name,
                self.log.display()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL, and reaped.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

#[actix_web::test]
#[ignore = "needs the examples built and PostgreSQL server binaries; .ci/run runs it"]
async fn nothing_accepted_is_lost_across_kills_and_a_database_restart() {
    let dir = std::env::temp_dir().join(format!("hookspec-chaos-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let database = Arc::new(Postgres::start());

    // The receiver, on this test's runtime.
    let log = Data::new(Mutex::new(Received::default()));
    let server_log = log.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(server_log.clone())
            .route("/cb/invoices/{id}", web::post().to(receive))
    })
    .workers(2)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let callback_url = format!("http://127.0.0.1:{}/cb", server.addrs()[0].port());
    let server = server.run();
    let receiver = server.handle();
    actix_web::rt::spawn(server);

    let sqlite = format!("sqlite:{}", dir.join("deliveries.sqlite3").display());
    let instances = Arc::new(Mutex::new(vec![
        Instance::new("postgres-a", database.url(), &dir),
        Instance::new("sqlite", sqlite, &dir),
        Instance::new("postgres-b", database.url(), &dir),
    ]));
    for instance in instances.lock().unwrap().iter_mut() {
        instance.start();
    }
    let ports: Vec<u16> = instances.lock().unwrap().iter().map(|i| i.port).collect();

    // The killer: every second or two, one instance (PostgreSQL, SQLite,
    // the other PostgreSQL, SQLite, ...) is killed and started again; halfway,
    // the database restarts.
    let streaming = Arc::new(AtomicBool::new(true));
    let (postgres_kills, sqlite_kills) =
        (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let killer = {
        let (instances, streaming, database) = (
            Arc::clone(&instances),
            Arc::clone(&streaming),
            Arc::clone(&database),
        );
        let (postgres_kills, sqlite_kills) =
            (Arc::clone(&postgres_kills), Arc::clone(&sqlite_kills));
        std::thread::spawn(move || {
            let order = [0, 1, 2, 1];
            let started = Instant::now();
            let mut restarted_database = false;
            for round in 0..200 {
                // On while the client streams, and until each store's
                // instances were killed ten times.
                let enough = postgres_kills.load(Ordering::SeqCst) >= 10
                    && sqlite_kills.load(Ordering::SeqCst) >= 10;
                if (!streaming.load(Ordering::SeqCst) && enough)
                    || started.elapsed() > Duration::from_secs(150)
                {
                    break;
                }
                std::thread::sleep(Duration::from_millis(if round % 2 == 0 {
                    1000
                } else {
                    2000
                }));
                let mut instances = instances.lock().unwrap();
                let instance = &mut instances[order[round % order.len()]];
                instance.kill();
                if instance.name == "sqlite" {
                    sqlite_kills.fetch_add(1, Ordering::SeqCst);
                } else {
                    postgres_kills.fetch_add(1, Ordering::SeqCst);
                }
                instance.start();
                drop(instances);
                if !restarted_database && started.elapsed() > STREAM_FOR / 2 {
                    database.stop_server();
                    std::thread::sleep(Duration::from_millis(500));
                    database.start_server();
                    restarted_database = true;
                }
            }
        })
    };

    // The client: invoices spread over the run, each to the next instance.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut accepted: HashMap<String, Instant> = HashMap::new();
    let mut refused = 0usize;
    let pace = STREAM_FOR / INVOICES as u32;
    for n in 0..INVOICES {
        let next = Instant::now() + pace;
        let invoice = format!("inv-{n}");
        let port = ports[n % ports.len()];
        let sent = client
            .post(format!(
                "http://127.0.0.1:{port}/invoices/?callback_url={callback_url}"
            ))
            .json(&serde_json::json!({ "id": invoice, "customer": "Chaos", "total": 1.0 }))
            .send()
            .await;
        match sent {
            Ok(response) if response.status() == 200 => {
                accepted.insert(invoice, Instant::now());
            }
            _ => refused += 1,
        }
        actix_web::rt::time::sleep_until(next.into()).await;
    }
    streaming.store(false, Ordering::SeqCst);
    killer.join().expect("the killer thread");

    // Every accepted invoice reaches the receiver.
    let deadline = Instant::now() + Duration::from_secs(120);
    let delivered = |log: &Received| -> HashSet<String> {
        log.arrivals
            .iter()
            .filter(|arrival| arrival.succeeded)
            .map(|arrival| arrival.invoice.clone())
            .collect()
    };
    loop {
        let missing = {
            let log = log.lock().unwrap();
            let delivered = delivered(&log);
            accepted
                .keys()
                .filter(|id| !delivered.contains(*id))
                .count()
        };
        if missing == 0 {
            break;
        }
        if Instant::now() > deadline {
            for instance in instances.lock().unwrap().iter() {
                eprintln!("--- {}:", instance.name);
                eprintln!(
                    "{}",
                    std::fs::read_to_string(&instance.log).unwrap_or_default()
                );
            }
            panic!(
                "{missing} of {} accepted invoices never reached the receiver",
                accepted.len()
            );
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }

    receiver.stop(false).await;
    let log = log.lock().unwrap();
    let unverified = log.arrivals.iter().filter(|a| !a.verified).count();
    assert_eq!(unverified, 0, "requests the reference verifier refused");
    let mut ids: HashMap<&str, HashSet<&str>> = HashMap::new();
    let mut successes: HashMap<&str, usize> = HashMap::new();
    let mut first_success: HashMap<&str, Instant> = HashMap::new();
    for arrival in &log.arrivals {
        ids.entry(&arrival.invoice)
            .or_default()
            .insert(&arrival.webhook_id);
        if arrival.succeeded {
            *successes.entry(&arrival.invoice).or_default() += 1;
            first_success.entry(&arrival.invoice).or_insert(arrival.at);
        }
    }
    for (invoice, webhook_ids) in &ids {
        assert_eq!(webhook_ids.len(), 1, "{invoice} came with {webhook_ids:?}");
    }
    let duplicates: usize = successes.values().map(|n| n - 1).sum();
    let most = successes.values().copied().max().unwrap_or(0);
    assert!(most <= 4, "an invoice was delivered {most} times");
    let mut latencies: Vec<Duration> = accepted
        .iter()
        .map(|(id, at)| first_success[id.as_str()].saturating_duration_since(*at))
        .collect();
    latencies.sort();
    let percentile = |p: usize| latencies[(latencies.len() - 1) * p / 100];
    let (postgres_kills, sqlite_kills) = (
        postgres_kills.load(Ordering::SeqCst),
        sqlite_kills.load(Ordering::SeqCst),
    );
    println!(
        "chaos: accepted {}, refused {refused}, SIGKILLs {} (PostgreSQL instances {postgres_kills}, \
         SQLite instance {sqlite_kills}), database restarts 1, lost 0, duplicates {duplicates} \
         (at most {most} deliveries of one invoice), time to delivery p50 {:?} p99 {:?}",
        accepted.len(),
        postgres_kills + sqlite_kills,
        percentile(50),
        percentile(99),
    );
    assert!(postgres_kills >= 10 && sqlite_kills >= 10, "too few kills");
    assert!(
        accepted.len() >= INVOICES / 2,
        "only {} accepted",
        accepted.len()
    );
    drop(log);
    instances.lock().unwrap().clear();
    let _ = std::fs::remove_dir_all(&dir);
}
