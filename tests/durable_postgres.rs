//! The PostgreSQL store under the conditions it exists for: SIGKILL mid-run,
//! two instances sharing one queue, the database going away and coming back,
//! and a transactional enqueue rolled back.
//!
//! Each test starts a PostgreSQL cluster of its own (see `outbox::Postgres`), so
//! they need the PostgreSQL server binaries (Debian: `apt install postgresql`).
//! They are `#[ignore]`d for a plain `cargo test` on a machine with only the
//! Rust toolchain; `.ci/run` installs PostgreSQL and runs them with
//! `cargo test --test durable_postgres -- --ignored`.

mod outbox;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use outbox::{client, post_event, wait_until, App, Postgres, Receiver};

#[actix_web::test]
#[ignore = "needs PostgreSQL server binaries; .ci/run runs it"]
async fn postgres_every_accepted_callback_survives_a_kill() {
    let postgres = Postgres::start();
    outbox::every_accepted_callback_survives_a_kill(&postgres.url()).await;
}

/// A client of the test's own, its connection driven on the test's runtime.
async fn connect(url: &str) -> tokio_postgres::Client {
    let (db, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    actix_web::rt::spawn(connection);
    db
}

/// Which instance made each attempt: a trigger of the test's own copies the lease
/// token's instance prefix (`inst_<hex>/<n>`) of every outcome written, before
/// the store clears it.
async fn record_senders(url: &str) -> tokio_postgres::Client {
    let db = connect(url).await;
    db.batch_execute(
        "CREATE TABLE test_sent_by (delivery_id TEXT NOT NULL, instance TEXT NOT NULL);
         CREATE FUNCTION test_record_sender() RETURNS trigger AS $$
         BEGIN
             IF NEW.attempts > OLD.attempts AND OLD.lease_token IS NOT NULL THEN
                 INSERT INTO test_sent_by VALUES (OLD.id, split_part(OLD.lease_token, '/', 1));
             END IF;
             RETURN NEW;
         END $$ LANGUAGE plpgsql;
         CREATE TRIGGER test_record_sender BEFORE UPDATE ON hookspec_deliveries
             FOR EACH ROW EXECUTE FUNCTION test_record_sender();",
    )
    .await
    .unwrap();
    db
}

/// Attempts per instance, most first.
async fn attempts_per_instance(db: &tokio_postgres::Client) -> Vec<(String, i64)> {
    db.query(
        "SELECT instance, count(*) FROM test_sent_by GROUP BY instance ORDER BY 2 DESC",
        &[],
    )
    .await
    .unwrap()
    .iter()
    .map(|row| (row.get(0), row.get(1)))
    .collect()
}

/// 1,000 callbacks through two instances of one PostgreSQL queue, the producers
/// posting to `producers` (instance indexes); every callback arrives once, and
/// both instances send a fair share.
async fn two_instances_share_one_queue(producers: &[usize]) {
    let postgres = Postgres::start();
    // 50 ms per delivery and 8 at a time per instance (160/s): one instance
    // alone cannot keep up with the producer, so the queue holds due work for
    // both to claim, and the `SKIP LOCKED` race between their claims is
    // exercised throughout. (With a receiver fast enough for one instance, an
    // instance that enqueues nothing finds little by polling: 55 of 1,000 at
    // 20 ms per delivery.)
    let receiver = Receiver::start(Duration::from_millis(50));
    // A lease far longer than the test: no delivery may be taken over, so any
    // duplicate or overlap is a claiming bug.
    let lease = Duration::from_secs(120);
    let apps = [
        App::start_with_concurrency(&postgres.url(), lease, 8),
        App::start_with_concurrency(&postgres.url(), lease, 8),
    ];
    let db = record_senders(&postgres.url()).await;
    let client = client();
    let mut accepted = HashSet::new();
    for n in 0..1000u64 {
        let app = &apps[producers[n as usize % producers.len()]];
        let id = post_event(&client, app, "/events", n, &receiver.url())
            .await
            .unwrap_or_else(|error| panic!("event {n} refused: {error:?}"));
        accepted.insert(id);
    }
    assert_eq!(accepted.len(), 1000);
    assert!(
        apps[0].drained(&client, Duration::from_secs(120)).await,
        "deliveries left unfinished: {:?}",
        apps[0].unfinished(&client).await
    );
    assert_eq!(receiver.ids(), accepted, "every accepted callback arrives");
    assert_eq!(
        receiver.duplicates(),
        0,
        "no lease expired, so no duplicates"
    );
    assert!(receiver.overlaps().is_empty(), "{:?}", receiver.overlaps());
    let senders = attempts_per_instance(&db).await;
    eprintln!("producers on {producers:?}: attempts per instance {senders:?}");
    assert_eq!(senders.len(), 2, "only one instance sent: {senders:?}");
    assert_eq!(senders.iter().map(|(_, n)| n).sum::<i64>(), 1000);
    assert!(
        senders.iter().all(|(_, sent)| *sent >= 250),
        "one instance sent less than a quarter: {senders:?}"
    );
    receiver.stop().await;
}

#[actix_web::test]
#[ignore = "needs PostgreSQL server binaries; .ci/run runs it"]
async fn two_instances_share_one_queue_without_attempting_a_delivery_twice() {
    // Alternate: each instance enqueues half (and is woken by its own enqueues).
    two_instances_share_one_queue(&[0, 1]).await;
}

#[actix_web::test]
#[ignore = "needs PostgreSQL server binaries; .ci/run runs it"]
async fn an_instance_that_enqueues_nothing_claims_its_share() {
    // Every enqueue wakes the first instance only; the second finds work by
    // polling and claims beside it.
    two_instances_share_one_queue(&[0]).await;
}

#[actix_web::test]
#[ignore = "needs PostgreSQL server binaries; .ci/run runs it"]
async fn a_database_outage_loses_nothing_and_says_so_meanwhile() {
    let postgres = Postgres::start();
    // Slow enough that deliveries are in flight when the database goes away:
    // their outcomes cannot be written until it is back.
    let receiver = Receiver::start(Duration::from_millis(300));
    let app = App::start(&postgres.url(), Duration::from_secs(10));
    let client = client();
    let mut accepted = HashSet::new();
    for n in 0..50u64 {
        accepted.insert(
            post_event(&client, &app, "/events", n, &receiver.url())
                .await
                .expect("accepted while the database is up"),
        );
    }

    postgres.stop_server();
    // While it is down: a clear 503 problem for every new callback, never a
    // silent success, and the server stays up.
    for n in 50..60u64 {
        let refused = post_event(&client, &app, "/events", n, &receiver.url()).await;
        let Err((status, problem)) = refused else {
            panic!("event {n} accepted with the database down: {refused:?}");
        };
        assert_eq!(status, 503, "{problem}");
        assert_eq!(problem["status"], 503);
        let detail = problem["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains("the delivery store is unavailable"),
            "{detail}"
        );
    }
    // Long enough for the dispatcher to fail claims and writes and back off.
    actix_web::rt::time::sleep(Duration::from_secs(2)).await;
    postgres.start_server();

    // The same process accepts again once the pool reconnects.
    let back = Instant::now();
    let mut n = 60u64;
    while accepted.len() < 100 {
        match post_event(&client, &app, "/events", n, &receiver.url()).await {
            Ok(id) => {
                accepted.insert(id);
            }
            Err((503, _)) if back.elapsed() < Duration::from_secs(30) => {
                actix_web::rt::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => panic!("event {n} after the outage: {error:?}"),
        }
        n += 1;
    }
    assert!(
        app.drained(&client, Duration::from_secs(60)).await,
        "deliveries left unfinished: {:?}",
        app.unfinished(&client).await
    );
    let received = receiver.ids();
    let missing: Vec<&String> = accepted.difference(&received).collect();
    assert!(missing.is_empty(), "lost in the outage: {missing:?}");
    assert!(receiver.overlaps().is_empty(), "{:?}", receiver.overlaps());
    receiver.stop().await;
}

#[actix_web::test]
#[ignore = "needs PostgreSQL server binaries; .ci/run runs it"]
async fn a_rolled_back_transactional_enqueue_sends_nothing() {
    let postgres = Postgres::start();
    let receiver = Receiver::start(Duration::ZERO);
    let app = App::start(&postgres.url(), Duration::from_secs(10));
    let client = client();
    let rolled_back = post_event(
        &client,
        &app,
        "/events/in-transaction?rollback=true",
        1,
        &receiver.url(),
    )
    .await
    .expect("the handler ran");
    let committed = post_event(&client, &app, "/events/in-transaction", 2, &receiver.url())
        .await
        .expect("the handler ran");
    assert!(
        wait_until(Duration::from_secs(10), || receiver
            .ids()
            .contains(&committed))
        .await,
        "the committed callback never arrived"
    );
    // Several poll intervals later, still only the committed one.
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.ids(), HashSet::from([committed]));
    // Neither the business row nor the delivery exists.
    let db = connect(&postgres.url()).await;
    let rows: i64 = db
        .query_one(
            "SELECT count(*) FROM hookspec_deliveries WHERE id = $1",
            &[&rolled_back],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 0);
    let events: Vec<i64> = db
        .query("SELECT n FROM app_events ORDER BY n", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(events, [2]);
    receiver.stop().await;
}

/// A delivery committed in the application's transaction is sent at once,
/// though the dispatcher polls only hourly: the insert's `NOTIFY` wakes it
/// (schema v3's trigger, the store's `LISTEN` connection). Seen failing with
/// the store's `wake_ups` disabled: delivery 1 did not arrive within 10 s.
#[actix_web::test]
#[ignore = "needs PostgreSQL server binaries; .ci/run runs it"]
async fn a_committed_delivery_wakes_a_dispatcher_that_polls_hourly() {
    let postgres = Postgres::start();
    let receiver = Receiver::start(Duration::ZERO);
    let app = App::start_polling_every(
        &postgres.url(),
        Duration::from_secs(10),
        Duration::from_secs(3600),
    );
    let client = client();
    for n in 1..=3 {
        let id = post_event(
            &client,
            &app,
            "/events/in-transaction?quiet=true",
            n,
            &receiver.url(),
        )
        .await
        .expect("the handler ran");
        assert!(
            wait_until(Duration::from_secs(10), || receiver.ids().contains(&id)).await,
            "delivery {n} did not arrive within 10 s: no wake-up from NOTIFY"
        );
    }
    receiver.stop().await;
}

/// Only an insert another instance could claim is announced (schema v4's
/// trigger): a delivery written leased, which its writer attempts itself,
/// sends no `NOTIFY`; an unleased one does. Under v3 every insert did, and each
/// instance's own leased writes woke it to claim for nothing.
#[actix_web::test]
#[ignore = "needs PostgreSQL server binaries; .ci/run runs it"]
async fn only_deliveries_another_instance_could_claim_are_announced() {
    use hookspec::delivery::records::DeliveryId;
    use hookspec::delivery::store::DeliveryStore;
    use hookspec::delivery::store::{Lease, NewDelivery, PostgresStore};
    use std::time::SystemTime;

    let postgres = Postgres::start();
    let store = PostgresStore::connect(&postgres.url()).await.unwrap();
    let (listener, mut connection) =
        tokio_postgres::connect(&postgres.url(), tokio_postgres::NoTls)
            .await
            .unwrap();
    // Every notification this connection hears, as (channel, payload); checked
    // here, not in the task (a panic there would be lost).
    let heard = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(String, String)>::new()));
    let hearing = std::sync::Arc::clone(&heard);
    actix_web::rt::spawn(async move {
        while let Some(Ok(message)) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            if let tokio_postgres::AsyncMessage::Notification(notification) = message {
                hearing.lock().unwrap().push((
                    notification.channel().to_owned(),
                    notification.payload().to_owned(),
                ));
            }
        }
    });
    listener
        .batch_execute("LISTEN hookspec_deliveries")
        .await
        .unwrap();
    let delivery = |id: &str| NewDelivery {
        id: DeliveryId::from(id),
        callback: "event_notification".into(),
        method: "POST".into(),
        url: "http://127.0.0.1:9/events".into(),
        content_type: Some("application/json".into()),
        body: b"{}".to_vec(),
        created_at: SystemTime::now(),
        owner: None,
        endpoint: None,
    };
    let lease = Lease {
        token: "test/1".into(),
        until: SystemTime::now() + Duration::from_secs(60),
    };
    store
        .insert_leased(&delivery("msg_leased"), &lease)
        .await
        .unwrap();
    store.insert(&delivery("msg_free")).await.unwrap();
    // Notifications arrive in commit order: once a marker committed last (by
    // another connection) has arrived, so has every announcement of the inserts.
    let (marker, marker_connection) =
        tokio_postgres::connect(&postgres.url(), tokio_postgres::NoTls)
            .await
            .unwrap();
    actix_web::rt::spawn(marker_connection);
    marker
        .batch_execute("NOTIFY hookspec_deliveries, 'marker'")
        .await
        .unwrap();
    let marked = || {
        heard
            .lock()
            .unwrap()
            .iter()
            .any(|(_, payload)| payload == "marker")
    };
    assert!(
        wait_until(Duration::from_secs(10), marked).await,
        "the marker never arrived"
    );
    let heard = heard.lock().unwrap().clone();
    let channel = "hookspec_deliveries".to_owned();
    assert_eq!(
        heard,
        [
            (channel.clone(), String::new()),
            (channel, "marker".to_owned())
        ],
        "exactly one announcement: the unleased insert's"
    );
}

#[actix_web::test]
#[ignore = "needs PostgreSQL server binaries; .ci/run runs it"]
async fn the_postgres_store_conforms() {
    let postgres = Postgres::start();
    let store = hookspec::delivery::store::PostgresStore::connect(&postgres.url())
        .await
        .unwrap();
    outbox::conformance::check(&store).await;
    // Connecting again finds the tables migrated, records intact.
    let again = hookspec::delivery::store::PostgresStore::connect(&postgres.url())
        .await
        .unwrap();
    use hookspec::delivery::store::DeliveryStore;
    assert_eq!(again.unfinished().await.unwrap(), 3);
}

#[actix_web::test]
#[ignore = "needs PostgreSQL server binaries; .ci/run runs it"]
async fn the_postgres_store_resumes_a_recovered_endpoint() {
    let postgres = Postgres::start();
    let store = hookspec::delivery::store::PostgresStore::connect(&postgres.url())
        .await
        .unwrap();
    outbox::conformance::check_resume(&store).await;
    outbox::conformance::check_secrets(&store).await;
}

#[actix_web::test]
#[ignore = "needs PostgreSQL server binaries; .ci/run runs it"]
async fn the_postgres_store_keeps_subscriptions() {
    let postgres = Postgres::start();
    let store = hookspec::delivery::store::PostgresStore::connect(&postgres.url())
        .await
        .unwrap();
    outbox::conformance::check_endpoints(&store).await;
    outbox::conformance::check_endpoint_health(&store).await;
}

#[actix_web::test]
#[ignore = "needs PostgreSQL server binaries; .ci/run runs it"]
async fn the_postgres_store_keeps_a_delivery_log() {
    let postgres = Postgres::start();
    let store = hookspec::delivery::store::PostgresStore::connect(&postgres.url())
        .await
        .unwrap();
    outbox::conformance::check_log(&store).await;
    outbox::conformance::check_recovery(&store).await;
}

#[actix_web::test]
#[ignore = "needs PostgreSQL server binaries; .ci/run runs it"]
async fn instances_starting_at_once_migrate_a_fresh_database_once() {
    use hookspec::delivery::store::PostgresStore;
    let postgres = Postgres::start();
    let url = postgres.url();
    // Four connects under way at once, each migrating on its own connection.
    let connects: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            actix_web::rt::spawn(async move { PostgresStore::connect(&url).await })
        })
        .collect();
    for connect in connects {
        let opened = connect.await.unwrap();
        assert!(opened.is_ok(), "{opened:?}");
    }
    let db = connect(&url).await;
    let versions: Vec<i32> = db
        .query(
            "SELECT version FROM hookspec_migrations ORDER BY version",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    // Every migration, each recorded once, in order.
    let expected: Vec<i32> = (1..=8).collect();
    assert_eq!(versions, expected, "each migration recorded once");
}

/// Schema version 1 exactly as it shipped (a frozen copy, so an edit to a
/// shipped migration shows here), with one delivery in it.
const SHIPPED_V1: &str = r#"
CREATE TABLE hookspec_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL);
CREATE TABLE hookspec_deliveries (
    id TEXT PRIMARY KEY, callback TEXT NOT NULL, method TEXT NOT NULL, url TEXT NOT NULL,
    content_type TEXT, body BYTEA NOT NULL, created_at BIGINT NOT NULL, state TEXT NOT NULL,
    reason TEXT, attempts INTEGER NOT NULL DEFAULT 0, round_started_at BIGINT NOT NULL,
    round_first_attempt INTEGER NOT NULL DEFAULT 0, next_attempt_at BIGINT NOT NULL,
    lease_token TEXT, lease_until BIGINT
);
CREATE INDEX hookspec_deliveries_due
    ON hookspec_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX hookspec_deliveries_state ON hookspec_deliveries (state, created_at);
CREATE TABLE hookspec_attempts (
    delivery_id TEXT NOT NULL REFERENCES hookspec_deliveries (id) ON DELETE CASCADE,
    number INTEGER NOT NULL, started_at BIGINT NOT NULL, duration_us BIGINT NOT NULL,
    status INTEGER, error TEXT, PRIMARY KEY (delivery_id, number)
);
INSERT INTO hookspec_migrations VALUES (1, 1700000000000);
INSERT INTO hookspec_deliveries (id, callback, method, url, content_type, body, created_at,
    state, attempts, round_started_at, next_attempt_at)
    VALUES ('msg_old', 'cb', 'POST', 'https://example.com/h', 'application/json', '\x7b7d',
            1700000000000, 'pending', 1, 1700000000000, 1700000000500);
INSERT INTO hookspec_attempts VALUES ('msg_old', 1, 1700000000000, 1500, 503, 'busy');
"#;

/// Every older schema version opens, its deliveries intact and claimable
/// (version 2 added the owner column; a version 1 row has none); a newer one is
/// refused.
#[actix_web::test]
#[ignore = "needs PostgreSQL server binaries; .ci/run runs it"]
async fn a_database_of_every_shipped_version_opens_with_its_deliveries() {
    use hookspec::delivery::records::DeliveryId;
    use hookspec::delivery::store::DeliveryStore;
    use hookspec::delivery::store::PostgresStore;
    let postgres = Postgres::start();
    let url = postgres.url();
    let db = connect(&url).await;
    db.batch_execute(SHIPPED_V1).await.unwrap();
    let store = PostgresStore::connect(&url).await.unwrap();
    let record = store
        .get(&DeliveryId::from("msg_old"))
        .await
        .unwrap()
        .expect("the delivery survives the upgrade");
    assert_eq!(record.url, "https://example.com/REDACTED");
    assert_eq!(record.attempts.len(), 1);
    assert_eq!(record.attempts[0].status, Some(503));
    assert_eq!(store.unfinished().await.unwrap(), 1);
    let lease = hookspec::delivery::store::Lease {
        token: "test/1".into(),
        until: std::time::SystemTime::now() + Duration::from_secs(60),
    };
    let claimed = store
        .claim(std::time::SystemTime::now(), &lease, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].delivery.owner, None);
    assert_eq!(claimed[0].delivery.body, b"{}");

    db.batch_execute("INSERT INTO hookspec_migrations VALUES (99, 0)")
        .await
        .unwrap();
    let error = PostgresStore::connect(&url).await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("the database is at schema version 99, newer than this hookspec's"),
        "{error}"
    );
}

/// A lease taken over: instance A holds 50 deliveries at a receiver that answers
/// nothing, and dies; instance B resumes each once A's lease ends. The duplicates
/// are exactly what the README's at-least-once promises: each delivery A had in
/// flight arrives once more, from B, and never while A's attempt was under way.
#[actix_web::test]
#[ignore = "needs PostgreSQL server binaries; .ci/run runs it"]
async fn a_dead_instances_leases_are_taken_over_once() {
    let postgres = Postgres::start();
    // Holds every request until released: A's attempts all stall.
    let receiver = Receiver::start_holding(Duration::ZERO, 0);
    // The app's attempt timeout is half its lease: 5 s, far more than the few
    // hundred milliseconds before the kill, so A never retries on its own.
    let lease = Duration::from_secs(10);
    let mut first = App::start(&postgres.url(), lease);
    let client = client();
    let mut accepted = HashSet::new();
    for n in 0..50u64 {
        accepted.insert(
            post_event(&client, &first, "/events", n, &receiver.url())
                .await
                .expect("accepted"),
        );
    }
    assert!(
        wait_until(Duration::from_secs(20), || receiver.in_flight().len() == 50).await,
        "A never had all 50 in flight: {}",
        receiver.in_flight().len()
    );
    // B starts while A's attempts stall; it may claim nothing A holds.
    let second = App::start(&postgres.url(), lease);
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        receiver.arrived().len(),
        50,
        "B attempted a delivery A still held"
    );
    let killed_at = Instant::now();
    first.kill();
    receiver.release();
    assert!(
        second.drained(&client, Duration::from_secs(60)).await,
        "deliveries left unfinished: {:?}",
        second.unfinished(&client).await
    );
    let resumed_after = killed_at.elapsed();
    for id in &accepted {
        assert_eq!(
            receiver.arrivals(id),
            2,
            "{id}: once from A (cut off), once from B"
        );
    }
    assert!(receiver.overlaps().is_empty(), "{:?}", receiver.overlaps());
    // B waited for A's leases (10 s from their claim) rather than taking over
    // at once.
    assert!(
        resumed_after >= Duration::from_secs(5),
        "taken over after {resumed_after:?}"
    );
    receiver.stop().await;
}

/// Counts the statements that insert deliveries and that write outcomes, by
/// statement-level triggers of the test's own.
async fn count_statements(url: &str) -> tokio_postgres::Client {
    let db = connect(url).await;
    db.batch_execute(
        "CREATE TABLE test_statements (kind TEXT NOT NULL);
         CREATE FUNCTION test_count_statement() RETURNS trigger AS $$
         BEGIN
             INSERT INTO test_statements VALUES (TG_OP);
             RETURN NULL;
         END $$ LANGUAGE plpgsql;
         CREATE TRIGGER test_count_statement AFTER INSERT OR UPDATE ON hookspec_deliveries
             FOR EACH STATEMENT EXECUTE FUNCTION test_count_statement();",
    )
    .await
    .unwrap();
    db
}

async fn statements(db: &tokio_postgres::Client, kind: &str) -> i64 {
    db.query_one(
        "SELECT count(*) FROM test_statements WHERE kind = $1",
        &[&kind],
    )
    .await
    .unwrap()
    .get(0)
}

#[actix_web::test]
#[ignore = "needs PostgreSQL server binaries; .ci/run runs it"]
async fn concurrent_writes_share_statements_and_a_bad_delivery_fails_alone() {
    use hookspec::delivery::records::{Attempt, DeliveryFilter, DeliveryId, StateKind};
    use hookspec::delivery::store::DeliveryStore;
    use hookspec::delivery::store::{Lease, NewDelivery, Next, PostgresStore};
    use std::time::SystemTime;

    let postgres = Postgres::start();
    let store = PostgresStore::connect(&postgres.url()).await.unwrap();
    let db = count_statements(&postgres.url()).await;
    let delivery = |n: usize, owner: Option<&str>| NewDelivery {
        id: DeliveryId::from(format!("grouped_{n}").as_str()),
        callback: "event_notification".into(),
        method: "POST".into(),
        url: format!("http://127.0.0.1:9/events/{n}"),
        content_type: Some("application/json".into()),
        body: format!(r#"{{"n":{n}}}"#).into_bytes(),
        created_at: SystemTime::now(),
        owner: owner.map(str::to_owned),
        endpoint: None,
    };
    // 64 handlers enqueue at once: every one is accepted, in fewer statements.
    let inserts: Vec<_> = (0..64)
        .map(|n| {
            let (store, delivery) = (store.clone(), delivery(n, None));
            actix_web::rt::spawn(async move { store.insert(&delivery).await })
        })
        .collect();
    for insert in inserts {
        insert.await.unwrap().unwrap();
    }
    assert_eq!(store.unfinished().await.unwrap(), 64);
    let insert_statements = statements(&db, "INSERT").await;
    assert!(
        insert_statements < 64,
        "64 concurrent inserts took {insert_statements} statements"
    );

    // A delivery PostgreSQL refuses (a NUL byte in text) among good ones fails
    // alone: its group is written again one by one.
    let inserts: Vec<_> = (64..80)
        .map(|n| {
            let key = (n == 70).then_some("bad\0key");
            let (store, delivery) = (store.clone(), delivery(n, key));
            actix_web::rt::spawn(async move { store.insert(&delivery).await })
        })
        .collect();
    let mut failed = Vec::new();
    for (n, insert) in (64..80).zip(inserts) {
        if insert.await.unwrap().is_err() {
            failed.push(n);
        }
    }
    assert_eq!(failed, [70]);
    assert_eq!(store.unfinished().await.unwrap(), 79);

    // Every outcome written at once lands with its attempt; one under a lease
    // that is not held says so and writes nothing.
    let lease = Lease {
        token: "test/1".into(),
        until: SystemTime::now() + Duration::from_secs(60),
    };
    let claimed = store.claim(SystemTime::now(), &lease, 100).await.unwrap();
    assert_eq!(claimed.len(), 79);
    let updates_before = statements(&db, "UPDATE").await;
    let outcomes: Vec<_> = claimed
        .iter()
        .enumerate()
        .map(|(index, claimed)| {
            let store = store.clone();
            let id = claimed.delivery.id.clone();
            let token = if index == 0 { "test/stale" } else { "test/1" };
            actix_web::rt::spawn(async move {
                let attempt = Attempt {
                    number: 1,
                    started_at: SystemTime::now(),
                    duration: Duration::from_millis(3),
                    status: Some(204),
                    error: None,
                };
                let held = store
                    .complete(&id, token, &attempt, &Next::Succeeded, None)
                    .await
                    .unwrap();
                (id, held)
            })
        })
        .collect();
    let mut stale = Vec::new();
    for outcome in outcomes {
        let (id, held) = outcome.await.unwrap();
        if !held {
            stale.push(id);
        }
    }
    assert_eq!(stale, [claimed[0].delivery.id.clone()]);
    let update_statements = statements(&db, "UPDATE").await - updates_before;
    assert!(
        update_statements < 79,
        "79 concurrent outcomes took {update_statements} statements"
    );
    let succeeded = store
        .list(&DeliveryFilter {
            state: Some(StateKind::Succeeded),
            limit: None,
        })
        .await
        .unwrap();
    assert_eq!(succeeded.len(), 78);
    for record in &succeeded {
        assert_eq!(record.attempts.len(), 1, "{}", record.id);
        assert_eq!(record.attempts[0].status, Some(204));
    }
    assert_eq!(store.unfinished().await.unwrap(), 1);
}

/// `sslmode` is honoured: `require`, `verify-ca` and `verify-full` connect
/// with TLS, the server's certificate checked against `sslrootcert`, for the
/// pool and for the `LISTEN` connection (a dispatcher that polls hourly is
/// woken by another instance's insert); without the CA the self-signed chain is
/// refused, and no mode falls back to clear (the server refuses clear
/// connections, so a clear connection would fail every check here).
#[actix_web::test]
#[ignore = "needs PostgreSQL server binaries; .ci/run runs it"]
async fn postgres_tls_is_used_as_sslmode_asks_and_never_falls_back_to_clear() {
    use hookspec::delivery::policy::AddressPolicy;
    use hookspec::delivery::records::DeliveryId;
    use hookspec::delivery::store::DeliveryStore;
    use hookspec::delivery::store::{NewDelivery, PostgresStore};
    use hookspec::delivery::Callbacks;
    use std::time::SystemTime;

    let postgres = Postgres::start_tls();
    let clear = PostgresStore::connect(&postgres.url()).await.err();
    assert!(clear.is_some(), "the server took a connection in clear");
    let ca = postgres.ca_file();
    for mode in ["require", "verify-ca", "verify-full"] {
        let url = format!(
            "{}?sslmode={mode}&sslrootcert={}",
            postgres.url(),
            ca.display()
        );
        let store = PostgresStore::connect(&url).await.unwrap();
        assert_eq!(store.unfinished().await.unwrap(), 0, "{mode}");
    }
    let untrusted = PostgresStore::connect(&format!("{}?sslmode=verify-full", postgres.url()))
        .await
        .expect_err("a self-signed chain the platform does not trust");
    assert!(
        untrusted.to_string().to_lowercase().contains("certificate"),
        "{untrusted}"
    );

    let url = format!(
        "{}?sslmode=verify-full&sslrootcert={}",
        postgres.url(),
        ca.display()
    );
    let receiver = Receiver::start(Duration::ZERO);
    let callbacks = Callbacks::builder()
        .unsigned()
        .store_url(&url)
        .unwrap()
        .address_policy(AddressPolicy::listed_only().allow_loopback())
        .poll_interval(Duration::from_secs(3600))
        .build()
        .unwrap();
    let other_instance = PostgresStore::connect(&url).await.unwrap();
    let id = DeliveryId::from("msg_over_tls");
    other_instance
        .insert(&NewDelivery {
            id: id.clone(),
            callback: "event_notification".into(),
            method: "POST".into(),
            url: format!("{}/events/1", receiver.url()),
            content_type: Some("application/json".into()),
            body: br#"{"n":1}"#.to_vec(),
            created_at: SystemTime::now(),
            owner: None,
            endpoint: None,
        })
        .await
        .unwrap();
    assert!(
        wait_until(Duration::from_secs(20), || receiver
            .ids()
            .contains(id.as_str()))
        .await,
        "the insert did not wake the dispatcher over its TLS LISTEN connection"
    );
    callbacks.shutdown(Duration::from_secs(1)).await;
    receiver.stop().await;
}

/// Something happened.
#[hookspec::webhook("thing.happened")]
async fn thing_happened(body: actix_web::web::Json<serde_json::Value>) {}

/// An instance on the database at `url`: owners' and endpoints' secrets sealed
/// with `key`, `thing.happened` in its catalog, receivers on 127.0.0.1.
fn subscribing_instance(
    url: &str,
    key: &hookspec::delivery::owners::SecretsKey,
) -> hookspec::delivery::Callbacks {
    let api = hookspec::Api::new("Things", "1.0.0").webhook(thing_happened);
    hookspec::delivery::Callbacks::builder()
        .store_url(url)
        .unwrap()
        .owner_secrets(key.clone())
        .api(&api)
        .address_policy(hookspec::delivery::policy::AddressPolicy::listed_only().allow_loopback())
        .build()
        .unwrap()
}

/// An endpoint that answers `410 Gone` to one instance is disabled for both:
/// the other instance sees it disabled and publishes nothing more to it.
#[actix_web::test]
#[ignore = "needs PostgreSQL server binaries; .ci/run runs it"]
async fn a_410_disables_the_endpoint_on_both_instances() {
    use hookspec::delivery::owners::SecretsKey;
    use hookspec::delivery::subscriptions::NewEndpoint;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    let postgres = Postgres::start();
    // A receiver that wants nothing more: every request is answered 410.
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&requests);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let gone_url = format!("http://{}/gone", listener.local_addr().unwrap());
    let server = actix_web::HttpServer::new(move || {
        let counted = Arc::clone(&counted);
        actix_web::App::new().default_service(actix_web::web::to(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            async { actix_web::HttpResponse::Gone().finish() }
        }))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    let key = SecretsKey::generate().unwrap();
    let (first, second) = (
        subscribing_instance(&postgres.url(), &key),
        subscribing_instance(&postgres.url(), &key),
    );
    let endpoint = first
        .create_endpoint("ada", NewEndpoint::new(&gone_url))
        .await
        .unwrap();
    let published = second
        .publish::<thing_happened>("ada")
        .send(&serde_json::json!({ "n": 1 }))
        .await
        .unwrap();
    assert_eq!(published.deliveries, 1);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let seen = first.endpoint("ada", &endpoint.id).await.unwrap().unwrap();
        if seen.disabled.is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "the endpoint was not disabled");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    for instance in [&first, &second] {
        let seen = instance
            .endpoint("ada", &endpoint.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(seen.disabled.unwrap().reason, "it answered 410 Gone");
        let again = instance
            .publish::<thing_happened>("ada")
            .send(&serde_json::json!({ "n": 2 }))
            .await
            .unwrap();
        assert_eq!(again.deliveries, 0);
    }
    assert_eq!(
        requests.load(Ordering::SeqCst),
        1,
        "one attempt, then nothing"
    );
    first.shutdown(Duration::from_secs(1)).await;
    second.shutdown(Duration::from_secs(1)).await;
    handle.stop(false).await;
}

/// An instance on `postgres` where `ada` has one endpoint, at `receiver`.
async fn subscribed(
    postgres: &Postgres,
    receiver: &Receiver,
) -> (
    hookspec::delivery::Callbacks,
    hookspec::delivery::subscriptions::Endpoint,
) {
    use hookspec::delivery::owners::SecretsKey;
    use hookspec::delivery::subscriptions::NewEndpoint;

    let callbacks = subscribing_instance(&postgres.url(), &SecretsKey::generate().unwrap());
    let endpoint = callbacks
        .create_endpoint(
            "ada",
            NewEndpoint::new(format!("{}/things", receiver.url())),
        )
        .await
        .unwrap();
    (callbacks, endpoint)
}

/// An event published inside the application's transaction reaches the
/// endpoint only if the transaction commits; a repeated idempotency key, once
/// committed, publishes nothing more.
#[actix_web::test]
#[ignore = "needs PostgreSQL server binaries; .ci/run runs it"]
async fn an_event_published_in_the_applications_transaction_is_sent_if_it_commits() {
    let postgres = Postgres::start();
    let receiver = Receiver::start(Duration::ZERO);
    let (callbacks, endpoint) = subscribed(&postgres, &receiver).await;
    let mut db = connect(&postgres.url()).await;
    let publish = |n: u32| {
        callbacks
            .publish::<thing_happened>("ada")
            .idempotency_key(format!("thing-{}", n.min(2)))
    };

    let transaction = db.transaction().await.unwrap();
    let rolled_back = publish(1)
        .send_in(&transaction, &serde_json::json!({ "n": 1 }))
        .await
        .unwrap();
    assert_eq!(rolled_back.deliveries, 1);
    transaction.rollback().await.unwrap();

    let transaction = db.transaction().await.unwrap();
    let committed = publish(2)
        .send_in(&transaction, &serde_json::json!({ "n": 2 }))
        .await
        .unwrap();
    transaction.commit().await.unwrap();
    let transaction = db.transaction().await.unwrap();
    let repeated = publish(3)
        .send_in(&transaction, &serde_json::json!({ "n": 3 }))
        .await
        .unwrap();
    transaction.commit().await.unwrap();
    assert_eq!(
        (
            repeated.message.clone(),
            repeated.deliveries,
            repeated.repeated
        ),
        (committed.message.clone(), 0, true)
    );

    callbacks.poll_now();
    let sent = format!("{}.{}", committed.message, endpoint.id);
    assert!(
        wait_until(Duration::from_secs(20), || receiver.ids().contains(&sent)).await,
        "the committed event never arrived"
    );
    let deliveries: i64 = db
        .query_one("SELECT count(*) FROM hookspec_deliveries", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        deliveries, 1,
        "only the committed publication wrote a delivery"
    );
    assert_eq!(receiver.ids(), HashSet::from([sent]));
    callbacks.shutdown(Duration::from_secs(1)).await;
    receiver.stop().await;
}

/// The transactional outbox on sqlx: a delivery (`enqueue_in`) and a
/// publication (`send_in`) written in a rolled-back sqlx transaction are never
/// sent; written in a committed one, they are. A `PgConnection` inside the
/// application's own `BEGIN` takes them too, and a repeated idempotency key
/// there publishes nothing more.
#[actix_web::test]
#[ignore = "needs PostgreSQL server binaries; .ci/run runs it"]
async fn deliveries_written_in_an_sqlx_transaction_are_sent_if_it_commits() {
    let postgres = Postgres::start();
    let receiver = Receiver::start(Duration::ZERO);
    let (callbacks, endpoint) = subscribed(&postgres, &receiver).await;
    let pool = sqlx::PgPool::connect(&postgres.url()).await.unwrap();
    let direct = format!("{}/direct", receiver.url());
    let mut committed = HashSet::new();
    let mut first_message = None;
    for commit in [false, true] {
        let mut transaction = pool.begin().await.unwrap();
        let enqueued = callbacks
            .webhook::<thing_happened>(&direct)
            .owner("ada")
            .enqueue_in(&mut transaction, &serde_json::json!({ "n": 1 }))
            .await
            .unwrap();
        let published = callbacks
            .publish::<thing_happened>("ada")
            .idempotency_key("thing")
            .send_in(&mut transaction, &serde_json::json!({ "n": 2 }))
            .await
            .unwrap();
        assert_eq!((published.deliveries, published.repeated), (1, false));
        if commit {
            transaction.commit().await.unwrap();
            committed.insert(enqueued.to_string());
            committed.insert(format!("{}.{}", published.message, endpoint.id));
            first_message = Some(published.message);
        } else {
            transaction.rollback().await.unwrap();
        }
    }

    let mut connection = pool.acquire().await.unwrap();
    sqlx::query("BEGIN")
        .execute(&mut *connection)
        .await
        .unwrap();
    let repeated = callbacks
        .publish::<thing_happened>("ada")
        .idempotency_key("thing")
        .send_in(&mut *connection, &serde_json::json!({ "n": 3 }))
        .await
        .unwrap();
    sqlx::query("COMMIT")
        .execute(&mut *connection)
        .await
        .unwrap();
    assert_eq!(
        (
            Some(repeated.message),
            repeated.deliveries,
            repeated.repeated
        ),
        (first_message, 0, true)
    );

    callbacks.poll_now();
    assert!(
        wait_until(Duration::from_secs(20), || receiver.ids() == committed).await,
        "the committed deliveries did not arrive: {:?}",
        receiver.ids()
    );
    let stored: Vec<String> = sqlx::query_scalar("SELECT id FROM hookspec_deliveries")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        stored.into_iter().collect::<HashSet<_>>(),
        committed,
        "only the committed transaction wrote deliveries"
    );
    callbacks.shutdown(Duration::from_secs(1)).await;
    receiver.stop().await;
}
