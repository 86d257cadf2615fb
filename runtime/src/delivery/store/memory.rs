//! The in-memory store: for tests and for programs that accept losing unsent
//! callbacks when they stop. Bounded: past its capacity, inserts fail with
//! [`StoreError::Full`] instead of growing.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use super::contract::{
    delivery_state, ClaimedDelivery, DeliveryFilter, DeliveryStore, Kept, Lease, LogEntry,
    LogQuery, NewDelivery, Next, Payload, StateKind, StoreError, StoreFuture, StoredSecret,
};
use super::contract::{
    disabled_reason, fanned_out_id, EndpointOutcome, Publication, Published, StoredEndpoint,
};
use crate::delivery::record::{Attempt, DeliveryId, DeliveryRecord};

/// Deliveries kept in the process's memory.
pub struct MemoryStore {
    capacity: usize,
    retain_finished: usize,
    state: Mutex<State>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("capacity", &self.capacity)
            .field("retain_finished", &self.retain_finished)
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct State {
    rows: HashMap<DeliveryId, Row>,
    /// Unfinished, unleased rows by due time: what `claim` takes from.
    due: BTreeSet<(SystemTime, DeliveryId)>,
    /// Leased rows by lease end: expired ones go back to `due`.
    leased: BTreeSet<(SystemTime, DeliveryId)>,
    /// Finished rows, oldest first, for eviction past `retain_finished`.
    finished: VecDeque<DeliveryId>,
    unfinished: usize,
    /// Each holder's signing secrets, oldest first.
    secrets: HashMap<String, Vec<StoredSecret>>,
    /// Registered endpoints, by id.
    endpoints: BTreeMap<String, StoredEndpoint>,
    /// Publications' idempotency keys, by owner and key: their message.
    publications: HashMap<(String, String), DeliveryId>,
}

struct Row {
    delivery: NewDelivery,
    state: StateKind,
    reason: Option<String>,
    attempts: Vec<Attempt>,
    next_attempt_at: SystemTime,
    lease: Option<Lease>,
    round_started_at: SystemTime,
    round_first_attempt: u32,
}

impl Row {
    fn record(&self, now: SystemTime) -> DeliveryRecord {
        let state = delivery_state(
            self.state,
            self.reason.clone(),
            self.lease.as_ref().map(|lease| lease.until),
            !self.attempts.is_empty(),
            self.next_attempt_at,
            now,
        );
        DeliveryRecord {
            id: self.delivery.id.clone(),
            callback: self.delivery.callback.clone(),
            url: crate::delivery::record::redact_url(&self.delivery.url),
            created_at: self.delivery.created_at,
            state,
            attempts: self.attempts.clone(),
            owner: self.delivery.owner.clone(),
            endpoint: self.delivery.endpoint.clone(),
            size: self.delivery.body.len() as u64,
        }
    }

    fn claimed(&self) -> ClaimedDelivery {
        ClaimedDelivery {
            delivery: self.delivery.clone(),
            attempts_made: self.attempts.len() as u32,
            round_started_at: self.round_started_at,
            round_first_attempt: self.round_first_attempt,
        }
    }
}

impl MemoryStore {
    /// A store holding at most `capacity` unfinished deliveries and the
    /// `retain_finished` most recently finished ones.
    pub fn new(capacity: usize, retain_finished: usize) -> Self {
        MemoryStore {
            capacity: capacity.max(1),
            retain_finished,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn insert_row(&self, delivery: &NewDelivery, lease: Option<&Lease>) -> Result<(), StoreError> {
        let mut state = self.state();
        if state.unfinished >= self.capacity {
            return Err(StoreError::Full {
                capacity: self.capacity,
            });
        }
        state.insert(delivery, lease);
        Ok(())
    }
}

impl MemoryStore {
    /// One delivery per enabled endpoint of the owner wanting the event type,
    /// all or none (the capacity holds for them together).
    fn fan_out(&self, publication: &Publication) -> Result<Published, StoreError> {
        let message = &publication.message;
        let owner = message.owner.clone().unwrap_or_default();
        let mut state = self.state();
        if let Some(key) = &publication.idempotency_key {
            if let Some(first) = state.publications.get(&(owner.clone(), key.clone())) {
                return Ok(Published {
                    message: first.clone(),
                    deliveries: 0,
                    repeated: true,
                });
            }
        }
        let deliveries: Vec<NewDelivery> = state
            .endpoints
            .values()
            .filter(|endpoint| endpoint.owner == owner && endpoint.disabled.is_none())
            .filter(|endpoint| {
                endpoint.event_types.is_empty() || endpoint.event_types.contains(&message.callback)
            })
            .map(|endpoint| NewDelivery {
                id: fanned_out_id(&message.id, &endpoint.id),
                url: endpoint.url.clone(),
                endpoint: Some(endpoint.id.clone()),
                ..message.clone()
            })
            .collect();
        if state.unfinished + deliveries.len() > self.capacity {
            return Err(StoreError::Full {
                capacity: self.capacity,
            });
        }
        if let Some(key) = &publication.idempotency_key {
            state
                .publications
                .insert((owner, key.clone()), message.id.clone());
        }
        for delivery in &deliveries {
            state.insert(delivery, None);
        }
        Ok(Published {
            message: message.id.clone(),
            deliveries: deliveries.len() as u64,
            repeated: false,
        })
    }
}

impl State {
    /// Adds an unfinished row (the caller checked the capacity).
    fn insert(&mut self, delivery: &NewDelivery, lease: Option<&Lease>) {
        let id = delivery.id.clone();
        match lease {
            Some(lease) => self.leased.insert((lease.until, id.clone())),
            None => self.due.insert((delivery.created_at, id.clone())),
        };
        self.unfinished += 1;
        self.rows.insert(
            id,
            Row {
                delivery: delivery.clone(),
                state: StateKind::Unfinished,
                reason: None,
                attempts: Vec::new(),
                next_attempt_at: delivery.created_at,
                lease: lease.cloned(),
                round_started_at: delivery.created_at,
                round_first_attempt: 0,
            },
        );
    }

    /// Moves rows whose lease ended by `now` back to the due queue.
    fn expire_leases(&mut self, now: SystemTime) {
        while let Some((until, id)) = self.leased.first().cloned() {
            if until > now {
                break;
            }
            self.leased.pop_first();
            if let Some(row) = self.rows.get_mut(&id) {
                row.lease = None;
                self.due.insert((row.next_attempt_at, id));
            }
        }
    }

    /// Makes finished delivery `id` due at `now`, in a fresh round.
    fn replay(&mut self, id: &DeliveryId, now: SystemTime) -> bool {
        match self.rows.get_mut(id) {
            Some(row) if row.state != StateKind::Unfinished => {
                row.state = StateKind::Unfinished;
                row.reason = None;
                row.next_attempt_at = now;
                row.round_started_at = now;
                row.round_first_attempt = row.attempts.len() as u32;
                self.due.insert((now, id.clone()));
                self.finished.retain(|finished| finished != id);
                self.unfinished += 1;
                true
            }
            _ => false,
        }
    }

    fn finish(&mut self, id: &DeliveryId, retain_finished: usize) {
        self.unfinished = self.unfinished.saturating_sub(1);
        self.finished.push_back(id.clone());
        while self.finished.len() > retain_finished {
            if let Some(oldest) = self.finished.pop_front() {
                self.rows.remove(&oldest);
            }
        }
    }
}

/// The secrets of `all` that sign at `now`, newest first.
fn signing_at(all: &[StoredSecret], now: SystemTime) -> Vec<StoredSecret> {
    all.iter()
        .rev()
        .filter(|secret| secret.expires_at.is_none_or(|end| end > now))
        .cloned()
        .collect()
}

impl DeliveryStore for MemoryStore {
    fn insert<'a>(&'a self, delivery: &'a NewDelivery) -> StoreFuture<'a, ()> {
        let inserted = self.insert_row(delivery, None);
        Box::pin(async move { inserted })
    }

    fn insert_leased<'a>(
        &'a self,
        delivery: &'a NewDelivery,
        lease: &'a Lease,
    ) -> StoreFuture<'a, ()> {
        let inserted = self.insert_row(delivery, Some(lease));
        Box::pin(async move { inserted })
    }

    fn claim<'a>(
        &'a self,
        now: SystemTime,
        lease: &'a Lease,
        limit: usize,
    ) -> StoreFuture<'a, Vec<ClaimedDelivery>> {
        let mut state = self.state();
        state.expire_leases(now);
        let mut claimed = Vec::new();
        while claimed.len() < limit {
            let Some((due, id)) = state.due.first().cloned() else {
                break;
            };
            if due > now {
                break;
            }
            state.due.pop_first();
            state.leased.insert((lease.until, id.clone()));
            if let Some(row) = state.rows.get_mut(&id) {
                row.lease = Some(lease.clone());
                claimed.push(row.claimed());
            }
        }
        Box::pin(async move { Ok(claimed) })
    }

    fn complete<'a>(
        &'a self,
        id: &'a DeliveryId,
        token: &'a str,
        attempt: &'a Attempt,
        next: &'a Next,
        hold_until: Option<SystemTime>,
    ) -> StoreFuture<'a, bool> {
        let mut guard = self.state();
        let state = &mut *guard;
        let held = match state.rows.get_mut(id) {
            Some(row) if row.lease.as_ref().is_some_and(|lease| lease.token == token) => {
                let old_until = row.lease.as_ref().map(|lease| lease.until);
                if let Some(until) = old_until {
                    state.leased.remove(&(until, id.clone()));
                }
                row.attempts.push(attempt.clone());
                row.lease = None;
                let mut finished = false;
                match next {
                    Next::Succeeded => {
                        row.state = StateKind::Succeeded;
                        finished = true;
                    }
                    Next::Failed(reason) => {
                        row.state = StateKind::Failed;
                        row.reason = Some(reason.clone());
                        finished = true;
                    }
                    Next::RetryAt(at) => {
                        row.next_attempt_at = *at;
                        match hold_until {
                            Some(until) => {
                                row.lease = Some(Lease {
                                    token: token.to_owned(),
                                    until,
                                });
                                state.leased.insert((until, id.clone()));
                            }
                            None => {
                                state.due.insert((*at, id.clone()));
                            }
                        }
                    }
                }
                if finished {
                    state.finish(id, self.retain_finished);
                }
                true
            }
            _ => false,
        };
        Box::pin(async move { Ok(held) })
    }

    fn defer<'a>(
        &'a self,
        id: &'a DeliveryId,
        token: &'a str,
        until: SystemTime,
    ) -> StoreFuture<'a, bool> {
        let mut guard = self.state();
        let state = &mut *guard;
        let deferred = match state.rows.get_mut(id) {
            Some(row) if row.lease.as_ref().is_some_and(|lease| lease.token == token) => {
                if let Some(lease) = row.lease.take() {
                    state.leased.remove(&(lease.until, id.clone()));
                }
                row.next_attempt_at = until;
                state.due.insert((until, id.clone()));
                true
            }
            _ => false,
        };
        Box::pin(async move { Ok(deferred) })
    }

    fn resume_endpoint<'a>(
        &'a self,
        origin: &'a str,
        now: SystemTime,
        limit: u64,
    ) -> StoreFuture<'a, u64> {
        let prefix = format!("{origin}/");
        let mut guard = self.state();
        let state = &mut *guard;
        let later: Vec<(SystemTime, DeliveryId)> = state
            .due
            .range((now, DeliveryId::from(""))..)
            .filter(|(at, id)| {
                *at > now
                    && state
                        .rows
                        .get(id)
                        .is_some_and(|row| row.delivery.url.starts_with(&prefix))
            })
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .cloned()
            .collect();
        for (at, id) in &later {
            state.due.remove(&(*at, id.clone()));
            state.due.insert((now, id.clone()));
            if let Some(row) = state.rows.get_mut(id) {
                row.next_attempt_at = now;
            }
        }
        let resumed = later.len() as u64;
        Box::pin(async move { Ok(resumed) })
    }

    fn release<'a>(&'a self, instance: &'a str) -> StoreFuture<'a, u64> {
        let mut guard = self.state();
        let state = &mut *guard;
        let mut released = 0;
        let leased: Vec<(SystemTime, DeliveryId)> = state.leased.iter().cloned().collect();
        for (until, id) in leased {
            let Some(row) = state.rows.get_mut(&id) else {
                continue;
            };
            if row
                .lease
                .as_ref()
                .is_some_and(|lease| lease.token.starts_with(instance))
            {
                row.lease = None;
                state.leased.remove(&(until, id.clone()));
                state.due.insert((row.next_attempt_at, id));
                released += 1;
            }
        }
        Box::pin(async move { Ok(released) })
    }

    fn get<'a>(&'a self, id: &'a DeliveryId) -> StoreFuture<'a, Option<DeliveryRecord>> {
        let now = SystemTime::now();
        let record = self.state().rows.get(id).map(|row| row.record(now));
        Box::pin(async move { Ok(record) })
    }

    fn list<'a>(&'a self, filter: &'a DeliveryFilter) -> StoreFuture<'a, Vec<DeliveryRecord>> {
        let now = SystemTime::now();
        let state = self.state();
        let mut rows: Vec<&Row> = state
            .rows
            .values()
            .filter(|row| filter.state.is_none_or(|kind| row.state == kind))
            .collect();
        rows.sort_by(|a, b| {
            (a.delivery.created_at, &a.delivery.id).cmp(&(b.delivery.created_at, &b.delivery.id))
        });
        let records: Vec<DeliveryRecord> = rows
            .into_iter()
            .take(filter.limit.unwrap_or(usize::MAX))
            .map(|row| row.record(now))
            .collect();
        Box::pin(async move { Ok(records) })
    }

    fn log<'a>(&'a self, query: &'a LogQuery) -> StoreFuture<'a, Vec<DeliveryRecord>> {
        let now = SystemTime::now();
        let state = self.state();
        let mut rows: Vec<&Row> = state
            .rows
            .values()
            .filter(|row| {
                query.admits(&LogEntry {
                    id: &row.delivery.id,
                    owner: row.delivery.owner.as_deref(),
                    endpoint: row.delivery.endpoint.as_deref(),
                    callback: &row.delivery.callback,
                    state: row.state,
                    created_at: row.delivery.created_at,
                })
            })
            .collect();
        rows.sort_by(|a, b| {
            (b.delivery.created_at, &b.delivery.id).cmp(&(a.delivery.created_at, &a.delivery.id))
        });
        let records: Vec<DeliveryRecord> = rows
            .into_iter()
            .take(query.limit)
            .map(|row| row.record(now))
            .collect();
        Box::pin(async move { Ok(records) })
    }

    fn replay<'a>(&'a self, id: &'a DeliveryId, now: SystemTime) -> StoreFuture<'a, bool> {
        let replayed = self.state().replay(id, now);
        Box::pin(async move { Ok(replayed) })
    }

    fn recover<'a>(
        &'a self,
        owner: &'a str,
        endpoint: &'a str,
        since: SystemTime,
        now: SystemTime,
        limit: usize,
    ) -> StoreFuture<'a, u64> {
        let mut guard = self.state();
        let state = &mut *guard;
        let mut failed: Vec<(SystemTime, DeliveryId)> = state
            .rows
            .values()
            .filter(|row| {
                row.state == StateKind::Failed
                    && row.delivery.owner.as_deref() == Some(owner)
                    && row.delivery.endpoint.as_deref() == Some(endpoint)
                    && row.delivery.created_at >= since
            })
            .map(|row| (row.delivery.created_at, row.delivery.id.clone()))
            .collect();
        failed.sort();
        failed.truncate(limit);
        let recovered = failed
            .iter()
            .filter(|(_, id)| state.replay(id, now))
            .count() as u64;
        Box::pin(async move { Ok(recovered) })
    }

    fn cancel<'a>(
        &'a self,
        owner: &'a str,
        endpoint: &'a str,
        reason: &'a str,
    ) -> StoreFuture<'a, u64> {
        let mut guard = self.state();
        let state = &mut *guard;
        let unfinished: Vec<DeliveryId> = state
            .rows
            .values()
            .filter(|row| {
                row.state == StateKind::Unfinished
                    && row.delivery.owner.as_deref() == Some(owner)
                    && row.delivery.endpoint.as_deref() == Some(endpoint)
            })
            .map(|row| row.delivery.id.clone())
            .collect();
        for id in &unfinished {
            if let Some(row) = state.rows.get_mut(id) {
                state.due.remove(&(row.next_attempt_at, id.clone()));
                if let Some(lease) = row.lease.take() {
                    state.leased.remove(&(lease.until, id.clone()));
                }
                row.state = StateKind::Failed;
                row.reason = Some(reason.to_owned());
            }
            state.finish(id, self.retain_finished);
        }
        let cancelled = unfinished.len() as u64;
        Box::pin(async move { Ok(cancelled) })
    }

    fn payload<'a>(&'a self, id: &'a DeliveryId) -> StoreFuture<'a, Option<Payload>> {
        let payload = self.state().rows.get(id).map(|row| Payload {
            content_type: row.delivery.content_type.clone(),
            body: row.delivery.body.clone(),
        });
        Box::pin(async move { Ok(payload) })
    }

    fn purge<'a>(
        &'a self,
        kind: StateKind,
        accepted_before: SystemTime,
        limit: usize,
    ) -> StoreFuture<'a, u64> {
        let mut guard = self.state();
        let state = &mut *guard;
        let purged: Vec<DeliveryId> = if kind == StateKind::Unfinished {
            Vec::new()
        } else {
            state
                .rows
                .values()
                .filter(|row| row.state == kind && row.delivery.created_at < accepted_before)
                .map(|row| row.delivery.id.clone())
                .take(limit)
                .collect()
        };
        for id in &purged {
            state.rows.remove(id);
        }
        state.finished.retain(|id| state.rows.contains_key(id));
        let purged = purged.len() as u64;
        Box::pin(async move { Ok(purged) })
    }

    fn unfinished(&self) -> StoreFuture<'_, u64> {
        let unfinished = self.state().unfinished as u64;
        Box::pin(async move { Ok(unfinished) })
    }

    fn kept(&self) -> StoreFuture<'_, Kept> {
        let state = self.state();
        let kept = Kept {
            unfinished: state.unfinished as u64,
            dead_letters: state
                .rows
                .values()
                .filter(|row| row.state == StateKind::Failed)
                .count() as u64,
        };
        Box::pin(async move { Ok(kept) })
    }

    fn is_durable(&self) -> bool {
        false
    }

    fn keeps_secrets(&self) -> bool {
        true
    }

    fn keeps_endpoints(&self) -> bool {
        true
    }

    fn insert_endpoint<'a>(&'a self, endpoint: &'a StoredEndpoint) -> StoreFuture<'a, ()> {
        self.state()
            .endpoints
            .insert(endpoint.id.clone(), endpoint.clone());
        Box::pin(async { Ok(()) })
    }

    fn endpoint<'a>(
        &'a self,
        owner: &'a str,
        id: &'a str,
    ) -> StoreFuture<'a, Option<StoredEndpoint>> {
        let found = self
            .state()
            .endpoints
            .get(id)
            .filter(|endpoint| endpoint.owner == owner)
            .cloned();
        Box::pin(async move { Ok(found) })
    }

    fn endpoints<'a>(
        &'a self,
        owner: &'a str,
        after: Option<&'a str>,
        limit: usize,
    ) -> StoreFuture<'a, Vec<StoredEndpoint>> {
        let state = self.state();
        let from = match after {
            Some(after) => std::ops::Bound::Excluded(after.to_owned()),
            None => std::ops::Bound::Unbounded,
        };
        let page: Vec<StoredEndpoint> = state
            .endpoints
            .range((from, std::ops::Bound::Unbounded))
            .map(|(_, endpoint)| endpoint)
            .filter(|endpoint| endpoint.owner == owner)
            .take(limit)
            .cloned()
            .collect();
        Box::pin(async move { Ok(page) })
    }

    fn replace_endpoint<'a>(&'a self, endpoint: &'a StoredEndpoint) -> StoreFuture<'a, bool> {
        let mut state = self.state();
        let replaced = match state.endpoints.get_mut(&endpoint.id) {
            Some(stored) if stored.owner == endpoint.owner => {
                *stored = endpoint.clone();
                true
            }
            _ => false,
        };
        Box::pin(async move { Ok(replaced) })
    }

    fn delete_endpoint<'a>(&'a self, owner: &'a str, id: &'a str) -> StoreFuture<'a, bool> {
        let mut state = self.state();
        let deleted = match state.endpoints.get(id) {
            Some(endpoint) if endpoint.owner == owner => {
                state.endpoints.remove(id);
                state.secrets.remove(&format!("endpoint:{id}"));
                true
            }
            _ => false,
        };
        Box::pin(async move { Ok(deleted) })
    }

    fn endpoint_outcome<'a>(
        &'a self,
        id: &'a str,
        outcome: EndpointOutcome,
    ) -> StoreFuture<'a, Option<StoredEndpoint>> {
        let mut state = self.state();
        let disabled = state.endpoints.get_mut(id).and_then(|endpoint| {
            if outcome.delivered {
                endpoint.failing_since = None;
                return None;
            }
            let since = *endpoint.failing_since.get_or_insert(outcome.now);
            let disable =
                endpoint.disabled.is_none() && (outcome.gone || since <= outcome.disable_before);
            disable.then(|| {
                endpoint.disabled = Some((disabled_reason(&outcome).to_owned(), outcome.now));
                endpoint.updated_at = outcome.now;
                endpoint.clone()
            })
        });
        Box::pin(async move { Ok(disabled) })
    }

    fn publish<'a>(&'a self, publication: &'a Publication) -> StoreFuture<'a, Published> {
        let published = self.fan_out(publication);
        Box::pin(async move { published })
    }

    fn secrets<'a>(
        &'a self,
        holder: &'a str,
        now: SystemTime,
    ) -> StoreFuture<'a, Vec<StoredSecret>> {
        let signing = signing_at(
            self.state().secrets.get(holder).map_or(&[], Vec::as_slice),
            now,
        );
        Box::pin(async move { Ok(signing) })
    }

    fn add_first_secret<'a>(
        &'a self,
        holder: &'a str,
        first: &'a StoredSecret,
        now: SystemTime,
    ) -> StoreFuture<'a, Vec<StoredSecret>> {
        let mut state = self.state();
        let secrets = state.secrets.entry(holder.to_owned()).or_default();
        if secrets.is_empty() {
            secrets.push(first.clone());
        }
        let signing = signing_at(secrets, now);
        Box::pin(async move { Ok(signing) })
    }

    fn rotate_secret<'a>(
        &'a self,
        holder: &'a str,
        sealed: &'a [u8],
        now: SystemTime,
        old_until: SystemTime,
    ) -> StoreFuture<'a, StoredSecret> {
        let mut state = self.state();
        let secrets = state.secrets.entry(holder.to_owned()).or_default();
        let generation = secrets.last().map_or(1, |last| last.generation + 1);
        secrets.retain(|secret| secret.expires_at.is_none_or(|end| end > now));
        for secret in secrets.iter_mut() {
            secret.expires_at = Some(
                secret
                    .expires_at
                    .map_or(old_until, |end| end.min(old_until)),
            );
        }
        let newest = StoredSecret {
            generation,
            sealed: sealed.to_vec(),
            created_at: now,
            expires_at: None,
        };
        secrets.push(newest.clone());
        Box::pin(async move { Ok(newest) })
    }

    fn abandon_unfinished(&self) -> StoreFuture<'_, u64> {
        let mut guard = self.state();
        let state = &mut *guard;
        let unfinished: Vec<DeliveryId> = state
            .rows
            .values()
            .filter(|row| row.state == StateKind::Unfinished)
            .map(|row| row.delivery.id.clone())
            .collect();
        state.due.clear();
        state.leased.clear();
        for id in &unfinished {
            if let Some(row) = state.rows.get_mut(id) {
                row.state = StateKind::Abandoned;
                row.lease = None;
            }
            state.finish(id, self.retain_finished);
        }
        let abandoned = unfinished.len() as u64;
        Box::pin(async move { Ok(abandoned) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn delivery(id: &str, at: SystemTime) -> NewDelivery {
        NewDelivery {
            id: DeliveryId(id.into()),
            callback: "cb".into(),
            method: "POST".into(),
            url: "https://x.example/".into(),
            content_type: None,
            body: Vec::new(),
            created_at: at,
            owner: None,
            endpoint: None,
        }
    }

    fn attempt(number: u32) -> Attempt {
        Attempt {
            number,
            started_at: SystemTime::UNIX_EPOCH,
            duration: Duration::ZERO,
            status: Some(200),
            error: None,
        }
    }

    fn lease(token: &str, until: SystemTime) -> Lease {
        Lease {
            token: token.into(),
            until,
        }
    }

    /// The in-memory store's futures are ready at once.
    fn now<T>(future: StoreFuture<'_, T>) -> T {
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut future = future;
        match future.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(result) => result.expect("store call"),
            std::task::Poll::Pending => panic!("the memory store never waits"),
        }
    }

    #[test]
    fn a_claimed_delivery_is_not_claimed_again_until_its_lease_ends() {
        let store = MemoryStore::new(10, 10);
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        now(store.insert(&delivery("a", t0)));
        let first = lease("i/1", t0 + Duration::from_secs(30));
        assert_eq!(now(store.claim(t0, &first, 10)).len(), 1);
        let second = lease("i/2", t0 + Duration::from_secs(60));
        assert!(now(store.claim(t0 + Duration::from_secs(29), &second, 10)).is_empty());
        // The first worker died: after its lease, another takes the delivery...
        let taken = now(store.claim(t0 + Duration::from_secs(30), &second, 10));
        assert_eq!(taken.len(), 1);
        // ...and the first worker's late outcome is not written.
        let id = DeliveryId("a".into());
        assert!(!now(store.complete(
            &id,
            "i/1",
            &attempt(1),
            &Next::Succeeded,
            None
        )));
        assert!(now(store.complete(
            &id,
            "i/2",
            &attempt(1),
            &Next::Succeeded,
            None
        )));
        assert_eq!(now(store.unfinished()), 0);
    }

    #[test]
    fn finished_records_are_evicted_oldest_first_and_capacity_bounds_unfinished() {
        let store = MemoryStore::new(3, 2);
        let t0 = SystemTime::UNIX_EPOCH;
        for id in ["a", "b", "c"] {
            now(store.insert(&delivery(id, t0)));
        }
        assert_eq!(
            now(Box::pin(async {
                Ok(store.insert_row(&delivery("d", t0), None))
            })),
            Err(StoreError::Full { capacity: 3 })
        );
        let lease = lease("i/1", t0 + Duration::from_secs(1));
        assert_eq!(now(store.claim(t0, &lease, 10)).len(), 3);
        for id in ["a", "b", "c"] {
            let id = DeliveryId(id.into());
            assert!(now(store.complete(
                &id,
                "i/1",
                &attempt(1),
                &Next::Succeeded,
                None
            )));
        }
        let kept = now(store.list(&DeliveryFilter::all()));
        let ids: Vec<&str> = kept.iter().map(|record| record.id.as_str()).collect();
        assert_eq!(ids, ["b", "c"]);
    }

    #[test]
    fn a_dead_letter_replays_with_a_fresh_round() {
        let store = MemoryStore::new(3, 10);
        let t0 = SystemTime::UNIX_EPOCH;
        now(store.insert(&delivery("a", t0)));
        let id = DeliveryId("a".into());
        let lease = lease("i/1", t0 + Duration::from_secs(1));
        now(store.claim(t0, &lease, 1));
        let failed = Next::Failed("gone".into());
        assert!(now(store.complete(&id, "i/1", &attempt(1), &failed, None)));
        let dead = now(store.list(&DeliveryFilter::dead_letters()));
        assert_eq!(dead.len(), 1);
        assert!(now(store.replay(&id, t0 + Duration::from_secs(5))));
        assert!(!now(store.replay(&id, t0)), "only dead letters replay");
        let claimed = now(store.claim(t0 + Duration::from_secs(5), &lease, 1));
        assert_eq!(claimed[0].attempts_made, 1);
        assert_eq!(claimed[0].attempts_in_round(), 0);
    }
}
