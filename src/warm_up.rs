//! A warm-up for fresh isolates: runs the code a verification needs once,
//! on a delivery embedded here, so the runtime compiles it before the first
//! real request.
//!
//! V8 compiles WebAssembly lazily: each function the first time it is
//! called, about 20 KB of code per millisecond on the benchmark machine. A
//! verification touches about 140 KB (header parsing, digests, DER, JSON),
//! so a fresh isolate's first request would pay several milliseconds of
//! compilation. Cloudflare Workers run a script's global scope at startup,
//! under its own limit (1 s), not the request's CPU budget (10 ms on the
//! free plan), so the package's `workerd` entries call this at script start.
//!
//! It does no ECDSA: a key's first verifications go to WebCrypto (see
//! `VerificationKey::precompute`), and the point arithmetic is compiled
//! when the key's tables are built.

use crate::delivery::check_events;
use crate::jwks::KeySet;
use crate::message::{Headers, HttpRequest};
use crate::policy::VerifyPolicy;
use crate::signature::prepare;
use sha2::{Digest as _, Sha256, Sha512};
use std::hint::black_box;

/// A test key's JWKS (the private half was discarded).
pub const JWKS: &str = r#"{"keys":[{"kid":"warm-up","kty":"EC","crv":"P-521","x":"ABYlgzDNiLLssj7L4uAngw3loFJLU5S0xBPvCwVzTRwhtHbkxMD_1WTYdr1VJYx-FszYCpe_RlxZPec8XJj2JVKq","y":"AQmbpkhglDII9iK8t15uX2xqa-1zaHTmq5DsGUmVPEc_SLWQkzoiifDOXbspGfPZTLE1p9_92t4kDeaV5m0yqlil"}]}"#;
/// The URL the delivery was sent to.
pub const URL: &str = "https://tenant.example/webhooks/upvest";
/// Its headers, with the signature.
pub const HEADERS: &[(&str, &str)] = &[
    ("content-type", r#"application/json"#),
    ("content-length", r#"210"#),
    (
        "digest",
        r#"SHA-256=KWSP5zEy6V0TjGfxez880hN1A79uVaLMKJsAD3efRqw="#,
    ),
    (
        "signature-input",
        r#"sig1=("@method" "@path" "content-type" "content-length" "digest");keyid="warm-up";created=1764201600;expires=1764201660;nonce="cbIiRaHVbYBxTmiF""#,
    ),
    (
        "signature",
        r#"sig1=:MIGIAkIBBm59knD7dm91kJ2yUg0Or4ohAJ1SdLzrSbw/pUb0kCS60EtkJ+dS50trbrzN2KH6zA1b1eB/Dfn820gjca9RnTgCQgDE4JnhcSpmTRSBSvGqD8hjVz4VCD851rKXmq9dMCIF94imPBmYZLVdJC7//u8De56gXo2qc+YKtAFddUxE4L/Dyw==:"#,
    ),
];
/// Its body: one event.
pub const BODY: &str = r#"{"payload":[{"id":"8962b496-8d42-4560-bfab-10490dd1a724","created_at":"2025-11-27T00:00:00.00Z","type":"ORDER.FILLED","object":{"id":"o1","quantity":"1.5"},"webhook_id":"9df39835-be87-4243-9018-f2500b39cee6"}]}"#;
/// The signature's `created`: the warm-up verifies "now".
pub const CREATED: i64 = 1_764_201_600;

/// Runs key import, `prepare` (headers, base, digest, DER), the payload check
/// and both SHA-2 variants on the embedded delivery. Returns whether every
/// step succeeded; a `false` only means the warm-up did less.
pub fn warm_up() -> bool {
    let Ok(keys) = KeySet::from_json(JWKS.as_bytes()) else {
        return false;
    };
    let mut headers = Headers::new();
    for (name, value) in HEADERS {
        headers.append(name, *value);
    }
    let Ok(request) = HttpRequest::new("POST", URL, headers, BODY.as_bytes().to_vec()) else {
        return false;
    };
    let Ok(prepared) = prepare(&request, &VerifyPolicy::default(), CREATED) else {
        return false;
    };
    let attempts = prepared.attempts(|kid| keys.get(kid).ok().map(|key| &**key));
    let Some(attempt) = attempts.first() else {
        return false;
    };
    // What the WebCrypto path hands over, and the digests of both sizes.
    black_box((attempt.signature.to_raw(), attempt.key.to_sec1()));
    black_box((
        Sha256::digest(attempt.message),
        Sha512::digest(attempt.message),
    ));
    check_events(&request.body).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn the_warm_up_runs_every_step() {
        assert!(warm_up());
    }

    /// The embedded delivery is genuinely signed by the embedded key, so the
    /// warm-up exercises the same paths a real delivery does.
    #[test]
    fn the_embedded_delivery_verifies() {
        let keys = KeySet::from_json(JWKS.as_bytes()).unwrap();
        let mut headers = Headers::new();
        for (name, value) in HEADERS {
            headers.append(name, *value);
        }
        let request = HttpRequest::new("POST", URL, headers, BODY.as_bytes().to_vec()).unwrap();
        let prepared = prepare(&request, &VerifyPolicy::default(), CREATED).unwrap();
        let verified = prepared
            .verify_with(|kid| keys.get(kid).map(Arc::clone))
            .unwrap();
        assert_eq!(verified.key_id, "warm-up");
    }
}
