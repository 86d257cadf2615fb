//! Senders in a handler's signature: [`Callback<C>`] sends callback `C` for the
//! request being handled and documents `C` on its operation; [`Webhook<W>`]
//! sends webhook `W` and documents it under the top-level `webhooks`. What a
//! handler can send is what its operation documents. [`Callbacks`] itself is an
//! extractor too, for work that sends on its own terms.

use std::future::{ready, Ready};
use std::marker::PhantomData;

use actix_web::http::StatusCode;
use actix_web::{dev, web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use super::callbacks::Callbacks;
use super::error::SendError;
use super::record::DeliveryId;
use super::request::{CallbackRequest, WebhookRequest};
use crate::callback_io::{CallbackBody, CallbackReply};
use crate::context::OperationContext;
use crate::declarations::{CallbackDeclaration, WebhookDeclaration};
use crate::input::OperationInput;
use crate::problem::Problem;

/// The app's [`Callbacks`], from `web::Data<Callbacks>` (or a plain
/// `Callbacks`) in its data.
fn callbacks_of(req: &HttpRequest) -> Result<Callbacks, Problem> {
    if let Some(data) = req.app_data::<web::Data<Callbacks>>() {
        return Ok(Callbacks::clone(data));
    }
    if let Some(callbacks) = req.app_data::<Callbacks>() {
        return Ok(callbacks.clone());
    }
    // The server's configuration, not the client's request: logged in full,
    // answered without internals.
    tracing::error!(
        path = req.path(),
        "a handler sends callbacks, but the app has no `web::Data<Callbacks>`"
    );
    Err(Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "this operation cannot send its callbacks: the server is not configured to",
    ))
}

/// The app's [`Callbacks`], for handlers that send on their own terms (a
/// callback for a trigger assembled by hand, a webhook to several URLs).
/// Documents nothing; `500` if the app registered no `web::Data<Callbacks>`.
impl FromRequest for Callbacks {
    type Error = Problem;
    type Future = Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut dev::Payload) -> Self::Future {
        ready(callbacks_of(req))
    }
}

impl OperationInput for Callbacks {
    type Extractor = Self;

    fn from_extractor(callbacks: Self) -> Self {
        callbacks
    }

    fn describe(cx: &mut OperationContext<'_>) {
        cx.add_problem_response(500);
    }
}

/// Callback `C`, ready to send for the request being handled: its URL is
/// evaluated from this request (the body too, as the handler's extractors read
/// it), its body is `C`'s declared type. As a handler argument it documents `C`
/// under the operation's `callbacks`, so a handler sends only what its operation
/// documents (listing `C` in `callbacks(...)` as well is allowed, not needed).
///
/// ```no_run
/// use actix_web::web::{Json, Query};
/// use hookspec::delivery::{Callback, SendError};
/// use hookspec::{callback, post, JsonSchema};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, JsonSchema)]
/// pub struct Invoice { pub id: String }
/// #[derive(Serialize, Deserialize, JsonSchema)]
/// pub struct InvoiceEvent { pub paid: bool }
/// #[derive(Deserialize, JsonSchema)]
/// pub struct Params { pub callback_url: Option<String> }
///
/// /// Tell the API user about their invoice.
/// #[callback(post, "{$request.query.callback_url}/invoices/{$request.body#/id}")]
/// async fn invoice_notification(body: Json<InvoiceEvent>) {}
///
/// /// Create an invoice.
/// #[post("/invoices/")]
/// async fn create_invoice(
///     invoice: Json<Invoice>,
///     params: Query<Params>,
///     notify: Callback<invoice_notification>,
/// ) -> Result<Json<Invoice>, SendError> {
///     let _ = params;
///     notify.enqueue(&InvoiceEvent { paid: true }).await?;
///     Ok(invoice)
/// }
/// ```
pub struct Callback<C> {
    callbacks: Callbacks,
    req: HttpRequest,
    owner: Option<String>,
    declaration: PhantomData<fn() -> C>,
}

impl<C> std::fmt::Debug for Callback<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callback")
            .field("callback", &std::any::type_name::<C>())
            .finish()
    }
}

impl<C: CallbackDeclaration> Callback<C> {
    /// The callback as a request to finish: to make the response known
    /// ([`CallbackRequest::with_response`]) before sending.
    pub fn request(&self) -> CallbackRequest<'_, C> {
        let request = self.callbacks.callback::<C>(&self.req);
        match &self.owner {
            Some(owner) => request.owner(owner.clone()),
            None => request,
        }
    }

    /// The API user this request acts for, whose secrets sign the callback
    /// (see [`CallbacksBuilder::owner_from`](super::CallbacksBuilder::owner_from)).
    pub fn owner(&self) -> Option<&str> {
        self.owner.as_deref()
    }

    /// Writes the callback to the store; see [`CallbackRequest::enqueue`].
    pub async fn enqueue(
        &self,
        body: &<C::Payload as CallbackBody>::Body,
    ) -> Result<DeliveryId, SendError> {
        self.request().enqueue(body).await
    }

    /// Sends the callback and waits for the reply; see [`CallbackRequest::send`].
    pub async fn send(
        &self,
        body: &<C::Payload as CallbackBody>::Body,
    ) -> Result<<C::Answer as CallbackReply>::Reply, SendError> {
        self.request().send(body).await
    }
}

/// The app's [`Callbacks`] and the owner of `req`, as the application says
/// who it is (`owner_from`, or an `OwnerId` extension).
fn callbacks_and_owner(
    req: &HttpRequest,
) -> LocalBoxFuture<'static, Result<(Callbacks, Option<String>), actix_web::Error>> {
    let callbacks = match callbacks_of(req) {
        Ok(callbacks) => callbacks,
        Err(problem) => return Box::pin(ready(Err(problem.into()))),
    };
    let owner = callbacks.inner.shared.settings.owners.owner_of(req);
    Box::pin(async move { Ok((callbacks, owner.await?)) })
}

impl<C> FromRequest for Callback<C> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut dev::Payload) -> Self::Future {
        // The URL is evaluated when sending, after the other extractors have
        // read (and kept) the body.
        let req = req.clone();
        Box::pin(async move {
            let (callbacks, owner) = callbacks_and_owner(&req).await?;
            Ok(Callback {
                callbacks,
                req,
                owner,
                declaration: PhantomData,
            })
        })
    }
}

impl<C: CallbackDeclaration> OperationInput for Callback<C> {
    type Extractor = Self;

    fn from_extractor(callback: Self) -> Self {
        callback
    }

    fn describe(cx: &mut OperationContext<'_>) {
        // Once, even if `callbacks(...)` lists it too.
        cx.add_callback::<C>();
        cx.add_problem_response(500);
    }

    const SENDS_CALLBACKS: bool = true;
}

/// Webhook `W`, ready to send to its subscribers' URLs. As a handler argument
/// it documents `W` under the document's top-level `webhooks` (registering it
/// with [`Api::webhook`](crate::api::Api::webhook) as well is allowed, not needed).
pub struct Webhook<W> {
    callbacks: Callbacks,
    owner: Option<String>,
    declaration: PhantomData<fn() -> W>,
}

impl<W> std::fmt::Debug for Webhook<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("webhook", &std::any::type_name::<W>())
            .finish()
    }
}

impl<W: WebhookDeclaration> Webhook<W> {
    /// The webhook to one subscriber's `url`, for the request's owner.
    pub fn to(&self, url: &str) -> WebhookRequest<'_, W> {
        let request = self.callbacks.webhook::<W>(url);
        match &self.owner {
            Some(owner) => request.owner(owner.clone()),
            None => request,
        }
    }

    /// Writes the webhook to `url` to the store; see [`WebhookRequest::enqueue`].
    pub async fn enqueue(
        &self,
        url: &str,
        body: &<W::Payload as CallbackBody>::Body,
    ) -> Result<DeliveryId, SendError> {
        self.to(url).enqueue(body).await
    }
}

impl<W> FromRequest for Webhook<W> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut dev::Payload) -> Self::Future {
        let found = callbacks_and_owner(req);
        Box::pin(async move {
            let (callbacks, owner) = found.await?;
            Ok(Webhook {
                callbacks,
                owner,
                declaration: PhantomData,
            })
        })
    }
}

impl<W: WebhookDeclaration> OperationInput for Webhook<W> {
    type Extractor = Self;

    fn from_extractor(webhook: Self) -> Self {
        webhook
    }

    fn describe(cx: &mut OperationContext<'_>) {
        cx.add_webhook::<W>();
        cx.add_problem_response(500);
    }
}
