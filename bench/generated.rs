//! Benchmarks on generated crates of N handlers, each with its own body type, in
//! three styles: plain actix-web macros, hookspec (each handler with a callback),
//! and utoipa 5 with utoipa-actix-web (which cannot express callbacks).
//!
//! - `build`: crate-only rebuild (`touch src/lib.rs; cargo build`, incremental
//!   compilation off so the crate is really recompiled), dependencies built
//!   beforehand; CPU seconds (user + system of cargo and rustc) and wall seconds,
//!   median of 5, styles alternating, for 200 handlers. With `--instructions`:
//!   the instructions of the crate's `rustc` under callgrind, at 20 and 40
//!   handlers, per handler.
//! - `assembly`: building the OpenAPI document of 1,000 operations in a release
//!   binary of each documenting style; time (median of 5 fresh builds in one
//!   process is not possible: both libraries build once per process, so each run
//!   is a fresh process) and peak resident memory added.
//!
//! - `cold`: the tutorial app built from nothing (dependencies included) as
//!   plain actix-web, hookspec documentation-only and hookspec with delivery.
//!
//! ```text
//! cd bench && cargo run --release --bin generated -- cold
//! cd bench && cargo run --release --bin generated -- build
//! cd bench && cargo run --release --bin generated -- build --instructions  # rustc under callgrind
//! cd bench && cargo run --release --bin generated -- assembly
//! cd bench && cargo run --release --bin generated -- assembly --instructions  # + callgrind counts
//! ```
//!
//! The crates are written under `target/bench-generated/`, share one target
//! directory there, and depend on this repository's `runtime/` by path.

mod callgrind;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// `hookspec_plain`: hookspec without the callbacks, to show what they cost.
const STYLES: [&str; 4] = ["actix", "hookspec", "hookspec_plain", "utoipa"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-generated")
}

fn runtime_path() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime");
    path.canonicalize().expect("runtime/").display().to_string()
}

fn manifest(style: &str, name: &str) -> String {
    let documenting = match style {
        "actix" => String::new(),
        "hookspec" | "hookspec_plain" => format!(
            "hookspec = {{ path = \"{}\" }}\nschemars = \"1.2\"\n",
            runtime_path()
        ),
        _ => "utoipa = { version = \"5\", features = [\"actix_extras\"] }\nutoipa-actix-web = \"0.1\"\n"
            .to_owned(),
    };
    format!(
        r#"[workspace]

[package]
name = "{name}"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
actix-web = {{ version = "4.12", default-features = false, features = ["macros"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
{documenting}
[features]
serve = []

[[bin]]
name = "{name}"
path = "src/main.rs"

[profile.release]
debug = false
"#
    )
}

/// The library: N body types and handlers, and a function that routes (and,
/// where the style documents, describes) them all.
fn library(style: &str, handlers: usize) -> String {
    let mut code = String::from("#![allow(dead_code)]\nuse actix_web::web::Json;\n");
    for i in 0..handlers {
        let derives = match style {
            "actix" => "serde::Serialize, serde::Deserialize",
            "hookspec" | "hookspec_plain" => {
                "serde::Serialize, serde::Deserialize, schemars::JsonSchema"
            }
            _ => "serde::Serialize, serde::Deserialize, utoipa::ToSchema",
        };
        writeln!(
            code,
            "#[derive({derives})]\npub struct Body{i} {{ pub id: String, pub amount: f64, pub note: Option<String>, pub callback_url: String }}"
        )
        .ok();
        match style {
            "actix" => writeln!(
                code,
                "/// Handler {i}.\n#[actix_web::post(\"/items{i}/\")]\npub async fn handler{i}(body: Json<Body{i}>) -> Json<Body{i}> {{ body }}"
            ),
            "hookspec" => writeln!(
                code,
                "/// Callback {i}.\n#[hookspec::callback(post, \"{{$request.body#/callback_url}}/items/{{$request.body#/id}}\")]\npub async fn callback{i}(body: Json<Body{i}>) {{}}\n/// Handler {i}.\n#[hookspec::post(\"/items{i}/\", callbacks(callback{i}))]\npub async fn handler{i}(body: Json<Body{i}>) -> Json<Body{i}> {{ body }}"
            ),
            "hookspec_plain" => writeln!(
                code,
                "/// Handler {i}.\n#[hookspec::post(\"/items{i}/\")]\npub async fn handler{i}(body: Json<Body{i}>) -> Json<Body{i}> {{ body }}"
            ),
            _ => writeln!(
                code,
                "/// Handler {i}.\n#[utoipa::path(request_body = Body{i}, responses((status = 200, description = \"Successful response\", body = Body{i})))]\n#[actix_web::post(\"/items{i}/\")]\npub async fn handler{i}(body: Json<Body{i}>) -> Json<Body{i}> {{ body }}"
            ),
        }
        .ok();
    }
    let registrations: String = (0..handlers)
        .map(|i| format!(".service(handler{i})"))
        .collect();
    // `document()` is what is timed: each style's document as the bytes it is
    // served as. hookspec's `openapi_json()` already is those bytes (copying
    // them, as `document_bytes()` does for `--print`, is not part of building
    // them); utoipa's is a tree, serialised here as its UIs do per request.
    match style {
        "actix" => writeln!(
            code,
            "pub fn configure(config: &mut actix_web::web::ServiceConfig) {{ config{registrations}; }}\npub fn document_bytes() -> Vec<u8> {{ Vec::new() }}\npub fn document() -> usize {{ 0 }}"
        ),
        "hookspec" | "hookspec_plain" => writeln!(
            code,
            "pub fn api() -> hookspec::Api {{ hookspec::Api::new(\"Generated\", \"1\"){registrations} }}\n\
             pub fn document_bytes() -> Vec<u8> {{ api().openapi_json().expect(\"document\").to_vec() }}\n\
             pub fn document() -> usize {{ api().openapi_json().expect(\"document\").len() }}"
        ),
        _ => writeln!(
            code,
            "pub fn openapi() -> utoipa::openapi::OpenApi {{ use utoipa_actix_web::AppExt; let (_, api) = actix_web::App::new().into_utoipa_app(){registrations}.split_for_parts(); api }}\n\
             pub fn document_bytes() -> Vec<u8> {{ serde_json::to_vec(&openapi()).expect(\"document\") }}\n\
             pub fn document() -> usize {{ document_bytes().len() }}"
        ),
    }
    .ok();
    // utoipa-gen recognises `#[post]` by name only.
    if style == "utoipa" {
        code = code.replace("#[actix_web::post(", "#[post(");
        code = code.replacen(
            "use actix_web::web::Json;",
            "use actix_web::post;\nuse actix_web::web::Json;",
            1,
        );
    }
    code
}

/// The binary: builds the document once and prints how long it took and how much
/// peak memory it added; `--serve PORT` serves it (hookspec and utoipa styles),
/// `--print` prints it.
const MAIN: &str = r#"fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status").ok().and_then(|s| s.lines()
        .find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse().ok())).unwrap_or(0)
}
fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        #[cfg(feature = "serve")]
        Some("--serve") => return serve(args[2].parse().expect("port")),
        Some("--print") => {
            use std::io::Write;
            std::io::stdout().write_all(&NAME::document_bytes()).expect("stdout");
            return;
        }
        _ => {}
    }
    let before = peak_kib();
    let started = std::time::Instant::now();
    let bytes = NAME::document();
    let elapsed = started.elapsed();
    println!("{} {} {}", elapsed.as_secs_f64() * 1000.0, peak_kib().saturating_sub(before), bytes);
}
"#;

/// With the `serve` feature (so build-cost runs never compile it): the document
/// served on 127.0.0.1 by one worker, as `bench/http.rs` measures: hookspec's
/// `Api`, or utoipa's document serialised per request as its UIs do.
fn serve_code(style: &str, name: &str) -> String {
    let server = match style {
        "hookspec" | "hookspec_plain" => format!(
            "let api = {name}::api();\n        \
             actix_web::HttpServer::new(move || actix_web::App::new().configure(api.configure()))"
        ),
        "utoipa" => format!(
            "actix_web::HttpServer::new(|| {{\n            \
             let api = std::sync::Arc::new({name}::openapi());\n            \
             actix_web::App::new().route(\"/openapi.json\", actix_web::web::get().to(move || {{\n                \
             let api = std::sync::Arc::clone(&api);\n                \
             async move {{ actix_web::HttpResponse::Ok().json(&*api) }}\n            }}))\n        }})"
        ),
        _ => return "#[cfg(feature = \"serve\")]\nfn serve(_port: u16) { panic!(\"nothing to serve\") }\n".to_owned(),
    };
    format!(
        "#[cfg(feature = \"serve\")]\nfn serve(port: u16) {{\n    actix_web::rt::System::new().block_on(async move {{\n        \
         {server}\n        .workers(1).bind((\"127.0.0.1\", port)).expect(\"port\").run().await.expect(\"server\")\n    }})\n}}\n"
    )
}

fn write_crate(style: &str, handlers: usize) -> PathBuf {
    let name = format!("generated_{style}_{handlers}");
    let dir = root().join(&name);
    std::fs::create_dir_all(dir.join("src")).expect("crate folder");
    std::fs::write(dir.join("Cargo.toml"), manifest(style, &name)).expect("manifest");
    std::fs::write(dir.join("src/lib.rs"), library(style, handlers)).expect("library");
    let main = MAIN.replace("NAME", &name) + &serve_code(style, &name);
    std::fs::write(dir.join("src/main.rs"), main).expect("main");
    dir
}

/// CPU seconds used by this process's waited-for children, from `/proc`.
fn children_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("stat");
    let after = &stat[stat.rfind(')').expect("comm") + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // cutime and cstime, fields 16 and 17 of stat (13 and 14 after the name).
    let ticks: u64 =
        fields[13].parse::<u64>().expect("cutime") + fields[14].parse::<u64>().expect("cstime");
    ticks as f64 / 100.0
}

fn cargo(dir: &Path, args: &[&str]) {
    cargo_in(dir, args, &root().join("target"), &[]);
}

/// `cargo` with its own target directory and environment.
fn cargo_in(dir: &Path, args: &[&str], target: &Path, env: &[(&str, &str)]) {
    let status = Command::new("cargo")
        .args(args)
        .arg("--quiet")
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .envs(env.iter().copied())
        // A crate-only rebuild recompiles the crate, as after a real edit; the
        // incremental cache would mostly replay the previous build.
        .env("CARGO_INCREMENTAL", "0")
        .status()
        .expect("cargo ran");
    assert!(
        status.success(),
        "cargo {args:?} failed in {}",
        dir.display()
    );
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

fn build_cost() {
    const HANDLERS: usize = 200;
    const RUNS: usize = 5;
    println!(
        "crate-only rebuild of {HANDLERS} handlers (debug profile), median of {RUNS}, \
         styles alternating"
    );
    let dirs: Vec<PathBuf> = STYLES
        .iter()
        .map(|style| {
            let dir = write_crate(style, HANDLERS);
            // Dependencies and a first build of the crate.
            cargo(&dir, &["build", "--lib"]);
            dir
        })
        .collect();
    // Round by round, every style once per round: this VM's speed drifts over
    // minutes, and a drift must not fall on one style's runs only.
    let mut cpu = vec![Vec::new(); STYLES.len()];
    let mut wall = vec![Vec::new(); STYLES.len()];
    for _ in 0..RUNS {
        for (index, dir) in dirs.iter().enumerate() {
            let lib = dir.join("src/lib.rs");
            let code = std::fs::read_to_string(&lib).expect("lib");
            std::fs::write(&lib, code).expect("touch");
            let cpu_before = children_cpu_seconds();
            let started = Instant::now();
            cargo(dir, &["build", "--lib"]);
            wall[index].push(started.elapsed().as_secs_f64());
            cpu[index].push(children_cpu_seconds() - cpu_before);
        }
    }
    let results: Vec<(&str, f64, f64)> = STYLES
        .iter()
        .enumerate()
        .map(|(index, style)| {
            (
                *style,
                median(cpu[index].clone()),
                median(wall[index].clone()),
            )
        })
        .collect();
    let base = results[0];
    println!();
    println!("| style | CPU s | wall s | CPU ratio to actix | wall ratio to actix |");
    println!("|---|---:|---:|---:|---:|");
    for (style, cpu, wall) in &results {
        println!(
            "| {style} | {cpu:.1} | {wall:.1} | {:.2} | {:.2} |",
            cpu / base.1,
            wall / base.2
        );
    }
}

/// The crate the `build --instructions` wrapper profiles, and where to.
const PROFILED_CRATE: &str = "HOOKSPEC_BENCH_PROFILED_CRATE";
const PROFILE_OUT: &str = "HOOKSPEC_BENCH_PROFILE_OUT";

/// `build --instructions`: the compiler's instructions for the crate alone,
/// counted by callgrind (this binary is cargo's `RUSTC_WRAPPER` and runs only
/// that crate's `rustc` under it), at 20 and 40 handlers. The difference over
/// 20 is one handler's cost, without the fixed part (loading the
/// dependencies' metadata). Unlike CPU seconds on a VM, the count repeats (to
/// about 0.1%), so a change of a few percent can be measured. Two lanes, each
/// with its own target directory, run at once (cargo locks one).
fn build_instructions() {
    const SIZES: [usize; 2] = [20, 40];
    println!(
        "rustc instructions for the crate alone (debug profile, callgrind), {} and {} handlers",
        SIZES[0], SIZES[1]
    );
    let lanes: [[&str; 2]; 2] = [["actix", "hookspec_plain"], ["hookspec", "utoipa"]];
    let counts: Vec<(&str, usize, u64)> = std::thread::scope(|scope| {
        let lanes: Vec<_> = lanes
            .iter()
            .enumerate()
            .map(|(lane, styles)| {
                scope.spawn(move || {
                    let target = root().join(format!("target-callgrind-{lane}"));
                    let mut counts = Vec::new();
                    for style in styles {
                        for size in SIZES {
                            counts.push((*style, size, rustc_instructions(style, size, &target)));
                        }
                    }
                    counts
                })
            })
            .collect();
        lanes
            .into_iter()
            .flat_map(|lane| lane.join().expect("lane"))
            .collect()
    });
    let count = |style: &str, size: usize| {
        counts
            .iter()
            .find(|(s, n, _)| *s == style && *n == size)
            .map(|(_, _, count)| *count as f64)
            .expect("counted")
    };
    let per_handler = |style: &str| {
        (count(style, SIZES[1]) - count(style, SIZES[0])) / (SIZES[1] - SIZES[0]) as f64
    };
    let base = per_handler("actix");
    println!();
    println!(
        "| style | instructions, {} handlers | {} handlers | per handler | ratio to actix |",
        SIZES[0], SIZES[1]
    );
    println!("|---|---:|---:|---:|---:|");
    for style in STYLES {
        println!(
            "| {style} | {:.3}G | {:.3}G | {:.1}M | {:.3} |",
            count(style, SIZES[0]) / 1e9,
            count(style, SIZES[1]) / 1e9,
            per_handler(style) / 1e6,
            per_handler(style) / base
        );
    }
}

/// The instructions `rustc` executes compiling the generated crate of `style`
/// with `handlers` handlers (dependencies built first, not counted).
fn rustc_instructions(style: &str, handlers: usize, target: &Path) -> u64 {
    let dir = write_crate(style, handlers);
    cargo_in(&dir, &["build", "--lib"], target, &[]);
    let lib = dir.join("src/lib.rs");
    let code = std::fs::read_to_string(&lib).expect("lib");
    std::fs::write(&lib, code).expect("touch");
    let out = std::env::temp_dir().join(format!("hookspec-callgrind-build-{style}-{handlers}"));
    let wrapper = std::env::current_exe().expect("this binary");
    let crate_name = format!("generated_{style}_{handlers}");
    cargo_in(
        &dir,
        &["build", "--lib"],
        target,
        &[
            ("RUSTC_WRAPPER", wrapper.to_str().expect("UTF-8 path")),
            (PROFILED_CRATE, &crate_name),
            (PROFILE_OUT, out.to_str().expect("UTF-8 path")),
        ],
    );
    callgrind::total(&out)
}

/// As cargo's `RUSTC_WRAPPER` (`args`: rustc and its arguments): runs the
/// profiled crate's `rustc` under callgrind, every other as it is.
fn wrap_rustc(crate_name: &str, args: &[String]) -> ! {
    let profiled = args
        .windows(2)
        .any(|pair| pair[0] == "--crate-name" && pair[1] == crate_name);
    let mut command = if profiled {
        let out = std::env::var(PROFILE_OUT).expect("profile path");
        let mut command = Command::new("valgrind");
        command
            .arg("--tool=callgrind")
            .arg(format!("--callgrind-out-file={out}"))
            .arg("--log-file=/dev/null")
            .args(args);
        command
    } else {
        let mut command = Command::new(&args[0]);
        command.args(&args[1..]);
        command
    };
    let status = command
        .status()
        .expect("rustc ran (and valgrind: apt-get install valgrind)");
    std::process::exit(status.code().unwrap_or(1));
}

fn assembly() {
    const OPERATIONS: usize = 1000;
    const RUNS: usize = 5;
    println!("document for {OPERATIONS} operations (release), median of {RUNS} fresh processes");
    let mut results = Vec::new();
    for style in ["hookspec", "utoipa"] {
        let dir = write_crate(style, OPERATIONS);
        cargo(&dir, &["build", "--release", "--features", "serve"]);
        let binary = root()
            .join("target/release")
            .join(format!("generated_{style}_{OPERATIONS}"));
        let (mut millis, mut kib, mut bytes) = (Vec::new(), Vec::new(), 0.0);
        for _ in 0..RUNS {
            let output = Command::new(&binary).output().expect("ran");
            let text = String::from_utf8_lossy(&output.stdout);
            let parts: Vec<f64> = text
                .split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect();
            assert_eq!(parts.len(), 3, "unexpected output: {text}");
            millis.push(parts[0]);
            kib.push(parts[1]);
            bytes = parts[2];
        }
        let instructions = instructions_flag().then(|| callgrind_total(&binary, style));
        results.push((style, median(millis), median(kib), bytes, instructions));
    }
    println!();
    println!("| style | time | peak RSS added | document bytes | instructions (whole process) |");
    println!("|---|---:|---:|---:|---:|");
    for (style, millis, kib, bytes, instructions) in &results {
        let instructions = instructions.map_or("–".to_owned(), |count| format!("{count}"));
        println!(
            "| {style} | {millis:.1} ms | {:.1} MiB | {bytes:.0} | {instructions} |",
            kib / 1024.0
        );
    }
    println!();
    println!(
        "hookspec / utoipa: time {:.2}, memory {:.2}",
        results[0].1 / results[1].1,
        results[0].2 / results[1].2.max(1.0)
    );
    if let (Some(hookspec), Some(utoipa)) = (results[0].4, results[1].4) {
        println!(
            "hookspec / utoipa: instructions {:.2}",
            hookspec as f64 / utoipa as f64
        );
    }
}

/// `--instructions`: also count each binary's instructions under callgrind
/// (one more process each; the count, unlike the time, repeats exactly).
fn instructions_flag() -> bool {
    std::env::args().any(|arg| arg == "--instructions")
}

/// Every instruction one run of `binary` executes (all its threads: the
/// document's leftovers are freed on a thread of their own).
fn callgrind_total(binary: &Path, style: &str) -> u64 {
    let out = std::env::temp_dir().join(format!("hookspec-callgrind-assembly-{style}"));
    let status = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(binary)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("valgrind ran (apt-get install valgrind)");
    assert!(status.success(), "callgrind failed on {}", binary.display());
    callgrind::total(&out)
}

/// The tutorial app (one invoice route and its callback) in three builds: plain
/// actix-web, hookspec for documentation only, hookspec sending the callback.
fn tutorial_app(style: &str) -> (String, String) {
    let (dependency, code) = match style {
        "actix" => (
            String::new(),
            r#"use actix_web::web::{Json, Query};
#[derive(serde::Deserialize, serde::Serialize)] pub struct Invoice { pub id: String, pub total: f64 }
#[derive(serde::Deserialize)] pub struct Params { pub callback_url: Option<String> }
#[actix_web::post("/invoices/")]
async fn create_invoice(invoice: Json<Invoice>, params: Query<Params>) -> Json<Invoice> { let _ = params; invoice }
fn main() { let _ = actix_web::App::new().service(create_invoice); }
"#,
        ),
        "docs" => (
            format!(
                "hookspec = {{ path = \"{}\", default-features = false, features = [\"swagger-ui\"] }}\nschemars = \"1.2\"\n",
                runtime_path()
            ),
            r#"use actix_web::web::{Json, Query};
#[derive(serde::Deserialize, serde::Serialize, schemars::JsonSchema)] pub struct Invoice { pub id: String, pub total: f64 }
#[derive(serde::Serialize, schemars::JsonSchema)] pub struct InvoiceEvent { pub paid: bool }
#[derive(serde::Deserialize, schemars::JsonSchema)] pub struct Params { pub callback_url: Option<String> }
#[hookspec::callback(post, "{$request.query.callback_url}/invoices/{$request.body#/id}")]
async fn invoice_notification(body: Json<InvoiceEvent>) {}
#[hookspec::post("/invoices/", callbacks(invoice_notification))]
async fn create_invoice(invoice: Json<Invoice>, params: Query<Params>) -> Json<Invoice> { let _ = params; invoice }
fn main() { let api = hookspec::Api::new("Invoices", "1").service(create_invoice); let _ = actix_web::App::new().configure(api.configure()); }
"#,
        ),
        _ => (
            format!(
                "hookspec = {{ path = \"{}\" }}\nschemars = \"1.2\"\n",
                runtime_path()
            ),
            r#"use actix_web::web::{Json, Query};

use hookspec::delivery::{Callback, Callbacks, SendError};
#[derive(serde::Deserialize, serde::Serialize, schemars::JsonSchema)] pub struct Invoice { pub id: String, pub total: f64 }
#[derive(serde::Serialize, schemars::JsonSchema)] pub struct InvoiceEvent { pub paid: bool }
#[derive(serde::Deserialize, schemars::JsonSchema)] pub struct Params { pub callback_url: Option<String> }
#[hookspec::callback(post, "{$request.query.callback_url}/invoices/{$request.body#/id}")]
async fn invoice_notification(body: Json<InvoiceEvent>) {}
#[hookspec::post("/invoices/")]
async fn create_invoice(invoice: Json<Invoice>, params: Query<Params>, notify: Callback<invoice_notification>) -> Result<Json<Invoice>, SendError> {
    let _ = params; notify.enqueue(&InvoiceEvent { paid: true }).await?; Ok(invoice)
}
fn main() {
    let api = hookspec::Api::new("Invoices", "1").service(create_invoice);
    let callbacks = Callbacks::builder().unsigned().api(&api).in_memory().build();
    let _ = (callbacks, actix_web::App::new().configure(api.configure()));
}
"#,
        ),
    };
    let manifest = format!(
        r#"[workspace]

[package]
name = "tutorial_{style}"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
actix-web = {{ version = "4.12", default-features = false, features = ["macros"] }}
serde = {{ version = "1", features = ["derive"] }}
{dependency}"#
    );
    (manifest, code.to_owned())
}

/// Cold builds (dependencies included, fresh target directory each) of the
/// tutorial app: plain actix-web, hookspec documentation-only, hookspec with
/// delivery. Sources are fetched first, so only compiling is measured.
fn cold_build() {
    println!("cold debug build of the tutorial app (dependencies included), CPU seconds");
    let mut results = Vec::new();
    for style in ["actix", "docs", "delivery"] {
        let dir = root().join(format!("tutorial-{style}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src")).expect("crate directory");
        let (manifest, code) = tutorial_app(style);
        std::fs::write(dir.join("Cargo.toml"), manifest).expect("manifest");
        std::fs::write(dir.join("src/main.rs"), code).expect("main.rs");
        // The lock file of the bench workspace: the same versions everywhere.
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock"),
            dir.join("Cargo.lock"),
        )
        .expect("Cargo.lock");
        let status = Command::new("cargo")
            .arg("fetch")
            .current_dir(&dir)
            .status()
            .expect("cargo fetch");
        assert!(status.success());
        let cpu_before = children_cpu_seconds();
        let started = Instant::now();
        let status = Command::new("cargo")
            .args(["build", "--quiet", "--target-dir"])
            .arg(dir.join("target"))
            .env("CARGO_INCREMENTAL", "0")
            .current_dir(&dir)
            .status()
            .expect("cargo build");
        assert!(status.success(), "{style} did not build");
        let cpu = children_cpu_seconds() - cpu_before;
        let wall = started.elapsed().as_secs_f64();
        let crates = std::fs::read_dir(dir.join("target/debug/.fingerprint"))
            .map(|entries| entries.count())
            .unwrap_or(0);
        results.push((style, cpu, wall, crates));
        let _ = std::fs::remove_dir_all(dir.join("target"));
    }
    let base = results[0].1;
    println!();
    println!("| app | crates compiled | CPU s | wall s | CPU ratio to actix-web |");
    println!("|---|---:|---:|---:|---:|");
    for (style, cpu, wall, crates) in &results {
        println!(
            "| {style} | {crates} | {cpu:.0} | {wall:.0} | {:.2} |",
            cpu / base
        );
    }
}

fn main() {
    if let Ok(crate_name) = std::env::var(PROFILED_CRATE) {
        let args: Vec<String> = std::env::args().skip(1).collect();
        wrap_rustc(&crate_name, &args);
    }
    match std::env::args().nth(1).as_deref() {
        Some("build") if instructions_flag() => build_instructions(),
        Some("build") => build_cost(),
        Some("assembly") => assembly(),
        Some("cold") => cold_build(),
        _ => {
            eprintln!("usage: generated build | generated assembly | generated cold");
            std::process::exit(2);
        }
    }
}
