//! A versioned, protected API under a scope, with several callbacks on one
//! operation, one callback shared by two operations, and a webhook; callbacks
//! signed with each API user's own secret.
//!
//! Users authenticate with a bearer token, administrators with an API key in
//! `X-Admin-Key`; `GET /v1/status` is public. The extractors that check them
//! (`Authenticated`, `Admin`) document their own requirement and their `401`,
//! so no handler taking one can leave its authentication undocumented.
//!
//! `Authenticated` is also the callbacks' owner: a subscription's confirmation
//! is signed with the secret of the user who subscribed, which hookspec makes,
//! keeps sealed in the delivery store and hands to that user at
//! `GET /v1/callback-secrets` (rotated at `POST /v1/callback-secrets/rotation`).
//! Pointing `callback_url` at another user's endpoint gets that user a
//! confirmation their secret does not verify.
//!
//! Users also manage their webhook endpoints at `/v1/webhooks` (hookspec's
//! management API, documented with the rest): register one for
//! `plan-price-changed`, read its own secret, test it, read the log of their
//! deliveries (`/v1/webhooks/deliveries`), send one again, recover what failed
//! during an outage. An administrator's `POST /v1/admin/price-changes`
//! publishes the change to the users named; each endpoint that wants it gets
//! it signed with its own secret. Administrators read every user's deliveries
//! at `/v1/admin/webhooks/deliveries`.
//!
//! ```text
//! cargo run --example subscriptions   # then open http://127.0.0.1:8000/docs
//! ```
//!
//! Environment: `SUBSCRIPTIONS_TOKENS` (`user:token` pairs, comma-separated;
//! default `demo:demo-token`), `SUBSCRIPTIONS_ADMIN_KEY` (default
//! `demo-admin-key`), `HOST`, `PORT`, and what `CallbacksBuilder::from_env`
//! reads: `HOOKSPEC_SECRETS_KEY` (the key sealing the users' secrets; without
//! it the example makes one in `subscriptions-secrets.key` on first start and
//! says so), `HOOKSPEC_DELIVERY_STORE`, `HOOKSPEC_CALLBACK_POLICY`
//! (`public+loopback` to send to a receiver on this machine).

use std::collections::HashMap;
use std::future::{ready, Ready};
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::web::{Data, Json, Path};
use actix_web::{FromRequest, HttpRequest, ResponseError};
use hookspec::delivery::management::{self, DeliveryOperations, EndpointManagement};
use hookspec::delivery::owners::{Owner, SecretsKey};
use hookspec::delivery::subscriptions::endpoint_disabled;
use hookspec::delivery::{BuildError, Callback, Callbacks, CallbacksBuilder};
use hookspec::openapi::{ApiKeyIn, SecurityScheme, Tag};
use hookspec::{callback, get, post, webhook, Api, JsonSchema, Problem};

use hookspec::describe::{OperationContext, OperationInput, OperationOutput};
use serde::{Deserialize, Serialize};

/// The name of the bearer token scheme in the document.
pub const BEARER: &str = "bearer";
/// The name of the administrators' API key scheme in the document.
pub const ADMIN_KEY: &str = "admin_key";

/// Checks bearer tokens: the application's own rule (a database, a JWT
/// library), given as a function from a token to its user.
#[derive(Clone)]
pub struct TokenValidator(Arc<Validate>);

/// A token's user, if the token is valid.
type Validate = dyn Fn(&str) -> Option<String> + Send + Sync;

impl TokenValidator {
    /// A validator that accepts these `(user, token)` pairs.
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let by_token: HashMap<String, String> = pairs
            .iter()
            .map(|(user, token)| (token.clone(), user.clone()))
            .collect();
        TokenValidator(Arc::new(move |token| by_token.get(token).cloned()))
    }
}

/// The administrators' key.
#[derive(Clone)]
pub struct AdminKey(pub String);

/// `401` with `WWW-Authenticate`, as a problem-details body.
fn unauthorized(challenge: &'static str, detail: &str) -> actix_web::Error {
    let mut response = Problem::new(StatusCode::UNAUTHORIZED, detail).error_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static(challenge),
    );
    actix_web::error::InternalError::from_response(detail.to_owned(), response).into()
}

/// A user authenticated by `Authorization: Bearer <token>`.
pub struct Authenticated {
    /// Who.
    pub user: String,
}

impl FromRequest for Authenticated {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "));
        let validator = request.app_data::<Data<TokenValidator>>();
        ready(match (token, validator) {
            (Some(token), Some(validator)) => match (validator.0)(token) {
                Some(user) => Ok(Authenticated { user }),
                None => Err(unauthorized(
                    "Bearer error=\"invalid_token\"",
                    "the bearer token is not valid",
                )),
            },
            (None, _) => Err(unauthorized("Bearer", "a bearer token is required")),
            (Some(_), None) => Err(actix_web::error::ErrorInternalServerError(
                "no TokenValidator in the app data",
            )),
        })
    }
}

/// The user is who callbacks sent for their requests are signed for.
impl Owner for Authenticated {
    fn owner_id(&self) -> &str {
        &self.user
    }
}

/// Documents the requirement with the extractor: a handler taking it is a
/// protected operation in the document, with its `401`.
impl OperationInput for Authenticated {
    type Extractor = Self;

    fn from_extractor(user: Self) -> Self {
        user
    }

    fn describe(cx: &mut OperationContext<'_>) {
        cx.require(BEARER, &[]);
        cx.add_problem_response(401);
    }
}

/// An administrator, authenticated by the `X-Admin-Key` header.
pub struct Admin;

impl FromRequest for Admin {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let given = request
            .headers()
            .get("x-admin-key")
            .and_then(|value| value.to_str().ok());
        let expected = request.app_data::<Data<AdminKey>>();
        ready(match (given, expected) {
            (Some(given), Some(expected)) if given == expected.0 => Ok(Admin),
            _ => Err(unauthorized(
                "X-Admin-Key",
                "a valid X-Admin-Key is required",
            )),
        })
    }
}

impl OperationInput for Admin {
    type Extractor = Self;

    fn from_extractor(admin: Self) -> Self {
        admin
    }

    fn describe(cx: &mut OperationContext<'_>) {
        cx.require(ADMIN_KEY, &[]);
        cx.add_problem_response(401);
    }
}

/// A subscription request: where to send events.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct NewSubscription {
    /// The API user's endpoint for events.
    pub callback_url: url::Url,
    /// The events wanted.
    pub events: Vec<String>,
}

/// A created subscription.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Subscription {
    pub id: u64,
    pub events: Vec<String>,
}

/// An event sent to a subscriber.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Event {
    pub subscription_id: u64,
    pub kind: String,
}

/// Why a subscription is cancelled, and where to confirm it.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Cancellation {
    pub callback_url: url::Url,
    pub reason: Option<String>,
}

/// A receiver's acknowledgement.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Ack {
    pub ok: bool,
}

/// Confirm a new subscription to its endpoint.
#[callback(post, "{$request.body#/callback_url}")]
pub async fn subscription_confirmed(body: Json<Subscription>) -> Json<Ack> {}

/// Deliver an event.
#[callback(post, "{$request.body#/callback_url}/events")]
pub async fn event_delivered(body: Json<Event>) -> Json<Ack> {}

/// Tell the subscriber its subscription ended.
#[callback(
    delete,
    "{$request.body#/callback_url}/subscriptions/{$response.body#/id}"
)]
pub async fn subscription_ended(body: Json<Subscription>) -> Json<Ack> {}

/// A plan changed price.
///
/// Sent to every URL registered in the dashboard, not in answer to a request.
#[webhook("plan-price-changed")]
pub async fn plan_price_changed(body: Json<PriceChange>) -> Json<Ack> {}

/// A plan's new price.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct PriceChange {
    pub plan: String,
    /// Cents per month.
    pub price: u32,
    /// Why the price changed, when said.
    pub reason: Option<String>,
}

/// Subscribe to events.
#[post(
    "/subscriptions",
    tag = "subscriptions",
    callbacks(subscription_confirmed, event_delivered, subscription_ended)
)]
pub async fn subscribe(
    user: Authenticated,
    body: Json<NewSubscription>,
    confirm: Callback<subscription_confirmed>,
) -> Json<Subscription> {
    let _ = user.user;
    let subscription = Subscription {
        id: 1,
        events: body.into_inner().events,
    };
    // Signed with this user's secret; sent in the background. A URL the
    // address policy refuses costs the confirmation, not the subscription.
    if let Err(why) = confirm.enqueue(&subscription).await {
        eprintln!("no confirmation: {why}");
    }
    Json(subscription)
}

/// One of the secrets that sign a user's callbacks.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct CallbackSecret {
    /// `whsec_...`: what the user's receiver verifies `webhook-signature` with.
    pub secret: String,
    /// Seconds since the Unix epoch until which it still signs (during a
    /// rotation's overlap); absent for the newest.
    pub expires_at: Option<u64>,
}

impl From<hookspec::delivery::owners::ManagedSecret> for CallbackSecret {
    fn from(managed: hookspec::delivery::owners::ManagedSecret) -> Self {
        CallbackSecret {
            secret: managed.secret().to_owned(),
            expires_at: managed.expires_at.map(|end| {
                end.duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |since| since.as_secs())
            }),
        }
    }
}

/// The callback secrets cannot be read now (the store is away): a `503`
/// problem; the cause is logged, not shown.
#[derive(Debug)]
pub struct SecretsUnavailable;

impl std::fmt::Display for SecretsUnavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the callback secrets cannot be read now; try again later")
    }
}

impl ResponseError for SecretsUnavailable {
    fn status_code(&self) -> StatusCode {
        StatusCode::SERVICE_UNAVAILABLE
    }

    fn error_response(&self) -> actix_web::HttpResponse {
        Problem::new(self.status_code(), self.to_string()).error_response()
    }
}

/// Documents exactly the `503` it answers with.
impl OperationOutput for SecretsUnavailable {
    fn describe(cx: &mut OperationContext<'_>) {
        cx.add_problem_response(503);
    }
}

fn secrets_unavailable(error: hookspec::delivery::owners::SecretsError) -> SecretsUnavailable {
    eprintln!("callback secrets: {error}");
    SecretsUnavailable
}

/// The secrets your callbacks are signed with, newest first (two during a
/// rotation's overlap).
#[get("/callback-secrets", tag = "secrets")]
pub async fn callback_secrets(
    user: Authenticated,
    callbacks: Callbacks,
) -> Result<Json<Vec<CallbackSecret>>, SecretsUnavailable> {
    let secrets = callbacks
        .owner_secrets(&user.user)
        .await
        .map_err(secrets_unavailable)?;
    Ok(Json(
        secrets.into_iter().map(CallbackSecret::from).collect(),
    ))
}

/// How long the secrets in use keep signing after a rotation.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Rotation {
    /// Seconds during which callbacks carry both signatures (at most a week).
    #[schemars(range(max = 604800))]
    pub overlap_seconds: u32,
}

/// Make a new secret for your callbacks; the old one keeps signing for the
/// overlap, so your receiver can switch without missing a callback.
#[post("/callback-secrets/rotation", tag = "secrets")]
pub async fn rotate_callback_secret(
    user: Authenticated,
    rotation: Json<Rotation>,
    callbacks: Callbacks,
) -> Result<Json<CallbackSecret>, SecretsUnavailable> {
    let overlap = std::time::Duration::from_secs(u64::from(rotation.overlap_seconds.min(604_800)));
    let secret = callbacks
        .rotate_owner_secret(&user.user, overlap)
        .await
        .map_err(secrets_unavailable)?;
    Ok(Json(secret.into()))
}

/// Cancel a subscription.
#[post(
    "/subscriptions/{id}/cancellation",
    tag = "subscriptions",
    callbacks(subscription_ended)
)]
pub async fn unsubscribe(
    user: Authenticated,
    id: Path<u64>,
    cancellation: Json<Cancellation>,
) -> Json<Subscription> {
    let _ = (user, cancellation);
    Json(Subscription {
        id: id.into_inner(),
        events: Vec::new(),
    })
}

/// The caller's subscriptions.
#[get("/subscriptions", tag = "subscriptions")]
pub async fn list_subscriptions(user: Authenticated) -> Json<Vec<Subscription>> {
    let _ = user.user;
    Json(vec![Subscription {
        id: 1,
        events: vec!["invoice.paid".to_owned()],
    }])
}

/// Every subscription (administrators only).
#[get("/admin/subscriptions", tag = "admin")]
pub async fn all_subscriptions(_admin: Admin) -> Json<Vec<Subscription>> {
    Json(vec![Subscription {
        id: 1,
        events: vec!["invoice.paid".to_owned()],
    }])
}

/// A price change to announce to some users.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Announcement {
    /// The change.
    pub change: PriceChange,
    /// The users to tell: each of their endpoints that wants
    /// `plan-price-changed` gets it, signed with that endpoint's secret.
    pub users: Vec<String>,
}

/// How many deliveries an announcement made.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Announced {
    pub deliveries: u64,
}

/// Announce a price change to users' subscribed endpoints (administrators only).
#[post("/admin/price-changes", tag = "admin")]
pub async fn announce_price_change(
    _admin: Admin,
    announcement: Json<Announcement>,
    callbacks: Callbacks,
) -> Result<Json<Announced>, hookspec::delivery::SendError> {
    let mut deliveries = 0;
    for user in &announcement.users {
        let published = callbacks
            .publish::<plan_price_changed>(user)
            .send(&announcement.change)
            .await?;
        deliveries += published.deliveries;
    }
    Ok(Json(Announced { deliveries }))
}

/// Whether the service is up (public).
#[get("/status", tag = "status", security())]
pub async fn status() -> &'static str {
    "up"
}

/// The API, with everything under `/v1`: bearer tokens for users by default,
/// the admin key for administrators, one public operation.
pub fn api() -> Api {
    Api::new("Subscriptions", "1.0.0")
        .description("Event subscriptions with callbacks.")
        .license("Apache 2.0", "Apache-2.0")
        .server("/", None)
        .security_scheme(
            BEARER,
            SecurityScheme::bearer()
                .bearer_format("opaque token")
                .description("A user's token: `Authorization: Bearer <token>`."),
        )
        .security_scheme(
            ADMIN_KEY,
            SecurityScheme::api_key(ApiKeyIn::Header, "X-Admin-Key")
                .description("The administrators' key."),
        )
        .security_requirement(BEARER, &[])
        .tag(Tag::new("subscriptions").description("A user's event subscriptions."))
        .tag(Tag::new("secrets").description("The secrets that sign your callbacks."))
        .tag(
            Tag::new(management::TAG)
                .description("Your webhook endpoints, and the events they get."),
        )
        .tag(Tag::new("admin").description("For administrators, with the admin key."))
        .tag(
            Tag::new(management::OPERATOR_TAG)
                .description("Every user's deliveries, for administrators."),
        )
        .tag(Tag::new("status").description("Whether the service is up."))
        .strict_tags()
        .scope("/v1", |v1| {
            v1.service(subscribe)
                .service(list_subscriptions)
                .service(unsubscribe)
                .service(all_subscriptions)
                .service(announce_price_change)
                .service(callback_secrets)
                .service(rotate_callback_secret)
                .scope("/webhooks", |webhooks| {
                    webhooks.service(EndpointManagement::<Authenticated>::new())
                })
                .scope("/admin/webhooks", |operations| {
                    operations.service(DeliveryOperations::<Admin>::new())
                })
                .service(status)
        })
        .webhook(plan_price_changed)
        .webhook(endpoint_disabled)
}

/// Callbacks as this API sends them: for the [`Authenticated`] user of each
/// request, signed with that user's secret unless `builder` chose otherwise.
pub fn callbacks(builder: CallbacksBuilder) -> Result<Callbacks, BuildError> {
    builder.owner_from::<Authenticated>().api(&api()).build()
}

/// Where the example keeps the key it makes when `HOOKSPEC_SECRETS_KEY` is unset.
const KEY_FILE: &str = "subscriptions-secrets.key";

/// The tokens and admin key from the environment (demo ones by default).
pub fn credentials() -> (TokenValidator, AdminKey) {
    let tokens = std::env::var("SUBSCRIPTIONS_TOKENS").unwrap_or_else(|_| "demo:demo-token".into());
    let pairs: Vec<(String, String)> = tokens
        .split(',')
        .filter_map(|pair| pair.split_once(':'))
        .map(|(user, token)| (user.trim().to_owned(), token.trim().to_owned()))
        .collect();
    let admin =
        std::env::var("SUBSCRIPTIONS_ADMIN_KEY").unwrap_or_else(|_| "demo-admin-key".into());
    (TokenValidator::from_pairs(&pairs), AdminKey(admin))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    if api().print_document_if_asked()? {
        return Ok(()); // `--print-openapi` (3.1), `-3.0` or `-3.2`, for tools
    }
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|port| port.parse().ok())
        .unwrap_or(8000);
    let api = api();
    api.check().map_err(std::io::Error::other)?;
    let (tokens, admin) = credentials();
    let (tokens, admin) = (Data::new(tokens), Data::new(admin));
    let mut builder = CallbacksBuilder::from_env().map_err(std::io::Error::other)?;
    if std::env::var_os(hookspec::delivery::env::SECRETS_KEY_VARIABLE).is_none() {
        let (key, made) = SecretsKey::load_or_create(KEY_FILE).map_err(std::io::Error::other)?;
        if made {
            println!(
                "Made a key for the callback secrets in {KEY_FILE}; in production, set \
                 HOOKSPEC_SECRETS_KEY from your secret manager instead."
            );
        }
        builder = builder.owner_secrets(key);
    }
    let callbacks = Data::new(callbacks(builder).map_err(std::io::Error::other)?);
    println!("Subscriptions API on http://{host}:{port}/docs");
    actix_web::HttpServer::new(move || {
        actix_web::App::new()
            .app_data(tokens.clone())
            .app_data(admin.clone())
            .app_data(callbacks.clone())
            .configure(api.configure())
    })
    .bind((host.as_str(), port))?
    .run()
    .await
}
