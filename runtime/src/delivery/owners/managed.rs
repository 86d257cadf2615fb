//! [`ManagedSecrets`]: the signing secrets hookspec makes, keeps sealed in the
//! delivery store, rotates and reveals, one set per holder (an owner's
//! callbacks; later, each subscribed endpoint).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;

use super::key::{random, KeyError, Sealing};
use crate::delivery::store::{DeliveryStore, StoreError, StoredSecret};
use crate::signing::Signer;

/// How long an instance signs with the secrets it last read before reading
/// them again: another instance's rotation reaches this one within it.
const REREAD_AFTER: Duration = Duration::from_secs(1);
/// Random bytes in a secret hookspec makes (Standard Webhooks: 24 to 64).
const SECRET_BYTES: usize = 32;

/// One signing secret of an owner, revealed to be handed to that owner (their
/// receiver verifies with it). `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct ManagedSecret {
    secret: String,
    /// When it was made.
    pub created_at: SystemTime,
    /// When it stops signing: `None` for the newest; during a rotation's
    /// overlap, the end of the overlap for the one it replaces.
    pub expires_at: Option<SystemTime>,
}

impl ManagedSecret {
    /// The secret, `whsec_...`, for the owner's verifier.
    pub fn secret(&self) -> &str {
        &self.secret
    }
}

impl fmt::Debug for ManagedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManagedSecret")
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Why managed secrets could not be read, made or rotated. Its text never
/// holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretsError {
    /// Deliveries are not signed with secrets hookspec manages (the
    /// application chose single-tenant secrets, its own resolver, or none).
    NotManaged,
    /// The store could not be read or written.
    Store(StoreError),
    /// A stored secret could not be sealed or opened (no key, another key, a
    /// row changed outside hookspec).
    Key(KeyError),
    /// A subscribed endpoint has no secrets: it was deleted.
    Missing,
}

impl fmt::Display for SecretsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretsError::NotManaged => f.write_str(
                "signing secrets are not managed by hookspec here (see `CallbacksBuilder::owner_secrets`)",
            ),
            SecretsError::Store(error) => write!(f, "signing secrets: {error}"),
            SecretsError::Key(error) => write!(f, "signing secrets: {error}"),
            SecretsError::Missing => {
                f.write_str("signing secrets: none for this endpoint (it was deleted)")
            }
        }
    }
}

impl std::error::Error for SecretsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SecretsError::Store(error) => Some(error),
            SecretsError::Key(error) => Some(error),
            SecretsError::NotManaged | SecretsError::Missing => None,
        }
    }
}

impl From<StoreError> for SecretsError {
    fn from(error: StoreError) -> Self {
        SecretsError::Store(error)
    }
}

impl From<KeyError> for SecretsError {
    fn from(error: KeyError) -> Self {
        SecretsError::Key(error)
    }
}

/// A holder's signer as last read, and until when it may be used.
struct Cached {
    signer: Arc<Signer>,
    until: Instant,
}

/// The secrets hookspec manages: made on first use, sealed in the store,
/// opened and cached briefly for signing.
pub(crate) struct ManagedSecrets {
    sealing: Sealing,
    cache: Mutex<HashMap<String, Cached>>,
}

impl fmt::Debug for ManagedSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sealed = matches!(self.sealing, Sealing::Key(_));
        f.debug_struct("ManagedSecrets")
            .field("sealed", &sealed)
            .finish_non_exhaustive()
    }
}

/// What an owner's holder name starts with.
const OWNER_PREFIX: &str = "owner:";

/// The name an owner's callback secrets are kept under.
pub(crate) fn owner_holder(owner: &str) -> String {
    format!("{OWNER_PREFIX}{owner}")
}

/// The name a subscribed endpoint's secrets are kept under.
pub(crate) fn endpoint_holder(endpoint: &str) -> String {
    format!("endpoint:{endpoint}")
}

impl ManagedSecrets {
    pub(crate) fn new(sealing: Sealing) -> Self {
        ManagedSecrets {
            sealing,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cached>> {
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Makes `holder`'s first secret unless it has one (another instance
    /// was first); its secrets that sign now.
    async fn make_first(
        &self,
        store: &dyn DeliveryStore,
        holder: &str,
    ) -> Result<Vec<StoredSecret>, SecretsError> {
        let now = SystemTime::now();
        let first = StoredSecret {
            generation: 1,
            sealed: self.sealing.seal(holder, &new_secret()?)?,
            created_at: now,
            expires_at: None,
        };
        Ok(store.add_first_secret(holder, &first, now).await?)
    }

    /// Gives a new endpoint its first secret.
    pub(crate) async fn give_first(
        &self,
        store: &dyn DeliveryStore,
        holder: &str,
    ) -> Result<(), SecretsError> {
        self.make_first(store, holder).await.map(drop)
    }

    /// The secrets of `holder` that sign now, newest first. An owner's first
    /// one is made on first use; an endpoint's is made when it is registered,
    /// so an endpoint without secrets was deleted: its deliveries are not
    /// signed with a secret nobody was given.
    async fn signing(
        &self,
        store: &dyn DeliveryStore,
        holder: &str,
    ) -> Result<Vec<ManagedSecret>, SecretsError> {
        let now = SystemTime::now();
        let mut stored = store.secrets(holder, now).await?;
        if stored.is_empty() {
            if !holder.starts_with(OWNER_PREFIX) {
                return Err(SecretsError::Missing);
            }
            stored = self.make_first(store, holder).await?;
        }
        stored
            .iter()
            .map(|secret| {
                Ok(ManagedSecret {
                    secret: self.sealing.open(holder, &secret.sealed)?,
                    created_at: secret.created_at,
                    expires_at: secret.expires_at,
                })
            })
            .collect()
    }

    /// What signs a delivery for `holder` now: every secret in use (two during
    /// a rotation's overlap), read again after [`REREAD_AFTER`] or when one of
    /// them expires, whichever is first.
    pub(crate) async fn signer(
        &self,
        store: &dyn DeliveryStore,
        holder: &str,
    ) -> Result<Arc<Signer>, SecretsError> {
        if let Some(cached) = self.cache().get(holder) {
            if cached.until > Instant::now() {
                return Ok(Arc::clone(&cached.signer));
            }
        }
        let secrets = self.signing(store, holder).await?;
        let texts: Vec<&str> = secrets.iter().map(ManagedSecret::secret).collect();
        let signer = Arc::new(
            Signer::new(&texts)
                .map_err(|error| KeyError(format!("a stored secret is not usable: {error}")))?,
        );
        let now = SystemTime::now();
        let first_expiry = secrets
            .iter()
            .filter_map(|secret| secret.expires_at)
            .map(|end| end.duration_since(now).unwrap_or_default())
            .min()
            .unwrap_or(REREAD_AFTER);
        self.cache().insert(
            holder.to_owned(),
            Cached {
                signer: Arc::clone(&signer),
                until: Instant::now() + first_expiry.min(REREAD_AFTER),
            },
        );
        Ok(signer)
    }

    /// The secrets of `holder` in use, newest first, to hand to their owner.
    pub(crate) async fn reveal(
        &self,
        store: &dyn DeliveryStore,
        holder: &str,
    ) -> Result<Vec<ManagedSecret>, SecretsError> {
        self.signing(store, holder).await
    }

    /// A new secret for `holder`; the ones in use sign for `overlap` more.
    pub(crate) async fn rotate(
        &self,
        store: &dyn DeliveryStore,
        holder: &str,
        overlap: Duration,
    ) -> Result<ManagedSecret, SecretsError> {
        let secret = new_secret()?;
        let sealed = self.sealing.seal(holder, &secret)?;
        let now = SystemTime::now();
        let stored = store
            .rotate_secret(holder, &sealed, now, now + overlap)
            .await?;
        self.cache().remove(holder);
        Ok(ManagedSecret {
            secret,
            created_at: stored.created_at,
            expires_at: None,
        })
    }
}

/// A new `whsec_` secret from the operating system's randomness.
fn new_secret() -> Result<String, KeyError> {
    let mut bytes = [0; SECRET_BYTES];
    random(&mut bytes)?;
    Ok(format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::owners::SecretsKey;
    use crate::delivery::store::MemoryStore;

    fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn a_secret_is_made_once_shown_only_by_its_accessor_and_rotated_with_an_overlap() {
        let store = MemoryStore::new(10, 10);
        let secrets = ManagedSecrets::new(Sealing::Key(SecretsKey::generate().unwrap()));
        let holder = owner_holder("ada");
        let first = block_on(secrets.reveal(&store, &holder)).unwrap();
        assert_eq!(first.len(), 1);
        let secret = first[0].secret().to_owned();
        assert!(secret.starts_with("whsec_"));
        assert_eq!(block_on(secrets.reveal(&store, &holder)).unwrap(), first);
        for shown in [
            format!("{:?}", first[0]),
            format!("{first:?}"),
            format!("{secrets:?}"),
        ] {
            assert!(!shown.contains(&secret[6..]), "{shown}");
        }
        assert_eq!(
            format!("{:?}", block_on(secrets.signer(&store, &holder)).unwrap()),
            "Signer(1 secrets)"
        );
        let newer = block_on(secrets.rotate(&store, &holder, Duration::from_secs(3600))).unwrap();
        assert_ne!(newer.secret(), secret);
        // The rotation is seen at once by this instance: both sign.
        assert_eq!(
            format!("{:?}", block_on(secrets.signer(&store, &holder)).unwrap()),
            "Signer(2 secrets)"
        );
        block_on(secrets.rotate(&store, &holder, Duration::ZERO)).unwrap();
        assert_eq!(
            format!("{:?}", block_on(secrets.signer(&store, &holder)).unwrap()),
            "Signer(1 secrets)"
        );
    }
}
