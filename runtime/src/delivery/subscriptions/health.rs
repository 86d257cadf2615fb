//! A subscribed endpoint's health, kept in the store so that every instance
//! shares it: each attempt's outcome ends or extends its failing streak, and a
//! `410 Gone` or a streak longer than allowed disables it for all of them. The
//! per-process circuit breaker (`endpoints.rs`) still pauses an origin for
//! minutes; this is the lasting decision.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::operational::{endpoint_disabled, EndpointDisabledEvent};
use super::publication::publication;
use crate::declarations::WebhookDeclaration;
use crate::delivery::engine::Engine;
use crate::delivery::store::{EndpointOutcome, StoredEndpoint};

/// How long an endpoint may fail, unbroken by a success, before it is
/// disabled (as Svix does).
pub(crate) const DEFAULT_DISABLE_AFTER: Duration = Duration::from_secs(5 * 24 * 3600);

/// Records how an attempt to subscribed endpoint `endpoint` went.
pub(crate) async fn record(shared: &Engine, endpoint: &str, status: Option<u16>, delivered: bool) {
    let now = SystemTime::now();
    let outcome = EndpointOutcome {
        delivered,
        gone: status == Some(410),
        now,
        disable_before: now
            .checked_sub(shared.settings.disable_endpoints_after)
            .unwrap_or(UNIX_EPOCH),
    };
    match shared.store.endpoint_outcome(endpoint, outcome).await {
        Ok(Some(disabled)) => announce(shared, disabled).await,
        Ok(None) => {}
        // Health is kept on the side: the delivery's own outcome is written
        // regardless, and the next attempt records again.
        Err(error) => {
            tracing::warn!(endpoint_id = %endpoint, %error, "cannot record the endpoint's health")
        }
    }
}

/// Logs and counts a disabled endpoint, and publishes `endpoint.disabled` to
/// its owner when the application's catalog has that event.
async fn announce(shared: &Engine, endpoint: StoredEndpoint) {
    let (reason, at) = endpoint
        .disabled
        .clone()
        .unwrap_or_else(|| (String::new(), SystemTime::now()));
    tracing::warn!(
        endpoint_id = %endpoint.id, owner = %endpoint.owner, reason = %reason,
        "subscribed endpoint disabled for every instance"
    );
    crate::delivery::metrics::subscribed_endpoint_disabled();
    let name = endpoint_disabled::META.name;
    if !shared
        .catalog
        .as_ref()
        .is_some_and(|catalog| catalog.contains(name))
    {
        return;
    }
    let disabled_at = at
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let event = EndpointDisabledEvent {
        endpoint_id: endpoint.id.clone(),
        url: endpoint.url.clone(),
        reason,
        disabled_at,
    };
    // Once per disabling, whichever instance saw it.
    let key = format!("{name}:{}:{disabled_at}", endpoint.id);
    let publication =
        match publication::<endpoint_disabled>(shared, endpoint.owner, Some(key), &event) {
            Ok(publication) => publication,
            Err(error) => return tracing::warn!(%error, "cannot encode endpoint.disabled"),
        };
    match shared.store.publish(&publication).await {
        Ok(published) if published.deliveries > 0 => shared.wake_to_claim(),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "cannot publish endpoint.disabled"),
    }
}
