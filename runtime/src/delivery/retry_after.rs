//! `Retry-After` as a receiver sends it: delay-seconds or an HTTP date. It
//! names no other item of the crate, so the fuzz target `header_parsers`
//! (`fuzz/`) compiles this very file.

use std::time::{Duration, SystemTime};

/// The wait `text` asks for, measured from `now`: seconds, or an HTTP date (a
/// past one: no wait); anything else (negative, fractional, garbage) is
/// `None`.
pub(crate) fn parse(text: &str, now: SystemTime) -> Option<Duration> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(text).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}
