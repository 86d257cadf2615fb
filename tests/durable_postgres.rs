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

#[actix_web::test]
#[ignore = "needs PostgreSQL server binaries; .ci/run runs it"]
async fn two_instances_share_one_queue_without_attempting_a_delivery_twice() {
    let postgres = Postgres::start();
    let receiver = Receiver::start(Duration::from_millis(5));
    // A lease far longer than the test: no delivery may be taken over, so any
    // duplicate or overlap is a claiming bug.
    let lease = Duration::from_secs(120);
    let first = App::start(&postgres.url(), lease);
    let second = App::start(&postgres.url(), lease);
    let client = client();
    let mut accepted = HashSet::new();
    for n in 0..1000u64 {
        // Alternate: each instance enqueues half, and both claim from the one queue.
        let app = if n % 2 == 0 { &first } else { &second };
        let id = post_event(&client, app, "/events", n, &receiver.url())
            .await
            .unwrap_or_else(|error| panic!("event {n} refused: {error:?}"));
        accepted.insert(id);
    }
    assert_eq!(accepted.len(), 1000);
    assert!(
        first.drained(&client, Duration::from_secs(120)).await,
        "deliveries left unfinished: {:?}",
        first.unfinished(&client).await
    );
    assert_eq!(receiver.ids(), accepted, "every accepted callback arrives");
    assert_eq!(
        receiver.duplicates(),
        0,
        "no lease expired, so no duplicates"
    );
    assert!(receiver.overlaps().is_empty(), "{:?}", receiver.overlaps());
    receiver.stop().await;
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
    let (db, connection) = tokio_postgres::connect(&postgres.url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    actix_web::rt::spawn(connection);
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
    use hookspec::delivery::DeliveryStore;
    assert_eq!(again.unfinished().await.unwrap(), 2);
}
