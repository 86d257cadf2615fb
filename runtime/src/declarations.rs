//! The declarations the macros implement: a documented route handler
//! ([`DocumentedOperation`]), a callback ([`CallbackDeclaration`]) and a webhook
//! ([`WebhookDeclaration`]), and how each registers with the operation being
//! described.

use crate::callback_io::{CallbackBody, CallbackReply};
use crate::context::OperationContext;
use crate::context::{DeclaredReply, WebhookRegistration};
use crate::meta::{CallbackMeta, OperationMeta, PathReference, WebhookMeta};

/// A webhook declaration: an event the API sends to URLs its users registered
/// beforehand, not tied to one operation; implemented by `#[webhook]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a webhook",
    label = "not declared with `#[hookspec::webhook]`",
    note = "declare the webhook with `#[hookspec::webhook(\"new-subscription\")]` on a stub function"
)]
pub trait WebhookDeclaration {
    /// The facts known at compile time.
    const META: WebhookMeta;

    /// The body it sends: the stub's argument (`Json<T>`), or `()` for none.
    type Payload: CallbackBody;

    /// The reply it expects: the stub's return type (`Json<T>`), or `()`.
    type Answer: CallbackReply;

    /// Adds what the stub's argument and return types document.
    fn describe(cx: &mut OperationContext<'_>) {
        <Self::Payload as CallbackBody>::describe(cx);
        <Self::Answer as CallbackReply>::describe(cx);
    }
}

/// A route handler that documents itself; implemented by the route macros
/// (`#[get]`, `#[post]`, ...) on the type they generate.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a documented route handler",
    label = "not declared with a hookspec route macro",
    note = "declare the handler with `#[hookspec::get(\"/path\")]` (or `post`, `put`, ...)"
)]
pub trait DocumentedOperation:
    actix_web::dev::HttpServiceFactory + Clone + Send + Sync + 'static
{
    /// The handler's routes: one for `#[get]` and the others, one per method
    /// attribute under `#[routes]`.
    const ROUTES: &'static [DocumentedRoute];
}

/// One route of a handler: its facts, and how its signature documents it.
#[derive(Debug)]
pub struct DocumentedRoute {
    /// The facts known at compile time.
    pub meta: OperationMeta,
    /// Adds what the handler's argument and return types (and the route's
    /// `responses(...)` and `callbacks(...)`) document.
    pub describe: fn(&mut OperationContext<'_>),
}

/// A callback declaration; implemented by `#[callback]` on the type it generates.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a callback",
    label = "not declared with `#[hookspec::callback]`",
    note = "declare the callback with `#[hookspec::callback(post, \"{{$request.query.callback_url}}\")]` on a stub function"
)]
pub trait CallbackDeclaration {
    /// The facts known at compile time.
    const META: CallbackMeta;

    /// The `$request.path.<name>` expressions of the URL, which the route macros
    /// check against their path templates when the code compiles.
    const PATH_REFERENCES: &'static [PathReference];

    /// The body it sends: the stub's argument (`Json<T>`), or `()` for none.
    type Payload: CallbackBody;

    /// The reply it expects: the stub's return type (`Json<T>`), or `()`.
    type Answer: CallbackReply;

    /// Adds what the stub's argument and return types document.
    fn describe(cx: &mut OperationContext<'_>) {
        <Self::Payload as CallbackBody>::describe(cx);
        <Self::Answer as CallbackReply>::describe(cx);
    }
}

/// The reply check of reply type `A`.
fn check_reply<A: CallbackReply>(reply: &[u8]) -> Result<(), String> {
    A::decode(reply).map(drop)
}

impl DeclaredReply {
    /// The declaration of callback `C`.
    pub fn of_callback<C: CallbackDeclaration>() -> Self {
        DeclaredReply {
            name: C::META.name,
            source: C::META.source,
            check: check_reply::<C::Answer>,
        }
    }

    /// The declaration of webhook `W`.
    pub fn of_webhook<W: WebhookDeclaration>() -> Self {
        DeclaredReply {
            name: W::META.name,
            source: W::META.source,
            check: check_reply::<W::Answer>,
        }
    }
}

impl WebhookRegistration {
    /// The registration of webhook `W`.
    pub(crate) fn of<W: WebhookDeclaration>() -> Self {
        WebhookRegistration {
            meta: &W::META,
            describe: W::describe,
            reply: DeclaredReply::of_webhook::<W>(),
        }
    }
}

impl OperationContext<'_> {
    /// Documents the callback `C` under this operation's `callbacks` (once: a
    /// second time does nothing).
    pub fn add_callback<C: CallbackDeclaration>(&mut self) {
        self.add_callback_of(&C::META, C::describe, DeclaredReply::of_callback::<C>());
    }

    /// Documents webhook `W` under the document's top-level `webhooks`, as
    /// [`Api::webhook`](crate::api::Api::webhook) does: for an argument that sends it.
    pub fn add_webhook<W: WebhookDeclaration>(&mut self) {
        self.add_webhook_registration(WebhookRegistration::of::<W>());
    }
}
