//! Callback delivery, measured against a bare HTTP client loop in the same run:
//!
//! 1. throughput: N callbacks to a loopback receiver through `Callbacks` (signed,
//!    reply decoded, records kept) versus the same N requests sent by a bare
//!    reqwest loop with the same concurrency (reply decoded too); alternating runs,
//!    medians, and their ratio;
//! 2. memory: resident memory added by 10,000 deliveries pending against a
//!    receiver that accepts connections and never answers, versus 10,000 bare
//!    request futures pending against the same receiver.
//!
//! Traffic goes to 127.0.0.1 only; counts are fixed and every wait is bounded.
//!
//! ```text
//! cd bench && cargo run --release --bin delivery
//! ```

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web::{self, Json};
use actix_web::{App, HttpServer};
use hookspec::delivery::{AddressPolicy, Callbacks, RetryPolicy, Trigger};
use hookspec::JsonSchema;
use serde::{Deserialize, Serialize};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
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

/// A receiver answering `{"ok": true}` on its own thread and actix system.
fn start_receiver() -> (u16, actix_web::dev::ServerHandle) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("loopback port");
    let port = listener.local_addr().expect("address").port();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(|| {
                App::new().route(
                    "/hook",
                    web::post().to(|_: web::Bytes| async { Json(Ack { ok: true }) }),
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
    (port, receiver.recv().expect("receiver started"))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn callbacks(policy: AddressPolicy, capacity: usize, timeout: Duration) -> Callbacks {
    signed_callbacks(policy, capacity, timeout, true)
}

fn signed_callbacks(
    policy: AddressPolicy,
    capacity: usize,
    timeout: Duration,
    signed: bool,
) -> Callbacks {
    let secrets: &[&str] = if signed { &[SECRET] } else { &[] };
    Callbacks::builder()
        .signing_secrets(secrets)
        .address_policy(policy)
        .queue_capacity(capacity)
        .concurrency(CONCURRENCY)
        .attempt_timeout(timeout)
        .retry(RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        })
        .retain_finished(capacity)
        .build()
        .expect("callbacks")
}

fn trigger(port: u16) -> Trigger {
    Trigger {
        query: vec![("callback_url".into(), format!("http://127.0.0.1:{port}"))],
        ..Trigger::default()
    }
}

/// Seconds to deliver `DELIVERIES` callbacks through hookspec.
fn hookspec_run(port: u16, signed: bool) -> f64 {
    let callbacks = signed_callbacks(
        AddressPolicy::listed_only().allow_loopback(),
        DELIVERIES,
        Duration::from_secs(30),
        signed,
    );
    let started = Instant::now();
    for n in 0..DELIVERIES as u64 {
        callbacks
            .callback_for::<ping>(trigger(port))
            .enqueue(&ping_body(n))
            .expect("enqueued");
    }
    while callbacks.unfinished() > 0 {
        assert!(started.elapsed() < PHASE_LIMIT, "hookspec run too slow");
        std::thread::sleep(Duration::from_micros(200));
    }
    let elapsed = started.elapsed().as_secs_f64();
    let succeeded = callbacks
        .deliveries()
        .iter()
        .filter(|record| record.state == hookspec::delivery::DeliveryState::Succeeded)
        .count();
    assert_eq!(succeeded, DELIVERIES, "every delivery succeeds");
    elapsed
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
                let body = serde_json::to_vec(&ping_body(n)).expect("body");
                let reply = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("sent");
                let bytes = reply.bytes().await.expect("reply");
                let ack: Ack = serde_json::from_slice(&bytes).expect("ack");
                assert!(ack.ok);
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

/// A receiver that accepts connections and never answers.
fn stalled_receiver() -> (u16, Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("loopback port");
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
    let callbacks = callbacks(
        AddressPolicy::listed_only().allow_loopback(),
        PENDING,
        Duration::from_secs(600),
    );
    std::thread::sleep(Duration::from_millis(200));
    let before = rss_kib();
    for n in 0..PENDING as u64 {
        callbacks
            .callback_for::<ping>(trigger(port))
            .enqueue(&ping_body(n))
            .expect("enqueued");
    }
    // Let the dispatcher start every task and open its connections.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(callbacks.unfinished(), PENDING);
    let after = rss_kib();
    let rt = runtime();
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

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `--profile-hookspec`: one signed run only, for a profiler.
    if args.get(1).map(String::as_str) == Some("--profile-hookspec") {
        let (port, _server) = start_receiver();
        let seconds = hookspec_run(port, true);
        println!("{DELIVERIES} deliveries in {seconds:.3} s");
        return;
    }
    if args.len() == 3 {
        let port: u16 = args[2].parse().expect("port");
        let kib = match args[1].as_str() {
            "--pending-bare" => bare_pending(port),
            "--pending-hookspec" => hookspec_pending(port),
            other => panic!("unknown phase {other}"),
        };
        println!("{kib}");
        return;
    }
    println!("callback delivery benchmark: {DELIVERIES} deliveries x {RUNS} runs each, concurrency {CONCURRENCY}");
    let (port, server) = start_receiver();
    // Warm both paths (connections, allocator) before measuring.
    hookspec_run(port, true);
    bare_run(port);
    let (mut signed, mut unsigned, mut bare) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        signed.push(hookspec_run(port, true));
        bare.push(bare_run(port));
        unsigned.push(hookspec_run(port, false));
    }
    let rate = |seconds: Vec<f64>| DELIVERIES as f64 / median(seconds);
    let (signed, unsigned, bare) = (rate(signed), rate(unsigned), rate(bare));
    println!();
    println!("| path | deliveries/s (median of {RUNS}) | ratio to bare |");
    println!("|---|---:|---:|");
    println!("| bare reqwest loop | {bare:.0} | 1.00 |");
    println!(
        "| hookspec Callbacks, unsigned (recorded) | {unsigned:.0} | {:.2} |",
        unsigned / bare
    );
    println!(
        "| hookspec Callbacks, signed (recorded) | {signed:.0} | {:.2} |",
        signed / bare
    );
    drop(server);

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
