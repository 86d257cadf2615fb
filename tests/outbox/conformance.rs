//! What every [`DeliveryStore`] must do, checked the same way against each:
//! claims and leases, outcomes under a stale lease, retries coming due, dead
//! letters and replay, leases given back.

use std::time::{Duration, SystemTime};

use hookspec::delivery::records::{Attempt, DeliveryFilter, DeliveryId, DeliveryState, StateKind};
use hookspec::delivery::store::DeliveryStore;
use hookspec::delivery::store::{ClaimedDelivery, Lease, NewDelivery, Next};

fn delivery(id: &str, at: SystemTime) -> NewDelivery {
    NewDelivery {
        id: DeliveryId::from(id),
        callback: "event_notification".into(),
        method: "POST".into(),
        url: "http://127.0.0.1:9/events/1".into(),
        content_type: Some("application/json".into()),
        body: br#"{"n":1}"#.to_vec(),
        created_at: at,
        owner: None,
        endpoint: None,
    }
}

fn attempt(number: u32, status: u16) -> Attempt {
    Attempt {
        number,
        // Whole milliseconds: stores keep milliseconds.
        started_at: SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_000),
        duration: Duration::from_micros(1500),
        status: Some(status),
        error: (status >= 300).then(|| format!("the receiver answered {status}")),
    }
}

fn lease(token: &str, until: SystemTime) -> Lease {
    Lease {
        token: token.into(),
        until,
    }
}

fn ids(claimed: &[ClaimedDelivery]) -> Vec<&str> {
    claimed.iter().map(|c| c.delivery.id.as_str()).collect()
}

/// Runs every check against `store`, which must be empty.
pub async fn check(store: &dyn DeliveryStore) {
    // The real clock's now, in whole milliseconds as stores keep them: a record's
    // state (in flight or not) is read against the real clock, so the leases
    // below must end after it. The checks take well under the 90 s they allow.
    let since_epoch = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap();
    let t0 = SystemTime::UNIX_EPOCH + Duration::from_millis(since_epoch.as_millis() as u64);
    let s = Duration::from_secs;
    let a = DeliveryId::from("msg_a");
    let b = DeliveryId::from("msg_b");

    // A new delivery is pending and read back whole.
    store.insert(&delivery("msg_a", t0)).await.unwrap();
    // msg_b names a signing key, which the store keeps for every attempt.
    let keyed = NewDelivery {
        owner: Some("user_42".into()),
        endpoint: None,
        ..delivery("msg_b", t0 + s(1))
    };
    store.insert(&keyed).await.unwrap();
    let record = store.get(&a).await.unwrap().expect("a record");
    assert_eq!(record.state, DeliveryState::Pending);
    assert_eq!(record.url, "http://127.0.0.1:9/REDACTED/REDACTED");
    assert_eq!(record.created_at, t0);
    assert!(store
        .get(&DeliveryId::from("msg_none"))
        .await
        .unwrap()
        .is_none());
    assert_eq!(store.unfinished().await.unwrap(), 2);

    // Only due deliveries are claimed, oldest first, each by one lease.
    let first = lease("inst_1/1", t0 + s(30));
    let claimed = store.claim(t0, &first, 10).await.unwrap();
    assert_eq!(ids(&claimed), ["msg_a"]);
    assert_eq!(claimed[0].delivery, delivery("msg_a", t0));
    assert_eq!(claimed[0].attempts_made, 0);
    let second = lease("inst_2/1", t0 + s(60));
    let claimed = store.claim(t0 + s(2), &second, 10).await.unwrap();
    assert_eq!(
        ids(&claimed),
        ["msg_b"],
        "a leased delivery is not claimed again"
    );
    assert_eq!(claimed[0].delivery, keyed, "read back whole, its key too");
    // msg_b waits for a retry long after everything below.
    let much_later = t0 + s(10_000);
    assert!(store
        .complete(
            &b,
            "inst_2/1",
            &attempt(1, 429),
            &Next::RetryAt(much_later),
            None
        )
        .await
        .unwrap());

    // A worker that outlives its lease loses the delivery to another, and its
    // late outcome is not written.
    let third = lease("inst_2/2", t0 + s(90));
    let claimed = store.claim(t0 + s(30), &third, 10).await.unwrap();
    assert_eq!(ids(&claimed), ["msg_a"]);
    let stale = store
        .complete(&a, "inst_1/1", &attempt(1, 200), &Next::Succeeded, None)
        .await
        .unwrap();
    assert!(!stale, "an outcome under an expired lease is refused");

    // A failed attempt: retrying at a time; not claimable before it.
    let retry_at = t0 + s(40);
    let held = store
        .complete(
            &a,
            "inst_2/2",
            &attempt(1, 503),
            &Next::RetryAt(retry_at),
            None,
        )
        .await
        .unwrap();
    assert!(held);
    let record = store.get(&a).await.unwrap().unwrap();
    assert_eq!(record.state, DeliveryState::Retrying { at: retry_at });
    assert_eq!(record.attempts, [attempt(1, 503)]);
    let fourth = lease("inst_2/3", t0 + s(100));
    assert!(store
        .claim(t0 + s(39), &fourth, 10)
        .await
        .unwrap()
        .is_empty());
    let claimed = store.claim(retry_at, &fourth, 10).await.unwrap();
    assert_eq!(ids(&claimed), ["msg_a"]);
    assert_eq!(claimed[0].attempts_made, 1);
    let record = store.get(&a).await.unwrap().unwrap();
    // The lease ends at t0 + 100 s, after the real clock's now: in flight.
    assert!(SystemTime::now() < t0 + s(100), "the checks took too long");
    assert_eq!(record.state, DeliveryState::InFlight);

    // Given up: a dead letter with its attempts, listed and replayable once.
    let failed = Next::Failed("the receiver answered 410 Gone".into());
    assert!(store
        .complete(&a, "inst_2/3", &attempt(2, 410), &failed, None)
        .await
        .unwrap());
    let dead = store.list(&DeliveryFilter::dead_letters()).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].id, a);
    assert_eq!(
        dead[0].state,
        DeliveryState::Failed {
            reason: "the receiver answered 410 Gone".into()
        }
    );
    assert_eq!(dead[0].attempts, [attempt(1, 503), attempt(2, 410)]);
    assert!(store.replay(&a, t0 + s(200)).await.unwrap());
    assert!(
        !store.replay(&a, t0 + s(200)).await.unwrap(),
        "no longer dead"
    );
    assert!(!store.replay(&b, t0 + s(200)).await.unwrap(), "never dead");
    let fifth = lease("inst_3/1", t0 + s(300));
    let claimed = store.claim(t0 + s(200), &fifth, 10).await.unwrap();
    assert_eq!(ids(&claimed), ["msg_a"]);
    assert_eq!(claimed[0].attempts_made, 2);
    assert_eq!(
        claimed[0].attempts_in_round(),
        0,
        "a fresh round of retries"
    );
    assert_eq!(claimed[0].round_started_at, t0 + s(200));

    // Delivered: final, no longer unfinished, history kept.
    assert!(store
        .complete(&a, "inst_3/1", &attempt(3, 200), &Next::Succeeded, None)
        .await
        .unwrap());
    let record = store.get(&a).await.unwrap().unwrap();
    assert_eq!(record.state, DeliveryState::Succeeded);
    assert_eq!(record.attempts.len(), 3);
    assert_eq!(store.unfinished().await.unwrap(), 1);

    // An awaited send holds its lease through its retries.
    let own = lease("inst_4/1", t0 + s(400));
    store
        .insert_leased(&delivery("msg_c", t0 + s(300)), &own)
        .await
        .unwrap();
    let other = lease("inst_5/1", t0 + s(500));
    assert!(
        !ids(&store.claim(t0 + s(350), &other, 10).await.unwrap()).contains(&"msg_c"),
        "a delivery inserted under a lease is not claimed by others"
    );
    let c = DeliveryId::from("msg_c");
    assert!(store
        .complete(
            &c,
            "inst_4/1",
            &attempt(1, 500),
            &Next::RetryAt(t0 + s(360)),
            Some(t0 + s(460)),
        )
        .await
        .unwrap());
    assert!(
        store
            .claim(t0 + s(400), &other, 10)
            .await
            .unwrap()
            .is_empty(),
        "the lease is held past the retry time"
    );

    // Shutting down gives the instance's leases back at once.
    assert_eq!(store.release("inst_4").await.unwrap(), 1);
    let claimed = store.claim(t0 + s(400), &other, 10).await.unwrap();
    assert_eq!(ids(&claimed), ["msg_c"]);

    // A delivery deferred without an attempt (its endpoint busy): given back,
    // due at the time given, nothing counted.
    let lease_d = lease("inst_6/1", t0 + s(800));
    store.insert(&delivery("msg_d", t0 + s(600))).await.unwrap();
    let claimed = store.claim(t0 + s(600), &lease_d, 10).await.unwrap();
    assert!(ids(&claimed).contains(&"msg_d"));
    let d = DeliveryId::from("msg_d");
    assert!(
        !store.defer(&d, "inst_9/9", t0 + s(700)).await.unwrap(),
        "deferred under a lease it does not hold"
    );
    assert!(store.defer(&d, "inst_6/1", t0 + s(700)).await.unwrap());
    assert!(
        !ids(&store
            .claim(t0 + s(650), &lease("inst_7/1", t0 + s(900)), 10)
            .await
            .unwrap())
        .contains(&"msg_d"),
        "not due before the time given"
    );
    let claimed = store
        .claim(t0 + s(700), &lease("inst_7/2", t0 + s(900)), 10)
        .await
        .unwrap();
    let again = claimed
        .iter()
        .find(|c| c.delivery.id == d)
        .expect("due again at the time given");
    assert_eq!(again.attempts_made, 0, "no attempt counted");
    assert!(store.get(&d).await.unwrap().unwrap().attempts.is_empty());

    // Filters: by state, and a limit, oldest first.
    let succeeded = DeliveryFilter {
        state: Some(StateKind::Succeeded),
        limit: None,
    };
    let listed = store.list(&succeeded).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, a);
    let all = store.list(&DeliveryFilter::all()).await.unwrap();
    let all: Vec<&str> = all.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(all, ["msg_a", "msg_b", "msg_c", "msg_d"]);
    let limited = store.list(&DeliveryFilter::all().limit(2)).await.unwrap();
    assert_eq!(limited.len(), 2);

    // Retention: finished deliveries accepted before a time are deleted, in
    // bounded batches; unfinished ones never.
    assert_eq!(
        store
            .purge(StateKind::Unfinished, t0 + s(10_000), 100)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store.purge(StateKind::Succeeded, t0, 100).await.unwrap(),
        0,
        "accepted at t0, not before"
    );
    assert_eq!(
        store
            .purge(StateKind::Succeeded, t0 + s(1), 100)
            .await
            .unwrap(),
        1
    );
    assert!(
        store.get(&a).await.unwrap().is_none(),
        "purged with its attempts"
    );
    assert_eq!(store.unfinished().await.unwrap(), 3, "unfinished ones stay");
    let all = store.list(&DeliveryFilter::all()).await.unwrap();
    let all: Vec<&str> = all.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(all, ["msg_b", "msg_c", "msg_d"]);
    // What the bound counts: unfinished deliveries and dead letters.
    let dead_letters = store.list(&DeliveryFilter::dead_letters()).await.unwrap();
    let kept = store.kept().await.unwrap();
    assert_eq!(kept.unfinished, 3);
    assert_eq!(kept.dead_letters, dead_letters.len() as u64);
}

/// A recovered endpoint's held deliveries are made due at once: those to that
/// origin only (not to a port that merely starts the same), and not one another
/// worker holds leased. Needs an empty store.
pub async fn check_resume(store: &dyn DeliveryStore) {
    let since_epoch = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap();
    let t0 = SystemTime::UNIX_EPOCH + Duration::from_millis(since_epoch.as_millis() as u64);
    let s = Duration::from_secs;
    let to = |id: &str, url: &str| NewDelivery {
        url: url.into(),
        ..delivery(id, t0)
    };
    for (id, url) in [
        ("msg_r1", "http://a.test:8080/x"),
        ("msg_r2", "http://a.test:8080/y/z?q=1"),
        ("msg_r3", "http://a.test:80801/x"),
        ("msg_r4", "https://b.test/x"),
    ] {
        store.insert(&to(id, url)).await.unwrap();
    }
    let claimed = store
        .claim(t0, &lease("inst_r/1", t0 + s(60)), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 4);
    for held in &claimed {
        assert!(store
            .defer(&held.delivery.id, "inst_r/1", t0 + s(3600))
            .await
            .unwrap());
    }
    store
        .insert_leased(
            &to("msg_r5", "http://a.test:8080/q"),
            &lease("inst_r/2", t0 + s(60)),
        )
        .await
        .unwrap();
    // One at a time (a probe), the one due soonest; then the rest.
    assert_eq!(
        store
            .resume_endpoint("http://a.test:8080", t0 + s(1), 1)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .resume_endpoint("http://a.test:8080", t0 + s(1), u64::MAX)
            .await
            .unwrap(),
        1
    );
    let due = store
        .claim(t0 + s(1), &lease("inst_r/3", t0 + s(120)), 10)
        .await
        .unwrap();
    let mut due = ids(&due);
    due.sort_unstable();
    assert_eq!(due, ["msg_r1", "msg_r2"]);
    assert_eq!(
        store
            .resume_endpoint("http://c.test", t0 + s(1), u64::MAX)
            .await
            .unwrap(),
        0
    );
}

/// Signing secrets: a holder's first secret is made once (a second maker gets
/// the first's); a rotation numbers the new one above the others, which sign
/// until the overlap ends; one without overlap leaves only the new one; other
/// holders are untouched. Needs a store without secrets for `ada`/`bob`.
pub async fn check_secrets(store: &dyn DeliveryStore) {
    use hookspec::delivery::store::StoredSecret;
    assert!(store.keeps_secrets());
    // Whole milliseconds: stores keep milliseconds.
    let now = SystemTime::UNIX_EPOCH + Duration::from_millis(1_800_000_000_000);
    let hour = Duration::from_secs(3600);
    let sealed = |text: &str| text.as_bytes().to_vec();
    let first = |text: &str| StoredSecret {
        generation: 1,
        sealed: sealed(text),
        created_at: now,
        expires_at: None,
    };
    assert!(store.secrets("owner:ada", now).await.unwrap().is_empty());
    let made = store
        .add_first_secret("owner:ada", &first("ada-1"), now)
        .await
        .unwrap();
    assert_eq!(made, [first("ada-1")]);
    let again = store
        .add_first_secret("owner:ada", &first("ada-other"), now)
        .await
        .unwrap();
    assert_eq!(again, [first("ada-1")], "the first maker's secret stays");
    store
        .add_first_secret("owner:bob", &first("bob-1"), now)
        .await
        .unwrap();

    let rotated = store
        .rotate_secret("owner:ada", &sealed("ada-2"), now + hour, now + 2 * hour)
        .await
        .unwrap();
    assert_eq!(rotated.generation, 2);
    assert_eq!(rotated.expires_at, None);
    let signing = store.secrets("owner:ada", now + hour).await.unwrap();
    let generations: Vec<(u32, Vec<u8>, Option<SystemTime>)> = signing
        .into_iter()
        .map(|secret| (secret.generation, secret.sealed, secret.expires_at))
        .collect();
    assert_eq!(
        generations,
        [
            (2, sealed("ada-2"), None),
            (1, sealed("ada-1"), Some(now + 2 * hour))
        ]
    );
    // After the overlap, only the new one signs.
    let later = store.secrets("owner:ada", now + 2 * hour).await.unwrap();
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].sealed, sealed("ada-2"));

    // Without overlap, the new one alone, at once; the expired first one goes.
    let third = store
        .rotate_secret(
            "owner:ada",
            &sealed("ada-3"),
            now + 3 * hour,
            now + 3 * hour,
        )
        .await
        .unwrap();
    assert_eq!(third.generation, 3);
    let signing = store.secrets("owner:ada", now + 3 * hour).await.unwrap();
    assert_eq!(signing.len(), 1);
    assert_eq!(signing[0].sealed, sealed("ada-3"));
    let bob = store.secrets("owner:bob", now + 3 * hour).await.unwrap();
    assert_eq!(bob, [first("bob-1")]);
}

/// Subscriptions: endpoints are an owner's own (another owner's id is not
/// found, not replaced, not deleted), listed by id in pages; a publication
/// writes one delivery per enabled endpoint of its owner that wants its event
/// type, to that endpoint, and a repeated idempotency key (per owner) writes
/// nothing. Needs a store without endpoints or deliveries.
pub async fn check_endpoints(store: &dyn DeliveryStore) {
    use hookspec::delivery::store::{Publication, StoredEndpoint};
    use std::collections::BTreeMap;
    assert!(store.keeps_endpoints());
    // Whole milliseconds: stores keep milliseconds.
    let now = SystemTime::UNIX_EPOCH + Duration::from_millis(1_800_000_000_000);
    let endpoint = |id: &str, owner: &str, types: &[&str]| StoredEndpoint {
        id: id.into(),
        owner: owner.into(),
        url: format!("http://127.0.0.1:9/{id}"),
        event_types: types.iter().map(|name| (*name).to_owned()).collect(),
        description: format!("{owner}'s {id}"),
        metadata: BTreeMap::from([("team".to_owned(), owner.to_owned())]),
        disabled: None,
        failing_since: None,
        created_at: now,
        updated_at: now,
    };
    let disabled = StoredEndpoint {
        disabled: Some(("answered 410 Gone".into(), now)),
        ..endpoint("ep_a4", "ada", &[])
    };
    for registered in [
        endpoint("ep_a1", "ada", &[]),
        endpoint("ep_a2", "ada", &["invoice.paid"]),
        endpoint("ep_a3", "ada", &["invoice.voided"]),
        disabled.clone(),
        endpoint("ep_b1", "bob", &[]),
    ] {
        store.insert_endpoint(&registered).await.unwrap();
    }
    assert_eq!(
        store.endpoint("ada", "ep_a1").await.unwrap(),
        Some(endpoint("ep_a1", "ada", &[]))
    );
    assert_eq!(
        store.endpoint("ada", "ep_a4").await.unwrap(),
        Some(disabled)
    );
    assert_eq!(store.endpoint("bob", "ep_a1").await.unwrap(), None);
    let ids = |page: Vec<StoredEndpoint>| page.into_iter().map(|e| e.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.endpoints("ada", None, 2).await.unwrap()),
        ["ep_a1", "ep_a2"]
    );
    assert_eq!(
        ids(store.endpoints("ada", Some("ep_a2"), 10).await.unwrap()),
        ["ep_a3", "ep_a4"]
    );
    assert_eq!(
        ids(store.endpoints("bob", None, 10).await.unwrap()),
        ["ep_b1"]
    );

    let mut changed = endpoint("ep_a3", "ada", &["invoice.paid", "invoice.voided"]);
    changed.updated_at = now + Duration::from_secs(1);
    assert!(store.replace_endpoint(&changed).await.unwrap());
    assert_eq!(store.endpoint("ada", "ep_a3").await.unwrap(), Some(changed));
    let stolen = endpoint("ep_a3", "bob", &[]);
    assert!(!store.replace_endpoint(&stolen).await.unwrap());

    let message = |id: &str, owner: &str| NewDelivery {
        id: DeliveryId::from(id),
        callback: "invoice.paid".into(),
        owner: Some(owner.into()),
        ..delivery(id, now)
    };
    let publication = |id: &str, owner: &str| Publication {
        message: message(id, owner),
        idempotency_key: Some("k-1".into()),
    };
    let published = store.publish(&publication("msg_1", "ada")).await.unwrap();
    assert_eq!(
        (
            published.message.as_str(),
            published.deliveries,
            published.repeated
        ),
        ("msg_1", 3, false)
    );
    let claimed = store
        .claim(now, &lease("t/1", now + Duration::from_secs(60)), 10)
        .await
        .unwrap();
    let mut sent: Vec<(String, String, Option<String>, Option<String>)> = claimed
        .into_iter()
        .map(|claimed| {
            let d = claimed.delivery;
            assert_eq!(
                (d.callback.as_str(), &d.body[..]),
                ("invoice.paid", &br#"{"n":1}"#[..])
            );
            (d.id.as_str().to_owned(), d.url, d.endpoint, d.owner)
        })
        .collect();
    sent.sort();
    let to = |endpoint: &str| {
        (
            format!("msg_1.{endpoint}"),
            format!("http://127.0.0.1:9/{endpoint}"),
            Some(endpoint.to_owned()),
            Some("ada".to_owned()),
        )
    };
    assert_eq!(sent, [to("ep_a1"), to("ep_a2"), to("ep_a3")]);

    let repeated = store.publish(&publication("msg_2", "ada")).await.unwrap();
    assert_eq!(
        (
            repeated.message.as_str(),
            repeated.deliveries,
            repeated.repeated
        ),
        ("msg_1", 0, true)
    );
    // Keys are per owner.
    let bobs = store.publish(&publication("msg_3", "bob")).await.unwrap();
    assert_eq!((bobs.deliveries, bobs.repeated), (1, false));
    assert_eq!(store.unfinished().await.unwrap(), 4);

    assert!(!store.delete_endpoint("bob", "ep_a1").await.unwrap());
    assert!(store.delete_endpoint("ada", "ep_a1").await.unwrap());
    assert_eq!(store.endpoint("ada", "ep_a1").await.unwrap(), None);
    assert!(!store.delete_endpoint("ada", "ep_a1").await.unwrap());
}

/// Endpoint health: a failure starts a streak, a success ends it; a `410`
/// disables at once, a streak begun before the allowed time disables too,
/// and only the call that disables says so. Needs a store without `ep_h*`.
pub async fn check_endpoint_health(store: &dyn DeliveryStore) {
    use hookspec::delivery::store::{EndpointOutcome, StoredEndpoint};
    let start = SystemTime::UNIX_EPOCH + Duration::from_millis(1_800_000_000_000);
    let minute = Duration::from_secs(60);
    for id in ["ep_h1", "ep_h2"] {
        store
            .insert_endpoint(&StoredEndpoint {
                id: id.into(),
                owner: "ada".into(),
                url: format!("http://127.0.0.1:9/{id}"),
                event_types: Vec::new(),
                description: String::new(),
                metadata: Default::default(),
                disabled: None,
                failing_since: None,
                created_at: start,
                updated_at: start,
            })
            .await
            .unwrap();
    }
    // Patience: a streak begun an hour before `now` disables.
    let outcome = |delivered: bool, gone: bool, now: SystemTime| EndpointOutcome {
        delivered,
        gone,
        now,
        disable_before: now - 60 * minute,
    };
    let since = |id: &'static str| async move {
        store
            .endpoint("ada", id)
            .await
            .unwrap()
            .unwrap()
            .failing_since
    };
    assert_eq!(
        store
            .endpoint_outcome("ep_h1", outcome(false, false, start))
            .await
            .unwrap(),
        None
    );
    assert_eq!(since("ep_h1").await, Some(start));
    let later = start + 10 * minute;
    assert_eq!(
        store
            .endpoint_outcome("ep_h1", outcome(false, false, later))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        since("ep_h1").await,
        Some(start),
        "the streak's start stays"
    );
    store
        .endpoint_outcome("ep_h1", outcome(true, false, later))
        .await
        .unwrap();
    assert_eq!(since("ep_h1").await, None, "a success ends the streak");

    // Failing from `start`, still failing 61 minutes later: disabled, once.
    store
        .endpoint_outcome("ep_h1", outcome(false, false, start))
        .await
        .unwrap();
    let past = start + 61 * minute;
    let disabled = store
        .endpoint_outcome("ep_h1", outcome(false, false, past))
        .await
        .unwrap()
        .expect("disabled by this call");
    assert_eq!(disabled.id, "ep_h1");
    let (reason, at) = disabled.disabled.unwrap();
    assert_eq!(
        (reason.as_str(), at),
        ("its deliveries failed for longer than allowed", past)
    );
    assert_eq!(
        store
            .endpoint_outcome("ep_h1", outcome(false, false, past + minute))
            .await
            .unwrap(),
        None,
        "already disabled"
    );

    // A 410 disables at once.
    let gone = store
        .endpoint_outcome("ep_h2", outcome(false, true, start))
        .await
        .unwrap()
        .expect("disabled by a 410");
    assert_eq!(gone.disabled.unwrap().0, "it answered 410 Gone");
    assert!(store
        .endpoint("ada", "ep_h2")
        .await
        .unwrap()
        .unwrap()
        .disabled
        .is_some());
    // An unknown endpoint (deleted meanwhile) is nothing to record.
    assert_eq!(
        store
            .endpoint_outcome("ep_gone", outcome(false, true, start))
            .await
            .unwrap(),
        None
    );
}

/// The delivery log: newest first, by owner, endpoint, callback, state and
/// time, in pages that follow one another without a gap or a repeat.
pub async fn check_log(store: &dyn DeliveryStore) {
    use hookspec::delivery::store::LogQuery;
    let t0 = SystemTime::UNIX_EPOCH + Duration::from_millis(1_800_000_000_000);
    let ms = Duration::from_millis;
    // Seven deliveries: ada's to two endpoints and one callback, bob's, and
    // one of no owner. Two share a millisecond (the id orders them).
    let made = [
        ("msg_1", Some("ada"), Some("ep_a"), "invoice.paid", t0),
        (
            "msg_2",
            Some("bob"),
            Some("ep_b"),
            "invoice.paid",
            t0 + ms(1),
        ),
        (
            "msg_3",
            Some("ada"),
            Some("ep_a"),
            "invoice.sent",
            t0 + ms(2),
        ),
        (
            "msg_4",
            Some("ada"),
            Some("ep_c"),
            "invoice.paid",
            t0 + ms(3),
        ),
        (
            "msg_5",
            Some("ada"),
            None,
            "invoice_notification",
            t0 + ms(4),
        ),
        (
            "msg_6",
            Some("ada"),
            Some("ep_a"),
            "invoice.paid",
            t0 + ms(4),
        ),
        ("msg_7", None, None, "invoice_notification", t0 + ms(5)),
    ];
    for (id, owner, endpoint, callback, at) in made {
        let mut new = delivery(id, at);
        new.owner = owner.map(str::to_owned);
        new.endpoint = endpoint.map(str::to_owned);
        new.callback = callback.to_owned();
        new.body = vec![b'x'; 10 + id.len()];
        store.insert(&new).await.unwrap();
    }
    // msg_4 failed for good; the others are pending.
    let claimed = store
        .claim(
            t0 + Duration::from_secs(60),
            &lease("log-lease", t0 + Duration::from_secs(120)),
            10,
        )
        .await
        .unwrap();
    assert_eq!(claimed.len(), 7);
    let failed = Next::Failed("the receiver answered 410".into());
    assert!(store
        .complete(
            &DeliveryId::from("msg_4"),
            "log-lease",
            &attempt(1, 410),
            &failed,
            None
        )
        .await
        .unwrap());

    let page = |query: LogQuery| async move {
        let records = store.log(&query).await.unwrap();
        records
            .iter()
            .map(|record| record.id.as_str().to_owned())
            .collect::<Vec<_>>()
    };
    let query = |owner: Option<&str>, limit: usize| LogQuery {
        owner: owner.map(str::to_owned),
        ..LogQuery::newest(limit)
    };
    assert_eq!(
        page(query(None, 10)).await,
        ["msg_7", "msg_6", "msg_5", "msg_4", "msg_3", "msg_2", "msg_1"]
    );
    assert_eq!(
        page(query(Some("ada"), 10)).await,
        ["msg_6", "msg_5", "msg_4", "msg_3", "msg_1"]
    );
    assert_eq!(page(query(Some("bob"), 10)).await, ["msg_2"]);
    assert_eq!(
        page(LogQuery {
            endpoint: Some("ep_a".into()),
            ..query(Some("ada"), 10)
        })
        .await,
        ["msg_6", "msg_3", "msg_1"]
    );
    assert_eq!(
        page(LogQuery {
            callback: Some("invoice.paid".into()),
            ..query(Some("ada"), 10)
        })
        .await,
        ["msg_6", "msg_4", "msg_1"]
    );
    assert_eq!(
        page(LogQuery {
            state: Some(StateKind::Failed),
            ..query(Some("ada"), 10)
        })
        .await,
        ["msg_4"]
    );
    assert_eq!(
        page(LogQuery {
            since: Some(t0 + ms(2)),
            until: Some(t0 + ms(4)),
            ..query(Some("ada"), 10)
        })
        .await,
        ["msg_4", "msg_3"]
    );
    // Pages of two, each after the previous page's last.
    let mut pages = Vec::new();
    let mut before = None;
    loop {
        let records = store
            .log(&LogQuery {
                before: before.clone(),
                ..query(Some("ada"), 2)
            })
            .await
            .unwrap();
        let Some(last) = records.last() else { break };
        before = Some((last.created_at, last.id.clone()));
        pages.push(
            records
                .iter()
                .map(|record| record.id.as_str().to_owned())
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(
        pages,
        [
            vec!["msg_6", "msg_5"],
            vec!["msg_4", "msg_3"],
            vec!["msg_1"]
        ]
    );
    // A delivered one is sent again on replay, with its id; one under way is not.
    assert!(store
        .complete(
            &DeliveryId::from("msg_3"),
            "log-lease",
            &attempt(1, 200),
            &Next::Succeeded,
            None
        )
        .await
        .unwrap());
    assert!(store
        .replay(&DeliveryId::from("msg_3"), t0 + Duration::from_secs(61))
        .await
        .unwrap());
    assert!(!store
        .replay(&DeliveryId::from("msg_2"), t0 + Duration::from_secs(61))
        .await
        .unwrap());
    let replayed = store
        .get(&DeliveryId::from("msg_3"))
        .await
        .unwrap()
        .unwrap();
    assert!(!replayed.state.is_final(), "{:?}", replayed.state);
    // A record names its owner, endpoint and size, and has its attempts.
    let records = store.log(&query(Some("ada"), 10)).await.unwrap();
    let failed = records.iter().find(|r| r.id.as_str() == "msg_4").unwrap();
    assert_eq!(failed.owner.as_deref(), Some("ada"));
    assert_eq!(failed.endpoint.as_deref(), Some("ep_c"));
    assert_eq!(failed.size, 15);
    assert_eq!(failed.attempts, [attempt(1, 410)]);
    assert!(matches!(failed.state, DeliveryState::Failed { .. }));
}

/// Recovery and cancelling, per owner and endpoint: recovery replays only
/// the dead letters since a time, in bounded batches, and finds nothing the
/// second time; cancelling gives up what is unfinished, in flight too.
pub async fn check_recovery(store: &dyn DeliveryStore) {
    let t0 = SystemTime::UNIX_EPOCH + Duration::from_millis(1_900_000_000_000);
    let ms = Duration::from_millis;
    let made = [
        ("msg_r1", "ep_a", t0),
        ("msg_r2", "ep_a", t0 + ms(1)),
        ("msg_r3", "ep_a", t0 + ms(2)),
        ("msg_r4", "ep_b", t0 + ms(3)),
        ("msg_r5", "ep_a", t0 + ms(4)),
        ("msg_r6", "ep_a", t0 + ms(5)),
    ];
    for (id, endpoint, at) in made {
        let mut new = delivery(id, at);
        new.owner = Some("cyd".into());
        new.endpoint = Some(endpoint.into());
        store.insert(&new).await.unwrap();
    }
    let now = t0 + Duration::from_secs(60);
    let held = lease("recovery", now + Duration::from_secs(60));
    // (A store the log's check ran on has more due, of other owners: they
    // are claimed too.)
    let claimed = store.claim(now, &held, 100).await.unwrap();
    for (id, _, _) in made {
        assert!(ids(&claimed).contains(&id), "{id}");
    }
    let gone = Next::Failed("the receiver answered 503".into());
    for id in ["msg_r1", "msg_r2", "msg_r3", "msg_r4"] {
        let id = DeliveryId::from(id);
        assert!(store
            .complete(&id, "recovery", &attempt(1, 503), &gone, None)
            .await
            .unwrap());
    }
    let r5 = DeliveryId::from("msg_r5");
    assert!(store
        .complete(&r5, "recovery", &attempt(1, 200), &Next::Succeeded, None)
        .await
        .unwrap());
    // msg_r6 stays in flight.

    let state = |id: &'static str| async move {
        store
            .get(&DeliveryId::from(id))
            .await
            .unwrap()
            .unwrap()
            .state
    };
    let recover = |limit| store.recover("cyd", "ep_a", t0 + ms(1), now, limit);
    assert_eq!(recover(1).await.unwrap(), 1, "the oldest since the outage");
    assert!(!state("msg_r2").await.is_final());
    assert!(state("msg_r3").await.is_final(), "the next batch's");
    assert_eq!(recover(10).await.unwrap(), 1);
    assert_eq!(recover(10).await.unwrap(), 0, "nothing failed is left");
    assert!(state("msg_r1").await.is_final(), "before the outage");
    assert!(state("msg_r4").await.is_final(), "another endpoint's");
    assert_eq!(state("msg_r5").await, DeliveryState::Succeeded);
    assert_eq!(
        store.recover("bob", "ep_b", t0, now, 10).await.unwrap(),
        0,
        "another owner's endpoint"
    );

    let cancelled = store
        .cancel("cyd", "ep_a", "cancelled by its owner")
        .await
        .unwrap();
    assert_eq!(
        cancelled, 3,
        "msg_r2 and msg_r3 recovered, msg_r6 in flight"
    );
    for id in ["msg_r2", "msg_r3", "msg_r6"] {
        assert_eq!(
            state(id).await,
            DeliveryState::Failed {
                reason: "cancelled by its owner".into()
            },
            "{id}"
        );
    }
    let r6 = DeliveryId::from("msg_r6");
    assert!(
        !store
            .complete(&r6, "recovery", &attempt(1, 200), &Next::Succeeded, None)
            .await
            .unwrap(),
        "the cancelled delivery's lease is void"
    );
    assert_eq!(store.cancel("cyd", "ep_a", "again").await.unwrap(), 0);
    assert!(state("msg_r4").await.is_final());

    let payload = store
        .payload(&DeliveryId::from("msg_r1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(payload.content_type.as_deref(), Some("application/json"));
    assert_eq!(payload.body, br#"{"n":1}"#);
    assert!(store
        .payload(&DeliveryId::from("msg_none"))
        .await
        .unwrap()
        .is_none());
}
