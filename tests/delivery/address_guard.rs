//! The SSRF guard: refused addresses never contacted, names filtered per address,
//! rebinding, redirects, and stored deliveries checked again when sent.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hookspec::delivery::policy::{AddressPolicy, RetryPolicy};
use hookspec::delivery::records::{DeliveryId, DeliveryState};
use hookspec::delivery::{Callbacks, SendError};

#[allow(unused_imports)]
use crate::common::{loopback_accept_counters, reference_verify, AcceptCounter};
use crate::support::*;

/// The SSRF guard refuses before connecting: listeners on 127.0.0.1 and [::1]
/// count raw `accept()`s, so any connection at all (not only a request that
/// reaches an HTTP handler) would show. Private and metadata ranges are covered
/// by the guard's unit table instead: a regression must not send traffic there.
#[actix_web::test]
async fn refused_addresses_are_never_contacted() {
    let (v4, v6) = loopback_accept_counters();
    // The default policy: public addresses only.
    let callbacks = Callbacks::builder()
        .unsigned()
        .in_memory()
        .retry(fast_retries())
        .build()
        .unwrap();
    let port = v4.addr.port();
    for base in [
        format!("http://127.0.0.1:{port}/hooks"),
        format!("http://2130706433:{port}/hooks"),
        format!("http://0x7f.1:{port}/hooks"),
        format!("http://0177.0.0.1:{port}/hooks"),
        format!("http://[::1]:{port}/hooks"),
        format!("http://[::ffff:127.0.0.1]:{port}/hooks"),
        format!("http://[::127.0.0.1]:{port}/hooks"),
        format!("http://[64:ff9b::7f00:1]:{port}/hooks"),
        format!("ftp://127.0.0.1:{port}/hooks"),
    ] {
        let sent = callbacks
            .callback_for::<invoice_notification>(trigger(&base, "x"))
            .enqueue(&event())
            .await;
        assert!(
            matches!(sent, Err(SendError::Refused(_))),
            "{base}: {sent:?}"
        );
    }
    // A name is checked where it resolves: `localhost` is 127.0.0.1 (and ::1).
    let id = callbacks
        .callback_for::<invoice_notification>(trigger(
            &format!("http://localhost:{port}/hooks"),
            "x",
        ))
        .enqueue(&event())
        .await
        .unwrap();
    let record = finished(&callbacks, &id).await;
    let DeliveryState::Failed { reason } = &record.state else {
        panic!("{record:?}");
    };
    assert!(
        reason.contains("`localhost` is a name that resolves only to refused addresses"),
        "{reason}"
    );
    assert_eq!(record.attempts.len(), 1, "a refusal is not retried");
    assert_eq!(
        (v4.accepted(), v6.accepted()),
        (0, 0),
        "a connection was made"
    );
    // The counters do see connections: the proof is not blind.
    std::net::TcpStream::connect(v4.addr).unwrap();
    std::net::TcpStream::connect(v6.addr).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while (v4.accepted(), v6.accepted()) != (1, 1) {
        assert!(Instant::now() < deadline, "the counters saw nothing");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A name that resolves to admitted and refused addresses is sent to the
/// admitted ones only; one rebound to a refused address between two attempts
/// is refused on the second (every connection looks the name up again). The
/// lookup is a stub: `hooks.test` is whatever the test says it is.
#[actix_web::test]
async fn names_are_filtered_per_address_and_rebinding_is_refused() {
    // 127.0.0.1 is refused by the policy (only 127.0.0.2 is listed); both count.
    let admitted = AcceptCounter::bind("127.0.0.2:0").expect("127.0.0.2 is loopback on Linux");
    let port = admitted.addr.port();
    let refused = AcceptCounter::bind(&format!("127.0.0.1:{port}")).expect("the same port");
    // The name resolves to one admitted and one refused address (the refused
    // first) until the admitted one has been connected to; then it is rebound
    // to the refused address only.
    let admitted = Arc::new(admitted);
    let connected = Arc::clone(&admitted);
    let callbacks = Callbacks::builder()
        .unsigned()
        .in_memory()
        .address_policy(AddressPolicy::public_only().allow_network([127, 0, 0, 2].into(), 32))
        .name_lookup(move |host: String| {
            assert_eq!(host, "hooks.test");
            let answer: Vec<std::net::IpAddr> = if connected.accepted() == 0 {
                vec![[127, 0, 0, 1].into(), [127, 0, 0, 2].into()]
            } else {
                vec![[127, 0, 0, 1].into()]
            };
            async move { Ok(answer) }
        })
        .retry(RetryPolicy::with_schedule([Duration::from_millis(10)]))
        .build()
        .unwrap();
    let base = format!("http://hooks.test:{port}/hooks");
    let id = enqueue(&callbacks, &base, "mixed").await;
    let record = finished(&callbacks, &id).await;
    let DeliveryState::Failed { reason } = &record.state else {
        panic!("{record:?}");
    };
    // Attempt 1 reached 127.0.0.2 (which closes the connection: a transient
    // error); attempt 2 found only 127.0.0.1 and was refused before connecting.
    assert_eq!(record.attempts.len(), 2, "{record:?}");
    // The address it resolved to is the network's business: the log's only.
    assert_eq!(
        reason,
        "callback URL refused: `hooks.test` is a name that resolves only to refused addresses"
    );
    assert_eq!(admitted.accepted(), 1);
    assert_eq!(refused.accepted(), 0, "a refused address was connected to");
}

/// Where a name resolves is the network's business: an awaited send to a name
/// that resolves to an internal address fails with a 502 problem and a record
/// that say "refused addresses", never which.
#[actix_web::test]
async fn a_refused_resolution_names_no_address() {
    let callbacks = Callbacks::builder()
        .unsigned()
        .in_memory()
        .address_policy(AddressPolicy::public_only())
        .name_lookup(|_host: String| async move {
            Ok(vec![[10, 1, 2, 3].into(), [169, 254, 169, 254].into()])
        })
        .build()
        .unwrap();
    let sent = callbacks
        .callback_for::<invoice_notification>(trigger("http://internal.test/hooks", "x"))
        .send(&event())
        .await
        .unwrap_err();
    let SendError::Delivery(failed) = &sent else {
        panic!("{sent:?}");
    };
    let response = actix_web::ResponseError::error_response(&sent);
    assert_eq!(response.status(), 502);
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .unwrap();
    let problem = String::from_utf8_lossy(&body);
    assert!(
        problem.contains("resolves only to refused addresses"),
        "{problem}"
    );
    let record = callbacks.delivery(&failed.id).await.unwrap().unwrap();
    let stored = format!("{record:?}");
    for shown in [problem.as_ref(), stored.as_str(), &sent.to_string()] {
        for address in ["10.1.2.3", "169.254.169.254", "private", "link-local"] {
            assert!(!shown.contains(address), "{address} in {shown}");
        }
    }
}

/// A redirect is never followed: a receiver that answers `307` to an address the
/// policy refuses must not make the sender go there (reqwest does not resolve IP
/// literals through the guarded resolver, so following it would skip the guard).
#[actix_web::test]
async fn a_redirect_to_a_refused_address_is_not_followed() {
    // Refused by the policy below (only 127.0.0.1 is listed), and counted.
    let refused = AcceptCounter::bind("127.0.0.2:0").expect("127.0.0.2 is loopback on Linux");
    let location = format!("http://127.0.0.2:{}/stolen", refused.addr.port());
    let receiver = Receiver::start(vec![Answer {
        location: Some(location),
        ..Answer::status(307)
    }]);
    let callbacks = Callbacks::builder()
        .unsigned()
        .in_memory()
        .address_policy(AddressPolicy::listed_only().allow_network([127, 0, 0, 1].into(), 32))
        .retry(fast_retries())
        .build()
        .unwrap();
    let id = enqueue(&callbacks, &receiver.url(), "moved").await;
    let record = finished(&callbacks, &id).await;
    let DeliveryState::Failed { reason } = &record.state else {
        panic!("{record:?}");
    };
    assert_eq!(reason, "the receiver answered 307 Temporary Redirect");
    assert_eq!(record.attempts.len(), 1, "a redirect is final");
    assert_eq!(receiver.received().len(), 1);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(refused.accepted(), 0, "the redirect was followed");
    receiver.handle.stop(false).await;
}

/// A stored delivery is checked against the address policy again when it is
/// sent: one written under another policy (another instance, an older
/// version, a replay after the policy tightened) never reaches a refused
/// address.
#[actix_web::test]
async fn a_stored_delivery_is_checked_against_the_policy_when_sent() {
    use hookspec::delivery::store::DeliveryStore;
    use hookspec::delivery::store::{NewDelivery, SqliteStore};
    let (v4, _v6) = loopback_accept_counters();
    let dir = std::env::temp_dir().join(format!("hookspec-recheck-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("deliveries.sqlite3");
    let id = DeliveryId::from("msg_written_under_another_policy");
    SqliteStore::open(&path)
        .unwrap()
        .insert(&NewDelivery {
            id: id.clone(),
            callback: "invoice_notification".into(),
            method: "POST".into(),
            url: format!("http://127.0.0.1:{}/hooks", v4.addr.port()),
            content_type: Some("application/json".into()),
            body: serde_json::to_vec(&event()).unwrap(),
            created_at: std::time::SystemTime::now(),
            owner: None,
            endpoint: None,
        })
        .await
        .unwrap();
    // The default policy: public addresses only.
    let callbacks = Callbacks::builder()
        .unsigned()
        .sqlite(&path)
        .build()
        .unwrap();
    let record = finished(&callbacks, &id).await;
    let DeliveryState::Failed { reason } = &record.state else {
        panic!("{record:?}");
    };
    assert!(reason.contains("loopback"), "{reason}");
    assert_eq!(v4.accepted(), 0, "a refused address was contacted");
    callbacks.shutdown(Duration::from_secs(1)).await;
    let _ = std::fs::remove_dir_all(dir);
}
