//! The dispatcher's work: claim due deliveries from the store, attempt each
//! one, write the outcome back. Runs on the dispatcher thread's runtime.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use futures_util::FutureExt;

use tokio::sync::OwnedSemaphorePermit;

use super::attempt::{attempt, Attempted, DeliveryError, Outgoing};
use super::due_times::Due;
use super::endpoints::Health;
use super::engine::Engine;
use super::record::{Attempt, DeliveryId};
use super::store::{ClaimedDelivery, Lease, NewDelivery, Next, StateKind, StoreError};

/// Claims and attempts due deliveries until the dispatcher stops: after every
/// wake-up (an enqueue, a finished attempt, a retry coming due) and at least
/// once per poll interval (deliveries enqueued by other instances or in a
/// caller's transaction, leases of crashed workers running out).
pub(crate) async fn run(shared: Arc<Engine>) {
    let mut failures = 0u32;
    // A claim at least once per poll interval, however many wake-ups come
    // between: leases that ran out (a crashed instance's, an attempt that found
    // no slot in time) and deliveries inserted where no wake-up announces them
    // are found so.
    let mut last_claim = Instant::now();
    loop {
        let free = shared.claim_slots.available_permits();
        let mut claimed_all = false;
        // The slots are taken before claiming: `enqueue` takes free ones too,
        // and a delivery claimed without a slot would wait, leased, for its
        // lease to run out.
        let slots = match u32::try_from(free) {
            Ok(free) if free > 0 && shared.is_accepting() => Arc::clone(&shared.claim_slots)
                .try_acquire_many_owned(free)
                .ok(),
            _ => None,
        };
        if let Some(mut slots) = slots {
            // This instance's own backlog first: already leased to it, no
            // claim statement needed.
            let mut wanted = free;
            while wanted > 0 {
                let Some((claimed, lease)) = shared.take_backlogged() else {
                    break;
                };
                let Some(slot) = slots.split(1) else {
                    break;
                };
                wanted -= 1;
                tokio::spawn(attempt_claimed(Arc::clone(&shared), claimed, lease, slot));
            }
            if wanted == 0 {
                // More may be waiting: look again at once.
                continue;
            }
            // Cleared before the claim: whatever becomes claimable while it
            // runs sets it again, for the next one.
            let claimable = shared.claimable.swap(false, Ordering::SeqCst)
                || last_claim.elapsed() >= shared.settings.poll_interval;
            if !claimable {
                // Only a slot came free: nothing new in the store to claim.
                drop(slots);
                wait_for_wake_up(&shared, last_claim).await;
                continue;
            }
            last_claim = Instant::now();
            let lease = shared.new_lease();
            match shared.store.claim(SystemTime::now(), &lease, wanted).await {
                Ok(batch) => {
                    if failures > 0 {
                        tracing::info!("delivery store reachable again");
                    }
                    failures = 0;
                    claimed_all = batch.len() == wanted;
                    if claimed_all {
                        // More may be due.
                        shared.claimable.store(true, Ordering::SeqCst);
                    }
                    for claimed in batch {
                        // The store returns at most `free`: a slot for each.
                        let Some(slot) = slots.split(1) else {
                            break;
                        };
                        tokio::spawn(attempt_claimed(
                            Arc::clone(&shared),
                            claimed,
                            lease.clone(),
                            slot,
                        ));
                    }
                }
                Err(error) => {
                    shared.claimable.store(true, Ordering::SeqCst);
                    failures += 1;
                    let wait = store_backoff(failures);
                    tracing::warn!(%error, retry_in = ?wait, "cannot claim deliveries");
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
        }
        if claimed_all {
            // More may be due: claim again at once.
            continue;
        }
        wait_for_wake_up(&shared, last_claim).await;
    }
}

/// Waits for a wake-up, for the earliest time a delivery put back comes due,
/// or for the poll interval since `last_claim` to pass (a whole interval if it
/// has: then no slot was free to claim with, and a freed slot wakes the
/// dispatcher anyway; waiting for nothing would spin).
async fn wait_for_wake_up(shared: &Engine, last_claim: Instant) {
    let interval = shared.settings.poll_interval;
    let mut wait = match interval.saturating_sub(last_claim.elapsed()) {
        Duration::ZERO => interval,
        remaining => remaining,
    };
    if start_probes(shared).await {
        shared.claimable.store(true, Ordering::SeqCst);
        return;
    }
    match shared.due_times.next(SystemTime::now()) {
        Due::Now => {
            shared.claimable.store(true, Ordering::SeqCst);
            return;
        }
        Due::In(until) => wait = wait.min(until),
        Due::Never => {}
    }
    if let Some(probe_in) = shared.endpoints.next_probe_in(Instant::now()) {
        wait = wait.min(probe_in);
    }
    tokio::select! {
        _ = shared.wake.notified() => {}
        _ = tokio::time::sleep(wait) => {}
    }
    let probing = start_probes(shared).await;
    if probing || shared.due_times.next(SystemTime::now()) == Due::Now {
        shared.claimable.store(true, Ordering::SeqCst);
    }
}

/// Makes one held delivery due for each disabled endpoint whose probe time
/// has come; whether any was.
async fn start_probes(shared: &Engine) -> bool {
    let mut any = false;
    for origin in shared.endpoints.probes_due(Instant::now()) {
        let resumed = shared
            .store
            .resume_endpoint(&origin, SystemTime::now(), 1)
            .await;
        match resumed {
            Ok(resumed) => any |= resumed > 0,
            Err(error) => tracing::warn!(
                %error, endpoint = %origin,
                "cannot make a held delivery due to probe its endpoint"
            ),
        }
    }
    any
}

/// The wait after `failures` store errors in a row: 100 ms doubling to 5 s.
fn store_backoff(failures: u32) -> Duration {
    Duration::from_millis(100u64 << failures.saturating_sub(1).min(6)).min(Duration::from_secs(5))
}

/// One attempt of a claimed delivery, its outcome written back.
async fn attempt_claimed(
    shared: Arc<Engine>,
    claimed: ClaimedDelivery,
    lease: Lease,
    slot: OwnedSemaphorePermit,
) {
    let outgoing = match shared.outgoing(&claimed.delivery) {
        Ok(outgoing) => outgoing,
        Err(reason) => {
            // A stored delivery this process cannot send (its URL or method no
            // longer parses): a dead letter at once, with the reason.
            let attempt = Attempt {
                number: claimed.attempts_made + 1,
                started_at: SystemTime::now(),
                duration: Duration::ZERO,
                status: None,
                error: Some(reason.clone()),
            };
            write_outcome(
                &shared,
                &claimed,
                &lease,
                &attempt,
                &Next::Failed(reason),
                None,
            )
            .await;
            return;
        }
    };
    let attempted = match attempt_admitted(&shared, &outgoing, &claimed, lease.until).await {
        Admitted::Attempted(attempted) => attempted,
        Admitted::PutBack(put_back_for) => {
            defer(&shared, &claimed, &lease, put_back_for).await;
            drop(slot);
            shared.wake.notify_one();
            return;
        }
        // No slot in time: nothing sent, nothing to write; the lease runs out
        // and the delivery is claimed again.
        Admitted::NoSlot => return,
    };
    let Attempted { attempt, next, .. } = attempted;
    // The attempt is over: its claim slot goes to the next due delivery while
    // the outcome is written, which on a busy database can take longer than
    // the attempt did (the delivery stays leased meanwhile, so nobody claims
    // it). At most `concurrency` writes wait so; past that, the slot is kept
    // until the write ends.
    let writing = Arc::clone(&shared.outcome_writes).try_acquire_owned().ok();
    let slot = match writing {
        Some(_) => {
            drop(slot);
            shared.wake.notify_one();
            None
        }
        None => Some(slot),
    };
    write_outcome(&shared, &claimed, &lease, &attempt, &next, None).await;
    drop(writing);
    drop(slot);
    if let Next::RetryAt(at) = next {
        wake_at(&shared, at);
    }
    shared.wake.notify_one();
}

/// What came of offering a delivery to its endpoint.
enum Admitted {
    /// Attempted, with this outcome.
    Attempted(Attempted),
    /// Its endpoint cannot take it now: put it back for this long.
    PutBack(Duration),
    /// No send slot came free before the lease ends.
    NoSlot,
}

/// One attempt through the endpoint's admission, for background and awaited
/// sends alike. Fairness and health: one endpoint (and one address) holds at
/// most its share of the send slots, and a disabled one gets a probe now and
/// then; a delivery its endpoint cannot take now is not attempted, so a slow
/// or dead receiver cannot make the others' callbacks wait behind it, nor
/// burn its own retries. A panic while attempting (a bug: nothing a receiver
/// sends may cause one) becomes a failed attempt with a final outcome: left
/// unwritten, the delivery would be claimed again after every lease and
/// panic again, without end.
async fn attempt_admitted(
    shared: &Engine,
    outgoing: &Outgoing,
    claimed: &ClaimedDelivery,
    must_finish_by: SystemTime,
) -> Admitted {
    let admission = match shared.endpoints.admit(&outgoing.url).await {
        Ok(admission) => admission,
        Err(put_back_for) => return Admitted::PutBack(put_back_for),
    };
    let started_at = SystemTime::now();
    let attempted = AssertUnwindSafe(attempt(shared, outgoing, claimed, must_finish_by))
        .catch_unwind()
        .await;
    let attempted = match attempted {
        Ok(None) => return Admitted::NoSlot,
        Ok(Some(attempted)) => attempted,
        Err(_) => {
            let reason = "internal error: the attempt panicked (see the log)".to_owned();
            tracing::error!(delivery_id = %claimed.delivery.id, "{reason}");
            Attempted {
                attempt: Attempt {
                    number: claimed.attempts_made + 1,
                    started_at,
                    duration: Duration::ZERO,
                    status: None,
                    error: Some(reason.clone()),
                },
                next: Next::Failed(reason),
                reply: None,
                retry_after: None,
            }
        }
    };
    let recovered = shared
        .endpoints
        .record(&admission, endpoint_health(&attempted));
    drop(admission);
    if let Some(origin) = recovered {
        // Its deliveries held while it was disabled go now.
        match shared
            .store
            .resume_endpoint(&origin, SystemTime::now(), u64::MAX)
            .await
        {
            Ok(_) => shared.wake_to_claim(),
            Err(error) => tracing::warn!(
                %error, endpoint = %origin,
                "cannot resume a recovered endpoint's deliveries; they go when due"
            ),
        }
    }
    Admitted::Attempted(attempted)
}

/// Counts what a durable store keeps (by every instance) each poll interval,
/// at least every second, for the bound on accepting more. The metric of
/// unfinished deliveries is set from the same count.
pub(crate) async fn count_kept(shared: Arc<Engine>) {
    let every = shared.settings.poll_interval.max(Duration::from_secs(1));
    loop {
        // The first count was made while building.
        tokio::time::sleep(every).await;
        let started = shared.bound.count_started();
        match shared.store.kept().await {
            Ok(kept) => {
                shared
                    .bound
                    .counted(started, kept.unfinished.saturating_add(kept.dead_letters));
                super::metrics::unfinished(kept.unfinished);
            }
            Err(error) => tracing::debug!(%error, "cannot count the deliveries kept"),
        }
    }
}

/// Deletes finished deliveries accepted more than `retention` ago, and dead
/// letters accepted more than `dead_letter_retention` ago, every tenth of the
/// shorter retention (at least every second, at most hourly), in batches of
/// 1,000 so no single statement holds the store for long.
pub(crate) async fn purge_finished(
    shared: Arc<Engine>,
    retention: Duration,
    dead_letter_retention: Duration,
) {
    const BATCH: usize = 1000;
    let every = (retention.min(dead_letter_retention) / 10)
        .clamp(Duration::from_secs(1), Duration::from_secs(3600));
    loop {
        tokio::time::sleep(every).await;
        for (kind, kept_for) in [
            (StateKind::Succeeded, retention),
            (StateKind::Abandoned, retention),
            (StateKind::Failed, dead_letter_retention),
        ] {
            let Some(before) = SystemTime::now().checked_sub(kept_for) else {
                continue;
            };
            loop {
                match shared.store.purge(kind, before, BATCH).await {
                    Ok(purged) if purged as usize == BATCH => continue,
                    Ok(purged) => {
                        if purged > 0 {
                            tracing::debug!(
                                purged,
                                state = kind.as_str(),
                                "finished deliveries purged"
                            );
                        }
                        break;
                    }
                    Err(error) => {
                        tracing::warn!(%error, "cannot purge finished deliveries");
                        break;
                    }
                }
            }
        }
    }
}

/// What an attempt says of its endpoint: it answered (any status but `408`,
/// `429` and `5xx`), it asked to be sent less (`429`, `502`, `503`, `504`:
/// throttled, for as long as its `Retry-After` says if it says), or it failed.
fn endpoint_health(attempted: &Attempted) -> Health {
    let attempt = &attempted.attempt;
    let error = || {
        attempt
            .error
            .clone()
            .unwrap_or_else(|| "the receiver did not answer".to_owned())
    };
    match attempt.status {
        Some(429 | 502 | 503 | 504) => Health::Throttled {
            error: error(),
            retry_after: attempted.retry_after,
        },
        Some(408 | 500..=599) | None => Health::Failed(error()),
        Some(_) => Health::Answered,
    }
}

/// Puts a claimed delivery back, due in `wait`, without an attempt (its
/// endpoint is at its share of send slots).
async fn defer(shared: &Arc<Engine>, claimed: &ClaimedDelivery, lease: &Lease, wait: Duration) {
    let until = SystemTime::now() + wait;
    if let Err(error) = shared
        .store
        .defer(&claimed.delivery.id, &lease.token, until)
        .await
    {
        tracing::warn!(
            delivery_id = %claimed.delivery.id, %error,
            "cannot put a delivery back; it is claimed again when its lease ends"
        );
    }
    wake_at(shared, until);
}

/// Has the dispatcher claim when a delivery put back comes due: its one timer
/// is shortened if this is now the earliest time.
fn wake_at(shared: &Engine, at: SystemTime) {
    if shared.due_times.add(at) {
        shared.wake.notify_one();
    }
}

/// Writes an attempt's outcome under `lease`, trying again while the store is
/// unavailable and the lease lasts: the attempt happened, and losing its record
/// would send the delivery again. Past the lease, another worker may have taken
/// the delivery (so it will be sent again: at-least-once).
async fn write_outcome(
    shared: &Engine,
    claimed: &ClaimedDelivery,
    lease: &Lease,
    attempt: &Attempt,
    next: &Next,
    hold_until: Option<SystemTime>,
) {
    let id = &claimed.delivery.id;
    let (token, lease_end) = (lease.token.as_str(), lease.until);
    let mut failures = 0;
    loop {
        match shared
            .store
            .complete(id, token, attempt, next, hold_until)
            .await
        {
            Ok(true) => return,
            Ok(false) => {
                tracing::warn!(
                    delivery_id = %id,
                    "the lease ran out before the outcome was written; another worker owns the delivery"
                );
                return;
            }
            Err(error) => {
                failures += 1;
                let wait = store_backoff(failures);
                if SystemTime::now() + wait >= lease_end {
                    tracing::error!(
                        delivery_id = %id, %error,
                        "cannot write the outcome before the lease ends; the delivery will be attempted again"
                    );
                    return;
                }
                tracing::warn!(delivery_id = %id, %error, retry_in = ?wait, "cannot write an attempt's outcome");
                tokio::time::sleep(wait).await;
            }
        }
    }
}

/// An enqueued delivery while a send slot is free: written to the store leased
/// to this instance, then attempted at once, as if the dispatcher had claimed
/// it, without the claim (a claim rewrites the row in the store, and would wait
/// for the dispatcher's next turn). If the process dies before the outcome is
/// written, the lease runs out and any worker claims the delivery.
pub(crate) async fn enqueue_leased(
    shared: Arc<Engine>,
    delivery: NewDelivery,
    slot: OwnedSemaphorePermit,
) -> Result<(), StoreError> {
    // On failure the slot is dropped with this future: nothing was written.
    let (claimed, lease) = insert_own(&shared, delivery).await?;
    tokio::spawn(attempt_claimed(shared, claimed, lease, slot));
    Ok(())
}

/// Writes a new delivery leased to this instance: held as if claimed, by a
/// fresh lease, before its first attempt.
async fn insert_own(
    shared: &Engine,
    delivery: NewDelivery,
) -> Result<(ClaimedDelivery, Lease), StoreError> {
    let lease = shared.new_lease();
    shared.store.insert_leased(&delivery, &lease).await?;
    let claimed = ClaimedDelivery {
        round_started_at: delivery.created_at,
        delivery,
        attempts_made: 0,
        round_first_attempt: 0,
    };
    Ok((claimed, lease))
}

/// Writes an accepted delivery leased to this instance and queues it in the
/// backlog for the dispatcher's next free slot, which takes it without a
/// claim. If the process dies first, the lease runs out and any instance
/// claims it, as it would a claimed delivery of a crashed worker; a graceful
/// shutdown gives the leases back (`DeliveryStore::release`).
pub(crate) async fn enqueue_backlogged(
    shared: Arc<Engine>,
    delivery: NewDelivery,
) -> Result<(), StoreError> {
    let (claimed, lease) = insert_own(&shared, delivery).await?;
    shared
        .backlog
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push_back((claimed, lease));
    // A slot may have come free while the delivery was being written, and
    // the dispatcher found the backlog empty then.
    shared.wake.notify_one();
    Ok(())
}

/// Why an awaited send did not return a reply.
pub(crate) enum AwaitedError {
    Store(StoreError),
    Delivery(DeliveryError),
    /// Accepted, not attempted in time: the dispatcher goes on with it.
    Pending(DeliveryId),
}

/// An awaited send: written to the store under this caller's lease, attempted
/// here (retries included, the lease held across the waits), the reply handed
/// back. If the process dies meanwhile, the lease runs out and any worker
/// resumes the delivery.
pub(crate) async fn send_awaited(
    shared: Arc<Engine>,
    delivery: NewDelivery,
) -> Result<Vec<u8>, AwaitedError> {
    let mut lease = shared.new_lease();
    shared
        .store
        .insert_leased(&delivery, &lease)
        .await
        .map_err(AwaitedError::Store)?;
    let outgoing = shared
        .outgoing(&delivery)
        .map_err(|reason| AwaitedError::Store(StoreError::Corrupt(reason)))?;
    let mut claimed = ClaimedDelivery {
        round_started_at: delivery.created_at,
        delivery,
        attempts_made: 0,
        round_first_attempt: 0,
    };
    let mut last_status = None;
    loop {
        let attempted = attempt_admitted(&shared, &outgoing, &claimed, lease.until).await;
        let Attempted {
            attempt,
            next,
            reply,
            ..
        } = match attempted {
            Admitted::Attempted(attempted) => attempted,
            Admitted::PutBack(wait) => {
                // The endpoint is at its share, or disabled: the caller waits
                // as a background delivery would, while the lease leaves time
                // for an attempt; then the dispatcher takes the delivery over.
                let latest_start = lease
                    .until
                    .checked_sub(shared.settings.attempt_timeout)
                    .unwrap_or(lease.until);
                if SystemTime::now() + wait < latest_start {
                    tokio::time::sleep(wait).await;
                    continue;
                }
                defer(&shared, &claimed, &lease, wait).await;
                return Err(AwaitedError::Pending(claimed.delivery.id));
            }
            // The lease runs out; the dispatcher takes the delivery over.
            Admitted::NoSlot => return Err(AwaitedError::Pending(claimed.delivery.id)),
        };
        last_status = attempt.status.or(last_status);
        let hold_until = match next {
            Next::RetryAt(at) => Some(at.checked_add(shared.settings.lease).unwrap_or(at)),
            _ => None,
        };
        write_outcome(&shared, &claimed, &lease, &attempt, &next, hold_until).await;
        if let Some(until) = hold_until {
            lease.until = until;
        }
        claimed.attempts_made += 1;
        match next {
            Next::Succeeded => return Ok(reply.unwrap_or_default()),
            Next::Failed(reason) => {
                return Err(AwaitedError::Delivery(DeliveryError {
                    id: claimed.delivery.id,
                    attempts: claimed.attempts_made,
                    last_status,
                    reason,
                }))
            }
            Next::RetryAt(at) => {
                let wait = at.duration_since(SystemTime::now()).unwrap_or_default();
                tokio::time::sleep(wait).await;
            }
        }
    }
}

impl Engine {
    /// Whether no delivery waits in the backlog.
    pub(crate) fn backlog_is_empty(&self) -> bool {
        let backlog = self.backlog.lock().unwrap_or_else(PoisonError::into_inner);
        backlog.is_empty()
    }

    /// Whether `enqueue` may queue another delivery in the backlog.
    pub(crate) fn backlog_has_room(&self) -> bool {
        let backlog = self.backlog.lock().unwrap_or_else(PoisonError::into_inner);
        backlog.len() < self.concurrency
    }

    /// The oldest backlogged delivery whose lease still leaves time for an
    /// attempt. One whose lease does not (it waited most of a lease: the
    /// dispatcher was stalled) is left to the store, where any instance
    /// claims it once the lease has run out.
    pub(crate) fn take_backlogged(&self) -> Option<(ClaimedDelivery, Lease)> {
        let mut backlog = self.backlog.lock().unwrap_or_else(PoisonError::into_inner);
        let latest_start = SystemTime::now() + self.settings.attempt_timeout;
        while let Some((claimed, lease)) = backlog.pop_front() {
            if lease.until > latest_start {
                return Some((claimed, lease));
            }
        }
        None
    }

    /// A fresh lease: a token unique to this claim, under this instance's name.
    pub(crate) fn new_lease(&self) -> Lease {
        let claim = self
            .claims
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Lease {
            token: format!("{}/{claim}", self.instance),
            until: SystemTime::now() + self.settings.lease,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declarations::WebhookDeclaration;
    use crate::delivery::callbacks::Callbacks;
    use crate::delivery::record::DeliveryState;
    use crate::delivery::retry::RetryPolicy;
    use crate::delivery::ssrf::AddressPolicy;
    use crate::meta::WebhookMeta;
    use crate::openapi::Method;

    struct Ping;

    impl WebhookDeclaration for Ping {
        const META: WebhookMeta = WebhookMeta {
            name: "ping",
            handler: "ping",
            source: "dispatch.rs",
            method: Method::Post,
            summary: None,
            description: None,
            deprecated: false,
        };
        type Payload = actix_web::web::Json<serde_json::Value>;
        type Answer = ();
    }

    /// 300 deliveries waiting to be retried in an hour, or put back because
    /// their endpoint was at its share: the dispatcher keeps their due times,
    /// not a sleeping task for each.
    #[tokio::test(flavor = "current_thread")]
    async fn deliveries_put_back_wait_on_one_timer() {
        let callbacks = Callbacks::builder()
            .unsigned()
            .in_memory()
            .address_policy(AddressPolicy::listed_only().allow_loopback())
            .retry(RetryPolicy::with_schedule([Duration::from_secs(3600)]))
            .circuit_breaker(u32::MAX, Duration::from_secs(3600))
            .build()
            .unwrap();
        let mut ids = Vec::new();
        for n in 0..300 {
            // Port 9 on loopback: nothing listens, every attempt fails at once.
            let id = callbacks
                .webhook::<Ping>("http://127.0.0.1:9/ping")
                .enqueue(&serde_json::json!({ "n": n }))
                .await
                .unwrap();
            ids.push(id);
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        for id in &ids {
            loop {
                let record = callbacks.delivery(id).await.unwrap().unwrap();
                if matches!(record.state, DeliveryState::Retrying { .. }) {
                    break;
                }
                assert!(Instant::now() < deadline, "{record:?}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        let tasks = callbacks
            .inner
            .dispatcher
            .handle
            .metrics()
            .num_alive_tasks();
        assert!(tasks < 10, "{tasks} tasks alive for 300 waiting deliveries");
        assert!(callbacks.inner.shared.due_times.len() >= 1);
        callbacks.shutdown(Duration::ZERO).await;
    }

    #[test]
    fn store_backoff_doubles_to_five_seconds() {
        assert_eq!(store_backoff(1), Duration::from_millis(100));
        assert_eq!(store_backoff(2), Duration::from_millis(200));
        assert_eq!(store_backoff(6), Duration::from_millis(3200));
        assert_eq!(store_backoff(7), Duration::from_secs(5));
        assert_eq!(store_backoff(40), Duration::from_secs(5));
    }
}
