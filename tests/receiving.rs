//! The receiving side over HTTP: `Verified<T>` answers 401 for a wrong secret,
//! a tampered body or a stale timestamp, 400 for a bad body under a valid
//! signature, and 500 when the app registered no verifier.

use actix_web::web::{Data, Json};
use actix_web::{test, App};
use hookspec::signing::Signer;
use hookspec::signing::{Verified, Verifier};
use hookspec::{post, Api, JsonSchema};
use serde::Deserialize;
use serde_json::json;

mod common;
use common::json_body;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

#[derive(Debug, Deserialize, JsonSchema)]
struct Event {
    paid: bool,
}

#[post("/hooks")]
async fn receive(event: Verified<Event>) -> Json<serde_json::Value> {
    Json(json!({ "paid": event.body.paid, "id": event.message.id }))
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Posts `body` signed with `secret` at `timestamp` to an app that verifies
/// with `SECRET` (or has no verifier); the status and the JSON answer.
async fn post_signed(
    verifier: bool,
    secret: &str,
    timestamp: i64,
    signed_body: &[u8],
    sent_body: &[u8],
) -> (u16, serde_json::Value) {
    let api = Api::new("Receiver", "1").service(receive);
    let mut app = App::new().configure(api.configure());
    if verifier {
        app = app.app_data(Data::new(Verifier::new(&[SECRET]).unwrap()));
    }
    let app = test::init_service(app).await;
    let mut request = test::TestRequest::post()
        .uri("/hooks")
        .insert_header(("content-type", "application/json"))
        .set_payload(sent_body.to_vec());
    for (name, value) in Signer::new(&[secret])
        .unwrap()
        .headers("msg_1", timestamp, signed_body)
        .unwrap()
    {
        request = request.insert_header((name, value));
    }
    let response = test::call_service(&app, request.to_request()).await;
    let status = response.status().as_u16();
    (status, json_body(response).await)
}

const BODY: &[u8] = br#"{"paid": true}"#;

#[actix_web::test]
async fn a_valid_signature_is_accepted() {
    let (status, body) = post_signed(true, SECRET, unix_now(), BODY, BODY).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({ "paid": true, "id": "msg_1" }));
}

#[actix_web::test]
async fn a_wrong_secret_is_401() {
    let (status, problem) = post_signed(true, OTHER_SECRET, unix_now(), BODY, BODY).await;
    assert_eq!(status, 401, "{problem}");
    assert_eq!(problem["status"], 401);
    assert_eq!(problem["errors"][0]["in"], "header", "{problem}");
    assert_eq!(
        problem["errors"][0]["pointer"], "/webhook-signature",
        "{problem}"
    );
}

#[actix_web::test]
async fn a_tampered_body_is_401() {
    let (status, problem) =
        post_signed(true, SECRET, unix_now(), BODY, br#"{"paid": false}"#).await;
    assert_eq!(status, 401, "{problem}");
}

#[actix_web::test]
async fn a_stale_timestamp_is_401() {
    let (status, problem) = post_signed(true, SECRET, unix_now() - 3600, BODY, BODY).await;
    assert_eq!(status, 401, "{problem}");
    let (status, problem) = post_signed(true, SECRET, unix_now() + 3600, BODY, BODY).await;
    assert_eq!(status, 401, "a timestamp from the future: {problem}");
}

#[actix_web::test]
async fn extreme_timestamps_are_401_not_a_crash() {
    for timestamp in [i64::MIN, i64::MIN + 1, i64::MAX] {
        let (status, problem) = post_signed(true, SECRET, timestamp, BODY, BODY).await;
        assert_eq!(status, 401, "timestamp {timestamp}: {problem}");
        assert_eq!(
            problem["errors"][0]["pointer"], "/webhook-timestamp",
            "timestamp {timestamp}: {problem}"
        );
    }
}

#[actix_web::test]
async fn a_bad_body_under_a_valid_signature_is_400() {
    let bad = br#"{"paid": "yes"}"#;
    let (status, problem) = post_signed(true, SECRET, unix_now(), bad, bad).await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["errors"][0]["in"], "body", "{problem}");
}

#[actix_web::test]
async fn no_verifier_registered_is_500() {
    let (status, problem) = post_signed(false, SECRET, unix_now(), BODY, BODY).await;
    assert_eq!(status, 500, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("no `web::Data<Verifier>` is registered"),
        "{problem}"
    );
}

/// The reference verifier the delivery tests rely on agrees with the Standard
/// Webhooks specification's test vector, and with nothing else.
#[actix_web::test]
async fn the_reference_verifier_matches_the_specification_vector() {
    let headers = [
        ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
        ("webhook-timestamp", "1614265330"),
        (
            "webhook-signature",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        ),
    ];
    let header = |name: &str| headers.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
    let body = br#"{"test": 2432232314}"#;
    assert!(common::reference_verify(SECRET, header, body));
    assert!(!common::reference_verify(OTHER_SECRET, header, body));
    assert!(!common::reference_verify(
        SECRET,
        header,
        br#"{"test": 2432232315}"#
    ));
}
