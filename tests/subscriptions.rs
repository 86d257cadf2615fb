//! The subscriptions example: scopes, several callbacks, a shared callback.

mod common;

#[allow(dead_code)]
#[path = "../examples/subscriptions.rs"]
mod subscriptions;

use serde_json::Value;

#[test]
fn scoped_operations_with_several_callbacks_validate() {
    let document = serde_json::to_value(subscriptions::api().openapi().unwrap()).unwrap();
    common::assert_valid_openapi_3_1(&document);

    let subscribe = &document["paths"]["/v1/subscriptions"]["post"];
    let names: Vec<&String> = subscribe["callbacks"].as_object().unwrap().keys().collect();
    assert_eq!(
        names,
        [
            "event_delivered",
            "subscription_confirmed",
            "subscription_ended"
        ]
    );
    let ended = &subscribe["callbacks"]["subscription_ended"]
        ["{$request.body#/callback_url}/subscriptions/{$response.body#/id}"]["delete"];
    // Shared by `subscribe` and `unsubscribe`: one operation id per use.
    assert_eq!(ended["operationId"], "subscribe_subscription_ended");
    let unsubscribe = &document["paths"]["/v1/subscriptions/{id}/cancellation"]["post"];
    let ended: &Value = &unsubscribe["callbacks"]["subscription_ended"]
        ["{$request.body#/callback_url}/subscriptions/{$response.body#/id}"]["delete"];
    assert_eq!(ended["operationId"], "unsubscribe_subscription_ended");
    // Used once: the callback's own name.
    assert_eq!(
        subscribe["callbacks"]["event_delivered"]["{$request.body#/callback_url}/events"]["post"]
            ["operationId"],
        "event_delivered"
    );
}

#[test]
fn webhooks_are_documented_at_the_top_level() {
    let document = serde_json::to_value(subscriptions::api().openapi().unwrap()).unwrap();
    let operation = &document["webhooks"]["plan-price-changed"]["post"];
    assert_eq!(operation["operationId"], "plan_price_changed");
    assert_eq!(operation["summary"], "A plan changed price.");
    assert_eq!(
        operation["description"],
        "Sent to every URL registered in the dashboard, not in answer to a request."
    );
    assert_eq!(
        operation["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/PriceChange"
    );
    // A request our API sends: no server-side error responses.
    assert_eq!(
        operation["responses"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["200"]
    );
}
