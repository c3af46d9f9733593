//! One API call as a state machine. The boundary sends; after each attempt
//! it tells [`Call::next`] what happened and does what the returned [`Step`]
//! says: hand back the response, refresh the token and send again, wait and
//! send again, or fail with the last outcome. Every decision of the retry
//! and refresh loop lives here, so it is tested without any I/O.

use super::retry::{RetryPolicy, is_retryable_status};
use super::webhooks::Operation;
use crate::error::Result;

/// What one attempt came to, as far as the decision needs to know.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome<'a> {
    /// A response with this status and, if it had one, this `Retry-After`.
    Response {
        /// The HTTP status.
        status: u16,
        /// The `Retry-After` header.
        retry_after: Option<&'a str>,
    },
    /// No response, for a reason that may pass: the connection failed, the
    /// attempt timed out, or the response was too large.
    Transient,
    /// No response, and trying again would not give one: the caller aborted,
    /// or the injected fetch returned something that is not a Response.
    Final,
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    /// The response is the call's result (a 2xx).
    Done,
    /// The token was refused (401): drop it, get a new one and send again.
    /// Happens at most once per call.
    RefreshToken,
    /// Wait this many milliseconds, then send again.
    Retry {
        /// The wait.
        wait_ms: f64,
    },
    /// Give up: the last outcome is the call's failure.
    Fail,
}

/// The state of one call: how many retries were used and whether the token
/// was refreshed.
#[derive(Debug, Clone)]
pub struct Call {
    policy: RetryPolicy,
    retries: u32,
    refreshed_token: bool,
}

impl Call {
    /// A call that will retry as `policy` says.
    pub fn new(policy: RetryPolicy) -> Self {
        Call {
            policy,
            retries: 0,
            refreshed_token: false,
        }
    }

    /// Attempts made or under way: 1 before the first retry.
    pub fn attempts(&self) -> u32 {
        self.retries + 1
    }

    /// Decides after an attempt. `sent_token` says whether the attempt
    /// carried a bearer token (the token request itself does not);
    /// `now_ms` and `jitter` (in `[0, 1)`) feed the backoff.
    pub fn next(
        &mut self,
        outcome: Outcome<'_>,
        sent_token: bool,
        now_ms: f64,
        jitter: f64,
    ) -> Step {
        let (retryable, retry_after) = match outcome {
            Outcome::Response { status, .. } if (200..300).contains(&status) => return Step::Done,
            Outcome::Response { status: 401, .. } if sent_token && !self.refreshed_token => {
                // The token may have been revoked or expired early: a new one, once.
                self.refreshed_token = true;
                return Step::RefreshToken;
            }
            Outcome::Response {
                status,
                retry_after,
            } => (is_retryable_status(status), retry_after),
            Outcome::Transient => (true, None),
            Outcome::Final => (false, None),
        };
        if !retryable || self.retries >= self.policy.max_retries {
            return Step::Fail;
        }
        let wait_ms = self
            .policy
            .delay_ms(self.retries, retry_after, now_ms, jitter);
        self.retries += 1;
        Step::Retry { wait_ms }
    }
}

/// The `idempotency-key` a call sends: the caller's, or a new random one,
/// for the operations that take one; none for the others. The same key is
/// sent on every retry, so Upvest applies the call once.
pub fn idempotency_key(operation: &Operation, given: Option<String>) -> Result<Option<String>> {
    if !operation.needs_idempotency_key() {
        return Ok(None);
    }
    match given {
        Some(key) => Ok(Some(key)),
        None => crate::random::uuid_v4().map(Some),
    }
}

/// Whether a caller's idempotency key is acceptable: 1 to 255 visible ASCII
/// characters (a UUID is best).
pub fn is_valid_idempotency_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "9df39835-be87-4243-9018-f2500b39cee6";

    fn response(status: u16) -> Outcome<'static> {
        Outcome::Response {
            status,
            retry_after: None,
        }
    }

    fn no_jitter_policy(max_retries: u32) -> RetryPolicy {
        RetryPolicy {
            max_retries,
            base_delay_ms: 100.0,
            max_delay_ms: 1_000.0,
        }
    }

    #[test]
    fn any_2xx_is_done() {
        for status in [200, 201, 202, 204, 299] {
            assert_eq!(
                Call::new(no_jitter_policy(2)).next(response(status), true, 0.0, 0.0),
                Step::Done
            );
        }
    }

    #[test]
    fn refreshes_the_token_once_on_401_then_fails() {
        let mut call = Call::new(no_jitter_policy(2));
        assert_eq!(call.next(response(401), true, 0.0, 0.0), Step::RefreshToken);
        assert_eq!(call.next(response(401), true, 0.0, 0.0), Step::Fail);
        assert_eq!(call.attempts(), 1, "a refresh is not a retry");
    }

    #[test]
    fn a_401_without_a_token_is_final() {
        // The token request itself: nothing to refresh.
        let mut call = Call::new(no_jitter_policy(2));
        assert_eq!(call.next(response(401), false, 0.0, 0.0), Step::Fail);
    }

    #[test]
    fn a_refresh_leaves_the_retries_to_transient_failures() {
        let mut call = Call::new(no_jitter_policy(1));
        assert_eq!(call.next(response(401), true, 0.0, 0.0), Step::RefreshToken);
        assert_eq!(
            call.next(response(503), true, 0.0, 0.0),
            Step::Retry { wait_ms: 50.0 }
        );
        assert_eq!(call.next(response(503), true, 0.0, 0.0), Step::Fail);
        assert_eq!(call.attempts(), 2);
    }

    #[test]
    fn retries_transient_statuses_and_failures_with_backoff_until_the_budget_is_spent() {
        let mut call = Call::new(no_jitter_policy(3));
        assert_eq!(
            call.next(response(429), true, 0.0, 0.0),
            Step::Retry { wait_ms: 50.0 }
        );
        assert_eq!(
            call.next(Outcome::Transient, true, 0.0, 0.0),
            Step::Retry { wait_ms: 100.0 }
        );
        assert_eq!(
            call.next(response(500), true, 0.0, 1.0),
            Step::Retry { wait_ms: 400.0 }
        );
        assert_eq!(call.attempts(), 4);
        assert_eq!(call.next(response(502), true, 0.0, 0.0), Step::Fail);
        assert_eq!(call.attempts(), 4, "a failure uses no retry");
    }

    #[test]
    fn honours_retry_after() {
        let mut call = Call::new(no_jitter_policy(1));
        let throttled = Outcome::Response {
            status: 429,
            retry_after: Some("1"),
        };
        assert_eq!(
            call.next(throttled, true, 0.0, 0.0),
            Step::Retry { wait_ms: 1_000.0 }
        );
    }

    #[test]
    fn fails_at_once_on_final_outcomes_and_non_retryable_statuses() {
        for outcome in [
            Outcome::Final,
            response(400),
            response(403),
            response(404),
            response(406),
            response(501),
            response(302),
        ] {
            let mut call = Call::new(no_jitter_policy(5));
            assert_eq!(
                call.next(outcome, true, 0.0, 0.0),
                Step::Fail,
                "{outcome:?}"
            );
            assert_eq!(call.attempts(), 1);
        }
    }

    #[test]
    fn without_retries_a_transient_failure_fails() {
        let mut call = Call::new(no_jitter_policy(0));
        assert_eq!(call.next(Outcome::Transient, true, 0.0, 0.0), Step::Fail);
    }

    #[test]
    fn keys_writes_only_and_keeps_the_callers_key() {
        let create = Operation::Create(serde_json::json!({}));
        let given = idempotency_key(&create, Some("mine".into())).unwrap();
        assert_eq!(given.as_deref(), Some("mine"));
        let fresh = idempotency_key(&create, None).unwrap().unwrap();
        assert!(super::super::validate::is_uuid(&fresh), "{fresh}");
        let test = Operation::Test(ID.into());
        assert!(idempotency_key(&test, None).unwrap().is_some());
        for read in [
            Operation::Retrieve(ID.into()),
            Operation::Delete(ID.into()),
            Operation::VerificationKeys,
            Operation::Token(Vec::new()),
        ] {
            assert_eq!(idempotency_key(&read, Some("x".into())).unwrap(), None);
        }
    }

    #[test]
    fn idempotency_keys_are_1_to_255_visible_ascii_characters() {
        assert!(is_valid_idempotency_key("a"));
        assert!(is_valid_idempotency_key(&"k".repeat(255)));
        assert!(is_valid_idempotency_key(ID));
        for bad in ["", " ", "with space", "tab\t", "é", &"k".repeat(256)] {
            assert!(!is_valid_idempotency_key(bad), "{bad:?}");
        }
    }
}
