//! The Upvest API client's core: request building and signing, validation,
//! tokens, retries and error bodies. Synchronous and I/O-free; the wasm edge
//! (`src/wasm/client.rs`) performs the HTTP calls.

pub mod problem;
pub mod request;
pub mod retry;
pub mod token;
pub mod validate;
pub mod webhooks;

use crate::error::{Error, ErrorCode, Result};

/// A random UUID v4, for idempotency keys and nonces.
pub fn uuid_v4() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| {
        Error::new(
            ErrorCode::Network,
            "no secure random number generator is available",
        )
    })?;
    Ok(format_uuid(bytes))
}

/// Formats 16 bytes as a version 4, variant 1 UUID.
pub fn format_uuid(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push_str(&format!("{b:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_version_4_uuids() {
        let id = format_uuid([0xff; 16]);
        assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert!(validate::is_uuid(&uuid_v4().unwrap()));
    }
}
