//! Who deliveries are for, and the secrets that sign them: [`Owner`] (the
//! application's authenticated caller), [`SecretsKey`] (what seals the secrets
//! hookspec manages in the store), [`ManagedSecret`] (one owner's secret,
//! revealed to hand to them) and [`SecretsError`].

mod key;
mod managed;
mod owner;

pub(crate) use key::Sealing;
pub use key::{KeyError, SecretsKey};
pub(crate) use managed::{endpoint_holder, owner_holder, ManagedSecrets};
pub use managed::{ManagedSecret, SecretsError};
pub(crate) use owner::OwnerSource;
pub use owner::{Owner, OwnerId};
