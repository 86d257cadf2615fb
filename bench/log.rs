//! The delivery log's queries, for an owner with 1,000,000 attempts stored:
//! `DeliveryStore::log` as `GET /deliveries` calls it (a page of 50 with each
//! delivery's attempts), in SQLite and PostgreSQL, p50 and p99 of 200 queries
//! of each kind. Against each, the baseline of the same run: reading the same
//! 50 deliveries by their ids (`DeliveryStore::get`), which any log has to do.
//!
//! The store holds 450,000 deliveries and 1,200,000 attempts: the measured
//! owner's 250,000 (four attempts each: three refused, then delivered; one in
//! twenty given up) to ten endpoints, and four other owners' 50,000 each (one
//! attempt). They are written with one SQL statement per table after the store
//! made its tables (writing them through the store would take an hour on
//! PostgreSQL); the queries go through the store.
//!
//! ```text
//! cd bench && cargo run --release --bin log
//! ```
//!
//! PostgreSQL: a throwaway cluster from the machine's server binaries (as the
//! tests do), or skipped with a note when there are none.

use std::time::{Duration, Instant, SystemTime};

use hookspec::delivery::records::{DeliveryId, LogQuery, StateKind};
use hookspec::delivery::store::{DeliveryStore, PostgresStore, SqliteStore};

#[path = "../tests/outbox/postgres.rs"]
#[allow(dead_code)]
mod postgres;

/// The measured owner's deliveries (four attempts each).
const BUSY: i64 = 250_000;
/// Each other owner's deliveries (one attempt each), and how many owners.
const OTHER: i64 = 50_000;
const OTHERS: usize = 4;
/// Milliseconds between two deliveries of one owner.
const SPACING_MS: i64 = 1_000;
const QUERIES: usize = 200;
const PAGE: usize = 50;

fn base_millis() -> i64 {
    1_800_000_000_000
}

fn at(millis: i64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(millis as u64)
}

/// SQLite: each owner's deliveries and attempts, in two statements each.
fn fill_sqlite(path: &std::path::Path) {
    let connection = rusqlite::Connection::open(path).expect("the file");
    connection
        .execute_batch("PRAGMA synchronous = OFF; BEGIN;")
        .unwrap();
    let owners = std::iter::once(("busy", BUSY, 4, 0)).chain((0..OTHERS).map(|n| {
        (
            ["other_0", "other_1", "other_2", "other_3"][n],
            OTHER,
            1,
            n as i64 + 1,
        )
    }));
    for (owner, count, attempts, offset) in owners {
        connection
            .execute(
                "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 - 1)
                 INSERT INTO hookspec_deliveries (id, callback, method, url, content_type, body,
                     created_at, state, reason, attempts, round_started_at, next_attempt_at,
                     owner, endpoint)
                 SELECT printf('msg_%s_%07d', ?2, i),
                        CASE i % 2 WHEN 0 THEN 'invoice.paid' ELSE 'invoice.sent' END,
                        'POST', 'https://hooks.example.com/' || ?2, 'application/json',
                        X'7B226E223A317D', ?3 + i * ?4,
                        CASE WHEN i % 20 = 0 THEN 'failed' ELSE 'succeeded' END,
                        CASE WHEN i % 20 = 0 THEN 'the receiver answered 503' END,
                        ?5, ?3 + i * ?4, ?3 + i * ?4, ?2, 'ep_' || (i % 10)
                 FROM n",
                rusqlite::params![count, owner, base_millis() + offset, SPACING_MS, attempts],
            )
            .unwrap();
        connection
            .execute(
                "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 - 1),
                      a(k) AS (VALUES (1), (2), (3), (4))
                 INSERT INTO hookspec_attempts (delivery_id, number, started_at, duration_us,
                     status, error)
                 SELECT printf('msg_%s_%07d', ?2, i), k, ?3 + i * ?4 + k, 1500,
                        CASE WHEN k < ?5 OR i % 20 = 0 THEN 503 ELSE 200 END,
                        CASE WHEN k < ?5 OR i % 20 = 0 THEN 'the receiver answered 503' END
                 FROM n, a WHERE k <= ?5",
                rusqlite::params![count, owner, base_millis() + offset, SPACING_MS, attempts],
            )
            .unwrap();
    }
    connection.execute_batch("COMMIT; ANALYZE;").unwrap();
}

/// PostgreSQL: the same rows, with `generate_series`.
async fn fill_postgres(url: &str) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("PostgreSQL");
    tokio::spawn(connection);
    let owners = std::iter::once(("busy", BUSY, 4, 0)).chain((0..OTHERS).map(|n| {
        (
            ["other_0", "other_1", "other_2", "other_3"][n],
            OTHER,
            1,
            n as i64 + 1,
        )
    }));
    for (owner, count, attempts, offset) in owners {
        let start = base_millis() + offset;
        let attempts = attempts as i32;
        client
            .execute(
                "INSERT INTO hookspec_deliveries (id, callback, method, url, content_type, body,
                     created_at, state, reason, attempts, round_started_at, next_attempt_at,
                     owner, endpoint)
                 SELECT format('msg_%s_%s', $2::TEXT, lpad(i::TEXT, 7, '0')),
                        CASE i % 2 WHEN 0 THEN 'invoice.paid' ELSE 'invoice.sent' END,
                        'POST', 'https://hooks.example.com/' || $2::TEXT, 'application/json',
                        '\\x7b226e223a317d'::BYTEA, $3 + i * $4,
                        CASE WHEN i % 20 = 0 THEN 'failed' ELSE 'succeeded' END,
                        CASE WHEN i % 20 = 0 THEN 'the receiver answered 503' END,
                        $5, $3 + i * $4, $3 + i * $4, $2::TEXT, 'ep_' || (i % 10)
                 FROM generate_series(0, $1::BIGINT - 1) AS i",
                &[&count, &owner, &start, &SPACING_MS, &attempts],
            )
            .await
            .unwrap();
        client
            .execute(
                "INSERT INTO hookspec_attempts (delivery_id, number, started_at, duration_us,
                     status, error)
                 SELECT format('msg_%s_%s', $2::TEXT, lpad(i::TEXT, 7, '0')), k,
                        $3 + i * $4 + k, 1500,
                        CASE WHEN k < $5 OR i % 20 = 0 THEN 503 ELSE 200 END,
                        CASE WHEN k < $5 OR i % 20 = 0 THEN 'the receiver answered 503' END
                 FROM generate_series(0, $1::BIGINT - 1) AS i, generate_series(1, $5) AS k",
                &[&count, &owner, &start, &SPACING_MS, &attempts],
            )
            .await
            .unwrap();
    }
    client.batch_execute("VACUUM ANALYZE").await.unwrap();
}

fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p50 = samples[samples.len() / 2];
    let p99 = samples[(samples.len() * 99 / 100).min(samples.len() - 1)];
    (ms(p50), ms(p99))
}

/// The query kinds: a name, and the query for the `n`th of its runs.
fn kinds() -> Vec<(&'static str, Box<dyn Fn(usize) -> LogQuery>)> {
    let owner = || Some("busy".to_owned());
    let page = move |_: usize| LogQuery {
        owner: owner(),
        ..LogQuery::newest(PAGE + 1)
    };
    // A cursor somewhere in the owner's history, different in each run.
    let deep = move |n: usize| {
        // At least a page from the oldest, so that the page is full.
        let i = PAGE as i64 + (n as i64 * 997) % (BUSY - PAGE as i64);
        let id = DeliveryId::from(format!("msg_busy_{i:07}").as_str());
        Some((at(base_millis() + i * SPACING_MS), id))
    };
    vec![
        ("newest page", Box::new(page)),
        (
            "a page deep in the history (`before`)",
            Box::new(move |n| LogQuery {
                before: deep(n),
                ..page(n)
            }),
        ),
        (
            "one endpoint's (`endpoint_id`)",
            Box::new(move |n| LogQuery {
                endpoint: Some(format!("ep_{}", n % 10)),
                ..page(n)
            }),
        ),
        (
            "failed only (`status=failed`, 1 in 20)",
            Box::new(move |n| LogQuery {
                state: Some(StateKind::Failed),
                ..page(n)
            }),
        ),
        (
            "a day's window (`since`, `until`)",
            Box::new(move |n| {
                let from = base_millis() + ((n as i64 * 7_919) % BUSY) * SPACING_MS;
                LogQuery {
                    since: Some(at(from)),
                    until: Some(at(from + 86_400_000)),
                    ..page(n)
                }
            }),
        ),
    ]
}

/// p50 and p99 of each query kind, and of reading the same deliveries by id.
async fn measure(store: &dyn DeliveryStore) -> Vec<(&'static str, (f64, f64), (f64, f64))> {
    let mut rows = Vec::new();
    for (name, query) in kinds() {
        // A warm-up pass.
        for n in 0..10 {
            store.log(&query(n)).await.unwrap();
        }
        let mut log = Vec::with_capacity(QUERIES);
        let mut by_id = Vec::with_capacity(QUERIES);
        for n in 0..QUERIES {
            let query = query(n);
            let started = Instant::now();
            let records = store.log(&query).await.unwrap();
            log.push(started.elapsed());
            assert!(!records.is_empty(), "{name}: an empty page");
            let started = Instant::now();
            for record in &records {
                store.get(&record.id).await.unwrap().unwrap();
            }
            by_id.push(started.elapsed());
        }
        rows.push((name, percentiles(log), percentiles(by_id)));
    }
    rows
}

fn report(store: &str, rows: &[(&str, (f64, f64), (f64, f64))]) {
    for (name, (p50, p99), (base50, base99)) in rows {
        println!(
            "| {store} | {name} | {p50:.2} | {p99:.2} | {base50:.2} | {base99:.2} | {:.2} |",
            p50 / base50
        );
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!("| store | query (a page of 50) | p50 ms | p99 ms | by id p50 ms | by id p99 ms | ratio p50 |");
    println!("|---|---|---:|---:|---:|---:|---:|");

    let dir = std::env::temp_dir().join(format!("hookspec-bench-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("deliveries.sqlite3");
    drop(SqliteStore::open(&path).expect("SQLite"));
    let filled = Instant::now();
    fill_sqlite(&path);
    eprintln!("SQLite filled in {:?}", filled.elapsed());
    let store = SqliteStore::open(&path).expect("SQLite");
    report("SQLite", &runtime.block_on(measure(&store)));
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);

    match std::panic::catch_unwind(postgres::Postgres::start_durable) {
        Ok(cluster) => {
            let url = cluster.url();
            let rows = runtime.block_on(async {
                drop(PostgresStore::connect(&url).await.expect("PostgreSQL"));
                let filled = Instant::now();
                fill_postgres(&url).await;
                eprintln!("PostgreSQL filled in {:?}", filled.elapsed());
                let store = PostgresStore::connect(&url).await.expect("PostgreSQL");
                measure(&store).await
            });
            report("PostgreSQL", &rows);
        }
        Err(_) => println!("\n(PostgreSQL skipped: no server binaries on this machine)"),
    }
}
