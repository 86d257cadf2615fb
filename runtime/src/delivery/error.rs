//! Why a callback was not sent, and how a handler answers for it.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use super::attempt::DeliveryError;
use super::evaluate::NotApplicable;
use super::record::DeliveryId;
use super::ssrf::Refused;
use super::store::StoreError;
use crate::problem::Problem;

/// Why a callback was not sent. Handlers usually ask
/// [`is_bad_url`](Self::is_bad_url) (the API user's URL: the request can go on
/// without the callback) or [`is_unavailable`](Self::is_unavailable) (ours:
/// answer 503, try again later) rather than match each variant.
#[derive(Debug)]
#[non_exhaustive]
pub enum SendError {
    /// The URL has an expression with no value for this request.
    NotApplicable(NotApplicable),
    /// The evaluated URL is not a URL.
    InvalidUrl {
        /// The text evaluated (not in the error's text: it may hold a token).
        url: String,
        /// Why it does not parse.
        reason: String,
    },
    /// The URL points where callbacks may not go.
    Refused(Refused),
    /// The body could not be encoded.
    Encode(String),
    /// The in-memory store holds as many unfinished deliveries as it may.
    QueueFull {
        /// The queue's capacity.
        capacity: usize,
    },
    /// The delivery store could not write the delivery: nothing was accepted,
    /// and nothing will be sent. Worth trying again later.
    Store(StoreError),
    /// The dispatcher is shutting down.
    ShuttingDown,
    /// An awaited send was accepted but not delivered before its deadline
    /// (`CallbacksBuilder::send_deadline`): the delivery goes on in the
    /// background, retries included.
    StillPending {
        /// The delivery, to look up with `Callbacks::delivery`.
        id: DeliveryId,
    },
    /// Awaited delivery failed.
    Delivery(DeliveryError),
    /// Deliveries are signed with their owner's secrets, and nothing named
    /// this one's owner: the request had none (`CallbacksBuilder::owner_from`,
    /// an `OwnerId` extension) and the handler named none
    /// (`DeliveryRequest::owner`). A mistake in our code, not the client's;
    /// never signed with someone else's secret instead.
    NoOwner,
}

impl From<StoreError> for SendError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Full { capacity } => SendError::QueueFull { capacity },
            other => SendError::Store(other),
        }
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::NotApplicable(why) => write!(f, "callback not applicable: {why}"),
            // The text is not shown: it may hold a token, and it reaches
            // logs and problem details (the field keeps it for the caller).
            SendError::InvalidUrl { reason, .. } => {
                write!(f, "the callback URL is not a URL: {reason}")
            }
            SendError::Refused(refused) => write!(f, "{refused}"),
            SendError::Encode(error) => write!(f, "callback body cannot be encoded: {error}"),
            SendError::QueueFull { capacity } => write!(
                f,
                "callback queue is full ({capacity} deliveries unfinished); try again later"
            ),
            SendError::Store(error) => write!(f, "callback not accepted: {error}"),
            SendError::ShuttingDown => f.write_str("callback delivery is shutting down"),
            SendError::StillPending { id } => write!(
                f,
                "callback delivery {id} has not succeeded yet; it goes on in the background"
            ),
            SendError::Delivery(error) => write!(f, "{error}"),
            SendError::NoOwner => f.write_str(
                "callback not accepted: it is signed with its owner's secret, and nothing names \
                 its owner (`CallbacksBuilder::owner_from`, or `.owner(..)` on the request)",
            ),
        }
    }
}

impl std::error::Error for SendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SendError::NotApplicable(error) => Some(error),
            SendError::Refused(error) => Some(error),
            SendError::Store(error) => Some(error),
            SendError::Delivery(error) => Some(error),
            _ => None,
        }
    }
}

impl SendError {
    /// The callback's URL is the problem: an expression without a value for this
    /// request (no `callback_url` given), not a URL, or an address callbacks may
    /// not reach. The API user's doing; nothing was accepted.
    pub fn is_bad_url(&self) -> bool {
        matches!(
            self,
            SendError::NotApplicable(_) | SendError::InvalidUrl { .. } | SendError::Refused(_)
        )
    }

    /// Nothing was accepted for now: the store is unavailable or full, or the
    /// sender is shutting down. Worth trying again later (a `503`).
    pub fn is_unavailable(&self) -> bool {
        match self {
            SendError::QueueFull { .. } | SendError::ShuttingDown => true,
            SendError::Store(error) => error.is_unavailable(),
            _ => false,
        }
    }

    /// What an API client is told: the whole message for its own mistakes and
    /// the receiver's; for ours, what happened without the internals (database
    /// errors, addresses), which go to the log.
    fn public_detail(&self) -> String {
        match self {
            SendError::Store(StoreError::Unavailable(_)) => {
                "callback not accepted: the delivery store is unavailable; try again later".into()
            }
            SendError::Store(_) => "callback not accepted: the delivery store failed".into(),
            SendError::Encode(_) => "callback not accepted: its body cannot be encoded".into(),
            SendError::NoOwner => "callback not accepted: it cannot be signed".into(),
            other => other.to_string(),
        }
    }
}

/// So a handler can answer with `?`: the API user's bad URL is their error (400),
/// a full queue, an unavailable store or a shutdown is ours for now (503, with
/// `Retry-After`), a failed awaited delivery is the receiver's (502).
impl ResponseError for SendError {
    fn status_code(&self) -> StatusCode {
        match self {
            SendError::NotApplicable(_) | SendError::InvalidUrl { .. } | SendError::Refused(_) => {
                StatusCode::BAD_REQUEST
            }
            SendError::QueueFull { .. } | SendError::ShuttingDown => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            SendError::Store(StoreError::Corrupt(_))
            | SendError::Encode(_)
            | SendError::NoOwner => StatusCode::INTERNAL_SERVER_ERROR,
            SendError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
            SendError::Delivery(_) => StatusCode::BAD_GATEWAY,
            SendError::StillPending { .. } => StatusCode::GATEWAY_TIMEOUT,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if self.status_code().is_server_error() {
            tracing::error!(error = %self, "a callback was not accepted");
        }
        let mut response = Problem::new(self.status_code(), self.public_detail()).error_response();
        if self.status_code() == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from_static("1"),
            );
        }
        response
    }
}

/// Every status [`SendError`] can answer with, as problem details.
impl crate::output::OperationOutput for SendError {
    fn describe(cx: &mut crate::context::OperationContext<'_>) {
        for status in [400, 500, 502, 503] {
            cx.add_problem_response(status);
        }
    }
}
