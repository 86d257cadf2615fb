//! Deliveries survive the process: the app under test is killed with SIGKILL
//! while callbacks are in flight, restarted on the same SQLite file, and every
//! callback it accepted reaches the receiver. (The PostgreSQL versions, with two
//! instances and a database outage, are in `durable_postgres.rs`.)

mod outbox;

use outbox::{every_accepted_callback_survives_a_kill, sqlite_file, temp_dir};

#[actix_web::test]
async fn sqlite_every_accepted_callback_survives_a_kill() {
    let dir = temp_dir("sqlite-kill");
    every_accepted_callback_survives_a_kill(&sqlite_file(&dir)).await;
    let _ = std::fs::remove_dir_all(dir);
}
