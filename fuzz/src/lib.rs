//! Helpers shared by the fuzz targets: a plain-text request format for the
//! `prepare` target, and the public keys of Upvest's published vectors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;
use upvest_webhooks::{Headers, HttpRequest, KeySet};

/// `created` of the http-signatures.md §11 vectors: the `now` the `prepare`
/// target verifies at.
pub use upvest_webhooks::testing::vectors::SPEC_CREATED;

/// The key set of the §11 vectors, parsed once.
pub fn spec_keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| upvest_webhooks::testing::vectors::spec_keys().expect("the spec JWKS parses"))
}

/// Splits `data` as
///
/// ```text
/// METHOD URL\n
/// name: value\n      (any number of header lines)
/// \n
/// body bytes
/// ```
///
/// The head is read as lossy UTF-8; the body is kept as raw bytes. Returns
/// `None` when the method or URL is refused by `HttpRequest::new` (that
/// refusal is itself exercised, the result just is not verified).
pub fn parse_request(data: &[u8]) -> Option<HttpRequest> {
    let split = data.windows(2).position(|w| w == b"\n\n");
    let (head, body) = match split {
        Some(at) => (data.get(..at)?, data.get(at + 2..)?),
        None => (data, &[][..]),
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.split('\n');
    let request_line = lines.next()?;
    let (method, url) = request_line.split_once(' ').unwrap_or((request_line, "/"));
    let mut headers = Headers::new();
    for line in lines {
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        headers.append(name, value.strip_prefix(' ').unwrap_or(value));
    }
    HttpRequest::new(method, url, headers, body.to_vec()).ok()
}

/// Splits off a leading selector byte (0 when `data` is empty).
pub fn selector(data: &[u8]) -> (u8, &[u8]) {
    match data.split_first() {
        Some((first, rest)) => (*first, rest),
        None => (0, data),
    }
}
