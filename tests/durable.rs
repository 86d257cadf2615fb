//! Deliveries survive the process: the app under test is killed with SIGKILL
//! while callbacks are in flight, restarted on the same SQLite file, and every
//! callback it accepted reaches the receiver. (The PostgreSQL versions, with two
//! instances and a database outage, are in `durable_postgres.rs`.)

mod outbox;

use std::collections::HashSet;
use std::time::Duration;

use outbox::{client, post_event, sqlite_file, temp_dir, wait_until, App, Receiver};

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

/// Kills `app` once `receiver` has completed at least `after` deliveries but
/// not all of `accepted`: some are in flight, some not yet attempted.
async fn kill_mid_run(app: &mut App, receiver: &Receiver, after: usize, accepted: usize) {
    assert!(
        wait_until(Duration::from_secs(30), || receiver.distinct() >= after).await,
        "deliveries never started"
    );
    app.kill();
    let done = receiver.distinct();
    assert!(
        done < accepted,
        "all {accepted} were delivered before the kill: the test proves nothing"
    );
}

/// Shared by the SQLite and PostgreSQL versions: 200 callbacks to a slow
/// receiver, SIGKILL mid-run, restart, and every accepted one arrives.
pub async fn every_accepted_callback_survives_a_kill(store: &str) {
    // 100 ms per delivery: with 64 at once, 200 take about 0.4 s, plenty of time
    // to kill the app in the middle.
    let receiver = Receiver::start(Duration::from_millis(100));
    // A short lease: the deliveries in flight at the kill are resumed 2 s later.
    let lease = Duration::from_secs(2);
    let mut app = App::start(store, lease);
    let accepted = post_events(&app, &receiver, 0, 200).await;
    assert_eq!(accepted.len(), 200);
    kill_mid_run(&mut app, &receiver, 20, accepted.len()).await;
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
    eprintln!(
        "{} accepted; {delivered_before_restart} delivered before the kill; {} sent twice",
        accepted.len(),
        duplicated.len()
    );
    receiver.stop().await;
}

#[actix_web::test]
async fn sqlite_every_accepted_callback_survives_a_kill() {
    let dir = temp_dir("sqlite-kill");
    every_accepted_callback_survives_a_kill(&sqlite_file(&dir)).await;
    let _ = std::fs::remove_dir_all(dir);
}
