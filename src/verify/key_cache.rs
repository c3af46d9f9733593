//! When to (re)fetch a remote key set: jose's rules plus "keep the last good
//! keys", decided once per verification for all its key ids. Pure state and
//! time; the fetching itself happens at the edge.

use super::jwks::KeySet;
use crate::error::{Error, ErrorCode, Result};
use std::sync::Arc;

/// Timing rules for a remote key set, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeyCachePolicy {
    /// Minimum time between fetches (default 30 s): after a fetch starts,
    /// and after one fails, whether or not a key set was ever loaded.
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

/// What one verification does about its keys, decided once for all its key ids.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Look the key ids up in the cached set, as it is (a missing one is
    /// `ERR_KEY_NOT_FOUND`). Also while a refresh is due or under way
    /// elsewhere: the cached keys keep serving.
    UseCache,
    /// Fetch the set (call [`KeyCache::fetch_started`] first), then look up.
    Fetch,
    /// A fetch is under way and it may bring a missing key: wait for it
    /// (single-flight), then look up. Never returned by [`KeyCache::plan_alone`].
    Join,
    /// No keys, and no fetch allowed yet (cooldown after a failure): fail.
    Fail(Error),
}

/// The cached key set and its fetch history.
#[derive(Debug, Clone, Default)]
pub struct KeyCache {
    policy: KeyCachePolicy,
    keys: Option<Arc<KeySet>>,
    /// When the cached set's fetch started.
    fetched_at: f64,
    /// When the last fetch started, or the last failure ended (the cooldown's start).
    last_attempt: Option<f64>,
    /// Why the last fetch failed, until a fetch succeeds.
    last_failure: Option<Error>,
    /// Fetches started and not yet stored or failed.
    in_flight: u32,
}

impl KeyCache {
    /// An empty cache.
    pub fn new(policy: KeyCachePolicy) -> Self {
        KeyCache {
            policy,
            ..KeyCache::default()
        }
    }

    /// Decides, for a verification that needs the keys `kids` at `now`,
    /// whether it fetches, waits for a fetch under way, uses the cache, or
    /// fails. At most one fetch per call, whatever the number of key ids:
    ///
    /// - every kid cached and the set younger than `max_age`: [`Plan::UseCache`];
    /// - a fetch under way: [`Plan::Join`] when it may bring what is
    ///   missing (no keys yet, or a kid unknown), else [`Plan::UseCache`];
    /// - the cooldown has passed since the last fetch started or failed:
    ///   [`Plan::Fetch`];
    /// - within the cooldown: [`Plan::UseCache`] with keys, [`Plan::Fail`]
    ///   (`ERR_JWKS_FETCH_FAILED`, saying when the next fetch may start) without.
    pub fn plan(&self, kids: &[&str], now: f64) -> Plan {
        let cooled_down = self
            .last_attempt
            .is_none_or(|at| now - at >= self.policy.cooldown_ms);
        match &self.keys {
            Some(keys) => {
                let missing = kids.iter().any(|kid| !keys.contains(kid));
                let stale = now - self.fetched_at >= self.policy.max_age_ms;
                if !(missing || stale) {
                    Plan::UseCache
                } else if self.in_flight > 0 {
                    if missing { Plan::Join } else { Plan::UseCache }
                } else if cooled_down {
                    Plan::Fetch
                } else {
                    Plan::UseCache
                }
            }
            None if self.in_flight > 0 => Plan::Join,
            None if cooled_down => Plan::Fetch,
            None => Plan::Fail(self.cooling_down(now)),
        }
    }

    /// [`KeyCache::plan`] for a runtime where a verification must not wait
    /// for a fetch another one started (Cloudflare Workers cancel a request
    /// that awaits another request's promise): instead of joining, it uses
    /// the cached keys, possibly stale, or, with none cached, fetches itself.
    pub fn plan_alone(&self, kids: &[&str], now: f64) -> Plan {
        match self.plan(kids, now) {
            Plan::Join if self.keys.is_some() => Plan::UseCache,
            Plan::Join => Plan::Fetch,
            plan => plan,
        }
    }

    fn cooling_down(&self, now: f64) -> Error {
        let wait = self
            .last_attempt
            .map_or(0.0, |at| (at + self.policy.cooldown_ms - now).max(0.0))
            .ceil();
        let last = self
            .last_failure
            .as_ref()
            .map_or_else(|| "it failed".to_owned(), |err| err.message().to_owned());
        Error::new(
            ErrorCode::JwksFetchFailed,
            format!(
                "no verification keys: the last fetch failed ({last}); the next fetch may start in {} ms (the cooldown is {} ms)",
                crate::error::number(wait),
                crate::error::number(self.policy.cooldown_ms)
            ),
        )
        .with_setting(crate::error::Setting::KeysCooldown)
    }

    /// Records that a fetch starts at `now`.
    pub fn fetch_started(&mut self, now: f64) {
        self.last_attempt = Some(now);
        self.in_flight = self.in_flight.saturating_add(1);
    }

    /// Records that a fetch failed at `now` with `error`: the cooldown starts
    /// again from `now`, and the cached keys, if any, stay.
    pub fn fetch_failed(&mut self, error: Error, now: f64) {
        self.in_flight = self.in_flight.saturating_sub(1);
        self.last_attempt = Some(self.last_attempt.map_or(now, |at| at.max(now)));
        self.last_failure = Some(error);
    }

    /// Stores a set whose fetch started at `started_at`, unless a set from a
    /// later fetch is already cached.
    pub fn store(&mut self, keys: KeySet, started_at: f64) {
        self.in_flight = self.in_flight.saturating_sub(1);
        if self.keys.is_none() || started_at >= self.fetched_at {
            self.keys = Some(Arc::new(keys));
            self.fetched_at = started_at;
            self.last_failure = None;
        }
    }

    /// The current set, if any fetch has succeeded.
    pub fn keys(&self) -> Option<&Arc<KeySet>> {
        self.keys.as_ref()
    }

    /// Whether a fetch is under way.
    pub fn fetching(&self) -> bool {
        self.in_flight > 0
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

    fn loaded(kids: &[&str]) -> KeyCache {
        let mut cache = KeyCache::new(KeyCachePolicy::default());
        cache.fetch_started(0.0);
        cache.store(set(kids), 0.0);
        cache
    }

    fn failure(message: &str) -> Error {
        Error::new(ErrorCode::JwksFetchFailed, message)
    }

    const EIGHT: [&str; 8] = ["k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8"];

    #[test]
    fn fetches_when_empty_then_serves_from_cache() {
        let mut cache = KeyCache::new(KeyCachePolicy::default());
        assert_eq!(cache.plan(&["a"], 0.0), Plan::Fetch);
        cache.fetch_started(0.0);
        cache.store(set(&["a"]), 0.0);
        assert_eq!(cache.plan(&["a"], 1_000.0), Plan::UseCache);
        assert!(cache.lookup("a", None).is_ok());
    }

    #[test]
    fn one_decision_for_all_key_ids_of_a_verification() {
        let cache = KeyCache::new(KeyCachePolicy::default());
        assert_eq!(cache.plan(&EIGHT, 0.0), Plan::Fetch);
        let cache = loaded(&["a"]);
        assert_eq!(cache.plan(&EIGHT, 30_000.0), Plan::Fetch);
        assert_eq!(cache.plan(&["a", "k1"], 30_000.0), Plan::Fetch);
        assert_eq!(cache.plan(&["a"], 30_000.0), Plan::UseCache);
    }

    #[test]
    fn an_unknown_kid_right_after_a_fresh_fetch_is_not_refetched() {
        let cache = loaded(&["a"]);
        assert_eq!(cache.plan(&EIGHT, 0.0), Plan::UseCache);
        assert_eq!(
            cache.lookup("k1", None).unwrap_err().code(),
            ErrorCode::KeyNotFound
        );
    }

    #[test]
    fn refetches_an_unknown_kid_only_after_the_cooldown() {
        let cache = loaded(&["a"]);
        assert_eq!(cache.plan(&["b"], 29_999.0), Plan::UseCache);
        assert_eq!(cache.plan(&["b"], 30_000.0), Plan::Fetch);
        assert_eq!(
            cache.lookup("b", None).unwrap_err().code(),
            ErrorCode::KeyNotFound
        );
    }

    #[test]
    fn refreshes_a_stale_set() {
        let cache = loaded(&["a"]);
        assert_eq!(cache.plan(&["a"], 599_999.0), Plan::UseCache);
        assert_eq!(cache.plan(&["a"], 600_000.0), Plan::Fetch);
    }

    #[test]
    fn joins_a_fetch_under_way_only_when_it_may_bring_a_missing_key() {
        let mut cache = KeyCache::new(KeyCachePolicy::default());
        cache.fetch_started(0.0);
        assert!(cache.fetching());
        assert_eq!(cache.plan(&["a"], 1.0), Plan::Join, "no keys yet");
        cache.store(set(&["a"]), 0.0);
        assert!(!cache.fetching());
        cache.fetch_started(600_000.0);
        assert_eq!(
            cache.plan(&["a"], 600_001.0),
            Plan::UseCache,
            "stale but present: the cached key serves while the refresh runs"
        );
        assert_eq!(cache.plan(&["b"], 600_001.0), Plan::Join, "unknown kid");
    }

    #[test]
    fn alone_never_joins_a_fetch_another_verification_started() {
        let mut cache = KeyCache::new(KeyCachePolicy::default());
        cache.fetch_started(0.0);
        assert_eq!(
            cache.plan_alone(&["a"], 1.0),
            Plan::Fetch,
            "no keys: fetch yourself"
        );
        cache.fetch_started(1.0);
        cache.store(set(&["a"]), 1.0);
        assert_eq!(cache.plan_alone(&["a"], 2.0), Plan::UseCache);
        cache.fetch_started(600_001.0);
        assert_eq!(
            cache.plan_alone(&["a"], 600_002.0),
            Plan::UseCache,
            "stale keys serve"
        );
        assert_eq!(
            cache.plan_alone(&["b"], 600_002.0),
            Plan::UseCache,
            "unknown kid: the cache answers"
        );
        let cache = loaded(&["a"]);
        assert_eq!(cache.plan_alone(&["a"], 600_000.0), Plan::Fetch);
    }

    #[test]
    fn the_cooldown_applies_after_a_failed_first_fetch() {
        let mut cache = KeyCache::new(KeyCachePolicy::default());
        cache.fetch_started(0.0);
        cache.fetch_failed(failure("HTTP 500"), 100.0);
        for now in [100.0, 5_000.0, 30_099.0] {
            let Plan::Fail(err) = cache.plan(&EIGHT, now) else {
                panic!("expected Fail at {now}");
            };
            assert_eq!(err.code(), ErrorCode::JwksFetchFailed);
            assert!(err.message().contains("HTTP 500"), "{}", err.message());
            assert_eq!(err.setting(), Some(crate::error::Setting::KeysCooldown));
        }
        let Plan::Fail(err) = cache.plan(&["a"], 100.0) else {
            panic!("expected Fail");
        };
        assert!(err.message().contains("in 30000 ms"), "{}", err.message());
        assert_eq!(
            cache.plan_alone(&["a"], 30_099.0),
            cache.plan(&["a"], 30_099.0)
        );
        assert_eq!(cache.plan(&["a"], 30_100.0), Plan::Fetch);
    }

    #[test]
    fn the_cooldown_runs_from_the_end_of_a_slow_failure() {
        let mut cache = KeyCache::new(KeyCachePolicy::default());
        cache.fetch_started(0.0);
        cache.fetch_failed(failure("timeout"), 40_000.0);
        assert!(matches!(cache.plan(&["a"], 40_001.0), Plan::Fail(_)));
        assert_eq!(cache.plan(&["a"], 70_000.0), Plan::Fetch);
    }

    #[test]
    fn keeps_the_last_good_keys_after_a_failed_refresh() {
        let mut cache = loaded(&["a"]);
        cache.fetch_started(700_000.0);
        let failed = failure("HTTP 500");
        cache.fetch_failed(failed.clone(), 700_000.0);
        assert!(cache.lookup("a", Some(&failed)).is_ok());
        // and does not hammer the endpoint: the next refresh waits for the cooldown
        assert_eq!(cache.plan(&["a"], 700_001.0), Plan::UseCache);
        assert_eq!(cache.plan(&["b"], 700_001.0), Plan::UseCache);
        assert_eq!(cache.plan(&["a"], 730_000.0), Plan::Fetch);
    }

    #[test]
    fn a_success_after_failures_clears_the_failure() {
        let mut cache = KeyCache::new(KeyCachePolicy::default());
        cache.fetch_started(0.0);
        cache.fetch_failed(failure("HTTP 500"), 0.0);
        cache.fetch_started(30_000.0);
        cache.store(set(&["a"]), 30_000.0);
        assert_eq!(cache.plan(&["a"], 30_001.0), Plan::UseCache);
        assert!(cache.lookup("a", None).is_ok());
    }

    #[test]
    fn an_older_fetch_finishing_last_does_not_replace_a_newer_set() {
        let mut cache = KeyCache::new(KeyCachePolicy::default());
        cache.fetch_started(0.0);
        cache.fetch_started(10.0);
        cache.store(set(&["new"]), 10.0);
        cache.store(set(&["old"]), 0.0);
        assert!(!cache.fetching());
        assert!(cache.lookup("new", None).is_ok());
        assert!(cache.lookup("old", None).is_err());
    }

    #[test]
    fn reports_the_fetch_error_without_cached_keys() {
        let cache = KeyCache::new(KeyCachePolicy::default());
        let failed = failure("timeout");
        assert_eq!(
            cache.lookup("a", Some(&failed)).unwrap_err().code(),
            ErrorCode::JwksFetchFailed
        );
    }
}
