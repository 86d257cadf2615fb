//! When to retry and when to give up: the retry schedule, and the decision after
//! each attempt. Pure functions of their inputs (the clock is an argument), so
//! whole outages are tested without sleeping, and no value a receiver sends can
//! make them overflow or panic.

use std::time::{Duration, SystemTime};

use super::store::{ClaimedDelivery, Next};

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

/// When to retry a delivery and when to give up.
///
/// The default follows the Standard Webhooks recommendation (and Svix): after
/// the first attempt, retries after **5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h**
/// (8 attempts over about 27 h 35 min), each wait varied by up to ±20 % so that
/// receivers coming back up are not hit in step; no attempt later than 36 h
/// after the round began; a receiver's `Retry-After` can lengthen a wait, up
/// to 10 h, never shorten it.
///
/// ```
/// use std::time::Duration;
/// use hookspec::delivery::policy::RetryPolicy;
///
/// let quick = RetryPolicy::with_schedule([1, 10, 60].map(Duration::from_secs))
///     .jitter_percent(10)
///     .budget(Duration::from_secs(120));
/// assert_eq!(quick.max_attempts(), 4);
/// assert_eq!(RetryPolicy::default().max_attempts(), 8);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    schedule: Vec<Duration>,
    jitter_percent: u8,
    max_retry_after: Duration,
    budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            schedule: vec![
                Duration::from_secs(5),
                5 * MINUTE,
                30 * MINUTE,
                2 * HOUR,
                5 * HOUR,
                10 * HOUR,
                10 * HOUR,
            ],
            jitter_percent: 20,
            max_retry_after: 10 * HOUR,
            budget: 36 * HOUR,
        }
    }
}

impl RetryPolicy {
    /// Retries after each of `waits` in turn (so `waits.len() + 1` attempts),
    /// varied by ±20 %; the budget is the waits' sum with room for the jitter,
    /// and `Retry-After` is honoured up to the longest wait.
    pub fn with_schedule(waits: impl IntoIterator<Item = Duration>) -> Self {
        let schedule: Vec<Duration> = waits.into_iter().collect();
        let total = schedule
            .iter()
            .fold(Duration::ZERO, |sum, wait| sum.saturating_add(*wait));
        let longest = schedule.iter().max().copied().unwrap_or_default();
        RetryPolicy {
            schedule,
            jitter_percent: 20,
            max_retry_after: longest,
            budget: total.saturating_add(total / 2),
        }
    }

    /// `attempts` attempts at most, waiting `first`, then twice as long each
    /// time, never longer than `longest`.
    pub fn exponential(first: Duration, longest: Duration, attempts: u32) -> Self {
        let waits = (0..attempts.saturating_sub(1))
            .map(|retry| first.saturating_mul(1u32 << retry.min(31)).min(longest));
        Self::with_schedule(waits)
    }

    /// How much each wait varies, in percent either way (at most 100).
    pub fn jitter_percent(mut self, percent: u8) -> Self {
        self.jitter_percent = percent.min(100);
        self
    }

    /// No attempt starts later than this after the round began (acceptance, or
    /// the last replay); a wait that would pass it is cut to it, so the last
    /// attempt is made when the budget ends.
    pub fn budget(mut self, budget: Duration) -> Self {
        self.budget = budget;
        self
    }

    /// The longest wait a receiver's `Retry-After` can ask for.
    pub fn max_retry_after(mut self, longest: Duration) -> Self {
        self.max_retry_after = longest;
        self
    }

    /// Attempts at most, the first included.
    pub fn max_attempts(&self) -> u32 {
        u32::try_from(self.schedule.len())
            .unwrap_or(u32::MAX - 1)
            .saturating_add(1)
    }

    /// The waits after each failed attempt, before jitter.
    pub fn waits(&self) -> &[Duration] {
        &self.schedule
    }

    /// The round's time budget.
    pub fn time_budget(&self) -> Duration {
        self.budget
    }

    /// The wait after failed attempt `attempt` (1-based), jittered by `random`
    /// (in `0..1`; 0.5 is the nominal wait); `None` past the schedule.
    fn wait_after(&self, attempt: u32, random: f64) -> Option<Duration> {
        let nominal = *self
            .schedule
            .get(usize::try_from(attempt).ok()?.checked_sub(1)?)?;
        let spread = f64::from(self.jitter_percent) / 100.0;
        let factor = 1.0 + spread * (2.0 * random.clamp(0.0, 1.0) - 1.0);
        // Saturating: no schedule, however long, overflows by rounding.
        Some(Duration::try_from_secs_f64(nominal.as_secs_f64() * factor).unwrap_or(nominal))
    }
}

/// How an attempt ended, as far as retrying goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Delivered.
    Delivered,
    /// Worth another attempt, after `retry_after` if the receiver said so.
    Transient {
        error: String,
        retry_after: Option<Duration>,
    },
    /// Another attempt would fail the same way.
    Permanent(String),
}

/// What comes after attempt number `claimed.attempts_made + 1`, which ended in
/// `verdict` at `now`; `random` (in `0..1`) jitters the wait. The policy counts
/// the attempts and the time since the current round began (acceptance, or the
/// last replay).
///
/// `Retry-After` comes from the receiver, so it is untrusted: it can lengthen
/// the scheduled wait (up to the policy's `max_retry_after`), never shorten it,
/// never move the next attempt past the budget's end, and no value of it can
/// overflow the time arithmetic.
pub(crate) fn decide(
    policy: &RetryPolicy,
    claimed: &ClaimedDelivery,
    verdict: Verdict,
    now: SystemTime,
    random: f64,
) -> Next {
    let (error, retry_after) = match verdict {
        Verdict::Delivered => return Next::Succeeded,
        Verdict::Permanent(error) => return Next::Failed(error),
        Verdict::Transient { error, retry_after } => (error, retry_after),
    };
    let in_round = claimed.attempts_in_round().saturating_add(1);
    let Some(scheduled) = policy.wait_after(in_round, random) else {
        return Next::Failed(format!("{in_round} attempts made; the last: {error}"));
    };
    let elapsed = now
        .duration_since(claimed.round_started_at)
        .unwrap_or_default();
    let left = policy.budget.saturating_sub(elapsed);
    // A receiver may ask for a longer wait, never a shorter one: a past date or
    // `0` must not burn the schedule in a burst of requests.
    let wait = retry_after
        .map_or(scheduled, |asked| {
            asked.min(policy.max_retry_after).max(scheduled)
        })
        .min(left);
    match now.checked_add(wait) {
        Some(at) if !left.is_zero() => Next::RetryAt(at),
        _ => Next::Failed(format!(
            "the {} retry budget is spent; the last: {error}",
            humanize(policy.budget)
        )),
    }
}

/// `36h`, `5m`, `5s`, `700ms`: for messages.
fn humanize(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if duration.subsec_nanos() != 0 || seconds == 0 {
        format!("{}ms", duration.as_millis())
    } else if seconds.is_multiple_of(3600) {
        format!("{}h", seconds / 3600)
    } else if seconds.is_multiple_of(60) {
        format!("{}m", seconds / 60)
    } else {
        format!("{seconds}s")
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::delivery::record::DeliveryId;
    use crate::delivery::store::NewDelivery;

    /// A delivery claimed after `attempts_made` attempts in a round begun at
    /// `round_started_at` (shared with `attempt.rs`'s tests).
    pub(crate) fn claimed(attempts_made: u32, round_started_at: SystemTime) -> ClaimedDelivery {
        ClaimedDelivery {
            delivery: NewDelivery {
                id: DeliveryId::from("d1"),
                callback: "cb".into(),
                method: "POST".into(),
                url: "https://example.com/".into(),
                content_type: None,
                body: Vec::new(),
                created_at: round_started_at,
                owner: None,
                endpoint: None,
            },
            attempts_made,
            round_started_at,
            round_first_attempt: 0,
        }
    }

    fn transient(retry_after: Option<Duration>) -> Verdict {
        Verdict::Transient {
            error: "the receiver answered 503".into(),
            retry_after,
        }
    }

    fn start() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
    }

    /// Walks a delivery through `policy` against a receiver that fails until
    /// `down_for` has passed: the times of its attempts (from the round's start)
    /// and how it ended. The clock is the simulation's; nothing sleeps.
    fn simulate(policy: &RetryPolicy, down_for: Duration, random: f64) -> (Vec<Duration>, Next) {
        let mut now = start();
        let mut attempts = Vec::new();
        loop {
            attempts.push(now.duration_since(start()).unwrap());
            let verdict = if now.duration_since(start()).unwrap() >= down_for {
                Verdict::Delivered
            } else {
                transient(None)
            };
            let made = u32::try_from(attempts.len() - 1).unwrap();
            match decide(policy, &claimed(made, start()), verdict, now, random) {
                Next::RetryAt(at) => {
                    assert!(at >= now, "a retry in the past");
                    now = at;
                }
                done => return (attempts, done),
            }
        }
    }

    #[test]
    fn the_default_schedule_spans_a_day_exactly_as_documented() {
        let policy = RetryPolicy::default();
        // The nominal schedule (jitter at its midpoint).
        let (attempts, end) = simulate(&policy, Duration::MAX, 0.5);
        let minutes: Vec<u64> = attempts.iter().map(|at| at.as_secs() / 60).collect();
        // 0, 5 s, 5 min 5 s, 35 min 5 s, 2 h 35 min, 7 h 35 min, 17 h 35 min, 27 h 35 min.
        assert_eq!(minutes, [0, 0, 5, 35, 155, 455, 1055, 1655]);
        assert_eq!(attempts[1], Duration::from_secs(5));
        let Next::Failed(reason) = end else {
            panic!("{end:?}")
        };
        assert_eq!(
            reason,
            "8 attempts made; the last: the receiver answered 503"
        );
        // The jitter's extremes stay within ±20 % of each wait, and within the budget.
        for random in [0.0, 1.0] {
            let (attempts, _) = simulate(&policy, Duration::MAX, random);
            assert_eq!(attempts.len(), 8);
            let last = *attempts.last().unwrap();
            let nominal = Duration::from_secs(1655 * 60 + 5);
            assert!(
                last >= nominal.mul_f64(0.8) && last <= nominal.mul_f64(1.2),
                "{last:?}"
            );
            assert!(last <= policy.time_budget());
        }
    }

    #[test]
    fn a_receiver_down_for_an_hour_gets_the_callback_on_the_fifth_attempt() {
        let (attempts, end) = simulate(&RetryPolicy::default(), HOUR, 0.5);
        assert_eq!(end, Next::Succeeded);
        assert_eq!(attempts.len(), 5);
        assert_eq!(attempts[4].as_secs(), 2 * 3600 + 35 * 60 + 5);
        // Down for 30 hours: a dead letter after the eighth, not before.
        let (attempts, end) = simulate(&RetryPolicy::default(), 30 * HOUR, 0.5);
        assert!(matches!(end, Next::Failed(_)));
        assert_eq!(attempts.len(), 8);
    }

    #[test]
    fn exponential_schedules_double_and_cap() {
        let policy =
            RetryPolicy::exponential(Duration::from_millis(100), Duration::from_secs(1), 6);
        assert_eq!(
            policy.waits(),
            [100, 200, 400, 800, 1000].map(Duration::from_millis)
        );
        assert_eq!(policy.max_attempts(), 6);
        assert_eq!(
            RetryPolicy::exponential(Duration::MAX, Duration::MAX, 40).max_attempts(),
            40
        );
    }

    /// Every `Retry-After` a receiver can send, the largest included, gives a
    /// decision within the policy instead of an overflow panic in the
    /// dispatcher (which would leave the delivery to be claimed and panic again
    /// after every lease).
    #[test]
    fn a_receivers_retry_after_is_capped_and_never_overflows() {
        let policy = RetryPolicy::default();
        let now = start() + Duration::from_secs(10);
        for asked in [Duration::MAX, Duration::from_secs(u64::MAX), 100 * HOUR] {
            let next = decide(
                &policy,
                &claimed(1, start()),
                transient(Some(asked)),
                now,
                0.5,
            );
            assert_eq!(next, Next::RetryAt(now + 10 * HOUR), "{asked:?}");
        }
        // A longer wait than the schedule's is honoured as asked; a shorter one
        // (a past date, `0`) does not shorten the schedule (5 s after the first
        // attempt).
        let next = decide(
            &policy,
            &claimed(0, start()),
            transient(Some(Duration::from_secs(7))),
            now,
            0.5,
        );
        assert_eq!(next, Next::RetryAt(now + Duration::from_secs(7)));
        for asked in [Duration::ZERO, Duration::from_secs(1)] {
            let next = decide(
                &policy,
                &claimed(0, start()),
                transient(Some(asked)),
                now,
                0.5,
            );
            assert_eq!(
                next,
                Next::RetryAt(now + Duration::from_secs(5)),
                "{asked:?}"
            );
        }
        // Near the budget's end, cut to it.
        let late = start() + policy.time_budget() - Duration::from_secs(60);
        let next = decide(
            &policy,
            &claimed(1, start()),
            transient(Some(HOUR)),
            late,
            0.5,
        );
        assert_eq!(next, Next::RetryAt(start() + policy.time_budget()));
    }

    #[test]
    fn a_spent_budget_fails_the_delivery() {
        let policy = RetryPolicy::default();
        let late = start() + policy.time_budget();
        let next = decide(&policy, &claimed(1, start()), transient(None), late, 0.5);
        let Next::Failed(reason) = next else {
            panic!("{next:?}")
        };
        assert!(
            reason.starts_with("the 36h retry budget is spent"),
            "{reason}"
        );
        // Clocks that went backwards, or a round that starts in the future.
        let next = decide(
            &policy,
            &claimed(1, late),
            transient(Some(Duration::MAX)),
            start(),
            0.5,
        );
        assert_eq!(next, Next::RetryAt(start() + 10 * HOUR));
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(humanize(36 * HOUR), "36h");
        assert_eq!(humanize(5 * MINUTE), "5m");
        assert_eq!(humanize(Duration::from_secs(20)), "20s");
        assert_eq!(humanize(Duration::from_millis(700)), "700ms");
    }
}
