//! Retry policy: exponential backoff with jitter and a retry budget.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// When and how a [`Client`](crate::Client) retries a failed call.
///
/// Retried: HTTP 429 (waiting `Retry-After` when the server sends it), 500/502/503/504,
/// timeouts and connection errors. Idempotent methods (`GET`, `HEAD`, `OPTIONS`, `PUT`,
/// `DELETE`) are retried by default; `POST` and `PATCH` only on 429 and on failures to
/// connect (the server never saw the request), unless [`retry_non_idempotent`] is set.
///
/// A retry budget shared by all clones of a client caps retries across calls: each retry
/// spends one token, each call that succeeds on its first attempt earns back
/// [`budget_refill_per_success`] tokens, up to [`budget`]. When the budget is empty, calls
/// fail at once instead of hammering a dead server.
///
/// [`retry_non_idempotent`]: RetryPolicy::retry_non_idempotent
/// [`budget`]: RetryPolicy::budget
/// [`budget_refill_per_success`]: RetryPolicy::budget_refill_per_success
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retries). Default 3.
    pub max_retries: u32,
    /// Backoff before the first retry; doubled each retry. Default 500 ms.
    pub initial_backoff: Duration,
    /// Upper bound for one backoff. Default 30 s.
    pub max_backoff: Duration,
    /// A `Retry-After` longer than this is not waited for: the call fails with
    /// [`Error::RateLimited`](crate::Error::RateLimited). Default 60 s.
    pub max_retry_after: Duration,
    /// Retry `POST`/`PATCH` on 5xx and timeouts too (they may run twice). Default false.
    pub retry_non_idempotent: bool,
    /// Retry budget capacity (tokens). Default 20.
    pub budget: f64,
    /// Tokens earned back by each call that succeeds at once. Default 0.2 (so sustained
    /// retries stay below ~20 % of traffic).
    pub budget_refill_per_success: f64,
    /// Tokens earned back per second of wall time, so a quiet client recovers. Default 1.
    pub budget_refill_per_second: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
            retry_non_idempotent: false,
            budget: 20.0,
            budget_refill_per_success: 0.2,
            budget_refill_per_second: 1.0,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// The backoff before retry number `retry` (1-based): `initial * 2^(retry-1)`, capped at
    /// `max_backoff`, with "equal jitter" (a uniform random value between half and all of it).
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(20);
        let base = self
            .initial_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        let half = base / 2;
        half + base.saturating_sub(half).mul_f64(fastrand::f64())
    }
}

/// How a failed attempt ended, as far as trying again goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Attempt {
    /// The server answered with a status other than 2xx, maybe with a `Retry-After`.
    Answered {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// The request never reached the server (a connect failure).
    NotSent,
    /// It failed once the server may have seen it (a timeout, a reset mid-request).
    Interrupted,
    /// The client would not send it (an input check): no other attempt does better.
    Refused,
}

/// What the attempt loop does after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RetryAction {
    /// Report the error.
    Fail,
    /// Try again after the policy's backoff for this retry.
    Backoff,
    /// Try again after exactly this long (a 429's `Retry-After`), the owner's rate limiter
    /// paused as long.
    After(Duration),
}

/// Whether and when to try again: a pure function of the policy, whether the call may run
/// twice, and how the attempt ended (the loop spends the budget and counts retries). 429 is
/// retried after its `Retry-After` when that is within [`RetryPolicy::max_retry_after`] (else
/// the call fails, reporting it), after the backoff without one; 500/502/503/504 and
/// interrupted attempts only when the call may run twice; a request that never left, always.
pub(crate) fn classify(policy: &RetryPolicy, idempotent: bool, attempt: Attempt) -> RetryAction {
    let may_repeat = idempotent || policy.retry_non_idempotent;
    match attempt {
        Attempt::Refused => RetryAction::Fail,
        Attempt::NotSent => RetryAction::Backoff,
        Attempt::Interrupted if may_repeat => RetryAction::Backoff,
        Attempt::Interrupted => RetryAction::Fail,
        Attempt::Answered {
            status: 429,
            retry_after: Some(after),
        } if after > policy.max_retry_after => RetryAction::Fail,
        Attempt::Answered {
            status: 429,
            retry_after: Some(after),
        } => RetryAction::After(after),
        Attempt::Answered { status: 429, .. } => RetryAction::Backoff,
        Attempt::Answered {
            status: 500 | 502 | 503 | 504,
            ..
        } if may_repeat => RetryAction::Backoff,
        Attempt::Answered { .. } => RetryAction::Fail,
    }
}

/// Shared retry budget (a token bucket).
///
/// Calls that succeed at once only credit it, and it is full nearly all the time: `full`
/// lets them skip the lock (and the clock) then. Crediting a full bucket changes nothing,
/// so skipping it is exact.
#[derive(Debug)]
pub(crate) struct RetryBudget {
    state: Mutex<BudgetState>,
    /// `tokens >= capacity` as of the last update under the lock.
    full: AtomicBool,
    capacity: f64,
    per_success: f64,
    per_second: f64,
}

#[derive(Debug)]
struct BudgetState {
    tokens: f64,
    last: Instant,
}

impl RetryBudget {
    pub(crate) fn new(policy: &RetryPolicy) -> RetryBudget {
        RetryBudget {
            state: Mutex::new(BudgetState {
                tokens: policy.budget,
                last: Instant::now(),
            }),
            full: AtomicBool::new(policy.budget >= policy.budget.max(0.0)),
            capacity: policy.budget.max(0.0),
            per_success: policy.budget_refill_per_success.max(0.0),
            per_second: policy.budget_refill_per_second.max(0.0),
        }
    }

    fn refill(&self, state: &mut BudgetState) {
        let now = Instant::now();
        let elapsed = now.duration_since(state.last).as_secs_f64();
        state.last = now;
        state.tokens = (state.tokens + elapsed * self.per_second).min(self.capacity);
    }

    /// Takes one token for a retry; false when the budget is empty.
    pub(crate) fn try_spend(&self) -> bool {
        let mut state = match self.state.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        self.refill(&mut state);
        let spent = if state.tokens >= 1.0 {
            state.tokens -= 1.0;
            true
        } else {
            false
        };
        self.full
            .store(state.tokens >= self.capacity, Ordering::Relaxed);
        spent
    }

    /// Credits a first-attempt success.
    pub(crate) fn record_success(&self) {
        if self.full.load(Ordering::Relaxed) {
            return;
        }
        let mut state = match self.state.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        self.refill(&mut state);
        state.tokens = (state.tokens + self.per_success).min(self.capacity);
        self.full
            .store(state.tokens >= self.capacity, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_is_a_table() {
        use Attempt::{Answered, Interrupted, NotSent, Refused};
        use RetryAction::{After, Backoff, Fail};
        let policy = RetryPolicy::default();
        let opted_in = RetryPolicy {
            retry_non_idempotent: true,
            ..RetryPolicy::default()
        };
        let status = |status: u16| Answered {
            status,
            retry_after: None,
        };
        let after = |secs: u64| Answered {
            status: 429,
            retry_after: Some(Duration::from_secs(secs)),
        };
        // (policy, idempotent, attempt, action)
        let table = [
            (&policy, true, status(429), Backoff),
            (&policy, false, status(429), Backoff),
            (&policy, false, after(5), After(Duration::from_secs(5))),
            (&policy, true, after(60), After(Duration::from_secs(60))),
            (&policy, true, after(61), Fail),
            (&policy, true, status(500), Backoff),
            (&policy, true, status(502), Backoff),
            (&policy, true, status(503), Backoff),
            (&policy, true, status(504), Backoff),
            (&policy, false, status(503), Fail),
            (&opted_in, false, status(503), Backoff),
            (&policy, true, status(501), Fail),
            (&policy, true, status(400), Fail),
            (&policy, true, status(401), Fail),
            (&policy, true, status(404), Fail),
            (&policy, true, status(422), Fail),
            (&policy, false, NotSent, Backoff),
            (&policy, true, Interrupted, Backoff),
            (&policy, false, Interrupted, Fail),
            (&opted_in, false, Interrupted, Backoff),
            (&policy, true, Refused, Fail),
        ];
        for (policy, idempotent, attempt, action) in table {
            assert_eq!(
                classify(policy, idempotent, attempt),
                action,
                "{attempt:?}, idempotent {idempotent}, non-idempotent retries {}",
                policy.retry_non_idempotent
            );
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(350),
            ..RetryPolicy::default()
        };
        for _ in 0..50 {
            let b1 = p.backoff(1);
            assert!(b1 >= Duration::from_millis(50) && b1 <= Duration::from_millis(100));
            let b2 = p.backoff(2);
            assert!(b2 >= Duration::from_millis(100) && b2 <= Duration::from_millis(200));
            let b5 = p.backoff(5);
            assert!(b5 >= Duration::from_millis(175) && b5 <= Duration::from_millis(350));
        }
    }

    #[test]
    fn budget_runs_out() {
        let p = RetryPolicy {
            budget: 2.0,
            budget_refill_per_second: 0.0,
            ..RetryPolicy::default()
        };
        let b = RetryBudget::new(&p);
        assert!(b.try_spend());
        assert!(b.try_spend());
        assert!(!b.try_spend());
        for _ in 0..5 {
            b.record_success();
        }
        assert!(b.try_spend());
    }
}
