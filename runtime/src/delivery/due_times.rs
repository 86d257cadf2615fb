//! When deliveries this process put back come due (retries, deferrals): the
//! dispatcher sleeps until the earliest of them, or its poll interval, with
//! one timer however many deliveries wait. Times within a millisecond of one
//! another are kept once; past a bound, further times are not kept, and the
//! poll interval finds their deliveries instead.

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How many distinct due times are kept.
const KEPT: usize = 100_000;

/// The due times, as milliseconds since the Unix epoch.
#[derive(Debug, Default)]
pub(crate) struct DueTimes {
    times: Mutex<BTreeSet<u64>>,
}

/// What the dispatcher should do about its due times now.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Due {
    /// A time has passed: claim.
    Now,
    /// The earliest comes in this long.
    In(Duration),
    /// None is kept.
    Never,
}

fn millis(at: SystemTime) -> u64 {
    // Rounded up: a wake-up a little late finds the delivery due; a little
    // early would find nothing and sleep a whole poll interval.
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let whole = u64::try_from(since.as_millis()).unwrap_or(u64::MAX);
    whole.saturating_add(u64::from(!since.subsec_nanos().is_multiple_of(1_000_000)))
}

impl DueTimes {
    fn times(&self) -> std::sync::MutexGuard<'_, BTreeSet<u64>> {
        self.times.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps `at`; whether it is now the earliest (the dispatcher's sleep
    /// should be shortened).
    pub(crate) fn add(&self, at: SystemTime) -> bool {
        let at = millis(at);
        let mut times = self.times();
        if times.len() >= KEPT && times.last().is_some_and(|&last| at >= last) {
            return false;
        }
        let earliest = times.first().is_none_or(|&first| at < first);
        times.insert(at);
        if times.len() > KEPT {
            times.pop_last();
        }
        earliest
    }

    /// Forgets the times that have passed by `now`, and says what is next.
    pub(crate) fn next(&self, now: SystemTime) -> Due {
        let now = now.duration_since(UNIX_EPOCH).unwrap_or_default();
        let now_millis = u64::try_from(now.as_millis()).unwrap_or(u64::MAX);
        let mut times = self.times();
        let mut passed = false;
        while times.first().is_some_and(|&first| first <= now_millis) {
            times.pop_first();
            passed = true;
        }
        if passed {
            return Due::Now;
        }
        match times.first() {
            Some(&first) => Due::In(Duration::from_millis(first).saturating_sub(now)),
            None => Due::Never,
        }
    }

    /// How many times are kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.times().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(millis: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(millis)
    }

    #[test]
    fn the_earliest_time_is_what_the_dispatcher_waits_for() {
        let due = DueTimes::default();
        assert_eq!(due.next(at(1_000)), Due::Never);
        assert!(due.add(at(5_000)), "the first time is the earliest");
        assert!(!due.add(at(9_000)));
        assert!(due.add(at(2_000)));
        assert!(!due.add(at(2_000)), "kept once");
        assert_eq!(due.len(), 3);
        assert_eq!(due.next(at(1_500)), Due::In(Duration::from_millis(500)));
        assert_eq!(due.next(at(5_000)), Due::Now, "two have passed");
        assert_eq!(due.next(at(5_000)), Due::In(Duration::from_millis(4_000)));
        assert_eq!(due.next(at(9_001)), Due::Now);
        assert_eq!(due.next(at(9_001)), Due::Never);
    }

    #[test]
    fn a_time_between_milliseconds_is_not_woken_for_early() {
        let due = DueTimes::default();
        due.add(UNIX_EPOCH + Duration::from_micros(1_000_500));
        assert_eq!(due.next(at(1_000)), Due::In(Duration::from_millis(1)));
        assert_eq!(due.next(at(1_001)), Due::Now);
    }

    #[test]
    fn past_the_bound_only_earlier_times_are_kept() {
        let due = DueTimes::default();
        for n in 0..KEPT as u64 + 10 {
            due.add(at(10_000 + n));
        }
        assert_eq!(due.len(), KEPT);
        // An earlier one still gets in; the latest is let go.
        assert!(due.add(at(5)));
        assert_eq!(due.len(), KEPT);
        assert_eq!(due.next(at(6)), Due::Now);
    }
}
