//! What receivers and senders write in headers: `Retry-After` (read by the
//! dispatcher) and `webhook-timestamp` (read by `Verifier`), at clocks from the
//! epoch's ends to now. The runtime's own files, compiled here as they are.
#![no_main]

#[allow(dead_code)]
#[path = "../../runtime/src/delivery/retry_after.rs"]
mod retry_after;
#[allow(dead_code)]
#[path = "../../runtime/src/signing/timestamp.rs"]
mod timestamp;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let now = SystemTime::now();
    for clock in [
        UNIX_EPOCH,
        now,
        UNIX_EPOCH + Duration::from_secs(253_402_300_799),
    ] {
        let _ = retry_after::parse(text, clock);
    }
    for now in [i64::MIN, -1, 0, 1_700_000_000, i64::MAX] {
        if let Some((timestamp, age)) = timestamp::parse_with_age(text, now) {
            assert_eq!(age, now.saturating_sub(timestamp));
        }
    }
});
