//! Every delivery store behaves the same (`outbox/conformance.rs`): in memory
//! and SQLite here, PostgreSQL in `durable_postgres.rs`.

mod outbox;

use hookspec::delivery::store::{MemoryStore, SqliteStore};

#[actix_web::test]
async fn the_memory_store_conforms() {
    outbox::conformance::check(&MemoryStore::new(100, 100)).await;
    outbox::conformance::check_resume(&MemoryStore::new(100, 100)).await;
    outbox::conformance::check_secrets(&MemoryStore::new(100, 100)).await;
    outbox::conformance::check_endpoints(&MemoryStore::new(100, 100)).await;
    outbox::conformance::check_endpoint_health(&MemoryStore::new(100, 100)).await;
    outbox::conformance::check_log(&MemoryStore::new(100, 100)).await;
    outbox::conformance::check_recovery(&MemoryStore::new(100, 100)).await;
}

#[actix_web::test]
async fn the_sqlite_store_conforms() {
    let dir = outbox::temp_dir("sqlite-conformance");
    let store = SqliteStore::open(dir.join("deliveries.sqlite3")).unwrap();
    outbox::conformance::check(&store).await;
    drop(store);
    // Opening again finds the tables at the current version, records intact.
    let store = SqliteStore::open(dir.join("deliveries.sqlite3")).unwrap();
    assert_eq!(
        hookspec::delivery::store::DeliveryStore::unfinished(&store)
            .await
            .unwrap(),
        3
    );
    drop(store);
    let _ = std::fs::remove_dir_all(dir);
    let dir = outbox::temp_dir("sqlite-resume");
    let store = SqliteStore::open(dir.join("deliveries.sqlite3")).unwrap();
    outbox::conformance::check_resume(&store).await;
    outbox::conformance::check_secrets(&store).await;
    drop(store);
    let _ = std::fs::remove_dir_all(dir);
    let dir = outbox::temp_dir("sqlite-endpoints");
    let store = SqliteStore::open(dir.join("deliveries.sqlite3")).unwrap();
    outbox::conformance::check_endpoints(&store).await;
    outbox::conformance::check_endpoint_health(&store).await;
    drop(store);
    let _ = std::fs::remove_dir_all(dir);
    let dir = outbox::temp_dir("sqlite-log");
    let store = SqliteStore::open(dir.join("deliveries.sqlite3")).unwrap();
    outbox::conformance::check_log(&store).await;
    outbox::conformance::check_recovery(&store).await;
    drop(store);
    let _ = std::fs::remove_dir_all(dir);
}

#[actix_web::test]
async fn a_failing_call_does_not_undo_the_others_committed_with_it() {
    use hookspec::delivery::records::{DeliveryFilter, DeliveryId};
    use hookspec::delivery::store::DeliveryStore;
    use hookspec::delivery::store::NewDelivery;
    let dir = outbox::temp_dir("sqlite-group");
    let store = SqliteStore::open(dir.join("deliveries.sqlite3")).unwrap();
    let delivery = |n: usize| NewDelivery {
        // Every tenth repeats the id before it: its insert must fail alone.
        id: DeliveryId::from(format!("msg_{}", if n % 10 == 9 { n - 1 } else { n }).as_str()),
        callback: "cb".into(),
        method: "POST".into(),
        url: "http://127.0.0.1:9/".into(),
        content_type: None,
        body: Vec::new(),
        created_at: std::time::SystemTime::UNIX_EPOCH,
        owner: None,
        endpoint: None,
    };
    let deliveries: Vec<NewDelivery> = (0..100).map(delivery).collect();
    // Queued all at once, so the writer commits them in groups.
    let calls: Vec<_> = deliveries.iter().map(|d| store.insert(d)).collect();
    let mut failed = 0;
    for call in calls {
        if call.await.is_err() {
            failed += 1;
        }
    }
    assert_eq!(failed, 10);
    let kept = store.list(&DeliveryFilter::all()).await.unwrap();
    assert_eq!(kept.len(), 90);
    drop(store);
    let _ = std::fs::remove_dir_all(dir);
}
