//! Every delivery store behaves the same (`outbox/conformance.rs`): in memory
//! and SQLite here, PostgreSQL in `durable_postgres.rs`.

mod outbox;

use hookspec::delivery::store::{MemoryStore, SqliteStore};

#[actix_web::test]
async fn the_memory_store_conforms() {
    outbox::conformance::check(&MemoryStore::new(100, 100)).await;
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
        hookspec::delivery::DeliveryStore::unfinished(&store)
            .await
            .unwrap(),
        2
    );
    drop(store);
    let _ = std::fs::remove_dir_all(dir);
}
