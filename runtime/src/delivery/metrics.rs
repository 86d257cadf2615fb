//! Delivery metrics, through the [`metrics`] facade: the application installs
//! the exporter it wants (Prometheus, StatsD, ...); without one, recording
//! costs next to nothing.
//!
//! | name | kind | labels |
//! |---|---|---|
//! | `hookspec_delivery_attempts_total` | counter | `outcome`: `delivered`, `retrying`, `failed` |
//! | `hookspec_delivery_attempt_seconds` | histogram | `outcome` |
//! | `hookspec_deliveries_unfinished` | gauge | (durable stores: every instance's) |
//! | `hookspec_endpoints_disabled` | gauge | |
//! | `hookspec_endpoint_events_total` | counter | `event`: `disabled`, `recovered` |
//! | `hookspec_subscribed_endpoints_disabled_total` | counter | (a subscribed endpoint disabled for every instance) |

use std::time::Duration;

use super::store::Next;

/// Records one attempt and what came of it.
pub(crate) fn attempt(next: &Next, took: Duration) {
    let outcome = match next {
        Next::Succeeded => "delivered",
        Next::RetryAt(_) => "retrying",
        Next::Failed(_) => "failed",
    };
    metrics::counter!("hookspec_delivery_attempts_total", "outcome" => outcome).increment(1);
    metrics::histogram!("hookspec_delivery_attempt_seconds", "outcome" => outcome)
        .record(took.as_secs_f64());
}

/// Records how many deliveries a durable store holds unfinished.
pub(crate) fn unfinished(count: u64) {
    metrics::gauge!("hookspec_deliveries_unfinished").set(count as f64);
}

/// Records an endpoint's health change and how many are disabled now.
pub(crate) fn endpoint_event(event: &'static str, disabled: usize) {
    metrics::counter!("hookspec_endpoint_events_total", "event" => event).increment(1);
    metrics::gauge!("hookspec_endpoints_disabled").set(disabled as f64);
}

/// Counts a subscribed endpoint disabled for every instance.
pub(crate) fn subscribed_endpoint_disabled() {
    metrics::counter!("hookspec_subscribed_endpoints_disabled_total").increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};

    #[test]
    fn attempts_and_gauges_are_recorded_under_their_names() {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        metrics::with_local_recorder(&recorder, || {
            attempt(&Next::Succeeded, Duration::from_millis(20));
            attempt(&Next::Failed("x".into()), Duration::from_millis(5));
            unfinished(7);
            endpoint_event("disabled", 1);
            subscribed_endpoint_disabled();
        });
        let values: Vec<(String, Vec<String>, DebugValue)> = snapshotter
            .snapshot()
            .into_vec()
            .into_iter()
            .map(|(key, _, _, value)| {
                let key = key.key();
                let labels = key
                    .labels()
                    .map(|label| format!("{}={}", label.key(), label.value()))
                    .collect();
                (key.name().to_owned(), labels, value)
            })
            .collect();
        let find = |name: &str, label: &str| {
            values
                .iter()
                .find(|(n, labels, _)| {
                    n == name && (label.is_empty() || labels.contains(&label.to_owned()))
                })
                .map(|(_, _, value)| value)
                .unwrap_or_else(|| panic!("{name} {label} not recorded: {values:?}"))
        };
        assert_eq!(
            find("hookspec_delivery_attempts_total", "outcome=delivered"),
            &DebugValue::Counter(1)
        );
        assert_eq!(
            find("hookspec_delivery_attempts_total", "outcome=failed"),
            &DebugValue::Counter(1)
        );
        assert!(
            matches!(find("hookspec_delivery_attempt_seconds", "outcome=delivered"), DebugValue::Histogram(h) if h.len() == 1)
        );
        assert_eq!(
            find("hookspec_deliveries_unfinished", ""),
            &DebugValue::Gauge(7.0.into())
        );
        assert_eq!(
            find("hookspec_endpoints_disabled", ""),
            &DebugValue::Gauge(1.0.into())
        );
        assert_eq!(
            find("hookspec_endpoint_events_total", "event=disabled"),
            &DebugValue::Counter(1)
        );
        assert_eq!(
            find("hookspec_subscribed_endpoints_disabled_total", ""),
            &DebugValue::Counter(1)
        );
    }
}
