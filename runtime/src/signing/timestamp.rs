//! `webhook-timestamp` as a sender writes it: Unix seconds. It names no other
//! item of the crate, so the fuzz target `header_parsers` (`fuzz/`) compiles
//! this very file.

/// The timestamp `text` gives and its age at `now` in seconds (negative: in the
/// future), or `None` if it is not a Unix time. The age saturates: a timestamp
/// of `i64::MIN` is very old, not an overflow.
pub(crate) fn parse_with_age(text: &str, now: i64) -> Option<(i64, i64)> {
    let timestamp = text.trim().parse::<i64>().ok()?;
    Some((timestamp, now.saturating_sub(timestamp)))
}
