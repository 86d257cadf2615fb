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
            .app_data(Data::new(owned_callbacks()))
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

/// The example's callbacks, in memory, to receivers on 127.0.0.1.
fn owned_callbacks() -> hookspec::delivery::Callbacks {
    owned_callbacks_with(|builder| builder)
}

/// [`owned_callbacks`], with more of the builder's settings.
fn owned_callbacks_with(
    configure: impl FnOnce(hookspec::delivery::CallbacksBuilder) -> hookspec::delivery::CallbacksBuilder,
) -> hookspec::delivery::Callbacks {
    use hookspec::delivery::owners::SecretsKey;
    use hookspec::delivery::policy::AddressPolicy;
    subscriptions::callbacks(configure(
        hookspec::delivery::Callbacks::builder()
            .in_memory()
            .owner_secrets(SecretsKey::generate().unwrap())
            .address_policy(AddressPolicy::listed_only().allow_loopback()),
    ))
    .unwrap()
}

/// The example's app, for the users ada and bob (tokens `t-ada`, `t-bob`),
/// sending with `callbacks`.
async fn app_for_ada_and_bob(
    callbacks: &hookspec::delivery::Callbacks,
) -> impl actix_web::dev::Service<
    actix_http::Request,
    Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
    Error = actix_web::Error,
> {
    use actix_web::{test, web::Data, App};
    let tokens = subscriptions::TokenValidator::from_pairs(&[
        ("ada".into(), "t-ada".into()),
        ("bob".into(), "t-bob".into()),
    ]);
    test::init_service(
        App::new()
            .app_data(Data::new(tokens))
            .app_data(Data::new(subscriptions::AdminKey("k".into())))
            .app_data(Data::new(callbacks.clone()))
            .configure(subscriptions::api().configure()),
    )
    .await
}

/// Waits (at most 30 s) until `count` deliveries have succeeded.
async fn succeeded(callbacks: &hookspec::delivery::Callbacks, count: usize) {
    use hookspec::delivery::records::{DeliveryFilter, DeliveryState};
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let records = callbacks.deliveries(DeliveryFilter::all()).await.unwrap();
        let done = records
            .iter()
            .filter(|record| record.state == DeliveryState::Succeeded)
            .count();
        if done >= count {
            assert_eq!(done, count, "{records:?}");
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{done} of {count} delivered: {records:?}"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Each user's callbacks are signed with that user's own secret, which the
/// API hands only to them: ada pointing her `callback_url` at bob's endpoint
/// gets bob a confirmation his secret does not verify. Rotation: during the
/// overlap a receiver with only the old or only the new secret verifies;
/// after a rotation without overlap, only the newest does.
#[actix_web::test]
async fn each_users_callbacks_are_signed_with_that_users_own_secret() {
    use actix_web::http::{header, StatusCode};
    use actix_web::test;
    let receiver = common::Receiver::start(vec![]);
    let callbacks = owned_callbacks();
    let app = app_for_ada_and_bob(&callbacks).await;
    let bearer = |token: &str| (header::AUTHORIZATION, format!("Bearer {token}"));
    let secrets = |token: &'static str| {
        let app = &app;
        async move {
            let request = test::TestRequest::get()
                .uri("/v1/callback-secrets")
                .insert_header(bearer(token))
                .to_request();
            let response = test::call_service(app, request).await;
            assert_eq!(response.status(), StatusCode::OK);
            let body = common::json_body(response).await;
            body.as_array()
                .unwrap()
                .iter()
                .map(|secret| secret["secret"].as_str().unwrap().to_owned())
                .collect::<Vec<String>>()
        }
    };
    let subscribe = |token: &'static str, path: &'static str| {
        let (app, url) = (&app, format!("{}/{path}", receiver.url()));
        async move {
            let request = test::TestRequest::post()
                .uri("/v1/subscriptions")
                .insert_header(bearer(token))
                .set_json(serde_json::json!({ "callback_url": url, "events": ["a"] }))
                .to_request();
            assert_eq!(
                test::call_service(app, request).await.status(),
                StatusCode::OK
            );
        }
    };
    let verifies = |secret: &str, path: &str| {
        let received = receiver.received();
        let request = received
            .iter()
            .find(|request| request.path.ends_with(path))
            .unwrap_or_else(|| panic!("nothing received at {path}"));
        common::reference_verify(secret, |name| request.header(name), &request.body)
    };

    let ada = secrets("t-ada").await;
    let bob = secrets("t-bob").await;
    assert_eq!((ada.len(), bob.len()), (1, 1));
    assert_ne!(ada, bob);
    assert_eq!(secrets("t-ada").await, ada, "the same secret until rotated");
    let request = test::TestRequest::get()
        .uri("/v1/callback-secrets")
        .to_request();
    assert_eq!(
        test::call_service(&app, request).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Ada points her subscription at bob's endpoint; bob subscribes too.
    subscribe("t-ada", "bob-from-ada").await;
    subscribe("t-bob", "bob-own").await;
    succeeded(&callbacks, 2).await;
    assert!(verifies(&bob[0], "bob-own"));
    assert!(
        !verifies(&bob[0], "bob-from-ada"),
        "bob's secret verifies a confirmation ada triggered"
    );
    assert!(verifies(&ada[0], "bob-from-ada"));

    // A rotation with an hour's overlap: both secrets sign.
    let rotate = |overlap_seconds: u32| {
        let app = &app;
        async move {
            let request = test::TestRequest::post()
                .uri("/v1/callback-secrets/rotation")
                .insert_header(bearer("t-ada"))
                .set_json(serde_json::json!({ "overlap_seconds": overlap_seconds }))
                .to_request();
            let response = test::call_service(app, request).await;
            assert_eq!(response.status(), StatusCode::OK);
            common::json_body(response).await["secret"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let second = rotate(3600).await;
    assert_eq!(secrets("t-ada").await, [second.clone(), ada[0].clone()]);
    subscribe("t-ada", "overlap").await;
    succeeded(&callbacks, 3).await;
    assert!(verifies(&ada[0], "overlap"), "the old secret alone");
    assert!(verifies(&second, "overlap"), "the new secret alone");

    // A rotation without overlap: only the newest signs.
    let third = rotate(0).await;
    assert_eq!(secrets("t-ada").await, std::slice::from_ref(&third));
    subscribe("t-ada", "after").await;
    succeeded(&callbacks, 4).await;
    assert!(verifies(&third, "after"));
    assert!(!verifies(&second, "after") && !verifies(&ada[0], "after"));
    receiver.handle.stop(false).await;
}

/// The management API over HTTP: an owner registers, reads, changes, tests,
/// rotates and deletes its endpoint; another owner gets `404` from every
/// route that names it; bad fields are `422` problems naming the field; the
/// test event reaches the endpoint signed with the endpoint's own secret.
#[actix_web::test]
async fn the_management_api_serves_each_owner_its_own_endpoints() {
    use actix_web::http::{Method, StatusCode};
    use serde_json::json;
    let receiver = common::Receiver::start(vec![]);
    let callbacks = owned_callbacks();
    let app = app_for_ada_and_bob(&callbacks).await;
    let call = |method: Method, token: Option<&str>, path: &str, body: Option<Value>| {
        manage(&app, method, token, path, body)
    };

    let (status, _) = call(Method::GET, None, "/endpoints", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let url = format!("{}/ada", receiver.url());
    let (status, created) = call(
        Method::POST,
        Some("t-ada"),
        "/endpoints",
        Some(json!({ "url": url, "event_types": ["plan-price-changed"], "description": "prices" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["enabled"], true);
    assert_eq!(created["event_types"], json!(["plan-price-changed"]));
    let id = created["id"].as_str().unwrap().to_owned();
    let one = format!("/endpoints/{id}");

    // Bob: not found, whichever route names ada's endpoint.
    for (method, path, body) in [
        (Method::GET, one.clone(), None),
        (
            Method::PATCH,
            one.clone(),
            Some(json!({ "description": "mine" })),
        ),
        (Method::DELETE, one.clone(), None),
        (Method::GET, format!("{one}/secret"), None),
        (
            Method::POST,
            format!("{one}/secret/rotate"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("{one}/test"),
            Some(json!({ "event_type": "plan-price-changed" })),
        ),
    ] {
        let (status, problem) = call(method.clone(), Some("t-bob"), &path, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {problem}");
        assert_eq!(problem["status"], 404);
    }
    let (_, bobs) = call(Method::GET, Some("t-bob"), "/endpoints", None).await;
    assert_eq!(bobs["data"], json!([]));
    let (_, adas) = call(Method::GET, Some("t-ada"), "/endpoints", None).await;
    assert_eq!(adas["data"][0]["id"], id.as_str());
    assert_eq!(
        adas["data"][0]["description"], "prices",
        "bob changed nothing"
    );

    // Bad fields, named.
    let (status, problem) = call(
        Method::POST,
        Some("t-ada"),
        "/endpoints",
        Some(json!({ "url": url, "event_types": ["plan-deleted"] })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["pointer"], "/event_types");
    let (status, problem) = call(
        Method::POST,
        Some("t-ada"),
        "/endpoints",
        Some(json!({ "url": "http://169.254.169.254/latest" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["pointer"], "/url");

    // Disable, enable.
    let (_, disabled) = call(
        Method::PATCH,
        Some("t-ada"),
        &one,
        Some(json!({ "enabled": false })),
    )
    .await;
    assert_eq!(disabled["enabled"], false);
    assert_eq!(disabled["disabled_reason"], "disabled by its owner");
    let (_, enabled) = call(
        Method::PATCH,
        Some("t-ada"),
        &one,
        Some(json!({ "enabled": true })),
    )
    .await;
    assert_eq!(enabled["enabled"], true);

    // The test event, signed with the endpoint's own secret.
    let (_, secrets) = call(Method::GET, Some("t-ada"), &format!("{one}/secret"), None).await;
    let secret = secrets["data"][0]["secret"].as_str().unwrap().to_owned();
    let (status, sent) = call(
        Method::POST,
        Some("t-ada"),
        &format!("{one}/test"),
        Some(json!({ "event_type": "plan-price-changed" })),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{sent}");
    succeeded(&callbacks, 1).await;
    let received = receiver.received();
    let request = received.iter().find(|r| r.path == "/hooks/ada").unwrap();
    assert_eq!(request.header("webhook-id"), sent["delivery_id"].as_str());
    assert!(common::reference_verify(
        &secret,
        |name| request.header(name),
        &request.body
    ));

    // Rotation: two secrets during the overlap.
    let (status, rotated) = call(
        Method::POST,
        Some("t-ada"),
        &format!("{one}/secret/rotate"),
        Some(json!({ "overlap_seconds": 3600 })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, secrets) = call(Method::GET, Some("t-ada"), &format!("{one}/secret"), None).await;
    assert_eq!(secrets["data"][0]["secret"], rotated["secret"]);
    assert_eq!(secrets["data"][1]["secret"], secret.as_str());

    let (_, types) = call(Method::GET, Some("t-ada"), "/event-types", None).await;
    let names: Vec<&str> = types["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["endpoint.disabled", "plan-price-changed"]);
    assert_eq!(types["data"][1]["schema"]["$ref"], "#/$defs/PriceChange");

    let (status, _) = call(Method::DELETE, Some("t-ada"), &one, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(Method::GET, Some("t-ada"), &one, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    receiver.handle.stop(false).await;
}

/// Calls management route `path` (under `/v1/webhooks`) as the holder of
/// `token`: its status and JSON body.
fn manage<'a, S, B>(
    app: &'a S,
    method: actix_web::http::Method,
    token: Option<&str>,
    path: &str,
    body: Option<Value>,
) -> impl std::future::Future<Output = (actix_web::http::StatusCode, Value)> + 'a
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    use actix_web::{http::header, test};
    let mut request = test::TestRequest::default()
        .method(method)
        .uri(&format!("/v1/webhooks{path}"));
    if let Some(token) = token {
        request = request.insert_header((header::AUTHORIZATION, format!("Bearer {token}")));
    }
    if let Some(body) = body {
        request = request.set_json(body);
    }
    let request = request.to_request();
    async move {
        let response = test::call_service(app, request).await;
        let status = response.status();
        let body = test::read_body(response).await;
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }
}

/// Polls `check` every 20 ms until it holds (at most 30 s).
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !check().await {
        assert!(std::time::Instant::now() < deadline, "never: {what}");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The delivery log: each owner reads only its own deliveries, each with its
/// attempts in order; a delivery is sent again with the same `webhook-id`.
#[actix_web::test]
async fn each_owner_reads_its_own_delivery_log_and_sends_a_delivery_again() {
    use actix_web::http::{Method, StatusCode};
    use hookspec::delivery::policy::RetryPolicy;
    use serde_json::json;
    use std::time::Duration;
    let receiver = common::Receiver::start(vec![
        common::Answer::status(500),
        common::Answer::status(503),
    ]);
    let callbacks = owned_callbacks_with(|builder| {
        builder.retry(RetryPolicy::with_schedule([Duration::from_millis(50); 5]))
    });
    let app = app_for_ada_and_bob(&callbacks).await;
    let call = |method: Method, token: &'static str, path: String, body: Option<Value>| {
        manage(&app, method, Some(token), &path, body)
    };
    let mut endpoints = Vec::new();
    for (token, who) in [("t-ada", "ada"), ("t-bob", "bob")] {
        let body = json!({ "url": format!("{}/{who}", receiver.url()) });
        let (status, created) = call(Method::POST, token, "/endpoints".into(), Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        endpoints.push(created["id"].as_str().unwrap().to_owned());
    }
    let test_event = |token: &'static str, endpoint: &str| {
        let path = format!("/endpoints/{endpoint}/test");
        let body = json!({ "event_type": "plan-price-changed" });
        let sent = call(Method::POST, token, path, Some(body));
        async move {
            let (status, sent) = sent.await;
            assert_eq!(status, StatusCode::ACCEPTED, "{sent}");
            sent["delivery_id"].as_str().unwrap().to_owned()
        }
    };
    // Ada's first delivery fails twice (500, 503), then arrives.
    let adas = test_event("t-ada", &endpoints[0]).await;
    succeeded(&callbacks, 1).await;
    let bobs = test_event("t-bob", &endpoints[1]).await;
    succeeded(&callbacks, 2).await;

    let (status, log) = call(Method::GET, "t-ada", "/deliveries".into(), None).await;
    assert_eq!(status, StatusCode::OK, "{log}");
    assert_eq!(
        log["data"].as_array().unwrap().len(),
        1,
        "only ada's: {log}"
    );
    let delivery = &log["data"][0];
    assert_eq!(delivery["id"], adas.as_str());
    assert_eq!(delivery["event_type"], "plan-price-changed");
    assert_eq!(delivery["endpoint_id"], endpoints[0].as_str());
    assert_eq!(delivery["status"], "succeeded");
    assert!(log["next"].is_null());
    let attempts = delivery["attempts"].as_array().unwrap();
    let statuses: Vec<(u64, u64)> = attempts
        .iter()
        .map(|a| {
            (
                a["number"].as_u64().unwrap(),
                a["status_code"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(statuses, [(1, 500), (2, 503), (3, 200)]);
    let times: Vec<&str> = attempts
        .iter()
        .map(|a| a["started_at"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]), "in order: {times:?}");
    let (_, bob_log) = call(Method::GET, "t-bob", "/deliveries".into(), None).await;
    assert_eq!(bob_log["data"][0]["id"], bobs.as_str());
    assert_eq!(bob_log["data"].as_array().unwrap().len(), 1);

    // Bob cannot read or send again ada's delivery: not found.
    for (method, path) in [
        (Method::GET, format!("/deliveries/{adas}")),
        (Method::POST, format!("/deliveries/{adas}/replay")),
    ] {
        let (status, problem) = call(method.clone(), "t-bob", path.clone(), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {problem}");
    }

    // Sent again: the same webhook-id arrives once more.
    let (status, replayed) = call(
        Method::POST,
        "t-ada",
        format!("/deliveries/{adas}/replay"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{replayed}");
    let arrivals = |id: &str| receiver.arrivals(id);
    eventually("the replay arrives", || {
        let one = call(Method::GET, "t-ada", format!("/deliveries/{adas}"), None);
        async move {
            let (_, delivery) = one.await;
            delivery["status"] == "succeeded" && delivery["attempts"].as_array().unwrap().len() == 4
        }
    })
    .await;
    assert_eq!(arrivals(&adas), 4, "three attempts, then the replay");
    assert_eq!(arrivals(&bobs), 1);

    // Filters and pages.
    let second = test_event("t-ada", &endpoints[0]).await;
    succeeded(&callbacks, 3).await;
    let (_, page) = call(Method::GET, "t-ada", "/deliveries?limit=1".into(), None).await;
    assert_eq!(page["data"][0]["id"], second.as_str());
    let next = page["next"].as_str().unwrap();
    let (_, older) = call(
        Method::GET,
        "t-ada",
        format!("/deliveries?limit=1&before={next}"),
        None,
    )
    .await;
    assert_eq!(older["data"][0]["id"], adas.as_str());
    assert!(older["next"].is_null(), "{older}");
    let (_, failed) = call(
        Method::GET,
        "t-ada",
        "/deliveries?status=failed".into(),
        None,
    )
    .await;
    assert_eq!(failed["data"], json!([]));
    let (_, other) = call(
        Method::GET,
        "t-ada",
        format!("/deliveries?endpoint_id={}", endpoints[1]),
        None,
    )
    .await;
    assert_eq!(other["data"], json!([]), "bob's endpoint: none of ada's");
    // An operator (the admin key) reads every owner's, or one owner's, and
    // any delivery by its id.
    let operator = |path: String| {
        let request = actix_web::test::TestRequest::get()
            .uri(&format!("/v1/admin/webhooks{path}"))
            .insert_header(("X-Admin-Key", "k"))
            .to_request();
        let app = &app;
        async move {
            let response = actix_web::test::call_service(app, request).await;
            let status = response.status();
            let body: Value = actix_web::test::read_body_json(response).await;
            (status, body)
        }
    };
    let (status, all) = operator("/deliveries".into()).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let ids: Vec<&str> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [second.as_str(), bobs.as_str(), adas.as_str()]);
    let (_, bobs_only) = operator("/deliveries?owner=bob".into()).await;
    assert_eq!(bobs_only["data"].as_array().unwrap().len(), 1);
    assert_eq!(bobs_only["data"][0]["id"], bobs.as_str());
    let (status, one) = operator(format!("/deliveries/{bobs}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(one["payload"].is_object(), "{one}");
    let (_, health) = operator("/endpoint-health".into()).await;
    assert_eq!(health["data"][0]["in_flight"], 0, "{health}");
    let without_key = actix_web::test::TestRequest::get()
        .uri("/v1/admin/webhooks/deliveries")
        .insert_header(("Authorization", "Bearer t-ada"))
        .to_request();
    let response = actix_web::test::call_service(&app, without_key).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    for (query, pointer) in [
        ("since=yesterday", "/since"),
        ("before=nonsense", "/before"),
    ] {
        let (status, problem) =
            call(Method::GET, "t-ada", format!("/deliveries?{query}"), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {problem}");
        assert_eq!(problem["errors"][0]["pointer"], pointer);
    }
    receiver.handle.stop(false).await;
}

/// After an outage, recovery sends exactly the deliveries that failed since
/// it began, once; cancelling gives up what is under way; a delivery is read
/// with its payload.
#[actix_web::test]
async fn an_owner_recovers_an_outage_and_cancels_what_is_under_way() {
    use actix_web::http::{Method, StatusCode};
    use hookspec::delivery::policy::RetryPolicy;
    use serde_json::json;
    let gate = common::Gate::default();
    // One delivered before the outage, three refused during it (no retries),
    // the three recovered, then one held in flight.
    let receiver = common::Receiver::start(vec![
        common::Answer::ok(),
        common::Answer::status(503),
        common::Answer::status(503),
        common::Answer::status(503),
        common::Answer::ok(),
        common::Answer::ok(),
        common::Answer::ok(),
        common::Answer::held(&gate),
    ]);
    let callbacks = owned_callbacks_with(|builder| builder.retry(RetryPolicy::with_schedule([])));
    let app = app_for_ada_and_bob(&callbacks).await;
    let call = |method: Method, token: &'static str, path: String, body: Option<Value>| {
        manage(&app, method, Some(token), &path, body)
    };
    let body = json!({ "url": format!("{}/ada", receiver.url()) });
    let (_, created) = call(Method::POST, "t-ada", "/endpoints".into(), Some(body)).await;
    let endpoint = created["id"].as_str().unwrap().to_owned();
    let send = || {
        let sent = call(
            Method::POST,
            "t-ada",
            format!("/endpoints/{endpoint}/test"),
            Some(json!({ "event_type": "plan-price-changed" })),
        );
        async move { sent.await.1["delivery_id"].as_str().unwrap().to_owned() }
    };
    let state_of = |id: String| {
        let read = call(Method::GET, "t-ada", format!("/deliveries/{id}"), None);
        async move { read.await.1 }
    };
    let before = send().await;
    succeeded(&callbacks, 1).await;
    let outage = call(Method::GET, "t-ada", format!("/deliveries/{before}"), None)
        .await
        .1["attempts"][0]["started_at"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut failed = Vec::new();
    for _ in 0..3 {
        let id = send().await;
        let check = id.clone();
        eventually("the outage refuses it", || {
            let read = state_of(check.clone());
            async move { read.await["status"] == "failed" }
        })
        .await;
        failed.push(id);
    }

    // Bob cannot recover or cancel ada's endpoint.
    for path in ["recover", "cancel"] {
        let (status, _) = call(
            Method::POST,
            "t-bob",
            format!("/endpoints/{endpoint}/{path}"),
            Some(json!({ "since": outage })),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, problem) = call(
        Method::POST,
        "t-ada",
        format!("/endpoints/{endpoint}/recover"),
        Some(json!({ "since": "after lunch" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["pointer"], "/since");

    let recover = || {
        call(
            Method::POST,
            "t-ada",
            format!("/endpoints/{endpoint}/recover"),
            Some(json!({ "since": outage })),
        )
    };
    let (status, recovered) = recover().await;
    assert_eq!(status, StatusCode::ACCEPTED, "{recovered}");
    assert_eq!(recovered, json!({ "recovered": 3, "more": false }));
    succeeded(&callbacks, 4).await;
    let arrivals = |id: &str| receiver.arrivals(id);
    assert_eq!(arrivals(&before), 1, "delivered before: not sent again");
    for id in &failed {
        assert_eq!(arrivals(id), 2, "{id}: refused, then recovered");
    }
    let (_, again) = recover().await;
    assert_eq!(again["recovered"], 0, "nothing failed is left: {again}");

    // A delivery read alone shows its payload.
    let one = state_of(failed[0].clone()).await;
    assert!(one["payload"].is_object(), "{one}");

    // In flight at a receiver that does not answer: cancelled.
    let held = send().await;
    eventually("the receiver holds it", || {
        let seen = arrivals(&held) == 1;
        async move { seen }
    })
    .await;
    let (status, cancelled) = call(
        Method::POST,
        "t-ada",
        format!("/endpoints/{endpoint}/cancel"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    assert_eq!(cancelled, json!({ "cancelled": 1 }));
    gate.open();
    let read = state_of(held.clone()).await;
    assert_eq!(read["status"], "failed", "{read}");
    assert_eq!(read["reason"], "cancelled by its owner");
    receiver.handle.stop(false).await;
}

/// The management routes are in the document, 3.1 and 3.0, with the API's
/// authentication, their tag and their problem responses.
#[test]
fn the_management_api_is_documented() {
    let api = subscriptions::api();
    let document = serde_json::to_value(api.openapi().unwrap()).unwrap();
    common::assert_valid_openapi_3_1(&document);
    common::assert_valid_openapi_3_0(&serde_json::to_value(api.openapi_3_0().unwrap()).unwrap());
    let paths = &document["paths"];
    let create = &paths["/v1/webhooks/endpoints"]["post"];
    assert_eq!(create["operationId"], "create_webhook_endpoint");
    assert_eq!(create["tags"], serde_json::json!(["webhook endpoints"]));
    assert_eq!(create["security"], serde_json::json!([{ "bearer": [] }]));
    for status in ["201", "401", "422", "503"] {
        assert!(create["responses"][status].is_object(), "{status}");
    }
    let one = &paths["/v1/webhooks/endpoints/{id}"];
    for method in ["get", "patch", "delete"] {
        assert!(one[method]["responses"]["404"].is_object(), "{method}");
        assert_eq!(one[method]["parameters"][0]["name"], "id");
    }
    for path in [
        "/v1/webhooks/endpoints/{id}/secret",
        "/v1/webhooks/endpoints/{id}/secret/rotate",
        "/v1/webhooks/endpoints/{id}/test",
        "/v1/webhooks/event-types",
    ] {
        assert!(paths[path].is_object(), "{path}");
    }
    let log = &paths["/v1/webhooks/deliveries"]["get"];
    assert_eq!(log["operationId"], "list_webhook_deliveries");
    assert_eq!(log["security"], serde_json::json!([{ "bearer": [] }]));
    let names: Vec<&str> = log["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|parameter| parameter["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "before",
            "endpoint_id",
            "event_type",
            "limit",
            "since",
            "status",
            "until"
        ]
    );
    assert_eq!(
        log["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/DeliveryList"
    );
    let replay = &paths["/v1/webhooks/deliveries/{id}/replay"]["post"];
    for status in ["202", "401", "404", "409", "503"] {
        assert!(replay["responses"][status].is_object(), "{status}");
    }
    assert!(paths["/v1/webhooks/deliveries/{id}"]["get"]["responses"]["404"].is_object());
    let recover = &paths["/v1/webhooks/endpoints/{id}/recover"]["post"];
    assert_eq!(recover["operationId"], "recover_webhook_endpoint");
    for status in ["202", "401", "404", "422", "503"] {
        assert!(recover["responses"][status].is_object(), "{status}");
    }
    let cancel = &paths["/v1/webhooks/endpoints/{id}/cancel"]["post"];
    assert_eq!(cancel["operationId"], "cancel_webhook_endpoint_deliveries");
    // The operators' routes: the admin key, their own tag.
    let all = &paths["/v1/admin/webhooks/deliveries"]["get"];
    assert_eq!(all["operationId"], "list_all_webhook_deliveries");
    assert_eq!(all["security"], serde_json::json!([{ "admin_key": [] }]));
    assert_eq!(all["tags"], serde_json::json!(["webhook operations"]));
    assert_eq!(all["parameters"][0]["name"], "owner");
    for path in [
        "/v1/admin/webhooks/deliveries/{id}",
        "/v1/admin/webhooks/endpoint-health",
    ] {
        assert!(paths[path]["get"]["responses"]["401"].is_object(), "{path}");
    }
}
