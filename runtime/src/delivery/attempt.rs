//! One delivery, attempt after attempt: send, classify the outcome, wait, retry.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, RETRY_AFTER, USER_AGENT};
use url::Url;

use super::engine::Engine;
use super::owners::{endpoint_holder, owner_holder, ManagedSecrets, SecretsError};
use super::record::{redact_url, Attempt, DeliveryId};
use super::retry::{decide, Verdict};
use super::settings::Signing;
use super::ssrf::Refused;
use super::store::{ClaimedDelivery, NewDelivery, Next};
use crate::context::ReplyCheck;
use crate::signing::Signer;

/// How an attempt ended: the verdict, and the reply's bytes if delivered.
struct Outcome {
    verdict: Verdict,
    reply: Option<Vec<u8>>,
}

impl Outcome {
    fn transient(error: String) -> Self {
        Outcome {
            verdict: Verdict::Transient {
                error,
                retry_after: None,
            },
            reply: None,
        }
    }

    fn permanent(error: String) -> Self {
        Outcome {
            verdict: Verdict::Permanent(error),
            reply: None,
        }
    }
}

/// Why a delivery failed, for callers that awaited it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryError {
    /// The delivery.
    pub id: DeliveryId,
    /// How many attempts were made.
    pub attempts: u32,
    /// The last status the receiver answered, if any.
    pub last_status: Option<u16>,
    /// Why it was given up.
    pub reason: String,
}

impl std::fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "callback delivery {} failed after {} attempt(s): {}",
            self.id, self.attempts, self.reason
        )
    }
}

impl std::error::Error for DeliveryError {}

/// What one delivery sends, rebuilt from its stored form for each claim.
pub(crate) struct Outgoing {
    pub id: DeliveryId,
    pub callback: String,
    pub method: reqwest::Method,
    pub url: Url,
    pub body: Vec<u8>,
    pub content_type: Option<HeaderValue>,
    /// `None` when this process has not seen the callback declared (a delivery
    /// accepted before a restart): any 2xx reply then counts as delivered.
    pub check_reply: Option<ReplyCheck>,
    /// The API user it is sent for, whose secrets sign it.
    pub owner: Option<String>,
    /// The subscribed endpoint it goes to, whose own secrets sign it instead.
    pub endpoint: Option<String>,
}

/// One attempt made: its record, what comes next, and the reply if delivered.
pub(crate) struct Attempted {
    pub attempt: Attempt,
    pub next: Next,
    pub reply: Option<Vec<u8>>,
    /// The wait the receiver asked for (`Retry-After`), if it did.
    pub retry_after: Option<Duration>,
}

/// Makes attempt number `claimed.attempts_made + 1` of a claimed delivery and
/// decides, by the retry policy, what comes next.
///
/// `None` when no send slot came free early enough to finish before
/// `must_finish_by` (the end of the lease the delivery is held under): sending
/// later could overlap with the worker that takes the delivery over once the
/// lease has run out, so nothing is sent.
pub(crate) async fn attempt(
    shared: &Engine,
    outgoing: &Outgoing,
    claimed: &ClaimedDelivery,
    must_finish_by: SystemTime,
) -> Option<Attempted> {
    let number = claimed.attempts_made + 1;
    // Bounds the requests in flight at once, across all deliveries.
    let slot = slot_in_time(shared, must_finish_by).await;
    let Some(_slot) = slot else {
        tracing::warn!(
            delivery_id = %outgoing.id,
            "no send slot came free before the lease ends; left for the next claim"
        );
        return None;
    };
    let started_at = SystemTime::now();
    let started = Instant::now();
    // Boxed: only the few deliveries in flight need the HTTP exchange's state.
    let (status, outcome) = Box::pin(send_once(shared, outgoing)).await;
    let error = match &outcome.verdict {
        Verdict::Delivered => None,
        Verdict::Transient { error, .. } | Verdict::Permanent(error) => Some(error.clone()),
    };
    let attempt = Attempt {
        number,
        started_at,
        duration: started.elapsed(),
        status,
        error,
    };
    let retry_after = match &outcome.verdict {
        Verdict::Transient { retry_after, .. } => *retry_after,
        Verdict::Delivered | Verdict::Permanent(_) => None,
    };
    let next = decide(
        &shared.settings.retry,
        claimed,
        outcome.verdict,
        SystemTime::now(),
        fastrand::f64(),
    );
    let reply = outcome.reply;
    super::metrics::attempt(&next, attempt.duration);
    // A delivery to a URL a handler gave has no endpoint's health to keep.
    if let Some(endpoint) = &outgoing.endpoint {
        super::subscriptions::health::record(shared, endpoint, status, next == Next::Succeeded)
            .await;
    }
    match &next {
        Next::Succeeded => tracing::info!(
            delivery_id = %outgoing.id, callback = %outgoing.callback, url = %redact_url(outgoing.url.as_str()),
            attempts = number, status = ?status, "callback delivered"
        ),
        Next::Failed(reason) => tracing::error!(
            delivery_id = %outgoing.id, callback = %outgoing.callback, url = %redact_url(outgoing.url.as_str()),
            attempts = number, status = ?status, reason = %reason,
            "callback delivery failed; kept as a dead letter"
        ),
        Next::RetryAt(at) => tracing::warn!(
            delivery_id = %outgoing.id, callback = %outgoing.callback, url = %redact_url(outgoing.url.as_str()),
            attempt = number, status = ?status, error = ?attempt.error,
            retry_in = ?at.duration_since(SystemTime::now()).unwrap_or_default(),
            "callback attempt failed; retrying"
        ),
    }
    Some(Attempted {
        attempt,
        next,
        reply,
        retry_after,
    })
}

/// A send slot, if one comes free while an attempt started then can still end
/// (by its timeout) before `must_finish_by`.
async fn slot_in_time(
    shared: &Engine,
    must_finish_by: SystemTime,
) -> Option<tokio::sync::SemaphorePermit<'_>> {
    let latest_start = must_finish_by.checked_sub(shared.settings.attempt_timeout)?;
    let wait = latest_start.duration_since(SystemTime::now()).ok()?;
    tokio::time::timeout(wait, shared.in_flight.acquire())
        .await
        .ok()?
        .ok()
}

/// What signs `outgoing`, as the application chose: nothing, the
/// single-tenant secrets, or its owner's secrets, looked up now (so a rotation
/// applies to retries too). A delivery that should carry its owner's signature
/// and cannot fails: it is never sent unsigned or signed with another secret.
/// A store that cannot be read now is worth another attempt (the error is
/// [`Outcome::transient`]); anything else is not.
async fn signer_for(shared: &Engine, outgoing: &Outgoing) -> Result<Option<Arc<Signer>>, Outcome> {
    let cannot = |error: String| Outcome::permanent(format!("cannot sign: {error}"));
    let owner = || {
        outgoing.owner.as_deref().ok_or_else(|| {
            cannot(
                "the delivery names no owner, and deliveries are signed with their owner's secret"
                    .into(),
            )
        })
    };
    // A subscribed endpoint's delivery is signed with that endpoint's secret.
    if let Some(endpoint) = &outgoing.endpoint {
        return match &shared.settings.signing {
            Signing::Managed(secrets) => {
                managed_signer(shared, secrets, &endpoint_holder(endpoint)).await
            }
            _ => Err(cannot(
                "the delivery goes to a subscribed endpoint, and endpoint secrets are not \
                 managed here (`owner_secrets`)"
                    .into(),
            )),
        };
    }
    match &shared.settings.signing {
        Signing::Unsigned => Ok(None),
        Signing::SingleTenant(signer) => Ok(Some(Arc::clone(signer))),
        Signing::Managed(secrets) => managed_signer(shared, secrets, &owner_holder(owner()?)).await,
        Signing::ByOwner(resolver) => {
            let owner = owner()?;
            let secrets = resolver
                .secrets_for_owner(owner)
                .ok_or_else(|| cannot(format!("no signing secrets for owner `{owner}`")))?;
            let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
            Signer::new(&secrets)
                .map(|signer| Some(Arc::new(signer)))
                .map_err(|error| cannot(error.to_string()))
        }
    }
}

/// The signer of `holder`'s managed secrets; a store that cannot be read now
/// is worth another attempt.
async fn managed_signer(
    shared: &Engine,
    secrets: &ManagedSecrets,
    holder: &str,
) -> Result<Option<Arc<Signer>>, Outcome> {
    secrets
        .signer(&*shared.store, holder)
        .await
        .map(Some)
        .map_err(|error| match error {
            SecretsError::Store(store) if store.is_unavailable() => {
                Outcome::transient(format!("cannot read the signing secrets: {store}"))
            }
            other => Outcome::permanent(format!("cannot sign: {other}")),
        })
}

fn headers(outgoing: &Outgoing, signer: Option<&Signer>) -> Result<HeaderMap, String> {
    let mut headers = HeaderMap::new();
    headers.insert(
        USER_AGENT,
        HeaderValue::from_static(concat!("hookspec/", env!("CARGO_PKG_VERSION"))),
    );
    if let Some(content_type) = &outgoing.content_type {
        headers.insert(CONTENT_TYPE, content_type.clone());
    }
    // Signed or not, every attempt names its delivery, so receivers can drop
    // the duplicates at-least-once delivery allows.
    let id = HeaderValue::from_str(outgoing.id.as_str()).map_err(|error| error.to_string())?;
    headers.insert("webhook-id", id);
    if let Some(signer) = signer {
        // A fresh timestamp per attempt, the same id on every one.
        let signed = signer
            .headers_now(outgoing.id.as_str(), &outgoing.body)
            .map_err(|error| error.to_string())?;
        for (name, value) in signed {
            let value = HeaderValue::from_str(&value).map_err(|error| error.to_string())?;
            headers.insert(name, value);
        }
    }
    Ok(headers)
}

/// One attempt: the status the receiver answered, if any, and the outcome.
async fn send_once(shared: &Engine, outgoing: &Outgoing) -> (Option<u16>, Outcome) {
    let signer = match signer_for(shared, outgoing).await {
        Ok(signer) => signer,
        Err(outcome) => return (None, outcome),
    };
    let headers = match headers(outgoing, signer.as_deref()) {
        Ok(headers) => headers,
        Err(error) => return (None, Outcome::permanent(format!("cannot sign: {error}"))),
    };
    let timeout = shared.settings.attempt_timeout;
    let request = shared
        .client
        .request(outgoing.method.clone(), outgoing.url.clone())
        .headers(headers)
        .body(outgoing.body.clone());
    let exchange = async {
        let response = request.send().await?;
        let status = response.status().as_u16();
        let retry_after = response.headers().get(RETRY_AFTER).cloned();
        // Only a success's reply is read (and checked); for any other status
        // the status decides, so a huge or broken error body costs nothing.
        let body = if response.status().is_success() {
            read_capped(response, shared.settings.max_reply_bytes).await
        } else {
            Ok(Vec::new())
        };
        Ok::<_, reqwest::Error>((status, retry_after, body))
    };
    match tokio::time::timeout(timeout, exchange).await {
        Err(_) => (
            None,
            Outcome::transient(format!("no complete answer within {timeout:?}")),
        ),
        // The message without the URL (which may carry a token): the record
        // and the log show the URL redacted already.
        Ok(Err(error)) => (None, classify_error(&error.without_url())),
        Ok(Ok((status, retry_after, body))) => (
            Some(status),
            classify(
                status,
                retry_after.as_ref(),
                body,
                outgoing.check_reply,
                SystemTime::now(),
            ),
        ),
    }
}

/// Why a success's reply could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
enum ReplyError {
    /// Larger than the cap: the receiver will answer the same again.
    TooLarge(usize),
    /// Cut off or unreadable (a reset mid-body): worth another attempt.
    Broken(String),
}

/// The outcome of an answer, from what the receiver sent (all of it untrusted):
/// `408`, `429` and `5xx` are worth retrying (after `Retry-After` if it parses),
/// whatever their body; a `2xx` is delivered if its reply reads and has the
/// declared shape, retried if it was cut off, failed if it is too large or of
/// another shape; anything else (`3xx`: redirects are not followed; `4xx`,
/// `410 Gone` among them) is final.
fn classify(
    status: u16,
    retry_after: Option<&HeaderValue>,
    body: Result<Vec<u8>, ReplyError>,
    check: Option<ReplyCheck>,
    now: SystemTime,
) -> Outcome {
    let reason = || match reqwest::StatusCode::from_u16(status) {
        Ok(code) => format!("the receiver answered {code}"),
        Err(_) => format!("the receiver answered {status}"),
    };
    match status {
        200..=299 => match body {
            Ok(body) => match check.map_or(Ok(()), |check| check(&body)) {
                Ok(()) => Outcome {
                    verdict: Verdict::Delivered,
                    reply: Some(body),
                },
                Err(error) => Outcome::permanent(error),
            },
            Err(ReplyError::TooLarge(limit)) => {
                Outcome::permanent(format!("the reply is larger than {limit} bytes"))
            }
            Err(ReplyError::Broken(error)) => {
                Outcome::transient(format!("the reply could not be read: {error}"))
            }
        },
        408 | 429 | 500..=599 => Outcome {
            verdict: Verdict::Transient {
                error: reason(),
                retry_after: retry_after.and_then(|value| parse_retry_after(value, now)),
            },
            reply: None,
        },
        _ => Outcome::permanent(reason()),
    }
}

async fn read_capped(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, ReplyError> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len().saturating_add(chunk.len()) > limit {
                    return Err(ReplyError::TooLarge(limit));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(error) => return Err(ReplyError::Broken(error_chain(&error.without_url()))),
        }
    }
}

/// `Retry-After` as seconds or as an HTTP date (a past one: now); anything
/// else (negative, fractional, garbage) is ignored.
fn parse_retry_after(value: &HeaderValue, now: SystemTime) -> Option<Duration> {
    super::retry_after::parse(value.to_str().ok()?, now)
}

/// Connection errors, resets and the like are worth retrying; a refused address,
/// a redirect or a request that cannot be built are not.
fn classify_error(error: &reqwest::Error) -> Outcome {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<Refused>() {
            return Outcome::permanent(refused.to_string());
        }
        source = cause.source();
    }
    let detail = error_chain(error);
    if error.is_redirect() {
        return Outcome::permanent(format!("redirects are not followed: {detail}"));
    }
    if error.is_builder() {
        return Outcome::permanent(detail);
    }
    Outcome::transient(detail)
}

fn error_chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl Engine {
    /// A stored delivery, ready to send.
    pub(crate) fn outgoing(&self, delivery: &NewDelivery) -> Result<Outgoing, String> {
        let url = Url::parse(&delivery.url)
            .map_err(|error| format!("the stored URL is not a URL: {error}"))?;
        // Checked again when sent, not only when accepted: a delivery written by
        // another instance, under an older policy, or replayed after the policy
        // changed goes only where this policy admits (names still at connect).
        self.policy
            .check_url(&url)
            .map_err(|refused| refused.to_string())?;
        let method = reqwest::Method::from_bytes(delivery.method.as_bytes()).map_err(|error| {
            format!(
                "the stored method `{}` is not a method: {error}",
                delivery.method
            )
        })?;
        let content_type = delivery
            .content_type
            .as_deref()
            .map(HeaderValue::from_str)
            .transpose()
            .map_err(|error| format!("the stored content type is not a header value: {error}"))?;
        let check_reply = self.replies.check_for(&delivery.callback);
        Ok(Outgoing {
            id: delivery.id.clone(),
            callback: delivery.callback.clone(),
            method,
            url,
            body: delivery.body.clone(),
            content_type,
            check_reply,
            owner: delivery.owner.clone(),
            endpoint: delivery.endpoint.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::retry::tests::claimed;
    use crate::delivery::retry::RetryPolicy;

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_and_ignores_the_rest() {
        let parse = |text: &str| parse_retry_after(&HeaderValue::from_str(text).unwrap(), now());
        assert_eq!(parse("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse(" 7 "), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now() + Duration::from_secs(120));
        assert_eq!(parse(&later), Some(Duration::from_secs(120)));
        // A date in the past: now.
        assert_eq!(parse("Sun, 06 Nov 1994 08:49:37 GMT"), Some(Duration::ZERO));
        assert_eq!(
            parse("18446744073709551615"),
            Some(Duration::from_secs(u64::MAX))
        );
        for garbage in ["soon", "-5", "1.5", "", "99999999999999999999999"] {
            assert_eq!(parse(garbage), None, "{garbage:?}");
        }
    }

    fn verdict(status: u16, body: Result<Vec<u8>, ReplyError>) -> Verdict {
        classify(status, None, body, None, now()).verdict
    }

    #[test]
    fn answers_are_classified_by_status_whatever_their_body() {
        assert_eq!(verdict(200, Ok(b"{}".to_vec())), Verdict::Delivered);
        // A success cut off mid-body: worth another attempt.
        assert!(matches!(
            verdict(200, Err(ReplyError::Broken("reset".into()))),
            Verdict::Transient { .. }
        ));
        assert_eq!(
            verdict(200, Err(ReplyError::TooLarge(1024))),
            Verdict::Permanent("the reply is larger than 1024 bytes".into())
        );
        for status in [408, 429, 500, 502, 503, 599] {
            assert!(
                matches!(verdict(status, Ok(Vec::new())), Verdict::Transient { .. }),
                "{status}"
            );
        }
        assert_eq!(
            verdict(410, Ok(Vec::new())),
            Verdict::Permanent("the receiver answered 410 Gone".into())
        );
        assert_eq!(
            verdict(307, Ok(Vec::new())),
            Verdict::Permanent("the receiver answered 307 Temporary Redirect".into())
        );
        assert_eq!(
            verdict(799, Ok(Vec::new())),
            Verdict::Permanent("the receiver answered 799 <unknown status code>".into())
        );
        // A declared reply type that the body does not have.
        let refuse: ReplyCheck = |_| Err("the reply is not a `Ack`".into());
        assert_eq!(
            classify(200, None, Ok(b"{}".to_vec()), Some(refuse), now()).verdict,
            Verdict::Permanent("the reply is not a `Ack`".into())
        );
    }

    proptest::proptest! {
        /// Whatever a receiver answers (any status, any `Retry-After` text, a
        /// body that reads or not) at whatever point of the round, the decision
        /// is the one its class calls for: a success for a `2xx` read whole; a
        /// retry for a transient failure (`408`, `429`, `5xx`, a `2xx` cut off)
        /// while attempts and time are left, no earlier than now, no later than
        /// the budget's end or than `max_retry_after` away; a final failure
        /// otherwise, naming why.
        #[test]
        fn every_answer_gets_a_decision_within_the_policy(
            status in 0u16..1000,
            retry_after in proptest::option::of(".{0,40}"),
            retry_seconds in proptest::option::of(proptest::num::u64::ANY),
            broken in proptest::bool::ANY,
            attempts_made in 0u32..20,
            elapsed_ms in 0u64..(200 * 3_600_000),
            random in 0.0f64..1.0,
        ) {
            let policy = RetryPolicy::default();
            let header = retry_seconds
                .map(|seconds| seconds.to_string())
                .or(retry_after)
                .and_then(|text| HeaderValue::from_str(&text).ok());
            let body = if broken {
                Err(ReplyError::Broken("reset".into()))
            } else {
                Ok(Vec::new())
            };
            let start = now();
            let at = start + Duration::from_millis(elapsed_ms);
            let outcome = classify(status, header.as_ref(), body, None, at);
            let next = decide(&policy, &claimed(attempts_made, start), outcome.verdict, at, random);
            let delivered = (200..300).contains(&status) && !broken;
            let transient = (200..300).contains(&status) && broken
                || matches!(status, 408 | 429 | 500..=599);
            let attempts_left = attempts_made + 1 < policy.max_attempts();
            let budget_left = Duration::from_millis(elapsed_ms) < policy.time_budget();
            match next {
                Next::RetryAt(when) => {
                    proptest::prop_assert!(transient && attempts_left && budget_left);
                    proptest::prop_assert!(when >= at);
                    proptest::prop_assert!(when <= start + policy.time_budget());
                    let waits = policy.waits();
                    let longest = waits.iter().max().copied().unwrap_or_default();
                    let cap = longest.mul_f64(1.2).max(Duration::from_secs(10 * 3600));
                    proptest::prop_assert!(when.duration_since(at).unwrap() <= cap);
                }
                Next::Succeeded => proptest::prop_assert!(delivered),
                // A transient failure is given up only with no attempt or no
                // time left, and says which; anything else is final at once,
                // naming the answer.
                Next::Failed(reason) if transient => {
                    proptest::prop_assert!(!attempts_left || !budget_left, "{}", reason);
                    proptest::prop_assert!(
                        reason.contains("attempts made; the last:")
                            || reason.contains("retry budget is spent"),
                        "{}", reason
                    );
                }
                Next::Failed(reason) => {
                    proptest::prop_assert!(!delivered);
                    proptest::prop_assert!(reason.starts_with("the receiver answered"), "{}", reason);
                }
            }
        }
    }
}
