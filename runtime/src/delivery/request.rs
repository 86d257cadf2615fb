//! One callback or webhook about to be sent: [`DeliveryRequest`], the one request
//! type behind [`CallbackRequest`] (URL evaluated from the triggering request)
//! and [`WebhookRequest`] (URL given by the caller).

use std::marker::PhantomData;

use actix_web::HttpRequest;
use serde::Serialize;

use super::bound::Reservation;
use super::callbacks::{Callbacks, Message};
use super::error::SendError;
use super::evaluate::{self, Trigger};
use super::owners::OwnerId;
use super::record::DeliveryId;
#[cfg(feature = "postgres")]
use super::store::PgTransaction;
use crate::callback_io::{CallbackBody, CallbackReply};
use crate::context::DeclaredReply;
use crate::declarations::{CallbackDeclaration, WebhookDeclaration};
use crate::openapi::Method;
use hookspec_expr::UrlTemplate;

/// Where a delivery goes.
enum Target {
    /// A callback's URL template, evaluated against its trigger when sent.
    Template {
        template: UrlTemplate<'static>,
        trigger: Box<Trigger>,
    },
    /// A webhook subscriber's URL.
    Url(String),
}

/// A callback or webhook about to be sent: body type `P`, reply type `A`. From
/// [`Callbacks::callback`] (a [`CallbackRequest`]) or [`Callbacks::webhook`] (a
/// [`WebhookRequest`]).
pub struct DeliveryRequest<'a, P, A> {
    callbacks: &'a Callbacks,
    target: Target,
    method: Method,
    reply: DeclaredReply,
    owner: Option<String>,
    types: PhantomData<fn() -> (P, A)>,
}

/// Callback `C` about to be sent for its trigger; from [`Callbacks::callback`].
pub type CallbackRequest<'a, C> =
    DeliveryRequest<'a, <C as CallbackDeclaration>::Payload, <C as CallbackDeclaration>::Answer>;

/// Webhook `W` about to be sent to one subscriber; from [`Callbacks::webhook`].
pub type WebhookRequest<'a, W> =
    DeliveryRequest<'a, <W as WebhookDeclaration>::Payload, <W as WebhookDeclaration>::Answer>;

impl<'a, P, A> DeliveryRequest<'a, P, A> {
    /// Callback `C` for `trigger`.
    pub(super) fn callback<C: CallbackDeclaration<Payload = P, Answer = A>>(
        callbacks: &'a Callbacks,
        trigger: Trigger,
    ) -> Self {
        DeliveryRequest {
            callbacks,
            target: Target::Template {
                template: C::META.url,
                trigger: Box::new(trigger),
            },
            method: C::META.method,
            reply: DeclaredReply::of_callback::<C>(),
            owner: None,
            types: PhantomData,
        }
    }

    /// Webhook `W` to `url`.
    pub(super) fn webhook<W: WebhookDeclaration<Payload = P, Answer = A>>(
        callbacks: &'a Callbacks,
        url: String,
    ) -> Self {
        DeliveryRequest {
            callbacks,
            target: Target::Url(url),
            method: W::META.method,
            reply: DeclaredReply::of_webhook::<W>(),
            owner: None,
            types: PhantomData,
        }
    }

    /// Sends this delivery for `owner` (an API user's id): it is signed with
    /// that owner's secrets (see
    /// [`owner_secrets`](super::CallbacksBuilder::owner_secrets)), looked up
    /// at each attempt. The owner is stored with the delivery, the secrets are
    /// not. A [`Callback`](super::Callback) or [`Webhook`](super::Webhook)
    /// argument names its request's owner already; this replaces it.
    pub fn owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = Some(owner.into());
        self
    }
}

impl<P: CallbackBody, A: CallbackReply> DeliveryRequest<'_, P, A> {
    /// Makes the response to the triggering request known, for callback URLs
    /// that read `$statusCode` or `$response.body#/...` (a webhook's URL is
    /// given, so this changes nothing for one).
    pub fn with_response<T: Serialize>(mut self, status: u16, body: &T) -> Self {
        if let Target::Template { trigger, .. } = &mut self.target {
            trigger.status = Some(status);
            trigger.response_body = serde_json::to_value(body).ok();
        }
        self
    }

    /// Writes the delivery to the store and returns its id once it is there (in
    /// a durable store, it then survives a crash); the dispatcher sends it in
    /// the background. Progress is in [`Callbacks::delivery`].
    pub async fn enqueue(self, body: &P::Body) -> Result<DeliveryId, SendError> {
        let (delivery, place) = self.callbacks.accept(self.message(body)?)?;
        let id = self.callbacks.enqueue_delivery(delivery).await?;
        confirm(place);
        Ok(id)
    }

    /// Writes the delivery inside the caller's PostgreSQL transaction (the
    /// transactional outbox): it is sent if and only if the transaction
    /// commits. `transaction` is a tokio-postgres (or deadpool-postgres)
    /// `&Transaction`, or with the feature `sqlx` a `&mut` sqlx transaction
    /// ([`PgTransaction`] says which);
    /// it must be on the database the [`Callbacks`] store uses. The
    /// dispatcher finds the delivery at its next poll after the commit, or at
    /// once after [`Callbacks::poll_now`].
    #[cfg(feature = "postgres")]
    #[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
    pub async fn enqueue_in<'t>(
        self,
        transaction: impl Into<PgTransaction<'t>>,
        body: &P::Body,
    ) -> Result<DeliveryId, SendError> {
        let transaction = transaction.into();
        let (delivery, place) = self.callbacks.accept(self.message(body)?)?;
        transaction.enqueue(&delivery).await?;
        // Counted even if the transaction rolls back, until the next count.
        confirm(place);
        Ok(delivery.id)
    }

    /// Sends the delivery, retrying as configured, and returns the receiver's
    /// decoded reply. The delivery is written to the store first: if this
    /// process dies meanwhile, another worker finishes it.
    pub async fn send(self, body: &P::Body) -> Result<A::Reply, SendError> {
        let (delivery, place) = self.callbacks.accept(self.message(body)?)?;
        let sent = self.callbacks.send_delivery(delivery).await;
        // Every outcome but a failed write leaves the delivery in the store.
        if !matches!(sent, Err(SendError::Store(_) | SendError::QueueFull { .. })) {
            confirm(place);
        }
        let reply = sent?;
        A::decode(&reply)
            .map_err(|reason| SendError::Encode(format!("the reply no longer decodes: {reason}")))
    }

    /// The message, with a callback's URL evaluated for its trigger.
    fn message(&self, body: &P::Body) -> Result<Message, SendError> {
        let url = match &self.target {
            Target::Template { template, trigger } => {
                evaluate::evaluate(template, trigger).map_err(SendError::NotApplicable)?
            }
            Target::Url(url) => url.clone(),
        };
        Ok(Message {
            name: self.reply.name,
            method: self.method,
            url,
            body: P::encode(body),
            content_type: P::content_type(),
            reply: self.reply,
            owner: self.owner.clone(),
        })
    }
}

/// Keeps a written delivery's place under the store's bound.
fn confirm(place: Option<Reservation>) {
    if let Some(place) = place {
        place.confirm();
    }
}

impl Callbacks {
    /// Prepares callback `C` for the request `req` that triggered it, for the
    /// owner its [`OwnerId`](super::owners::OwnerId) extension names, if any
    /// (a [`Callback`](super::Callback) argument runs the
    /// [`owner_from`](super::CallbacksBuilder::owner_from) extractor too).
    pub fn callback<C: CallbackDeclaration>(&self, req: &HttpRequest) -> CallbackRequest<'_, C> {
        let owner = OwnerId::of(req).map(|owner| owner.as_str().to_owned());
        let mut request = self.callback_for::<C>(Trigger::from_request(req));
        request.owner = owner;
        request
    }

    /// Prepares callback `C` for a trigger assembled by hand (outside a handler,
    /// or with a URL the caller supplies).
    pub fn callback_for<C: CallbackDeclaration>(&self, trigger: Trigger) -> CallbackRequest<'_, C> {
        DeliveryRequest::callback::<C>(self, trigger)
    }

    /// Prepares webhook `W` for one subscriber's `url`.
    pub fn webhook<W: WebhookDeclaration>(&self, url: &str) -> WebhookRequest<'_, W> {
        DeliveryRequest::webhook::<W>(self, url.to_owned())
    }
}
