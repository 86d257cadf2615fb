//! One delivery, attempt after attempt: send, classify the outcome, wait, retry.

use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, RETRY_AFTER, USER_AGENT};
use url::Url;

use super::record::{Attempt, DeliveryId};
use super::ssrf::Refused;
use super::store::{ClaimedDelivery, Next};
use super::Shared;
use crate::payload::ReplyCheck;

/// When to retry and when to give up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts at most, the first included.
    pub max_attempts: u32,
    /// The wait after the first failed attempt; it doubles after each.
    pub initial_backoff: Duration,
    /// The longest wait between attempts.
    pub max_backoff: Duration,
    /// No attempt starts later than this after the delivery was accepted.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(5 * 60),
            budget: Duration::from_secs(60 * 60),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt `attempt` (1-based): exponential, with jitter
    /// over its upper half so that receivers coming back up are not hit in step.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(31);
        let full = self
            .initial_backoff
            .saturating_mul(1u32 << exponent)
            .min(self.max_backoff);
        let half = full / 2;
        // Saturating: a policy of `Duration::MAX` must not overflow by rounding.
        let jitter = Duration::try_from_secs_f64(half.as_secs_f64() * fastrand::f64())
            .unwrap_or(half)
            .min(half);
        half.saturating_add(jitter)
    }
}

/// How an attempt ended.
enum Outcome {
    /// 2xx with a reply of the declared shape: the reply's bytes.
    Delivered(Vec<u8>),
    /// Worth another attempt, after `retry_after` if the receiver said so.
    Transient {
        error: String,
        retry_after: Option<Duration>,
    },
    /// Another attempt would fail the same way.
    Permanent(String),
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
}

/// One attempt made: its record, what comes next, and the reply if delivered.
pub(crate) struct Attempted {
    pub attempt: Attempt,
    pub next: Next,
    pub reply: Option<Vec<u8>>,
}

/// Makes attempt number `claimed.attempts_made + 1` of a claimed delivery and
/// decides, by the retry policy, what comes next.
pub(crate) async fn attempt(
    shared: &Shared,
    outgoing: &Outgoing,
    claimed: &ClaimedDelivery,
) -> Attempted {
    let number = claimed.attempts_made + 1;
    let started_at = SystemTime::now();
    let started = Instant::now();
    let (status, outcome) = {
        // Bounds the requests in flight at once, across all deliveries.
        let _slot = shared.in_flight.acquire().await;
        // Boxed: only the few deliveries in flight need the HTTP exchange's state.
        Box::pin(send_once(shared, outgoing)).await
    };
    let error = match &outcome {
        Outcome::Delivered(_) => None,
        Outcome::Transient { error, .. } | Outcome::Permanent(error) => Some(error.clone()),
    };
    let attempt = Attempt {
        number,
        started_at,
        duration: started.elapsed(),
        status,
        error,
    };
    let (next, reply) = decide(&shared.settings.retry, claimed, outcome, SystemTime::now());
    match &next {
        Next::Succeeded => tracing::info!(
            delivery_id = %outgoing.id, callback = %outgoing.callback, url = %outgoing.url,
            attempts = number, status = ?status, "callback delivered"
        ),
        Next::Failed(reason) => tracing::error!(
            delivery_id = %outgoing.id, callback = %outgoing.callback, url = %outgoing.url,
            attempts = number, status = ?status, reason = %reason,
            "callback delivery failed; kept as a dead letter"
        ),
        Next::RetryAt(at) => tracing::warn!(
            delivery_id = %outgoing.id, callback = %outgoing.callback, url = %outgoing.url,
            attempt = number, status = ?status, error = ?attempt.error,
            retry_in = ?at.duration_since(SystemTime::now()).unwrap_or_default(),
            "callback attempt failed; retrying"
        ),
    }
    Attempted {
        attempt,
        next,
        reply,
    }
}

/// What comes after an attempt that ended in `outcome` at `now`: the retry
/// policy counts the attempts and the time since the current round began
/// (acceptance, or the last replay).
///
/// `Retry-After` comes from the receiver, so it is untrusted: it never moves the
/// next attempt past the end of the budget (a wait longer than the time left is
/// cut to it, so the last attempt is made when the budget ends), and no value
/// of it can overflow the time arithmetic.
fn decide(
    policy: &RetryPolicy,
    claimed: &ClaimedDelivery,
    outcome: Outcome,
    now: SystemTime,
) -> (Next, Option<Vec<u8>>) {
    let (error, retry_after) = match outcome {
        Outcome::Delivered(reply) => return (Next::Succeeded, Some(reply)),
        Outcome::Permanent(error) => return (Next::Failed(error), None),
        Outcome::Transient { error, retry_after } => (error, retry_after),
    };
    let in_round = claimed.attempts_in_round().saturating_add(1);
    if in_round >= policy.max_attempts {
        return (
            Next::Failed(format!("{in_round} attempts made; the last: {error}")),
            None,
        );
    }
    let elapsed = now
        .duration_since(claimed.round_started_at)
        .unwrap_or_default();
    let left = policy.budget.saturating_sub(elapsed);
    let wait = retry_after
        .unwrap_or_else(|| policy.backoff(in_round))
        .min(left);
    match now.checked_add(wait) {
        Some(at) if !left.is_zero() => (Next::RetryAt(at), None),
        _ => (
            Next::Failed(format!(
                "the {:?} retry budget is spent; the last: {error}",
                policy.budget
            )),
            None,
        ),
    }
}

fn headers(shared: &Shared, outgoing: &Outgoing) -> Result<HeaderMap, String> {
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
    if let Some(signer) = &shared.settings.signer {
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
async fn send_once(shared: &Shared, outgoing: &Outgoing) -> (Option<u16>, Outcome) {
    let headers = match headers(shared, outgoing) {
        Ok(headers) => headers,
        Err(error) => return (None, Outcome::Permanent(format!("cannot sign: {error}"))),
    };
    let timeout = shared.settings.attempt_timeout;
    let request = shared
        .client
        .request(outgoing.method.clone(), outgoing.url.clone())
        .headers(headers)
        .body(outgoing.body.clone());
    let exchange = async {
        let response = request.send().await?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(parse_retry_after);
        let body = read_capped(response, shared.settings.max_reply_bytes).await;
        Ok::<_, reqwest::Error>((status, retry_after, body))
    };
    let (status, retry_after, body) = match tokio::time::timeout(timeout, exchange).await {
        Err(_) => {
            return (
                None,
                Outcome::Transient {
                    error: format!("no complete answer within {timeout:?}"),
                    retry_after: None,
                },
            )
        }
        Ok(Err(error)) => return (None, classify_error(&error)),
        Ok(Ok(exchange)) => exchange,
    };
    let code = status.as_u16();
    let body = match body {
        Ok(body) => body,
        Err(error) => return (Some(code), Outcome::Permanent(error)),
    };
    let outcome = if status.is_success() {
        match outgoing.check_reply.map_or(Ok(()), |check| check(&body)) {
            Ok(()) => Outcome::Delivered(body),
            Err(error) => Outcome::Permanent(error),
        }
    } else if code == 429 || status.is_server_error() || code == 408 {
        Outcome::Transient {
            error: format!("the receiver answered {status}"),
            retry_after,
        }
    } else {
        Outcome::Permanent(format!("the receiver answered {status}"))
    };
    (Some(code), outcome)
}

async fn read_capped(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > limit {
                    return Err(format!("the reply is larger than {limit} bytes"));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(error) => return Err(format!("the reply could not be read: {error}")),
        }
    }
}

/// `Retry-After` as seconds or as an HTTP date.
fn parse_retry_after(value: &HeaderValue) -> Option<Duration> {
    let text = value.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(text).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Connection errors, resets and the like are worth retrying; a refused address,
/// a redirect or a request that cannot be built are not.
fn classify_error(error: &reqwest::Error) -> Outcome {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<Refused>() {
            return Outcome::Permanent(refused.to_string());
        }
        source = cause.source();
    }
    let detail = error_chain(error);
    if error.is_redirect() {
        return Outcome::Permanent(format!("redirects are not followed: {detail}"));
    }
    if error.is_builder() {
        return Outcome::Permanent(detail);
    }
    Outcome::Transient {
        error: detail,
        retry_after: None,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_caps() {
        let policy = RetryPolicy {
            max_attempts: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(1000),
            budget: Duration::from_secs(60),
        };
        for _ in 0..100 {
            let first = policy.backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = policy.backoff(3);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            let late = policy.backoff(30);
            assert!(late >= Duration::from_millis(500) && late <= Duration::from_millis(1000));
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(
            parse_retry_after(&HeaderValue::from_static("7")),
            Some(Duration::from_secs(7))
        );
        let later = SystemTime::now() + Duration::from_secs(120);
        let date = httpdate::fmt_http_date(later);
        let parsed = parse_retry_after(&HeaderValue::from_str(&date).unwrap()).unwrap();
        assert!(parsed > Duration::from_secs(100) && parsed <= Duration::from_secs(120));
        assert_eq!(parse_retry_after(&HeaderValue::from_static("soon")), None);
        assert_eq!(parse_retry_after(&HeaderValue::from_static("-5")), None);
        assert_eq!(
            parse_retry_after(&HeaderValue::from_static("18446744073709551615")),
            Some(Duration::from_secs(u64::MAX))
        );
        // A date in the past: retry at once (the backoff is not consulted).
        assert_eq!(
            parse_retry_after(&HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT")),
            Some(Duration::ZERO)
        );
    }

    fn claimed(attempts_made: u32, round_started_at: SystemTime) -> ClaimedDelivery {
        ClaimedDelivery {
            delivery: super::super::store::NewDelivery {
                id: DeliveryId::from("d1"),
                callback: "cb".into(),
                method: "POST".into(),
                url: "https://example.com/".into(),
                content_type: None,
                body: Vec::new(),
                created_at: round_started_at,
            },
            attempts_made,
            round_started_at,
            round_first_attempt: 0,
        }
    }

    fn transient(retry_after: Option<Duration>) -> Outcome {
        Outcome::Transient {
            error: "the receiver answered 503".into(),
            retry_after,
        }
    }

    /// Every `Retry-After` a receiver can send, the largest included, gives a
    /// decision within the budget instead of an overflow panic in the
    /// dispatcher (which would leave the delivery to be claimed and panic again
    /// after every lease).
    #[test]
    fn a_receivers_retry_after_never_overflows_and_stays_within_the_budget() {
        let policy = RetryPolicy::default();
        let started = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let now = started + Duration::from_secs(10);
        let left = policy.budget - Duration::from_secs(10);
        for header in [
            "18446744073709551615",
            "9999999999999",
            "Fri, 31 Dec 9999 23:59:59 GMT",
        ] {
            let retry_after = parse_retry_after(&HeaderValue::from_static(header));
            assert!(retry_after.is_some(), "{header}");
            let (next, _) = decide(&policy, &claimed(1, started), transient(retry_after), now);
            assert_eq!(next, Next::RetryAt(now + left), "{header}");
        }
        let (next, _) = decide(
            &policy,
            &claimed(1, started),
            transient(Some(Duration::MAX)),
            now,
        );
        assert_eq!(next, Next::RetryAt(now + left));
        // A shorter wait is honoured as asked.
        let (next, _) = decide(
            &policy,
            &claimed(1, started),
            transient(Some(Duration::from_secs(7))),
            now,
        );
        assert_eq!(next, Next::RetryAt(now + Duration::from_secs(7)));
    }

    #[test]
    fn a_spent_budget_or_attempt_count_fails_the_delivery() {
        let policy = RetryPolicy::default();
        let started = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let late = started + policy.budget;
        let (next, _) = decide(&policy, &claimed(1, started), transient(None), late);
        let Next::Failed(reason) = next else {
            panic!("{next:?}")
        };
        assert!(
            reason.starts_with("the 3600s retry budget is spent"),
            "{reason}"
        );
        let (next, _) = decide(
            &policy,
            &claimed(policy.max_attempts - 1, started),
            transient(Some(Duration::ZERO)),
            started,
        );
        assert!(matches!(next, Next::Failed(ref reason) if reason.starts_with("6 attempts made")));
        // Clocks that went backwards, or a round that starts in the future.
        let (next, _) = decide(
            &policy,
            &claimed(1, late),
            transient(Some(Duration::MAX)),
            started,
        );
        assert_eq!(next, Next::RetryAt(started + policy.budget));
    }

    #[test]
    fn backoff_of_the_largest_policy_saturates() {
        let policy = RetryPolicy {
            max_attempts: u32::MAX,
            initial_backoff: Duration::MAX,
            max_backoff: Duration::MAX,
            budget: Duration::MAX,
        };
        for attempt in [1, 2, 31, 32, u32::MAX] {
            assert!(policy.backoff(attempt) >= Duration::MAX / 2);
        }
    }
}
