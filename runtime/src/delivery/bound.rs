//! The bound on what a durable store keeps: unfinished deliveries and dead
//! letters, by every instance. Accepting a delivery reserves a place before it
//! is written; the place is kept if the write succeeds and given back if it
//! fails. The store is counted now and then; what this instance wrote while a
//! count ran is counted twice until the next count, never not at all, so the
//! bound errs only on the side of refusing.

use std::sync::{Arc, Mutex, PoisonError};

/// The bound and what is known of the store against it.
#[derive(Debug)]
pub(crate) struct StoreBound {
    max: u64,
    state: Mutex<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    /// What the store held at the last count.
    counted: u64,
    /// Writes this instance made, in all.
    written: u64,
    /// `written` when the last count began.
    written_at_count: u64,
    /// Places reserved for writes under way.
    reserved: u64,
}

impl Counts {
    fn estimate(&self) -> u64 {
        self.counted
            .saturating_add(self.written - self.written_at_count)
            .saturating_add(self.reserved)
    }
}

/// A place for one delivery, reserved until [`confirm`](Self::confirm)ed (the
/// delivery was written) or dropped (it was not).
#[derive(Debug)]
pub(crate) struct Reservation {
    bound: Arc<StoreBound>,
    confirmed: bool,
}

impl Reservation {
    /// The delivery was written: its place is the store's now.
    pub(crate) fn confirm(mut self) {
        let mut counts = self.bound.counts();
        counts.reserved -= 1;
        counts.written += 1;
        self.confirmed = true;
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if !self.confirmed {
            self.bound.counts().reserved -= 1;
        }
    }
}

/// A count of the store under way: what was written when it began.
pub(crate) struct CountStarted(u64);

impl StoreBound {
    pub(crate) fn new(max: u64) -> Arc<Self> {
        Arc::new(StoreBound {
            max,
            state: Mutex::default(),
        })
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reserves a place for one more delivery, or `None` at the bound.
    pub(crate) fn reserve(self: &Arc<Self>) -> Option<Reservation> {
        let mut counts = self.counts();
        if counts.estimate() >= self.max {
            return None;
        }
        counts.reserved += 1;
        Some(Reservation {
            bound: Arc::clone(self),
            confirmed: false,
        })
    }

    /// Call before asking the store for its count.
    pub(crate) fn count_started(&self) -> CountStarted {
        CountStarted(self.counts().written)
    }

    /// The store's count, asked for after `started`: writes since `started`
    /// may or may not be in it, and are counted on top until the next count.
    pub(crate) fn counted(&self, started: CountStarted, count: u64) {
        let mut counts = self.counts();
        counts.counted = count;
        counts.written_at_count = started.0;
    }

    /// The bound.
    pub(crate) fn max(&self) -> u64 {
        self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn failed_writes_give_their_place_back() {
        let bound = StoreBound::new(2);
        for _ in 0..10 {
            let place = bound.reserve().expect("a place");
            drop(place); // the write failed
        }
        bound.reserve().unwrap().confirm();
        bound.reserve().unwrap().confirm();
        assert!(bound.reserve().is_none());
    }

    #[test]
    fn a_count_never_forgets_writes_made_while_it_ran() {
        let bound = StoreBound::new(10);
        // The store held 4; a count begins and reads 4, while this instance
        // writes 6 more, some before the store answered, some after.
        let started = bound.count_started();
        for _ in 0..6 {
            bound.reserve().unwrap().confirm();
        }
        bound.counted(started, 4);
        assert!(bound.reserve().is_none(), "4 + 6 is the bound");
        // The next count sees all ten.
        let started = bound.count_started();
        bound.counted(started, 10);
        assert!(bound.reserve().is_none());
        // Deliveries finish: places come free.
        let started = bound.count_started();
        bound.counted(started, 7);
        for _ in 0..3 {
            bound.reserve().unwrap().confirm();
        }
        assert!(bound.reserve().is_none());
    }

    /// Eight threads race to write 1,000 deliveries each against a bound of
    /// 500, a third of the writes failing, while a counter thread counts the
    /// store again and again, its answers stale by the time they land: the
    /// store never holds more than the bound, and failed writes leave no trace.
    #[test]
    fn concurrent_writes_and_counts_never_pass_the_bound() {
        let bound = StoreBound::new(500);
        let stored = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let counter = {
            let (bound, stored, stop) =
                (Arc::clone(&bound), Arc::clone(&stored), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut counts = 0u32;
                while !stop.load(Ordering::SeqCst) && counts < 100_000 {
                    let started = bound.count_started();
                    let count = stored.load(Ordering::SeqCst);
                    std::thread::yield_now();
                    bound.counted(started, count);
                    counts += 1;
                }
            })
        };
        let writers: Vec<_> = (0..8)
            .map(|thread| {
                let (bound, stored) = (Arc::clone(&bound), Arc::clone(&stored));
                std::thread::spawn(move || {
                    for n in 0..1000u32 {
                        let Some(place) = bound.reserve() else {
                            continue;
                        };
                        if (n + thread) % 3 == 0 {
                            drop(place);
                            continue;
                        }
                        let now = stored.fetch_add(1, Ordering::SeqCst) + 1;
                        assert!(now <= 500, "the store holds {now}");
                        place.confirm();
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        stop.store(true, Ordering::SeqCst);
        counter.join().unwrap();
        assert_eq!(
            bound.counts().reserved,
            0,
            "every place was confirmed or given back"
        );
        // Once counted again, the bound is exact: what is left of it is taken,
        // and no more.
        let held = stored.load(Ordering::SeqCst);
        let started = bound.count_started();
        bound.counted(started, held);
        for _ in held..500 {
            bound.reserve().expect("a place below the bound").confirm();
        }
        assert!(bound.reserve().is_none());
    }
}
