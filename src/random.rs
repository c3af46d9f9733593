//! The one source of randomness: the operating system's secure RNG natively,
//! Web Crypto's `getRandomValues` in WebAssembly. Every caller (nonces,
//! idempotency keys, key ids, generated keys) goes through [`bytes`], so a
//! runtime without one fails the same way everywhere.

use crate::error::{Error, ErrorCode, Result};

/// `N` random bytes. Fails with `ERR_INVALID_ARGUMENT` when the runtime has
/// no secure random number generator (nothing is retried: it will not
/// appear by itself).
pub fn bytes<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|_| unavailable())?;
    Ok(out)
}

/// The error of a runtime without a secure random number generator.
fn unavailable() -> Error {
    Error::new(
        ErrorCode::InvalidArgument,
        "no secure random number generator is available; run where the operating system or Web Crypto provides one",
    )
}

/// A random UUID v4, for idempotency keys, nonces and key ids.
pub fn uuid_v4() -> Result<String> {
    Ok(format_uuid(bytes()?))
}

/// Formats 16 bytes as a version 4, variant 1 UUID.
pub fn format_uuid(mut bytes: [u8; 16]) -> String {
    use std::fmt::Write as _;
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_version_4_uuids() {
        assert_eq!(
            format_uuid([0xff; 16]),
            "ffffffff-ffff-4fff-bfff-ffffffffffff"
        );
        assert_eq!(format_uuid([0; 16]), "00000000-0000-4000-8000-000000000000");
        let id = uuid_v4().unwrap();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "{id}");
    }

    #[test]
    fn draws_fresh_bytes_each_time() {
        let (a, b) = (bytes::<32>().unwrap(), bytes::<32>().unwrap());
        assert_ne!(a, b);
        assert_ne!(a, [0; 32]);
        assert_ne!(uuid_v4().unwrap(), uuid_v4().unwrap());
    }

    #[test]
    fn a_missing_generator_is_one_error() {
        let err = unavailable();
        assert_eq!(err.code(), ErrorCode::InvalidArgument);
        assert!(err.message().contains("random number generator"));
    }
}
