//! The [`Callbacks`] methods that register, list, change and delete an owner's
//! endpoints, and hand out and rotate each endpoint's own secret. An owner
//! reaches only its own endpoints: another owner's id reads as not found.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use url::Url;

use super::types::{
    Endpoint, EndpointError, EndpointPage, EndpointUpdate, NewEndpoint, MAX_DESCRIPTION,
    MAX_METADATA, MAX_URL,
};
use crate::delivery::callbacks::Callbacks;
use crate::delivery::engine::Engine;
use crate::delivery::error::SendError;
use crate::delivery::owners::{endpoint_holder, ManagedSecret, ManagedSecrets};
use crate::delivery::record::DeliveryId;
use crate::delivery::settings::Signing;
use crate::delivery::store::{NewDelivery, StoreError, StoredEndpoint};

/// The most endpoints one page lists.
const MAX_PAGE: usize = 250;

fn invalid(field: &'static str, reason: impl Into<String>) -> EndpointError {
    EndpointError::Invalid {
        field,
        reason: reason.into(),
    }
}

/// The managed secrets endpoints are signed with.
fn managed(shared: &Engine) -> Result<&ManagedSecrets, EndpointError> {
    match &shared.settings.signing {
        Signing::Managed(secrets) => Ok(secrets),
        _ => Err(EndpointError::SecretsNotManaged),
    }
}

/// The managed secrets, if `id` is an endpoint of `owner`; `None` if not.
async fn owned_endpoint_secrets<'a>(
    shared: &'a Engine,
    owner: &str,
    id: &str,
) -> Result<Option<&'a ManagedSecrets>, EndpointError> {
    let secrets = managed(shared)?;
    Ok(shared.store.endpoint(owner, id).await?.map(|_| secrets))
}

/// `url` if it is one deliveries may go to.
fn checked_url(shared: &Engine, url: &str) -> Result<String, EndpointError> {
    if url.len() > MAX_URL {
        return Err(invalid("url", format!("longer than {MAX_URL} bytes")));
    }
    let parsed = Url::parse(url).map_err(|error| invalid("url", error.to_string()))?;
    shared
        .policy
        .check_url(&parsed)
        .map_err(EndpointError::Refused)?;
    Ok(parsed.to_string())
}

/// `names`, each an event type of the catalog, sorted, once each.
fn checked_event_types(shared: &Engine, names: Vec<String>) -> Result<Vec<String>, EndpointError> {
    let catalog = shared.catalog.as_ref().ok_or(EndpointError::NoCatalog)?;
    let mut names = names;
    names.sort();
    names.dedup();
    if let Some(unknown) = names.iter().find(|name| !catalog.contains(name)) {
        let known: Vec<&str> = catalog
            .events()
            .iter()
            .map(|event| event.name.as_str())
            .collect();
        return Err(invalid(
            "event_types",
            format!(
                "`{unknown}` is not an event type (known: {})",
                known.join(", ")
            ),
        ));
    }
    Ok(names)
}

fn checked_description(description: String) -> Result<String, EndpointError> {
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(invalid(
            "description",
            format!("longer than {MAX_DESCRIPTION} characters"),
        ));
    }
    Ok(description)
}

fn checked_metadata(
    metadata: BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, EndpointError> {
    let (entries, key_bytes, value_bytes) = MAX_METADATA;
    if metadata.len() > entries {
        return Err(invalid("metadata", format!("more than {entries} entries")));
    }
    if let Some((key, _)) = metadata
        .iter()
        .find(|(key, value)| key.is_empty() || key.len() > key_bytes || value.len() > value_bytes)
    {
        return Err(invalid(
            "metadata",
            format!(
                "entry `{}`: keys are 1 to {key_bytes} bytes, values at most {value_bytes}",
                key.chars().take(key_bytes).collect::<String>()
            ),
        ));
    }
    Ok(metadata)
}

impl Callbacks {
    /// Runs `work` on the engine where the store's connections live.
    async fn on_registry<T, F>(
        &self,
        work: impl FnOnce(Arc<Engine>) -> F,
    ) -> Result<T, EndpointError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, EndpointError>> + Send + 'static,
    {
        let work = work(Arc::clone(&self.inner.shared));
        self.on_store(async move { Ok(work.await) }).await?
    }

    /// The event catalog endpoints are checked against: that of the `Api`
    /// given to [`CallbacksBuilder::api`](crate::delivery::CallbacksBuilder::api).
    pub fn event_catalog(&self) -> Option<&crate::catalog::EventCatalog> {
        self.inner.shared.catalog.as_ref()
    }

    /// Registers an endpoint of `owner` (the API user, as their
    /// [`Owner`](crate::delivery::owners::Owner) says) and makes its own
    /// signing secret. Its URL is checked against the address policy, its
    /// event types against the event catalog (the `Api` given to
    /// [`CallbacksBuilder::api`](crate::delivery::CallbacksBuilder::api)).
    pub async fn create_endpoint(
        &self,
        owner: &str,
        endpoint: NewEndpoint,
    ) -> Result<Endpoint, EndpointError> {
        let owner = owner.to_owned();
        self.on_registry(move |shared| async move {
            let secrets = managed(&shared)?;
            let now = SystemTime::now();
            let stored = StoredEndpoint {
                id: format!("ep_{:032x}", fastrand::u128(..)),
                owner,
                url: checked_url(&shared, &endpoint.url)?,
                event_types: checked_event_types(&shared, endpoint.event_types)?,
                description: checked_description(endpoint.description)?,
                metadata: checked_metadata(endpoint.metadata)?,
                disabled: None,
                failing_since: None,
                created_at: now,
                updated_at: now,
            };
            shared.store.insert_endpoint(&stored).await?;
            secrets
                .give_first(&*shared.store, &endpoint_holder(&stored.id))
                .await?;
            Ok(Endpoint::from(stored))
        })
        .await
    }

    /// The endpoint `id` of `owner`; `None` if there is none (or it is
    /// another owner's).
    pub async fn endpoint(&self, owner: &str, id: &str) -> Result<Option<Endpoint>, EndpointError> {
        let (owner, id) = (owner.to_owned(), id.to_owned());
        self.on_registry(move |shared| async move {
            Ok(shared
                .store
                .endpoint(&owner, &id)
                .await?
                .map(Endpoint::from))
        })
        .await
    }

    /// Up to `limit` (at most 250) endpoints of `owner`, by id, after the
    /// id `after` (the previous page's `next`).
    pub async fn list_endpoints(
        &self,
        owner: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<EndpointPage, EndpointError> {
        let (owner, after) = (owner.to_owned(), after.map(str::to_owned));
        let limit = limit.clamp(1, MAX_PAGE);
        self.on_registry(move |shared| async move {
            let mut endpoints = shared
                .store
                .endpoints(&owner, after.as_deref(), limit + 1)
                .await?;
            let next = (endpoints.len() > limit).then(|| {
                endpoints.truncate(limit);
                endpoints.last().map(|last| last.id.clone())
            });
            Ok(EndpointPage {
                endpoints: endpoints.into_iter().map(Endpoint::from).collect(),
                next: next.flatten(),
            })
        })
        .await
    }

    /// Changes the endpoint `id` of `owner` as `update` says, checked as at
    /// registration; `None` if there is no such endpoint.
    pub async fn update_endpoint(
        &self,
        owner: &str,
        id: &str,
        update: EndpointUpdate,
    ) -> Result<Option<Endpoint>, EndpointError> {
        let (owner, id) = (owner.to_owned(), id.to_owned());
        self.on_registry(move |shared| async move {
            let Some(mut stored) = shared.store.endpoint(&owner, &id).await? else {
                return Ok(None);
            };
            if let Some(url) = update.url {
                stored.url = checked_url(&shared, &url)?;
            }
            if let Some(names) = update.event_types {
                stored.event_types = checked_event_types(&shared, names)?;
            }
            if let Some(description) = update.description {
                stored.description = checked_description(description)?;
            }
            if let Some(metadata) = update.metadata {
                stored.metadata = checked_metadata(metadata)?;
            }
            let now = SystemTime::now();
            match (update.enabled, &stored.disabled) {
                (Some(false), None) => {
                    stored.disabled = Some(("disabled by its owner".into(), now))
                }
                (Some(true), Some(_)) => {
                    stored.disabled = None;
                    stored.failing_since = None;
                }
                _ => {}
            }
            stored.updated_at = now;
            if !shared.store.replace_endpoint(&stored).await? {
                return Ok(None); // deleted meanwhile
            }
            Ok(Some(Endpoint::from(stored)))
        })
        .await
    }

    /// Deletes the endpoint `id` of `owner` and its secrets; `false` if there
    /// is none. Deliveries already accepted for it are still attempted.
    pub async fn delete_endpoint(&self, owner: &str, id: &str) -> Result<bool, EndpointError> {
        let (owner, id) = (owner.to_owned(), id.to_owned());
        self.on_registry(move |shared| async move {
            Ok(shared.store.delete_endpoint(&owner, &id).await?)
        })
        .await
    }

    /// The secrets that sign the deliveries to endpoint `id` of `owner`,
    /// newest first (two during a rotation's overlap), to reveal to that
    /// owner; `None` if there is no such endpoint.
    pub async fn endpoint_secrets(
        &self,
        owner: &str,
        id: &str,
    ) -> Result<Option<Vec<ManagedSecret>>, EndpointError> {
        let (owner, id) = (owner.to_owned(), id.to_owned());
        self.on_registry(move |shared| async move {
            let Some(secrets) = owned_endpoint_secrets(&shared, &owner, &id).await? else {
                return Ok(None);
            };
            Ok(Some(
                secrets
                    .reveal(&*shared.store, &endpoint_holder(&id))
                    .await?,
            ))
        })
        .await
    }

    /// Gives endpoint `id` of `owner` a new secret; the ones in use sign for
    /// `overlap` more beside it. `None` if there is no such endpoint.
    pub async fn rotate_endpoint_secret(
        &self,
        owner: &str,
        id: &str,
        overlap: Duration,
    ) -> Result<Option<ManagedSecret>, EndpointError> {
        let (owner, id) = (owner.to_owned(), id.to_owned());
        self.on_registry(move |shared| async move {
            let Some(secrets) = owned_endpoint_secrets(&shared, &owner, &id).await? else {
                return Ok(None);
            };
            Ok(Some(
                secrets
                    .rotate(&*shared.store, &endpoint_holder(&id), overlap)
                    .await?,
            ))
        })
        .await
    }

    /// Sends a test delivery of `event_type` (an event type of the catalog)
    /// to endpoint `id` of `owner` only, whatever event types it wants, with
    /// the event type's example as its body (`{}` without one). Returns the
    /// delivery's id; `None` if there is no such endpoint.
    pub async fn send_test_event(
        &self,
        owner: &str,
        id: &str,
        event_type: &str,
    ) -> Result<Option<DeliveryId>, EndpointError> {
        let (owner_id, id, event_type) = (owner.to_owned(), id.to_owned(), event_type.to_owned());
        let delivery = self
            .on_registry(move |shared| async move {
                managed(&shared)?;
                let catalog = shared.catalog.as_ref().ok_or(EndpointError::NoCatalog)?;
                let Some(event) = catalog.get(&event_type) else {
                    return Err(invalid(
                        "event_type",
                        format!("`{event_type}` is not an event type"),
                    ));
                };
                let Some(endpoint) = shared.store.endpoint(&owner_id, &id).await? else {
                    return Ok(None);
                };
                let body = event
                    .example
                    .clone()
                    .unwrap_or_else(|| serde_json::json!({}));
                Ok(Some(NewDelivery {
                    id: DeliveryId::random(),
                    callback: event.name.clone(),
                    method: "POST".into(),
                    url: endpoint.url,
                    content_type: Some("application/json".into()),
                    body: serde_json::to_vec(&body).unwrap_or_default(),
                    created_at: SystemTime::now(),
                    owner: Some(owner_id),
                    endpoint: Some(endpoint.id),
                }))
            })
            .await?;
        let Some(delivery) = delivery else {
            return Ok(None);
        };
        match self.enqueue_delivery(delivery).await {
            Ok(id) => Ok(Some(id)),
            Err(SendError::Store(error)) => Err(EndpointError::Store(error)),
            Err(other) => Err(EndpointError::Store(StoreError::Unavailable(
                other.to_string(),
            ))),
        }
    }
}
