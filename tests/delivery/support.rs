//! What the delivery tests share: the tutorial's types and handler, a scripted
//! receiver, loopback senders, triggers, and a store that counts claims.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web::{Data, Json, Query};
use actix_web::HttpRequest;
use hookspec::delivery::policy::{AddressPolicy, RetryPolicy};
use hookspec::delivery::records::{DeliveryId, DeliveryRecord};
use hookspec::delivery::{Callbacks, SendError, Trigger};
use hookspec::{callback, post, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[allow(unused_imports)]
pub(crate) use crate::common::{
    callback_url_trigger, loopback_accept_counters, reference_verify, AcceptCounter, Answer, Gate,
    Received, Receiver,
};

pub(crate) const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Invoice {
    pub id: String,
    pub total: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct InvoiceEvent {
    pub description: String,
    pub paid: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct InvoiceEventReceived {
    pub ok: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Params {
    /// Read by the callback's URL expression, not by Rust code.
    #[allow(dead_code)]
    pub callback_url: Option<String>,
}

/// Tell the API user about their invoice.
#[callback(post, "{$request.query.callback_url}/invoices/{$request.body#/id}")]
pub(crate) async fn invoice_notification(body: Json<InvoiceEvent>) -> Json<InvoiceEventReceived> {}

/// Create an invoice and notify the API user in the background.
#[post("/invoices/", callbacks(invoice_notification))]
pub(crate) async fn create_invoice(
    req: HttpRequest,
    invoice: Json<Invoice>,
    params: Query<Params>,
    callbacks: Data<Callbacks>,
) -> Result<Json<serde_json::Value>, SendError> {
    let _ = (invoice, params);
    let event = InvoiceEvent {
        description: "Invoice paid".into(),
        paid: true,
    };
    let id = callbacks
        .callback::<invoice_notification>(&req)
        .enqueue(&event)
        .await?;
    Ok(Json(json!({ "delivery": id.to_string() })))
}

/// Fast retries; a receiver's `Retry-After` honoured up to a minute.
pub(crate) fn fast_retries() -> RetryPolicy {
    RetryPolicy::exponential(Duration::from_millis(50), Duration::from_millis(200), 5)
        .budget(Duration::from_secs(20))
        .max_retry_after(Duration::from_secs(60))
}

/// Loopback callbacks with fast retries and a timeout generous enough that a
/// loaded 2-core machine never turns an answer into a timeout: exact attempt
/// counts stay exact.
pub(crate) fn loopback_callbacks() -> Callbacks {
    loopback_callbacks_timing_out_after(Duration::from_secs(10))
}

pub(crate) fn loopback_callbacks_timing_out_after(timeout: Duration) -> Callbacks {
    Callbacks::builder()
        .in_memory()
        .single_tenant_secrets(&[SECRET])
        .address_policy(AddressPolicy::public_only().allow_loopback())
        .retry(fast_retries())
        .attempt_timeout(timeout)
        .build()
        .expect("callbacks start")
}

/// A trigger as for `POST /invoices/?callback_url=<base>` with invoice `id`.
pub(crate) fn trigger(base: &str, id: &str) -> Trigger {
    Trigger {
        method: "POST".into(),
        body: Some(json!({ "id": id, "total": 10.0 })),
        ..callback_url_trigger(base)
    }
}

pub(crate) fn event() -> InvoiceEvent {
    InvoiceEvent {
        description: "Invoice paid".into(),
        paid: true,
    }
}

/// Waits (at most 30 s) until the delivery is final.
pub(crate) async fn finished(callbacks: &Callbacks, id: &DeliveryId) -> DeliveryRecord {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let record = callbacks
            .delivery(id)
            .await
            .expect("the store answers")
            .expect("a record");
        if record.state.is_final() {
            return record;
        }
        assert!(
            Instant::now() < deadline,
            "delivery not finished: {record:?}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The in-memory store, counting the deliveries the dispatcher claimed, those
/// written already leased (attempted at once, no claim), and the claim calls
/// (statements, on a database), whether they found any.
pub(crate) struct CountingStore {
    pub(crate) inner: hookspec::delivery::store::MemoryStore,
    pub(crate) claimed: Arc<std::sync::atomic::AtomicUsize>,
    pub(crate) leased: Arc<std::sync::atomic::AtomicUsize>,
    pub(crate) claims: Arc<std::sync::atomic::AtomicUsize>,
}

pub(crate) mod counting {
    use super::CountingStore;
    use hookspec::delivery::records::{Attempt, DeliveryFilter, DeliveryId, DeliveryRecord};
    use hookspec::delivery::store::{
        ClaimedDelivery, DeliveryStore, Lease, NewDelivery, Next, StateKind, StoreFuture, Wake,
    };
    use std::sync::atomic::Ordering;
    use std::time::SystemTime;

    impl DeliveryStore for CountingStore {
        fn insert<'a>(&'a self, delivery: &'a NewDelivery) -> StoreFuture<'a, ()> {
            self.inner.insert(delivery)
        }
        fn insert_leased<'a>(
            &'a self,
            delivery: &'a NewDelivery,
            lease: &'a Lease,
        ) -> StoreFuture<'a, ()> {
            self.leased.fetch_add(1, Ordering::SeqCst);
            self.inner.insert_leased(delivery, lease)
        }
        fn claim<'a>(
            &'a self,
            now: SystemTime,
            lease: &'a Lease,
            limit: usize,
        ) -> StoreFuture<'a, Vec<ClaimedDelivery>> {
            Box::pin(async move {
                self.claims.fetch_add(1, Ordering::SeqCst);
                let claimed = self.inner.claim(now, lease, limit).await?;
                self.claimed.fetch_add(claimed.len(), Ordering::SeqCst);
                Ok(claimed)
            })
        }
        fn complete<'a>(
            &'a self,
            id: &'a DeliveryId,
            token: &'a str,
            attempt: &'a Attempt,
            next: &'a Next,
            hold_until: Option<SystemTime>,
        ) -> StoreFuture<'a, bool> {
            self.inner.complete(id, token, attempt, next, hold_until)
        }
        fn purge<'a>(
            &'a self,
            kind: StateKind,
            accepted_before: SystemTime,
            limit: usize,
        ) -> StoreFuture<'a, u64> {
            self.inner.purge(kind, accepted_before, limit)
        }
        fn defer<'a>(
            &'a self,
            id: &'a DeliveryId,
            token: &'a str,
            until: SystemTime,
        ) -> StoreFuture<'a, bool> {
            self.inner.defer(id, token, until)
        }
        fn release<'a>(&'a self, instance: &'a str) -> StoreFuture<'a, u64> {
            self.inner.release(instance)
        }
        fn get<'a>(&'a self, id: &'a DeliveryId) -> StoreFuture<'a, Option<DeliveryRecord>> {
            self.inner.get(id)
        }
        fn list<'a>(&'a self, filter: &'a DeliveryFilter) -> StoreFuture<'a, Vec<DeliveryRecord>> {
            self.inner.list(filter)
        }
        fn replay<'a>(&'a self, id: &'a DeliveryId, now: SystemTime) -> StoreFuture<'a, bool> {
            self.inner.replay(id, now)
        }
        fn unfinished(&self) -> StoreFuture<'_, u64> {
            self.inner.unfinished()
        }
        fn kept(&self) -> StoreFuture<'_, hookspec::delivery::store::Kept> {
            self.inner.kept()
        }
        fn resume_endpoint<'a>(
            &'a self,
            origin: &'a str,
            now: SystemTime,
            limit: u64,
        ) -> StoreFuture<'a, u64> {
            self.inner.resume_endpoint(origin, now, limit)
        }
        fn is_durable(&self) -> bool {
            self.inner.is_durable()
        }
        fn abandon_unfinished(&self) -> StoreFuture<'_, u64> {
            self.inner.abandon_unfinished()
        }
        fn wake_ups(
            &self,
            wake: Wake,
        ) -> Option<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>> {
            self.inner.wake_ups(wake)
        }
    }
}

/// Callbacks on a [`CountingStore`] with `concurrency` send slots, and its counters.
/// An in-memory store that counts the deliveries claimed from it and those
/// written leased, with the two counters.
/// The store and its counters: deliveries claimed, deliveries written leased,
/// claim calls.
pub(crate) type Counted<T> = (
    T,
    Arc<std::sync::atomic::AtomicUsize>,
    Arc<std::sync::atomic::AtomicUsize>,
    Arc<std::sync::atomic::AtomicUsize>,
);

pub(crate) fn counting_store() -> Counted<CountingStore> {
    let claimed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let leased = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let claims = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let store = CountingStore {
        inner: hookspec::delivery::store::MemoryStore::new(10_000, 10_000),
        claimed: Arc::clone(&claimed),
        leased: Arc::clone(&leased),
        claims: Arc::clone(&claims),
    };
    (store, claimed, leased, claims)
}

/// Callbacks on a counting store with `concurrency` send slots, ready to build.
pub(crate) fn counted_builder(concurrency: usize) -> Counted<hookspec::delivery::CallbacksBuilder> {
    let (store, claimed, leased, claims) = counting_store();
    let builder = Callbacks::builder()
        .unsigned()
        .store(store)
        .concurrency(concurrency)
        // One receiver: no delivery is put back for fairness (and claimed again).
        .max_in_flight_per_endpoint(concurrency)
        .address_policy(AddressPolicy::public_only().allow_loopback())
        .retry(fast_retries())
        .attempt_timeout(Duration::from_secs(10));
    (builder, claimed, leased, claims)
}

pub(crate) fn counted_callbacks(concurrency: usize) -> Counted<Callbacks> {
    let (builder, claimed, leased, claims) = counted_builder(concurrency);
    let callbacks = builder.build().expect("callbacks start");
    (callbacks, claimed, leased, claims)
}

/// Enqueues the tutorial's callback for invoice `id`, as `POST /invoices/?callback_url=<base>` would.
pub(crate) async fn enqueue(callbacks: &Callbacks, base: &str, id: &str) -> DeliveryId {
    callbacks
        .callback_for::<invoice_notification>(trigger(base, id))
        .enqueue(&event())
        .await
        .expect("accepted")
}
