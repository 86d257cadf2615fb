//! Publishing an event for an owner: [`Callbacks::publish`] fans it out to
//! every enabled endpoint of that owner that wants its type, in one store
//! transaction, once per idempotency key.

use std::marker::PhantomData;

use super::publication::publication;
use super::types::Published;
use crate::callback_io::CallbackBody;
use crate::declarations::WebhookDeclaration;
use crate::delivery::callbacks::Callbacks;
use crate::delivery::error::SendError;
use crate::delivery::store::Publication;

/// Webhook `W` about to be published for one owner; from
/// [`Callbacks::publish`].
#[must_use = "nothing is published until `send` is awaited"]
pub struct PublishRequest<'a, W> {
    callbacks: &'a Callbacks,
    owner: String,
    idempotency_key: Option<String>,
    declaration: PhantomData<fn() -> W>,
}

impl<W> std::fmt::Debug for PublishRequest<'_, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublishRequest")
            .field("webhook", &std::any::type_name::<W>())
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

impl Callbacks {
    /// Prepares webhook `W` (an event type of the catalog) for every enabled
    /// endpoint of `owner` that wants it; each delivery is signed with its
    /// endpoint's own secret.
    pub fn publish<W: WebhookDeclaration>(&self, owner: &str) -> PublishRequest<'_, W> {
        PublishRequest {
            callbacks: self,
            owner: owner.to_owned(),
            idempotency_key: None,
            declaration: PhantomData,
        }
    }
}

impl<W: WebhookDeclaration> PublishRequest<'_, W> {
    /// Publishes at most once per `key` for this owner: a repeated publish
    /// with the same key writes nothing and answers with the first message.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Writes one delivery per subscribed endpoint, all in one transaction,
    /// and wakes the dispatcher. Returns once they are in the store.
    pub async fn send(
        self,
        body: &<W::Payload as CallbackBody>::Body,
    ) -> Result<Published, SendError> {
        let shared = std::sync::Arc::clone(&self.callbacks.inner.shared);
        let callbacks = self.callbacks;
        let publication = self.publication(body)?;
        let store = std::sync::Arc::clone(&shared.store);
        let published = callbacks
            .on_store(async move { store.publish(&publication).await })
            .await?;
        if published.deliveries > 0 {
            shared.wake_to_claim();
        }
        Ok(published)
    }

    /// Writes the deliveries inside the caller's PostgreSQL transaction (the
    /// transactional outbox, as
    /// [`enqueue_in`](crate::delivery::DeliveryRequest::enqueue_in), with the
    /// same tokio-postgres or sqlx transactions): they are sent if and only if
    /// it commits, and a repeated idempotency key counts only once it has. The
    /// transaction must be on the database the [`Callbacks`] store uses; the
    /// dispatcher finds the deliveries at its next poll after the commit, or
    /// at once after [`Callbacks::poll_now`].
    #[cfg(feature = "postgres")]
    #[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
    pub async fn send_in<'t>(
        self,
        transaction: impl Into<crate::delivery::store::PgTransaction<'t>>,
        body: &<W::Payload as CallbackBody>::Body,
    ) -> Result<Published, SendError> {
        let transaction = transaction.into();
        let publication = self.publication(body)?;
        Ok(transaction.publish(&publication).await?)
    }

    /// The publication: the message, encoded as `W` declares, for its owner.
    fn publication(
        self,
        body: &<W::Payload as CallbackBody>::Body,
    ) -> Result<Publication, SendError> {
        let shared = &self.callbacks.inner.shared;
        if !shared.is_accepting() {
            return Err(SendError::ShuttingDown);
        }
        publication::<W>(shared, self.owner, self.idempotency_key, body).map_err(SendError::Encode)
    }
}
