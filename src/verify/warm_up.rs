//! The delivery a fresh isolate's warm-up verifies (`warmUp()` in
//! `crate::wasm::verifier`), so the runtime compiles the verification code
//! before the first real request.
//!
//! V8 compiles WebAssembly lazily: each function the first time it is
//! called, about 20 KB of code per millisecond on the benchmark machine. A
//! verification touches about 140 KB (header parsing, digests, DER, JSON),
//! so a fresh isolate's first request would pay several milliseconds of
//! compilation. Cloudflare Workers run a script's global scope at startup,
//! under its own limit (1 s), not the request's CPU budget (10 ms on the
//! free plan), so the package's `workerd` entries warm up at script start.
//!
//! The warm-up runs no WebAssembly ECDSA: a key's first verifications go to
//! WebCrypto (see `VerificationKey::precompute`), and the point arithmetic
//! is compiled when the key's tables are built.

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
/// The signature's `created`: the warm-up verifies at this time.
pub const CREATED: i64 = 1_764_201_600;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http_signature::message::{Headers, HttpRequest};
    use crate::http_signature::policy::VerifyPolicy;
    use crate::http_signature::prepare;
    use crate::verify::jwks::KeySet;
    use std::sync::Arc;

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
