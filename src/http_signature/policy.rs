//! What a verifier accepts: time window, label and input limits.

use super::params::SignatureParams;
use crate::error::{Error, ErrorCode, Result, Setting};

/// Bounds on untrusted input, so a hostile request costs little.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Most members in `Signature-Input` (default 8).
    pub max_signatures: usize,
    /// Most covered components per signature (default 64).
    pub max_components: usize,
    /// Most bytes across all header names and values (default 64 KiB).
    pub max_header_bytes: usize,
    /// Most body bytes (default 8 MiB).
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_signatures: 8,
            max_components: 64,
            max_header_bytes: 64 * 1024,
            max_body_bytes: 8 * 1024 * 1024,
        }
    }
}

/// The verification policy. Defaults follow jose and Stripe: a five-minute
/// window either way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyPolicy {
    /// Allowed clock skew, in seconds, for `created` in the future and past `expires` (default 300).
    pub tolerance_seconds: i64,
    /// Oldest accepted `created` when there is no `expires`, in seconds (default 300).
    pub max_age_seconds: i64,
    /// Only accept the signature with this label; `None` accepts any label.
    pub label: Option<String>,
    /// Input bounds.
    pub limits: Limits,
}

impl Default for VerifyPolicy {
    fn default() -> Self {
        VerifyPolicy {
            tolerance_seconds: 300,
            max_age_seconds: 300,
            label: None,
            limits: Limits::default(),
        }
    }
}

impl VerifyPolicy {
    /// Checks `created`/`expires` against `now` (UNIX seconds).
    pub fn check_time(&self, params: &SignatureParams, now: i64) -> Result<()> {
        if params.created > now.saturating_add(self.tolerance_seconds) {
            return Err(Error::new(
                ErrorCode::SignatureNotYetValid,
                format!(
                    "the signature was created {} s in the future, more than the {} s tolerance; check the server clock or raise the tolerance",
                    params.created.saturating_sub(now),
                    self.tolerance_seconds
                ),
            )
            .with_setting(Setting::Tolerance));
        }
        match params.expires {
            Some(expires) if expires.saturating_add(self.tolerance_seconds) < now => {
                Err(Error::new(
                    ErrorCode::SignatureExpired,
                    format!(
                        "the signature expired {} s ago, beyond the {} s tolerance",
                        now.saturating_sub(expires),
                        self.tolerance_seconds
                    ),
                )
                .with_setting(Setting::Tolerance))
            }
            None if now.saturating_sub(params.created) > self.max_age_seconds => Err(Error::new(
                ErrorCode::SignatureExpired,
                format!(
                    "the signature is {} s old and has no expires; the limit is {} s",
                    now.saturating_sub(params.created),
                    self.max_age_seconds
                ),
            )
            .with_setting(Setting::MaxAge)),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(created: i64, expires: Option<i64>) -> SignatureParams {
        SignatureParams {
            keyid: "k".into(),
            created,
            expires,
            nonce: None,
            alg: None,
            other: vec![],
        }
    }

    const NOW: i64 = 1_700_000_000;

    #[test]
    fn accepts_created_up_to_the_tolerance_in_the_future() {
        let policy = VerifyPolicy::default();
        policy
            .check_time(&params(NOW + 300, Some(NOW + 305)), NOW)
            .unwrap();
        let err = policy
            .check_time(&params(NOW + 301, Some(NOW + 305)), NOW)
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::SignatureNotYetValid);
    }

    #[test]
    fn accepts_expires_plus_tolerance_not_in_the_past() {
        let policy = VerifyPolicy::default();
        policy
            .check_time(&params(NOW - 400, Some(NOW - 300)), NOW)
            .unwrap();
        let err = policy
            .check_time(&params(NOW - 400, Some(NOW - 301)), NOW)
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::SignatureExpired);
    }

    #[test]
    fn without_expires_applies_max_age() {
        let policy = VerifyPolicy {
            max_age_seconds: 60,
            ..VerifyPolicy::default()
        };
        policy.check_time(&params(NOW - 60, None), NOW).unwrap();
        assert_eq!(
            policy
                .check_time(&params(NOW - 61, None), NOW)
                .unwrap_err()
                .code(),
            ErrorCode::SignatureExpired
        );
    }

    #[test]
    fn extreme_values_do_not_overflow() {
        let policy = VerifyPolicy {
            tolerance_seconds: i64::MAX,
            ..VerifyPolicy::default()
        };
        for (created, expires, now) in [
            (i64::MAX, Some(i64::MAX), i64::MIN),
            (i64::MIN, Some(i64::MIN), i64::MAX),
            (i64::MIN, None, i64::MAX),
        ] {
            let _ = policy.check_time(&params(created, expires), now); // must not panic
        }
        policy
            .check_time(&params(i64::MAX, Some(i64::MAX)), 0)
            .unwrap();
        let strict = VerifyPolicy::default();
        assert!(
            strict
                .check_time(&params(i64::MIN, None), i64::MAX)
                .is_err()
        );
    }
}
