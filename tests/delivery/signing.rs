//! Signatures per receiver: by URL and by the key the handler names.

use hookspec::delivery::policy::AddressPolicy;
use hookspec::delivery::records::DeliveryState;
use hookspec::delivery::{Callbacks, SendError};

#[allow(unused_imports)]
use crate::common::{loopback_accept_counters, reference_verify, AcceptCounter};
use crate::support::*;

/// Each API user's callbacks are signed with that user's own secret: a
/// verifier holding another user's secret refuses them, so no user can forge
/// callbacks that another accepts.
#[actix_web::test]
async fn each_receiver_gets_callbacks_signed_with_its_own_secret() {
    const ACME: &str = "whsec_QUNNRS1zZWNyZXQtb2YtYXQtbGVhc3QtMjQtYnl0ZXM=";
    const GLOBEX: &str = "whsec_R0xPQkVYLXNlY3JldC1vZi1hdC1sZWFzdC0yNC1ieXQ=";
    let acme = Receiver::start(vec![]);
    let globex = Receiver::start(vec![]);
    let (acme_port, globex_port) = (acme.addr.port(), globex.addr.port());
    let callbacks = Callbacks::builder()
        .in_memory()
        .address_policy(AddressPolicy::listed_only().allow_loopback())
        .signing_secrets_for(
            move |url: &hookspec::delivery::policy::Url| match url.port() {
                Some(port) if port == acme_port => Some(vec![ACME.to_owned()]),
                Some(port) if port == globex_port => Some(vec![GLOBEX.to_owned()]),
                _ => None,
            },
        )
        .build()
        .unwrap();
    for (receiver, id) in [(&acme, "a-1"), (&globex, "g-1")] {
        let delivery = enqueue(&callbacks, &receiver.url(), id).await;
        assert_eq!(
            finished(&callbacks, &delivery).await.state,
            DeliveryState::Succeeded
        );
    }
    let verify = |secret: &str, request: &Received| {
        reference_verify(secret, |name| request.header(name), &request.body)
    };
    let (to_acme, to_globex) = (&acme.received()[0], &globex.received()[0]);
    assert!(verify(ACME, to_acme) && verify(GLOBEX, to_globex));
    assert!(
        !verify(GLOBEX, to_acme),
        "globex's secret verifies acme's callback"
    );
    assert!(
        !verify(ACME, to_globex),
        "acme's secret verifies globex's callback"
    );
    acme.handle.stop(false).await;
    globex.handle.stop(false).await;
}

/// Signing by the key the handler names (the API user's id): two users'
/// callbacks to the same receiver URL are each signed with their own secret; a
/// key whose secrets are gone fails its delivery rather than send it unsigned;
/// a delivery without a key (or with one where nothing signs by key) is refused
/// when it is enqueued, a mistake in our code answered with 500.
#[actix_web::test]
async fn each_delivery_is_signed_with_the_secrets_of_the_key_its_handler_names() {
    const ACME: &str = "whsec_QUNNRS1zZWNyZXQtb2YtYXQtbGVhc3QtMjQtYnl0ZXM=";
    const GLOBEX: &str = "whsec_R0xPQkVYLXNlY3JldC1vZi1hdC1sZWFzdC0yNC1ieXQ=";
    let receiver = Receiver::start(vec![]);
    let callbacks = Callbacks::builder()
        .in_memory()
        .address_policy(AddressPolicy::listed_only().allow_loopback())
        .signing_secrets_by_key(|user: &str| match user {
            "acme" => Some(vec![ACME.to_owned()]),
            "globex" => Some(vec![GLOBEX.to_owned()]),
            _ => None,
        })
        .build()
        .unwrap();
    let mut states = Vec::new();
    for (user, id) in [("acme", "a-1"), ("globex", "g-1"), ("gone", "x-1")] {
        let delivery = callbacks
            .callback_for::<invoice_notification>(trigger(&receiver.url(), id))
            .signing_key(user)
            .enqueue(&event())
            .await
            .unwrap();
        states.push(finished(&callbacks, &delivery).await.state);
    }
    assert_eq!(
        states[..2],
        [DeliveryState::Succeeded, DeliveryState::Succeeded]
    );
    let DeliveryState::Failed { reason } = &states[2] else {
        panic!("{:?}", states[2]);
    };
    assert!(
        reason.contains("no signing secrets for key `gone`"),
        "{reason}"
    );
    let received = receiver.received();
    assert_eq!(received.len(), 2, "the keyless delivery is never sent");
    let verify = |secret: &str, request: &Received| {
        reference_verify(secret, |name| request.header(name), &request.body)
    };
    let by_path = |suffix: &str| {
        received
            .iter()
            .find(|request| request.path.ends_with(suffix))
            .unwrap_or_else(|| panic!("no request to ...{suffix}"))
    };
    let (to_acme, to_globex) = (by_path("/a-1"), by_path("/g-1"));
    assert!(verify(ACME, to_acme) && verify(GLOBEX, to_globex));
    assert!(!verify(GLOBEX, to_acme) && !verify(ACME, to_globex));

    let keyless = callbacks
        .callback_for::<invoice_notification>(trigger(&receiver.url(), "n-1"))
        .enqueue(&event())
        .await
        .unwrap_err();
    assert!(matches!(keyless, SendError::SigningKey(_)), "{keyless:?}");
    assert_eq!(actix_web::ResponseError::status_code(&keyless), 500);

    let unsigned = Callbacks::builder()
        .in_memory()
        .address_policy(AddressPolicy::listed_only().allow_loopback())
        .build()
        .unwrap();
    let stray = unsigned
        .callback_for::<invoice_notification>(trigger(&receiver.url(), "s-1"))
        .signing_key("acme")
        .enqueue(&event())
        .await
        .unwrap_err();
    assert!(matches!(stray, SendError::SigningKey(_)), "{stray:?}");
    receiver.handle.stop(false).await;
}
