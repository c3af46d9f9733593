//! Errors with stable string codes.
//!
//! Every failure carries an [`ErrorCode`] whose string form (`ERR_…`) is part
//! of the public API: JavaScript users `switch (err.code)` on it, so a code is
//! never renamed. Messages say what went wrong and what to do about it, and
//! never contain key material, signatures or secrets.
//!
//! Messages speak the core's own terms ("the limit is 4"). When a setting's
//! value decided the failure, the error also carries that [`Setting`] as a
//! typed value, and each boundary names it in its own terms: the JavaScript
//! one appends "(option limits.maxSignatures)" (`src/wasm/errors.rs`).

use std::fmt;

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident => $code:literal, )*) => {
        /// The stable identifier of a failure.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The stable string form, for example `ERR_SIGNATURE_INVALID`.
            pub const fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code,)* }
            }
        }
    };
}

error_codes! {
    /// The request has no `Signature` or no `Signature-Input` header.
    SignatureHeadersMissing => "ERR_SIGNATURE_HEADERS_MISSING",
    /// `Signature-Input` is not a valid structured-field dictionary of signature inputs.
    SignatureInputMalformed => "ERR_SIGNATURE_INPUT_MALFORMED",
    /// `Signature` is not a valid dictionary of byte sequences, or a signature cannot be decoded.
    SignatureMalformed => "ERR_SIGNATURE_MALFORMED",
    /// The requested label, or any label present in both signature headers, is missing.
    SignatureLabelNotFound => "ERR_SIGNATURE_LABEL_NOT_FOUND",
    /// A covered component is absent from the message or cannot be derived.
    ComponentMissing => "ERR_COMPONENT_MISSING",
    /// A covered component has a value that cannot go into a signature base.
    ComponentInvalid => "ERR_COMPONENT_INVALID",
    /// The `alg` parameter names an algorithm other than ECDSA P-521/SHA-512.
    UnsupportedAlgorithm => "ERR_UNSUPPORTED_ALGORITHM",
    /// No key in the key set has the signature's `keyid`.
    KeyNotFound => "ERR_KEY_NOT_FOUND",
    /// The key with the signature's `keyid` exists but is unusable.
    KeyInvalid => "ERR_KEY_INVALID",
    /// The JWKS document is not valid.
    JwksInvalid => "ERR_JWKS_INVALID",
    /// Fetching the JWKS failed (network, status, size or timeout).
    JwksFetchFailed => "ERR_JWKS_FETCH_FAILED",
    /// The body is not empty but the message has no digest header.
    DigestMissing => "ERR_DIGEST_MISSING",
    /// The body is not empty and its digest header is not covered by the signature.
    DigestNotCovered => "ERR_DIGEST_NOT_COVERED",
    /// The digest header does not match the body bytes.
    DigestMismatch => "ERR_DIGEST_MISMATCH",
    /// The digest header cannot be parsed or names no supported algorithm.
    DigestMalformed => "ERR_DIGEST_MALFORMED",
    /// A covered `content-length` differs from the body's byte length.
    ContentLengthMismatch => "ERR_CONTENT_LENGTH_MISMATCH",
    /// The ECDSA signature does not verify over the signature base.
    SignatureInvalid => "ERR_SIGNATURE_INVALID",
    /// The signature's `expires` (plus tolerance) or maximum age has passed.
    SignatureExpired => "ERR_SIGNATURE_EXPIRED",
    /// The signature's `created` lies further in the future than the tolerance.
    SignatureNotYetValid => "ERR_SIGNATURE_NOT_YET_VALID",
    /// The body was handed over already parsed instead of as raw bytes.
    BodyNotRaw => "ERR_BODY_NOT_RAW",
    /// The body is not the expected `{"payload":[event, …]}` JSON.
    PayloadInvalid => "ERR_PAYLOAD_INVALID",
    /// An input exceeds a configured size or count limit.
    LimitExceeded => "ERR_LIMIT_EXCEEDED",
    /// An argument or option has the wrong type or value.
    InvalidArgument => "ERR_INVALID_ARGUMENT",
    /// A private key could not be read.
    PrivateKeyInvalid => "ERR_PRIVATE_KEY_INVALID",
    /// A request argument broke one of the API's rules; nothing was sent.
    Validation => "ERR_VALIDATION",
    /// The API answered 400.
    ApiBadRequest => "ERR_API_BAD_REQUEST",
    /// The API answered 401 (after one token refresh).
    ApiUnauthorized => "ERR_API_UNAUTHORIZED",
    /// The API answered 403: the token lacks a scope.
    ApiForbidden => "ERR_API_FORBIDDEN",
    /// The API answered 404.
    ApiNotFound => "ERR_API_NOT_FOUND",
    /// The API answered 406.
    ApiNotAcceptable => "ERR_API_NOT_ACCEPTABLE",
    /// The API answered 429 until the retries ran out.
    ApiRateLimited => "ERR_API_RATE_LIMITED",
    /// The API answered 5xx until the retries ran out.
    ApiServerError => "ERR_API_SERVER_ERROR",
    /// The API answered with a status the operation does not define.
    ApiUnexpectedStatus => "ERR_API_UNEXPECTED_STATUS",
    /// A success response could not be parsed.
    ApiInvalidResponse => "ERR_API_INVALID_RESPONSE",
    /// The connection failed until the retries ran out.
    Network => "ERR_NETWORK",
    /// Requests timed out until the retries ran out.
    Timeout => "ERR_TIMEOUT",
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A caller's setting whose value decided a failure: a limit that was hit,
/// a window that was missed, an input that was needed. The core names the
/// setting by this value, never by an option name of one of its boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// How far `created`/`expires` may be off (`VerifyPolicy::tolerance_seconds`).
    Tolerance,
    /// How old a signature without `expires` may be (`VerifyPolicy::max_age_seconds`).
    MaxAge,
    /// `Limits::max_header_bytes`.
    MaxHeaderBytes,
    /// `Limits::max_body_bytes`.
    MaxBodyBytes,
    /// `Limits::max_signatures`.
    MaxSignatures,
    /// `Limits::max_components`.
    MaxComponents,
    /// How long key fetches pause after a failure (`KeyCachePolicy::cooldown_ms`).
    KeysCooldown,
    /// The private key itself.
    PrivateKey,
    /// The passphrase of an encrypted private key.
    PrivateKeyPassphrase,
    /// The page size of a paged listing.
    PageSize,
}

/// A failure with a stable [`ErrorCode`] and a human-readable message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    message: String,
    setting: Option<Setting>,
}

impl Error {
    /// Creates an error; `message` must not contain secrets.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            setting: None,
        }
    }

    /// The same error, naming the setting that decided it.
    #[must_use]
    pub fn with_setting(mut self, setting: Setting) -> Self {
        self.setting = Some(setting);
        self
    }

    /// The setting whose value decided the failure, if one did.
    pub fn setting(&self) -> Option<Setting> {
        self.setting
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The message, without the code.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `x` as `format!("{x}")` writes it, for messages that show milliseconds,
/// without core's float formatting (about 10 KB gzipped of the verifier's
/// .wasm): exact for integers up to 2^53 (what these settings are); other
/// values are written to the microsecond (`1.2345678` as `1.235`, where `{x}`
/// writes every digit), integers above 2^53 in full (`{x}` writes the
/// shortest digits, then zeros) and saturating at 2^64.
pub(crate) fn number(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_owned();
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    let abs = x.abs();
    if abs.is_infinite() {
        format!("{sign}inf")
    } else if abs.fract() == 0.0 {
        format!("{sign}{}", abs as u64)
    } else {
        let micro = (abs * 1000.0).round() as u64;
        let text = format!("{sign}{}.{:03}", micro / 1000, micro % 1000);
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// A number written with an exponent (`1.5e21`, `1e-7`, `-2.5e+30`, as JS's
/// `String(n)` or Rust's `{:e}` write the shortest digits) written out the
/// way Rust's `{}` writes an `f64` (`1500000000000000000000`, `0.0000001`).
/// Text without an exponent comes back unchanged but for trailing zeros of
/// a fraction.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // used by wasm::convert
pub(crate) fn plain_decimal(text: &str) -> String {
    let (sign, text) = text.strip_prefix('-').map_or(("", text), |t| ("-", t));
    let (mantissa, exponent) = text
        .split_once(['e', 'E'])
        .map_or((text, 0), |(m, e)| (m, e.parse::<i64>().unwrap_or(0)));
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all = format!("{int}{frac}");
    let digits = all.trim_start_matches('0');
    let point = int.len() as i64 + exponent - (all.len() - digits.len()) as i64;
    let digits = digits.trim_end_matches('0');
    let zeros = |n: i64| "0".repeat(usize::try_from(n).unwrap_or(0));
    let len = digits.len() as i64;
    if digits.is_empty() {
        format!("{sign}0")
    } else if point <= 0 {
        format!("{sign}0.{}{digits}", zeros(-point))
    } else if point >= len {
        format!("{sign}{digits}{}", zeros(point - len))
    } else {
        let (whole, part) = digits.split_at(usize::try_from(point).unwrap_or(0));
        format!("{sign}{whole}.{part}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carries_the_setting_apart_from_the_message() {
        let plain = Error::new(ErrorCode::LimitExceeded, "9 members; the limit is 8");
        assert_eq!(plain.setting(), None);
        let err = plain.clone().with_setting(Setting::MaxSignatures);
        assert_eq!(err.setting(), Some(Setting::MaxSignatures));
        assert_eq!(err.message(), plain.message());
        assert_eq!(err.code(), ErrorCode::LimitExceeded);
        assert_ne!(err, plain);
        assert_eq!(
            err.to_string(),
            "ERR_LIMIT_EXCEEDED: 9 members; the limit is 8"
        );
    }

    #[test]
    fn codes_are_unique_and_prefixed() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(code.as_str().starts_with("ERR_"));
            assert!(seen.insert(code.as_str()), "duplicate {code}");
        }
    }

    #[test]
    fn numbers_are_written_as_display_writes_them() {
        let mut rng = crate::testing::xorshift::XorShift(0x9e37_79b9_7f4a_7c15);
        let mut exact = vec![0.0, -0.0, 1.0, -1.0, 0.5, 1.5, 0.25, 123.456, 5000.0, 1e15];
        exact.extend([2_147_483_647.0, 9_007_199_254_740_992.0]);
        exact.extend([f64::NAN, f64::INFINITY, f64::NEG_INFINITY]);
        let mut any = vec![0.1 + 0.2, 1e-7, 1e-6, 5e-324, f64::MIN_POSITIVE, 1.5e21];
        any.push(9_007_199_254_740_993.0);
        for _ in 0..100_000 {
            let bits = rng.next_u64();
            exact.push((bits % 1_000_000_000) as f64);
            exact.push((bits % 10_000_000) as f64 / 1000.0);
            any.push(f64::from_bits(bits));
            any.push((bits % 1_000_000) as f64 * 10f64.powi((bits >> 40) as i32 % 40 - 20));
        }
        for x in exact {
            assert_eq!(number(x), format!("{x}"), "{x:e}");
        }
        for x in any.into_iter().filter(|x| x.is_finite()) {
            assert_eq!(plain_decimal(&format!("{x:e}")), format!("{x}"), "{x:e}");
            let js_style = format!("{x:e}").replace("e", "e+").replace("e+-", "e-");
            assert_eq!(plain_decimal(&js_style), format!("{x}"), "{js_style}");
        }
        assert_eq!(number(1.234_567_8), "1.235");
    }
}
