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

/// The example is a protected API: schemes under `components`, bearer for the
/// whole API, the admin key where its extractor is, one public operation; the
/// extractors' `401`s documented; 3.1 and 3.0 both valid.
#[test]
fn authentication_is_documented_by_the_extractors_and_the_api() {
    let api = subscriptions::api();
    let document = serde_json::to_value(api.openapi().unwrap()).unwrap();
    common::assert_valid_openapi_3_1(&document);
    let document_3_0 = serde_json::to_value(api.openapi_3_0().unwrap()).unwrap();
    common::assert_valid_openapi_3_0(&document_3_0);
    for document in [&document, &document_3_0] {
        let schemes = &document["components"]["securitySchemes"];
        assert_eq!(
            schemes["bearer"],
            serde_json::json!({
                "type": "http", "scheme": "bearer", "bearerFormat": "opaque token",
                "description": "A user's token: `Authorization: Bearer <token>`."
            })
        );
        assert_eq!(
            schemes["admin_key"],
            serde_json::json!({
                "type": "apiKey", "in": "header", "name": "X-Admin-Key",
                "description": "The administrators' key."
            })
        );
        assert_eq!(document["security"], serde_json::json!([{ "bearer": [] }]));
        let paths = &document["paths"];
        let subscribe = &paths["/v1/subscriptions"]["post"];
        assert_eq!(subscribe["security"], serde_json::json!([{ "bearer": [] }]));
        assert!(subscribe["responses"]["401"].is_object());
        let admin = &paths["/v1/admin/subscriptions"]["get"];
        assert_eq!(admin["security"], serde_json::json!([{ "admin_key": [] }]));
        assert!(admin["responses"]["401"].is_object());
        let status = &paths["/v1/status"]["get"];
        assert_eq!(status["security"], serde_json::json!([]), "public");
        assert!(status["responses"].get("401").is_none());
    }
}

/// What the document says is what the server does.
#[actix_web::test]
async fn the_protected_operations_refuse_requests_without_credentials() {
    use actix_web::http::{header, StatusCode};
    use actix_web::{test, web::Data, App};
    let (tokens, admin) = (
        subscriptions::TokenValidator::from_pairs(&[("ada".into(), "t-ada".into())]),
        subscriptions::AdminKey("k-admin".into()),
    );
    let app = test::init_service(
        App::new()
            .app_data(Data::new(tokens))
            .app_data(Data::new(admin))
            .configure(subscriptions::api().configure()),
    )
    .await;
    let subscription =
        serde_json::json!({"callback_url": "https://hooks.example.com", "events": ["a"]});
    let subscribe = |token: Option<&str>| {
        let mut request = test::TestRequest::post()
            .uri("/v1/subscriptions")
            .set_json(&subscription);
        if let Some(token) = token {
            request = request.insert_header((header::AUTHORIZATION, format!("Bearer {token}")));
        }
        request.to_request()
    };
    let response = test::call_service(&app, subscribe(None)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.headers().get(header::WWW_AUTHENTICATE).unwrap(),
        "Bearer"
    );
    let problem = common::json_body(response).await;
    assert_eq!(problem["detail"], "a bearer token is required");
    let response = test::call_service(&app, subscribe(Some("t-wrong"))).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = test::call_service(&app, subscribe(Some("t-ada"))).await;
    assert_eq!(response.status(), StatusCode::OK);

    let admin = |key: Option<&str>| {
        let mut request = test::TestRequest::get().uri("/v1/admin/subscriptions");
        if let Some(key) = key {
            request = request.insert_header(("X-Admin-Key", key));
        }
        request.to_request()
    };
    let response = test::call_service(&app, admin(None)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = test::call_service(&app, admin(Some("k-admin"))).await;
    assert_eq!(response.status(), StatusCode::OK);

    let request = test::TestRequest::get().uri("/v1/status").to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::OK, "public");
}
