//! One webhook as a publication for one owner: the message every subscribed
//! endpoint's delivery copies, encoded as the webhook declares.

use std::time::SystemTime;

use crate::callback_io::CallbackBody;
use crate::context::DeclaredReply;
use crate::declarations::WebhookDeclaration;
use crate::delivery::engine::Engine;
use crate::delivery::record::DeliveryId;
use crate::delivery::store::{NewDelivery, Publication};

/// Webhook `W` with `body` (encoded as `W` declares; why not, if it cannot
/// be), to publish for `owner`; its reply type is declared for checking.
pub(super) fn publication<W: WebhookDeclaration>(
    shared: &Engine,
    owner: String,
    idempotency_key: Option<String>,
    body: &<W::Payload as CallbackBody>::Body,
) -> Result<Publication, String> {
    let reply = DeclaredReply::of_webhook::<W>();
    let body = <W::Payload as CallbackBody>::encode(body)?;
    shared.replies.declare(reply);
    Ok(Publication {
        message: NewDelivery {
            id: DeliveryId::random(),
            callback: reply.name.to_owned(),
            method: W::META.method.http_name().to_owned(),
            url: String::new(),
            content_type: <W::Payload as CallbackBody>::content_type().map(str::to_owned),
            body,
            created_at: SystemTime::now(),
            owner: Some(owner),
            endpoint: None,
        },
        idempotency_key,
    })
}
