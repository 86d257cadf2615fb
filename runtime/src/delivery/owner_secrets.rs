//! The [`Callbacks`] methods that hand an owner its managed signing secrets and
//! rotate them.

use std::time::Duration;

use super::callbacks::Callbacks;
use super::owners::{owner_holder, ManagedSecret, SecretsError};
use super::settings::Signing;
use super::store::StoreError;

impl Callbacks {
    /// The secrets that sign `owner`'s deliveries now, newest first (two
    /// during a rotation's overlap), to hand to that owner for their verifier;
    /// the first is made if the owner has none. Only with
    /// [`owner_secrets`](super::CallbacksBuilder::owner_secrets) (otherwise
    /// [`SecretsError::NotManaged`]).
    pub async fn owner_secrets(&self, owner: &str) -> Result<Vec<ManagedSecret>, SecretsError> {
        let shared = std::sync::Arc::clone(&self.inner.shared);
        let holder = owner_holder(owner);
        self.on_secrets(async move {
            match &shared.settings.signing {
                Signing::Managed(secrets) => Ok(secrets.reveal(&*shared.store, &holder).await),
                _ => Ok(Err(SecretsError::NotManaged)),
            }
        })
        .await
    }

    /// Gives `owner` a new secret and returns it. The secrets in use sign for
    /// `overlap` more, alongside the new one (every delivery carries a
    /// signature for each), so the owner's receiver can switch without
    /// rejecting anything; `Duration::ZERO` ends them at once. Instances
    /// sharing the store sign with the new secret within a second.
    pub async fn rotate_owner_secret(
        &self,
        owner: &str,
        overlap: Duration,
    ) -> Result<ManagedSecret, SecretsError> {
        let shared = std::sync::Arc::clone(&self.inner.shared);
        let holder = owner_holder(owner);
        self.on_secrets(async move {
            match &shared.settings.signing {
                Signing::Managed(secrets) => {
                    Ok(secrets.rotate(&*shared.store, &holder, overlap).await)
                }
                _ => Ok(Err(SecretsError::NotManaged)),
            }
        })
        .await
    }

    /// Runs a secrets call where the store's connections live.
    async fn on_secrets<T: Send + 'static>(
        &self,
        call: impl std::future::Future<Output = Result<Result<T, SecretsError>, StoreError>>
            + Send
            + 'static,
    ) -> Result<T, SecretsError> {
        self.on_store(call).await?
    }
}
