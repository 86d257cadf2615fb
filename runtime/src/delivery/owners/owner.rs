//! Who a delivery is for: the [`Owner`] trait the application's authenticated
//! type implements, the [`OwnerId`] a middleware may set instead, and how the
//! senders find the owner of the request they are extracted from.

use std::fmt;
use std::sync::Arc;

use actix_web::{dev, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;

use crate::context::OperationContext;
use crate::input::OperationInput;
use crate::problem::Problem;

/// What the application's authentication extractor yields, when it names the
/// API user (the *owner*) a request acts for. Callbacks sent for that request
/// are signed with that owner's secrets: one API user's secret never signs
/// another's callbacks.
///
/// ```
/// use hookspec::delivery::owners::Owner;
///
/// /// The caller, as the application's bearer-token extractor finds them.
/// pub struct Authenticated { pub user_id: String }
///
/// impl Owner for Authenticated {
///     fn owner_id(&self) -> &str {
///         &self.user_id
///     }
/// }
/// ```
///
/// Then `CallbacksBuilder::owner_from::<Authenticated>()` says so once, for
/// every [`Callback`](crate::delivery::Callback) and
/// [`Webhook`](crate::delivery::Webhook) argument.
pub trait Owner {
    /// The owner's stable id (a user or tenant id, never a token).
    fn owner_id(&self) -> &str;
}

/// The owner of a request, for applications whose authentication middleware
/// knows the caller: `req.extensions_mut().insert(OwnerId::new(user_id))`.
/// Used when no [`owner_from`](crate::delivery::CallbacksBuilder::owner_from)
/// extractor is configured.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OwnerId(String);

impl OwnerId {
    /// The owner with this id.
    pub fn new(id: impl Into<String>) -> Self {
        OwnerId(id.into())
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The owner a middleware set on `req`, if one did.
    pub(crate) fn of(req: &HttpRequest) -> Option<OwnerId> {
        req.extensions().get::<OwnerId>().cloned()
    }
}

impl Owner for OwnerId {
    fn owner_id(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OwnerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The owner a middleware set; `401` if none did (the request is not
/// authenticated).
impl FromRequest for OwnerId {
    type Error = Problem;
    type Future = std::future::Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut dev::Payload) -> Self::Future {
        std::future::ready(OwnerId::of(req).ok_or_else(|| {
            Problem::new(
                actix_web::http::StatusCode::UNAUTHORIZED,
                "the request is not authenticated",
            )
        }))
    }
}

/// Documents the `401`; the middleware's scheme is the API's requirement
/// (`Api::security_requirement`).
impl OperationInput for OwnerId {
    type Extractor = Self;

    fn from_extractor(owner: Self) -> Self {
        owner
    }

    fn describe(cx: &mut OperationContext<'_>) {
        cx.add_problem_response(401);
    }
}

type Extract =
    dyn Fn(&HttpRequest) -> LocalBoxFuture<'static, Result<String, actix_web::Error>> + Send + Sync;

/// How the senders find a request's owner: the application's extractor, run
/// again on the request (`owner_from`), or the [`OwnerId`] extension.
#[derive(Clone, Default)]
pub(crate) struct OwnerSource {
    extractor: Option<(Arc<Extract>, &'static str)>,
}

impl fmt::Debug for OwnerSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.extractor {
            Some((_, name)) => write!(f, "OwnerSource({name})"),
            None => f.write_str("OwnerSource(OwnerId extension)"),
        }
    }
}

impl OwnerSource {
    /// The owner is what extractor `A` yields.
    pub(crate) fn extractor<A>() -> Self
    where
        A: FromRequest + Owner + 'static,
        A::Future: 'static,
    {
        let extract: Arc<Extract> = Arc::new(|req: &HttpRequest| {
            // Authentication reads the request's head, never its body.
            let extracted = A::from_request(req, &mut dev::Payload::None);
            Box::pin(async move {
                let owner = extracted.await.map_err(Into::into)?;
                Ok(owner.owner_id().to_owned())
            })
        });
        OwnerSource {
            extractor: Some((extract, std::any::type_name::<A>())),
        }
    }

    /// The owner of `req`: `None` if nothing names one. An extractor's
    /// rejection (a missing or bad token) is the request's answer.
    pub(crate) fn owner_of(
        &self,
        req: &HttpRequest,
    ) -> LocalBoxFuture<'static, Result<Option<String>, actix_web::Error>> {
        match &self.extractor {
            Some((extract, _)) => {
                let extracted = extract(req);
                Box::pin(async move { extracted.await.map(Some) })
            }
            None => {
                let owner = OwnerId::of(req).map(|owner| owner.0);
                Box::pin(async move { Ok(owner) })
            }
        }
    }
}
