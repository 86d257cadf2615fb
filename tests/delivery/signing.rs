//! Signatures per owner, with the secrets the application looks up itself.

use hookspec::delivery::policy::AddressPolicy;
use hookspec::delivery::records::DeliveryState;
use hookspec::delivery::{Callbacks, SendError};

#[allow(unused_imports)]
use crate::common::{loopback_accept_counters, reference_verify, AcceptCounter};
use crate::support::*;

/// Signing by the owner the handler names (the API user's id), with secrets
/// the application looks up: two users' callbacks to the same receiver URL are
/// each signed with their own secret; an owner whose secrets are gone fails
/// its delivery rather than send it unsigned; a delivery without an owner is
/// refused when it is enqueued, a mistake in our code answered with 500.
#[actix_web::test]
async fn each_delivery_is_signed_with_the_secrets_of_the_owner_its_handler_names() {
    const ACME: &str = "whsec_QUNNRS1zZWNyZXQtb2YtYXQtbGVhc3QtMjQtYnl0ZXM=";
    const GLOBEX: &str = "whsec_R0xPQkVYLXNlY3JldC1vZi1hdC1sZWFzdC0yNC1ieXQ=";
    let receiver = Receiver::start(vec![]);
    let callbacks = Callbacks::builder()
        .in_memory()
        .address_policy(AddressPolicy::listed_only().allow_loopback())
        .owner_secrets_from(|user: &str| match user {
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
            .owner(user)
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
        reason.contains("no signing secrets for owner `gone`"),
        "{reason}"
    );
    let received = receiver.received();
    assert_eq!(received.len(), 2, "the ownerless delivery is never sent");
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

    let ownerless = callbacks
        .callback_for::<invoice_notification>(trigger(&receiver.url(), "n-1"))
        .enqueue(&event())
        .await
        .unwrap_err();
    assert!(matches!(ownerless, SendError::NoOwner), "{ownerless:?}");
    assert_eq!(actix_web::ResponseError::status_code(&ownerless), 500);
    receiver.handle.stop(false).await;
}
