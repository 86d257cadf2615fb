//! Per-request cost, measured side by side in one run with wrk on 127.0.0.1:
//!
//! 1. request path: `POST /invoices/` through hookspec's macros versus the same
//!    handler with actix-web's own macros;
//! 2. spec serving: `GET /openapi.json` from hookspec versus actix-web returning
//!    the same document as a static `Bytes` (the limit) versus utoipa 5 with
//!    utoipa-actix-web serialising its document per request, as its UIs do (its
//!    document lacks the callback, which utoipa 5 cannot express: a smaller one).
//!
//! Each server runs in its own process with one worker, so its CPU time can be
//! read from `/proc`; wrk runs one thread and 16 connections for a fixed time.
//! Runs alternate between the servers; the tables give medians and ratios.
//!
//! ```text
//! cd bench && cargo run --release --bin http     # needs wrk (Debian package)
//! cd bench && cargo run --release --bin http -- --instructions   # needs valgrind
//! ```
//!
//! `--instructions` counts instead of timing: each server runs under
//! callgrind and gets 1,000 and then, in a fresh process, 3,000 requests over one
//! keep-alive connection; the difference over 2,000 is the instructions one
//! request costs, start-up and shutdown excluded. Repeatable to the instruction,
//! whatever else the machine does, so it resolves the 1–2% wall-clock runs cannot.
//! With `KEEP_PROFILES=1` the profiles stay in the temporary directory
//! (`hookspec-callgrind-<server>-<method>-<requests>`), for `callgrind_annotate`.

mod callgrind;

use std::net::TcpListener;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use actix_web::web::{self, Json, Query};
use actix_web::{App, HttpResponse, HttpServer};
use serde::{Deserialize, Serialize};

const RUNS: usize = 5;
const SECONDS_PER_RUN: u64 = 4;
const CONNECTIONS: usize = 16;

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema, utoipa::ToSchema)]
pub struct Invoice {
    pub id: String,
    pub title: Option<String>,
    pub customer: String,
    pub total: f64,
}

#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema, utoipa::ToSchema)]
pub struct InvoiceEvent {
    pub description: String,
    pub paid: bool,
}

#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema, utoipa::ToSchema)]
pub struct InvoiceEventReceived {
    pub ok: bool,
}

#[derive(Debug, Deserialize, schemars::JsonSchema, utoipa::IntoParams)]
pub struct CreateInvoiceParams {
    pub callback_url: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema, utoipa::ToSchema)]
pub struct InvoiceReceipt {
    pub msg: String,
}

fn receipt(invoice: &Invoice, params: &CreateInvoiceParams) -> InvoiceReceipt {
    // The same work in every variant: read the input, build the reply.
    let _ = (&invoice.id, &params.callback_url);
    InvoiceReceipt {
        msg: "Invoice received".to_owned(),
    }
}

mod with_hookspec {
    use super::*;

    /// Notify the API user about an invoice event.
    #[hookspec::callback(post, "{$request.query.callback_url}/invoices/{$request.body#/id}")]
    pub async fn invoice_notification(body: Json<InvoiceEvent>) -> Json<InvoiceEventReceived> {}

    /// Create an invoice.
    #[hookspec::post("/invoices/", callbacks(invoice_notification))]
    pub async fn create_invoice(
        invoice: Json<Invoice>,
        params: Query<CreateInvoiceParams>,
    ) -> Json<InvoiceReceipt> {
        Json(receipt(&invoice, &params))
    }

    pub fn api() -> hookspec::Api {
        hookspec::Api::new("Invoices", "1.0.0").service(create_invoice)
    }
}

mod with_actix {
    use super::*;

    /// Create an invoice.
    #[actix_web::post("/invoices/")]
    pub async fn create_invoice(
        invoice: Json<Invoice>,
        params: Query<CreateInvoiceParams>,
    ) -> Json<InvoiceReceipt> {
        Json(receipt(&invoice, &params))
    }
}

mod with_utoipa {
    use super::*;
    // utoipa-gen recognises actix-web's route macros by their bare names.
    use actix_web::post;

    /// Create an invoice.
    #[utoipa::path(
        params(CreateInvoiceParams),
        request_body = Invoice,
        responses((status = 200, description = "Successful response", body = InvoiceReceipt))
    )]
    // utoipa 5 cannot document callbacks (`Operation::callbacks` is a TODO there),
    // so its document has the operation without `invoice_notification`.
    #[post("/invoices/")]
    pub async fn create_invoice(
        invoice: Json<Invoice>,
        params: Query<CreateInvoiceParams>,
    ) -> Json<InvoiceReceipt> {
        Json(receipt(&invoice, &params))
    }
}

/// Serves one variant on `port` with one worker until killed.
fn serve(kind: &str, port: u16) {
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("port");
    let kind = kind.to_owned();
    actix_web::rt::System::new().block_on(async move {
        let hookspec_api = with_hookspec::api();
        // `file:<path>`: that file as the static document.
        let static_document = match kind.strip_prefix("file:") {
            Some(path) => actix_web::web::Bytes::from(std::fs::read(path).expect("document file")),
            None => hookspec_api.openapi_json().expect("document"),
        };
        let kind = if kind.starts_with("file:") {
            "static".to_owned()
        } else {
            kind
        };
        let server = HttpServer::new(move || {
            let app = App::new();
            match kind.as_str() {
                "hookspec" => app.configure(hookspec_api.configure()),
                "actix" => app.service(with_actix::create_invoice).configure(|_| ()),
                "static" => {
                    let document = static_document.clone();
                    app.route(
                        "/openapi.json",
                        web::get().to(move || {
                            let document = document.clone();
                            async move {
                                HttpResponse::Ok()
                                    .content_type("application/json")
                                    .body(document)
                            }
                        }),
                    )
                }
                "utoipa" => {
                    use utoipa_actix_web::AppExt;
                    let (app, api) = app
                        .into_utoipa_app()
                        .service(with_utoipa::create_invoice)
                        .split_for_parts();
                    let api = std::sync::Arc::new(api);
                    app.route(
                        "/openapi.json",
                        web::get().to(move || {
                            let api = std::sync::Arc::clone(&api);
                            async move { HttpResponse::Ok().json(&*api) }
                        }),
                    )
                }
                other => panic!("unknown server {other}"),
            }
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        server.await.expect("server");
    });
}

/// A server variant in a child process.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    /// One of this benchmark's own servers.
    fn start(kind: &str) -> Server {
        Self::start_program(
            &std::env::current_exe().expect("own path"),
            &["--serve", kind],
        )
    }

    /// `program args... PORT`, waited for until it accepts connections.
    fn start_program(program: &std::path::Path, args: &[&str]) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .expect("port")
            .local_addr()
            .expect("address")
            .port();
        let child = Command::new(program)
            .args(args)
            .arg(port.to_string())
            .spawn()
            .expect("server started");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "{} did not start",
                program.display()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Server { child, port }
    }

    /// CPU seconds the server process has used.
    fn cpu_seconds(&self) -> f64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).expect("stat");
        // Fields after the command name, which is in parentheses.
        let after = &stat[stat.rfind(')').expect("comm") + 2..];
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ticks: u64 =
            fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
        ticks as f64 / 100.0 // USER_HZ
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One measured load run.
struct Run {
    requests_per_second: f64,
    requests_per_cpu_second: f64,
    p99_ms: f64,
}

fn wrk(server: &Server, path: &str, script: Option<&str>) -> Run {
    let cpu_before = server.cpu_seconds();
    let mut command = Command::new("wrk");
    command.args([
        "-t1",
        &format!("-c{CONNECTIONS}"),
        &format!("-d{SECONDS_PER_RUN}s"),
        "--latency",
    ]);
    if let Some(script) = script {
        command.args(["-s", script]);
    }
    let output = command
        .arg(format!("http://127.0.0.1:{}{path}", server.port))
        .output()
        .expect("wrk ran (install the wrk package)");
    let cpu = server.cpu_seconds() - cpu_before;
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains("Non-2xx"), "errors during the run:\n{text}");
    let requests: f64 = text
        .lines()
        .find(|line| line.contains("requests in"))
        .and_then(|line| line.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no request count in:\n{text}"));
    let requests_per_second: f64 = text
        .lines()
        .find(|line| line.starts_with("Requests/sec:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no rate in:\n{text}"));
    let p99 = text
        .lines()
        .find(|line| line.trim_start().starts_with("99%"))
        .and_then(|line| line.split_whitespace().nth(1))
        .map(parse_duration_ms)
        .unwrap_or_else(|| panic!("no p99 in:\n{text}"));
    Run {
        requests_per_second,
        requests_per_cpu_second: requests / cpu.max(0.01),
        p99_ms: p99,
    }
}

/// wrk prints latencies as `812.00us`, `1.23ms` or `1.05s`.
fn parse_duration_ms(text: &str) -> f64 {
    let (number, unit) =
        text.split_at(text.find(|c: char| c.is_alphabetic()).unwrap_or(text.len()));
    let value: f64 = number.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => value / 1000.0,
        "ms" => value,
        "s" => value * 1000.0,
        _ => f64::NAN,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

/// Alternating runs of each of this benchmark's servers; (name, medians) per server.
fn compare(kinds: &[&str], path: &str, script: Option<&str>) -> Vec<(String, f64, f64, f64)> {
    let servers: Vec<Server> = kinds.iter().map(|kind| Server::start(kind)).collect();
    compare_servers(kinds, servers, path, script)
}

/// Alternating runs of `servers` (named by `kinds`); (name, medians) per server.
fn compare_servers(
    kinds: &[&str],
    servers: Vec<Server>,
    path: &str,
    script: Option<&str>,
) -> Vec<(String, f64, f64, f64)> {
    // Warm-up: connections, allocator, caches.
    for server in &servers {
        wrk(server, path, script);
    }
    let mut runs: Vec<Vec<Run>> = kinds.iter().map(|_| Vec::new()).collect();
    for _ in 0..RUNS {
        for (server, runs) in servers.iter().zip(&mut runs) {
            runs.push(wrk(server, path, script));
        }
    }
    kinds
        .iter()
        .zip(runs)
        .map(|(kind, runs)| {
            (
                kind.to_string(),
                median(runs.iter().map(|r| r.requests_per_second).collect()),
                median(runs.iter().map(|r| r.requests_per_cpu_second).collect()),
                median(runs.iter().map(|r| r.p99_ms).collect()),
            )
        })
        .collect()
}

fn table(title: &str, results: &[(String, f64, f64, f64)], baseline: &str) {
    let base = results.iter().find(|r| r.0 == baseline).expect("baseline");
    println!();
    println!("{title}");
    println!();
    println!("| server | requests/s | requests per server CPU-second | ratio to {baseline} (per CPU-s) | p99 |");
    println!("|---|---:|---:|---:|---:|");
    for (kind, rate, per_cpu, p99) in results {
        println!(
            "| {kind} | {rate:.0} | {per_cpu:.0} | {:.3} | {p99:.2} ms |",
            per_cpu / base.2
        );
    }
}

/// Sends `count` requests over one keep-alive connection and reads each reply.
fn drive(port: u16, count: usize, request: &[u8]) {
    use std::io::{Read, Write};
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut stream = loop {
        match std::net::TcpStream::connect(("127.0.0.1", port)) {
            Ok(stream) => break stream,
            Err(_) => {
                assert!(
                    Instant::now() < deadline,
                    "server under valgrind did not start"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    };
    let mut buffer = Vec::new();
    for _ in 0..count {
        stream.write_all(request).expect("request");
        buffer.clear();
        let mut chunk = [0u8; 16384];
        // Headers, then Content-Length bytes of body.
        let (head_end, length) = loop {
            let read = stream.read(&mut chunk).expect("reply");
            assert!(read > 0, "connection closed");
            buffer.extend_from_slice(&chunk[..read]);
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
                assert!(head.starts_with("http/1.1 200"), "{head}");
                let length = head
                    .lines()
                    .find_map(|line| line.strip_prefix("content-length:"))
                    .map_or(0, |value| value.trim().parse().expect("length"));
                break (end + 4, length);
            }
        };
        while buffer.len() < head_end + length {
            let read = stream.read(&mut chunk).expect("body");
            assert!(read > 0, "connection closed");
            buffer.extend_from_slice(&chunk[..read]);
        }
    }
}

/// Instructions a server of `kind` runs for `count` requests, start-up and
/// shutdown included.
fn instructions(kind: &str, count: usize, request: &[u8]) -> u64 {
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("address")
        .port();
    // Named by the request's method too: `hookspec` serves both tables.
    let method =
        String::from_utf8_lossy(request.split(|b| *b == b' ').next().unwrap_or(b"")).to_lowercase();
    let out = std::env::temp_dir().join(format!("hookspec-callgrind-{kind}-{method}-{count}"));
    let mut child = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(std::env::current_exe().expect("own path"))
        .args(["--serve", kind, &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("valgrind (Debian package) runs");
    drive(port, count, request);
    // SIGINT: actix-web stops gracefully and callgrind writes its totals.
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let _ = child.wait();
    callgrind::total(&out)
}

fn instruction_table(title: &str, kinds: &[&str], request: &[u8]) {
    println!();
    println!("{title}");
    println!();
    println!("| server | instructions per request | ratio (baseline / server) |");
    println!("|---|---:|---:|");
    let mut baseline = None;
    for kind in kinds {
        let per_request =
            (instructions(kind, 3000, request) - instructions(kind, 1000, request)) as f64 / 2000.0;
        let base = *baseline.get_or_insert(per_request);
        println!("| {kind} | {per_request:.0} | {:.3} |", base / per_request);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--serve") {
        serve(&args[2], args[3].parse().expect("port"));
        return;
    }
    if args.get(1).map(String::as_str) == Some("--instructions") {
        let body = r#"{"id": "inv-1", "title": "Bench", "customer": "ACME", "total": 42.5}"#;
        let post = format!(
            "POST /invoices/?callback_url=https%3A%2F%2Fexample.com%2Fhooks HTTP/1.1\r\n\
             Host: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        println!(
            "instructions per request under callgrind (3,000 minus 1,000 requests, over 2,000)"
        );
        instruction_table(
            "POST /invoices/ (request path)",
            &["actix", "hookspec"],
            post.as_bytes(),
        );
        let get = b"GET /openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        instruction_table(
            "GET /openapi.json (spec serving)",
            &["static", "hookspec", "utoipa"],
            get,
        );
        return;
    }
    let script = std::env::temp_dir().join(format!("hookspec-bench-{}.lua", std::process::id()));
    std::fs::write(
        &script,
        r#"wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"id": "inv-1", "title": "Bench", "customer": "ACME", "total": 42.5}'
"#,
    )
    .expect("script");
    let script = script.to_string_lossy().into_owned();
    println!("{RUNS} alternating runs of {SECONDS_PER_RUN} s per server, wrk -t1 -c{CONNECTIONS}, one server worker; medians");

    let request = compare(
        &["actix", "hookspec"],
        "/invoices/?callback_url=https%3A%2F%2Fexample.com%2Fhooks",
        Some(&script),
    );
    table("POST /invoices/ (request path)", &request, "actix");

    let serving = compare(&["static", "hookspec", "utoipa"], "/openapi.json", None);
    table("GET /openapi.json (spec serving)", &serving, "static");
    let hookspec = serving
        .iter()
        .find(|r| r.0 == "hookspec")
        .expect("hookspec");
    let utoipa = serving.iter().find(|r| r.0 == "utoipa").expect("utoipa");
    println!();
    println!(
        "hookspec / utoipa, per server CPU-second: {:.2}",
        hookspec.2 / utoipa.2
    );
    let _ = std::fs::remove_file(&script);
    large_document();
}

/// Spec serving again with the 1,000-operation document of the assembly
/// benchmark, whose binaries serve it (`generated -- assembly` builds them).
fn large_document() {
    let release = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/bench-generated/target/release");
    let hookspec = release.join("generated_hookspec_1000");
    let utoipa = release.join("generated_utoipa_1000");
    if !hookspec.exists() || !utoipa.exists() {
        println!();
        println!("(1,000-operation document: run `cargo run --release --bin generated -- assembly` first)");
        return;
    }
    let document = Command::new(&hookspec)
        .arg("--print")
        .output()
        .expect("document printed")
        .stdout;
    let file = std::env::temp_dir().join(format!("hookspec-bench-{}.json", std::process::id()));
    std::fs::write(&file, &document).expect("document file");
    let own = std::env::current_exe().expect("own path");
    let servers = vec![
        Server::start_program(&own, &["--serve", &format!("file:{}", file.display())]),
        Server::start_program(&hookspec, &["--serve"]),
        Server::start_program(&utoipa, &["--serve"]),
    ];
    let kinds = ["static", "hookspec", "utoipa"];
    let results = compare_servers(&kinds, servers, "/openapi.json", None);
    table(
        &format!(
            "GET /openapi.json, 1,000 operations ({} KiB; utoipa's lacks the callbacks)",
            document.len() / 1024
        ),
        &results,
        "static",
    );
    println!();
    println!(
        "hookspec / utoipa, per server CPU-second: {:.2}",
        results[1].2 / results[2].2
    );
    let _ = std::fs::remove_file(&file);
}
