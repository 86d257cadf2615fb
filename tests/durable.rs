//! Deliveries survive the process: the app under test is killed with SIGKILL
//! while callbacks are in flight, restarted on the same SQLite file, and every
//! callback it accepted reaches the receiver. (The PostgreSQL versions, with two
//! instances and a database outage, are in `durable_postgres.rs`.)

mod outbox;

use outbox::{every_accepted_callback_survives_a_kill, sqlite_file, temp_dir};

#[actix_web::test]
async fn sqlite_every_accepted_callback_survives_a_kill() {
    let dir = temp_dir("sqlite-kill");
    every_accepted_callback_survives_a_kill(&sqlite_file(&dir)).await;
    let _ = std::fs::remove_dir_all(dir);
}

/// One event callback, declared as the app under test declares it.
#[hookspec::callback(post, "{$request.query.callback_url}/events/{$request.body#/n}")]
async fn event_notification(body: actix_web::web::Json<serde_json::Value>) {}

#[actix_web::test]
async fn a_graceful_shutdown_leaves_unfinished_deliveries_for_the_next_start() {
    use hookspec::delivery::policy::AddressPolicy;
    use hookspec::delivery::records::DeliveryState;
    use hookspec::delivery::{Callbacks, Trigger};
    use std::time::{Duration, Instant};
    let dir = temp_dir("sqlite-shutdown");
    let path = dir.join("deliveries.sqlite3");
    // Slower than the first instance's grace: its attempt is cut off.
    let receiver = outbox::Receiver::start(Duration::from_millis(500));
    let instance = |concurrency: usize| {
        Callbacks::builder()
            .unsigned()
            .sqlite(&path)
            .address_policy(AddressPolicy::listed_only().allow_loopback())
            .attempt_timeout(Duration::from_secs(2))
            .poll_interval(Duration::from_millis(50))
            .concurrency(concurrency)
            .build()
            .unwrap()
    };
    let trigger = || Trigger {
        query: vec![("callback_url".into(), receiver.url())],
        body: Some(serde_json::json!({ "n": 1 })),
        ..Trigger::default()
    };
    // One send slot: the first delivery is attempted, the second waits in the
    // instance's backlog, leased to it.
    let first = instance(1);
    let mut ids = Vec::new();
    for n in 0..2 {
        ids.push(
            first
                .callback_for::<event_notification>(trigger())
                .enqueue(&serde_json::json!({ "n": n }))
                .await
                .unwrap(),
        );
    }
    assert!(
        outbox::wait_until(Duration::from_secs(10), || !receiver.arrived().is_empty()).await,
        "the first attempt never reached the receiver"
    );
    assert_eq!(first.shutdown(Duration::ZERO).await, 2, "left for later");
    // Their leases were given back (the attempted one's and the backlogged
    // one's): the next start sends them at once, not a lease later.
    let started = Instant::now();
    let second = instance(8);
    let deadline = started + Duration::from_secs(10);
    for id in &ids {
        loop {
            let record = second.delivery(id).await.unwrap().unwrap();
            if record.state == DeliveryState::Succeeded {
                break;
            }
            assert!(Instant::now() < deadline, "{record:?}");
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "resumed without waiting for a lease (default 32 s)"
    );
    second.shutdown(Duration::from_secs(1)).await;
    receiver.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[actix_web::test]
async fn a_graceful_shutdown_with_a_grace_lets_attempts_under_way_finish() {
    use hookspec::delivery::policy::AddressPolicy;
    use hookspec::delivery::records::DeliveryState;
    use hookspec::delivery::{Callbacks, Trigger};
    use std::time::Duration;
    let dir = temp_dir("sqlite-grace");
    let receiver = outbox::Receiver::start(Duration::from_millis(500));
    let callbacks = Callbacks::builder()
        .unsigned()
        .sqlite(dir.join("deliveries.sqlite3"))
        .address_policy(AddressPolicy::listed_only().allow_loopback())
        .attempt_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let trigger = Trigger {
        query: vec![("callback_url".into(), receiver.url())],
        body: Some(serde_json::json!({ "n": 1 })),
        ..Trigger::default()
    };
    let id = callbacks
        .callback_for::<event_notification>(trigger)
        .enqueue(&serde_json::json!({ "n": 1 }))
        .await
        .unwrap();
    assert!(
        outbox::wait_until(Duration::from_secs(10), || !receiver.arrived().is_empty()).await,
        "the attempt never started"
    );
    // The receiver takes 500 ms; a grace of 10 s lets it answer.
    assert_eq!(
        callbacks.shutdown(Duration::from_secs(10)).await,
        0,
        "nothing left over"
    );
    assert_eq!(receiver.distinct(), 1);
    let record = callbacks.delivery(&id).await.unwrap().unwrap();
    assert_eq!(record.state, DeliveryState::Succeeded, "{record:?}");
    receiver.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// Finished deliveries leave a durable store after the retention; dead
/// letters stay until purged.
#[actix_web::test]
async fn finished_deliveries_are_purged_after_the_retention() {
    use hookspec::delivery::policy::{AddressPolicy, RetryPolicy};
    use hookspec::delivery::records::{DeliveryFilter, DeliveryState};
    use hookspec::delivery::{Callbacks, Trigger};
    use std::time::{Duration, Instant, SystemTime};
    let dir = temp_dir("sqlite-retention");
    let receiver = outbox::Receiver::start(Duration::ZERO);
    let callbacks = Callbacks::builder()
        .unsigned()
        .sqlite(dir.join("deliveries.sqlite3"))
        .address_policy(AddressPolicy::listed_only().allow_loopback())
        .retry(RetryPolicy::with_schedule([]))
        .retention(Duration::from_millis(500))
        .build()
        .unwrap();
    let send = |base: String| {
        let callbacks = callbacks.clone();
        async move {
            let trigger = Trigger {
                query: vec![("callback_url".into(), base)],
                body: Some(serde_json::json!({ "n": 1 })),
                ..Trigger::default()
            };
            callbacks
                .callback_for::<event_notification>(trigger)
                .enqueue(&serde_json::json!({ "n": 1 }))
                .await
                .unwrap()
        }
    };
    let delivered = send(receiver.url()).await;
    // Port 9 on loopback: refused at once, a dead letter after one attempt.
    let dead = send("http://127.0.0.1:9".into()).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let gone = callbacks.delivery(&delivered).await.unwrap().is_none();
        let dead_state = callbacks.delivery(&dead).await.unwrap().map(|r| r.state);
        if gone && matches!(dead_state, Some(DeliveryState::Failed { .. })) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "delivered one still kept: {}, dead letter: {dead_state:?}",
            !gone
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(receiver.distinct(), 1);
    // The dead letter is kept past the retention, until purged.
    assert_eq!(callbacks.dead_letters().await.unwrap().len(), 1);
    assert_eq!(
        callbacks
            .purge_dead_letters(SystemTime::now())
            .await
            .unwrap(),
        1
    );
    assert!(callbacks
        .deliveries(DeliveryFilter::all())
        .await
        .unwrap()
        .is_empty());
    callbacks.shutdown(Duration::from_secs(1)).await;
    receiver.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// A durable store has a bound too: past `max_unfinished`, callbacks are
/// refused with `QueueFull` (a 503 for a handler), nothing dropped silently.
#[actix_web::test]
async fn a_full_durable_store_refuses_instead_of_growing() {
    use hookspec::delivery::policy::{AddressPolicy, RetryPolicy};
    use hookspec::delivery::{Callbacks, SendError, Trigger};
    use std::time::Duration;
    let dir = temp_dir("sqlite-bound");
    // Port 9 on loopback refuses: every delivery stays unfinished, retrying.
    let callbacks = Callbacks::builder()
        .unsigned()
        .sqlite(dir.join("deliveries.sqlite3"))
        .address_policy(AddressPolicy::listed_only().allow_loopback())
        .retry(RetryPolicy::with_schedule([Duration::from_secs(3600)]))
        .max_unfinished(5)
        .build()
        .unwrap();
    // Counted while building: the bound is exact for one instance from the start.
    let trigger = || Trigger {
        query: vec![("callback_url".into(), "http://127.0.0.1:9".into())],
        body: Some(serde_json::json!({ "n": 1 })),
        ..Trigger::default()
    };
    for _ in 0..5 {
        callbacks
            .callback_for::<event_notification>(trigger())
            .enqueue(&serde_json::json!({ "n": 1 }))
            .await
            .unwrap();
    }
    let refused = callbacks
        .callback_for::<event_notification>(trigger())
        .enqueue(&serde_json::json!({ "n": 1 }))
        .await;
    assert!(
        matches!(refused, Err(SendError::QueueFull { capacity: 5 })),
        "{refused:?}"
    );
    assert!(refused.unwrap_err().is_unavailable());
    assert_eq!(
        callbacks.unfinished().await.unwrap(),
        5,
        "nothing more was written"
    );
    callbacks.shutdown(Duration::ZERO).await;
    let _ = std::fs::remove_dir_all(dir);
}

/// Dead letters count against a durable store's bound while they stay (a store
/// full of them refuses more, from the next start on), and leave after their
/// retention, which makes room again.
#[actix_web::test]
async fn dead_letters_count_against_the_bound_and_leave_after_their_retention() {
    use hookspec::delivery::policy::{AddressPolicy, RetryPolicy};
    use hookspec::delivery::{Callbacks, SendError, Trigger};
    use std::time::{Duration, Instant};
    let dir = temp_dir("sqlite-dead-letters");
    let file = dir.join("deliveries.sqlite3");
    // Port 9 on loopback refuses, and no retry is scheduled: every delivery is
    // a dead letter after its one attempt.
    let builder = || {
        Callbacks::builder()
            .unsigned()
            .sqlite(&file)
            .address_policy(AddressPolicy::listed_only().allow_loopback())
            .retry(RetryPolicy::with_schedule([]))
            .max_unfinished(2)
    };
    async fn send(
        callbacks: &Callbacks,
    ) -> Result<hookspec::delivery::records::DeliveryId, SendError> {
        let trigger = Trigger {
            query: vec![("callback_url".into(), "http://127.0.0.1:9".into())],
            body: Some(serde_json::json!({ "n": 1 })),
            ..Trigger::default()
        };
        callbacks
            .callback_for::<event_notification>(trigger)
            .enqueue(&serde_json::json!({ "n": 1 }))
            .await
    }
    let first = builder().build().unwrap();
    send(&first).await.unwrap();
    send(&first).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while first.dead_letters().await.unwrap().len() < 2 {
        assert!(Instant::now() < deadline, "no dead letters");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(first.unfinished().await.unwrap(), 0);
    first.shutdown(Duration::ZERO).await;

    // Nothing unfinished, two dead letters: the bound of two is reached.
    let second = builder().build().unwrap();
    let refused = send(&second).await;
    assert!(
        matches!(refused, Err(SendError::QueueFull { capacity: 2 })),
        "{refused:?}"
    );
    second.shutdown(Duration::ZERO).await;

    // Kept for half a second: the purge deletes them, and there is room again.
    let third = builder()
        .dead_letter_retention(Duration::from_millis(500))
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !third.dead_letters().await.unwrap().is_empty() {
        assert!(Instant::now() < deadline, "the dead letters stayed");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    // Accepted once the store has been counted again (every second).
    let deadline = Instant::now() + Duration::from_secs(20);
    while send(&third).await.is_err() {
        assert!(Instant::now() < deadline, "no room after the purge");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    third.shutdown(Duration::ZERO).await;
    let _ = std::fs::remove_dir_all(dir);
}

/// Owners' secrets are sealed in the SQLite file: neither the secret nor its
/// bytes appear in the file or its journal, the same key reads them back after
/// a restart, and another key (or none) is refused rather than signing with
/// something nobody chose.
#[actix_web::test]
async fn owner_secrets_are_sealed_at_rest_and_open_with_their_key_only() {
    use base64::Engine as _;
    use hookspec::delivery::owners::{SecretsError, SecretsKey};
    use hookspec::delivery::Callbacks;
    let dir = temp_dir("sqlite-sealed");
    let path = dir.join("deliveries.sqlite3");
    let key = SecretsKey::generate().unwrap();
    let open =
        |builder: hookspec::delivery::CallbacksBuilder| builder.sqlite(&path).build().unwrap();

    let first = open(Callbacks::builder().owner_secrets(key.clone()));
    let secret = first.owner_secrets("ada").await.unwrap()[0]
        .secret()
        .to_owned();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut stored = Vec::new();
    for file in ["deliveries.sqlite3", "deliveries.sqlite3-wal"] {
        stored.extend(std::fs::read(dir.join(file)).unwrap_or_default());
    }
    assert!(stored.len() > 4096, "the file and its journal were read");
    let holds = |needle: &[u8]| stored.windows(needle.len()).any(|window| window == needle);
    assert!(!holds(secret.as_bytes()), "the secret is in the file");
    assert!(!holds(&raw), "the secret's bytes are in the file");
    first.shutdown(std::time::Duration::from_secs(1)).await;
    drop(first);

    let again = open(Callbacks::builder().owner_secrets(key));
    let read = again.owner_secrets("ada").await.unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].secret(), secret, "the same secret after a restart");
    again.shutdown(std::time::Duration::from_secs(1)).await;
    drop(again);

    let other = open(Callbacks::builder().owner_secrets(SecretsKey::generate().unwrap()));
    let refused = other.owner_secrets("ada").await.unwrap_err();
    assert!(matches!(refused, SecretsError::Key(_)), "{refused:?}");
    assert!(!refused.to_string().contains(&secret[6..]), "{refused}");
    other.shutdown(std::time::Duration::from_secs(1)).await;
    drop(other);

    let plain = open(Callbacks::builder().owner_secrets_in_plaintext());
    let refused = plain.owner_secrets("ada").await.unwrap_err();
    assert!(matches!(refused, SecretsError::Key(_)), "{refused:?}");
    plain.shutdown(std::time::Duration::from_secs(1)).await;
    let _ = std::fs::remove_dir_all(dir);
}
