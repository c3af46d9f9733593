//! When to (re)fetch a remote key set: jose's rules plus "keep the last good
//! keys". Pure state and time; the fetching itself happens at the edge.

use crate::error::{Error, ErrorCode, Result};
use crate::jwks::KeySet;
use std::sync::Arc;

/// Timing rules for a remote key set, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeyCachePolicy {
    /// Minimum time between fetches triggered by an unknown `kid` or a stale set (default 30 s).
    pub cooldown_ms: f64,
    /// Age after which the set is refreshed (default 10 min).
    pub max_age_ms: f64,
}

impl Default for KeyCachePolicy {
    fn default() -> Self {
        KeyCachePolicy {
            cooldown_ms: 30_000.0,
            max_age_ms: 600_000.0,
        }
    }
}

/// The cached key set and its fetch history.
#[derive(Debug, Clone, Default)]
pub struct KeyCache {
    policy: KeyCachePolicy,
    keys: Option<Arc<KeySet>>,
    fetched_at: f64,
    last_attempt: Option<f64>,
    fetches: u64,
}

impl KeyCache {
    /// An empty cache.
    pub fn new(policy: KeyCachePolicy) -> Self {
        KeyCache {
            policy,
            ..KeyCache::default()
        }
    }

    /// Whether a fetch is due before `kid` can be looked up at time `now`:
    /// nothing cached yet; the set is older than `max_age` (and the cooldown
    /// has passed since the last attempt); or `kid` is unknown and the
    /// cooldown has passed.
    pub fn should_fetch(&self, kid: &str, now: f64) -> bool {
        let Some(keys) = &self.keys else { return true };
        let cooled_down = self
            .last_attempt
            .is_none_or(|at| now - at >= self.policy.cooldown_ms);
        let stale = now - self.fetched_at >= self.policy.max_age_ms;
        cooled_down && (stale || !keys.contains(kid))
    }

    /// Records that a fetch starts at `now`.
    pub fn fetch_started(&mut self, now: f64) {
        self.last_attempt = Some(now);
        self.fetches += 1;
    }

    /// Stores a freshly fetched set.
    pub fn store(&mut self, keys: KeySet, now: f64) {
        self.keys = Some(Arc::new(keys));
        self.fetched_at = now;
    }

    /// The current set, if any fetch has succeeded.
    pub fn keys(&self) -> Option<&Arc<KeySet>> {
        self.keys.as_ref()
    }

    /// How many fetches have started.
    pub fn fetch_count(&self) -> u64 {
        self.fetches
    }

    /// Looks up `kid` after any due fetch. `fetch_error` is the error of a
    /// fetch that just failed: without cached keys it is the answer; with
    /// them, the last good keys are used.
    pub fn lookup(
        &self,
        kid: &str,
        fetch_error: Option<&Error>,
    ) -> Result<Arc<crate::ecdsa::VerificationKey>> {
        match (&self.keys, fetch_error) {
            (Some(keys), _) => {
                keys.get(kid)
                    .cloned()
                    .map_err(|err| match (err.code(), fetch_error) {
                        (ErrorCode::KeyNotFound, Some(fetch)) => Error::new(
                            ErrorCode::KeyNotFound,
                            format!(
                                "{} (refreshing the keys failed: {})",
                                err.message(),
                                fetch.message()
                            ),
                        ),
                        _ => err,
                    })
            }
            (None, Some(fetch)) => Err(fetch.clone()),
            (None, None) => Err(Error::new(
                ErrorCode::JwksFetchFailed,
                "no verification keys have been fetched yet",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(kids: &[&str]) -> KeySet {
        let key = crate::ecdsa::EcdsaSigningKey::generate()
            .unwrap()
            .verification_key();
        let mut set = KeySet::default();
        for kid in kids {
            set.insert(kid, key.clone());
        }
        set
    }

    #[test]
    fn fetches_when_empty_then_serves_from_cache() {
        let mut cache = KeyCache::new(KeyCachePolicy::default());
        assert!(cache.should_fetch("a", 0.0));
        cache.fetch_started(0.0);
        cache.store(set(&["a"]), 0.0);
        assert!(!cache.should_fetch("a", 1_000.0));
        assert!(cache.lookup("a", None).is_ok());
    }

    #[test]
    fn refetches_an_unknown_kid_only_after_the_cooldown() {
        let mut cache = KeyCache::new(KeyCachePolicy::default());
        cache.fetch_started(0.0);
        cache.store(set(&["a"]), 0.0);
        assert!(!cache.should_fetch("b", 29_999.0));
        assert!(cache.should_fetch("b", 30_000.0));
        assert_eq!(
            cache.lookup("b", None).unwrap_err().code(),
            ErrorCode::KeyNotFound
        );
    }

    #[test]
    fn refreshes_a_stale_set() {
        let mut cache = KeyCache::new(KeyCachePolicy::default());
        cache.fetch_started(0.0);
        cache.store(set(&["a"]), 0.0);
        assert!(!cache.should_fetch("a", 599_999.0));
        assert!(cache.should_fetch("a", 600_000.0));
    }

    #[test]
    fn keeps_the_last_good_keys_after_a_failed_refresh() {
        let mut cache = KeyCache::new(KeyCachePolicy::default());
        cache.fetch_started(0.0);
        cache.store(set(&["a"]), 0.0);
        cache.fetch_started(700_000.0);
        let failure = Error::new(ErrorCode::JwksFetchFailed, "HTTP 500");
        assert!(cache.lookup("a", Some(&failure)).is_ok());
        // and does not hammer the endpoint: the next refresh waits for the cooldown
        assert!(!cache.should_fetch("a", 700_001.0));
        assert_eq!(cache.fetch_count(), 2);
    }

    #[test]
    fn reports_the_fetch_error_without_cached_keys() {
        let cache = KeyCache::new(KeyCachePolicy::default());
        let failure = Error::new(ErrorCode::JwksFetchFailed, "timeout");
        assert_eq!(
            cache.lookup("a", Some(&failure)).unwrap_err().code(),
            ErrorCode::JwksFetchFailed
        );
    }
}
