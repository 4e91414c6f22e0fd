//! Request limits kept in memory: calls per minute for each earnings-API
//! key, and for each address calling the PayPal webhook. GCRA (the
//! `governor` crate): a burst up to the limit, then one call per
//! 1/limit of a minute; a refused call learns how long to wait, which the
//! answer's `Retry-After` says. Each instance counts its own calls, so
//! behind a load balancer of n instances a client gets at most n times the
//! limit: a flood guard, not an accounting.

use governor::{clock::Clock as _, clock::DefaultClock, DefaultKeyedRateLimiter, Quota};
use std::num::NonZeroU32;
use std::time::Duration;

/// The keyed limiters grow by one small entry per key or address seen;
/// past this many, entries that are back to a full allowance are dropped.
const FORGET_AFTER: usize = 10_000;

pub struct Limits {
    api: Option<DefaultKeyedRateLimiter<i64>>,
    webhook: Option<DefaultKeyedRateLimiter<String>>,
}

fn per_minute<K: std::hash::Hash + Eq + Clone>(limit: u32) -> Option<DefaultKeyedRateLimiter<K>> {
    NonZeroU32::new(limit).map(|limit| governor::RateLimiter::keyed(Quota::per_minute(limit)))
}

fn check<K: std::hash::Hash + Eq + Clone>(
    limiter: &Option<DefaultKeyedRateLimiter<K>>,
    key: K,
) -> Result<(), Duration> {
    let Some(limiter) = limiter else {
        return Ok(());
    };
    if limiter.len() > FORGET_AFTER {
        limiter.retain_recent();
    }
    limiter
        .check_key(&key)
        .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
}

impl Limits {
    pub fn new(api_per_minute: u32, webhook_per_minute: u32) -> Self {
        Self {
            api: per_minute(api_per_minute),
            webhook: per_minute(webhook_per_minute),
        }
    }

    /// One call of the earnings API with this key, or how long to wait.
    pub fn api_call(&self, key_id: i64) -> Result<(), Duration> {
        check(&self.api, key_id)
    }

    /// One webhook call from this address (None: unknown, counted together),
    /// or how long to wait.
    pub fn webhook_call(&self, address: Option<&str>) -> Result<(), Duration> {
        check(&self.webhook, address.unwrap_or("unknown").to_owned())
    }
}

/// Whole seconds for `Retry-After`, never 0 (a client would retry at once).
pub fn retry_after_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0).max(u64::from(wait.as_secs() == 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_limit_then_waits_and_others_are_not_affected() {
        let limits = Limits::new(3, 0);
        for _ in 0..3 {
            assert_eq!(limits.api_call(1), Ok(()));
        }
        let wait = limits.api_call(1).unwrap_err();
        // One call comes back every 20 seconds at 3 a minute.
        assert!(
            wait <= Duration::from_secs(20) && wait > Duration::from_secs(15),
            "{wait:?}"
        );
        assert_eq!(limits.api_call(2), Ok(()));
        // 0 turns a limit off.
        for _ in 0..1_000 {
            assert_eq!(limits.webhook_call(Some("203.0.113.9")), Ok(()));
        }
    }

    #[test]
    fn retry_after_rounds_up_to_a_whole_second() {
        assert_eq!(retry_after_seconds(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(19_200)), 20);
        assert_eq!(retry_after_seconds(Duration::from_secs(20)), 20);
        assert_eq!(retry_after_seconds(Duration::ZERO), 1);
    }
}
