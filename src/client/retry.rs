//! Which failures are retried, and how long to wait.

/// Retry settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 2).
    pub max_retries: u32,
    /// First backoff, in milliseconds (default 500); doubles per retry.
    pub base_delay_ms: f64,
    /// Longest wait, in milliseconds (default 30 s), also for `Retry-After`.
    pub max_delay_ms: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            base_delay_ms: 500.0,
            max_delay_ms: 30_000.0,
        }
    }
}

/// Statuses worth retrying: throttling and transient server errors.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0-based). `retry_after` is the
    /// response's `Retry-After` (delta seconds or an HTTP date), honoured up
    /// to `max_delay_ms`; otherwise exponential backoff with "equal jitter":
    /// half the step fixed, half random (`jitter` in `[0, 1)`).
    pub fn delay_ms(&self, retry: u32, retry_after: Option<&str>, now_ms: f64, jitter: f64) -> f64 {
        if let Some(wait) = retry_after.and_then(|value| parse_retry_after(value, now_ms)) {
            return wait.clamp(0.0, self.max_delay_ms);
        }
        let step = (self.base_delay_ms * 2f64.powi(i32::try_from(retry).unwrap_or(i32::MAX)))
            .min(self.max_delay_ms);
        step / 2.0 + jitter.clamp(0.0, 1.0) * step / 2.0
    }
}

/// `Retry-After` in milliseconds from now.
fn parse_retry_after(value: &str, now_ms: f64) -> Option<f64> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(seconds as f64 * 1000.0);
    }
    let date = httpdate::parse_http_date(value).ok()?;
    let at_ms = date.duration_since(std::time::UNIX_EPOCH).ok()?.as_millis() as f64;
    Some(at_ms - now_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_throttling_and_transient_errors_only() {
        for status in [429, 500, 502, 503, 504] {
            assert!(is_retryable_status(status));
        }
        for status in [200, 400, 401, 403, 404, 406, 501] {
            assert!(!is_retryable_status(status));
        }
    }

    #[test]
    fn backs_off_exponentially_with_jitter_up_to_the_cap() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay_ms(0, None, 0.0, 0.0), 250.0);
        assert_eq!(policy.delay_ms(0, None, 0.0, 0.999_999), 499.999_75);
        assert_eq!(policy.delay_ms(1, None, 0.0, 0.0), 500.0);
        assert_eq!(policy.delay_ms(20, None, 0.0, 1.0), 30_000.0);
    }

    #[test]
    fn honours_retry_after_seconds_and_dates_within_the_cap() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay_ms(0, Some("2"), 0.0, 0.5), 2_000.0);
        assert_eq!(policy.delay_ms(0, Some("3600"), 0.0, 0.5), 30_000.0);
        let now = 1_700_000_000_000.0;
        assert_eq!(
            policy.delay_ms(0, Some("Tue, 14 Nov 2023 22:13:25 GMT"), now, 0.5),
            5_000.0
        );
        assert_eq!(
            policy.delay_ms(0, Some("Tue, 14 Nov 2023 22:13:15 GMT"), now, 0.5),
            0.0
        );
        assert_eq!(policy.delay_ms(0, Some("soon"), 0.0, 0.0), 250.0);
    }
}
