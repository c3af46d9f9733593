//! The signed examples of Upvest's http-signatures.md §11, one copy for the
//! unit tests, the integration tests (`tests/*.rs`) and the fuzz targets.
//!
//! §11.6 is a request Upvest's Python signer (v15) signed with the key whose
//! public JWK §11.6 publishes (`tests/fixtures/keys/upvest-spec-11-6-p521-sec1.pem`
//! is its private half); §11.7 is a webhook delivery signed by the same key
//! in the v6 form. They are an oracle independent of this crate's signing
//! code.

use crate::error::Result;
use crate::http_signature::{Headers, HttpRequest};
use crate::verify::jwks::KeySet;

/// The `keyid` of the §11 signatures and the `kid` of [`SPEC_JWKS`].
pub const SPEC_KID: &str = "11111111-2222-3333-4444-555555555555";
/// The x coordinate of the §11.6 public key (base64url).
pub const SPEC_X: &str =
    "AJeo7NU7sBWuEF8fd45lgZjHwEwlGn58E6lR4h2-OJ7q5WFiPhYkBqN3qPRbamvWuBjwlWvxyulZeYb_-B6zpk9E";
/// The y coordinate of the §11.6 public key (base64url).
pub const SPEC_Y: &str =
    "AfPDdHxb7N7oJL3219tmeemQRH5vhKWzv48Dn-E8zS_BlkqynL7NDUk4EGZ28ZVK4ohmqXdLD-4xpKQrPPVlfZ71";
/// The JWKS published in §11.6.
pub const SPEC_JWKS: &str = r#"{"keys":[{"kid":"11111111-2222-3333-4444-555555555555","kty":"EC","crv":"P-521","x":"AJeo7NU7sBWuEF8fd45lgZjHwEwlGn58E6lR4h2-OJ7q5WFiPhYkBqN3qPRbamvWuBjwlWvxyulZeYb_-B6zpk9E","y":"AfPDdHxb7N7oJL3219tmeemQRH5vhKWzv48Dn-E8zS_BlkqynL7NDUk4EGZ28ZVK4ohmqXdLD-4xpKQrPPVlfZ71"}]}"#;
/// `created` of every §11 signature: the time to verify them at.
pub const SPEC_CREATED: i64 = 1_700_000_000;
/// The body of both examples.
pub const SPEC_BODY: &[u8] = br#"{"key": "value"}"#;

/// §11.6: the URL of the v15 API request.
pub const V15_URL: &str = "https://sandbox.upvest.co/users?limit=2";
/// §11.6: `expires` of the v15 signature.
pub const V15_EXPIRES: i64 = 1_700_000_010;
/// §11.6: `nonce` of the v15 signature.
pub const V15_NONCE: &str = "b6f5a4a8-0c1e-4c53-9f64-2b8f6c3e9d10";
/// §11.6: the request's header fields, in the order the signature covers
/// them (after `@method`, `@path` and `@query`).
pub const V15_FIELDS: [(&str, &str); 9] = [
    ("Authorization", "Bearer access-token"),
    ("Content-Type", "application/json"),
    ("Accept", "application/json"),
    ("upvest-api-version", "1"),
    ("upvest-client-id", "5ec16164-6173-461d-b90d-116d68f55b40"),
    ("idempotency-key", "2133825797664cad"),
    ("Date", "Tue, 14 Nov 2023 22:13:20 GMT"),
    (
        "content-digest",
        "sha-512=:Hd9/AvGZkbjitW1+Ml8Fg1ux1mtcDYe6mLQjDyoowIWa3LM/PmwN2v9O+MjtQGrCA3EQWUL54dlgxKHyYbrucw==:",
    ),
    ("Content-Length", "16"),
];
/// §11.6: the `Signature-Input` of the v15 signature.
pub const V15_INPUT: &str = r#"sig1=("@method" "@path" "@query" "authorization" "content-type" "accept" "upvest-api-version" "upvest-client-id" "idempotency-key" "date" "content-digest" "content-length");keyid="11111111-2222-3333-4444-555555555555";nonce="b6f5a4a8-0c1e-4c53-9f64-2b8f6c3e9d10";created=1700000000;expires=1700000010"#;
/// §11.6: the v15 `Signature`, ASN.1 DER as Upvest's signer wrote it.
pub const V15_DER: &str = "sig1=:MIGIAkIAlbY2ak2yQZUvHQCbEZL++ks+hcrHaZxhuaayHoaIm17Z1AdWxCFNB7tcNj6415nk/8+ieSXXkSOcnmNX3pGFtiwCQgEW5EfSwbDVZ/e80T0MXkzKF9R761zt4eyiyg5IRc34QOpXgH6ufs+TvtX31QgTV6fMu1jQbzzKlFwdC/WMhoyRJQ==:";
/// §11.6: the same signature as raw `r‖s`.
pub const V15_RAW: &str = "sig1=:AJW2NmpNskGVLx0AmxGS/vpLPoXKx2mcYbmmsh6GiJte2dQHVsQhTQe7XDY+uNeZ5P/Ponkl15EjnJ5jV96RhbYsARbkR9LBsNVn97zRPQxeTMoX1HvrXO3h7KLKDkhFzfhA6leAfq5+z5O+1ffVCBNXp8y7WNBvPMqUXB0L9YyGjJEl:";

/// §11.7: the URL of the v6 webhook delivery.
pub const V6_URL: &str = "https://tenant.example/webhooks/upvest";
/// §11.7: the delivery's `Digest` (SHA-256 of [`SPEC_BODY`]).
pub const V6_DIGEST: &str = "SHA-256=lyTB4g5uPk1/V+0l+dTvsAblCFkNUoyQ2ll/andcE+U=";
/// §11.7: the `Signature-Input` of the v6 signature.
pub const V6_INPUT: &str = r#"sig1=("@method" "@path" "content-length" "content-type" "digest");keyid="11111111-2222-3333-4444-555555555555";created=1700000000;expires=1700000005;nonce="o085M4cMgpbicuOL""#;
/// §11.7: the v6 `Signature` (ASN.1 DER).
pub const V6_DER: &str = "sig1=:MIGHAkERMn1G0uVgqTmMQIYCBs6/tuJHaODLteI3efk0DW0scoLm+AjebCYWn+yvqM8i+WYpo4he/x18cULtnO/awkSDlQJCAS4RCQ11yF9EN42hFv2YI5r08OBFEN49RpramawF2PN9b8/gnu+dnBWx7pxdqqkMP73TjElDyDRMkpyRZ44CCESO:";

/// The §11.6 key set.
pub fn spec_keys() -> Result<KeySet> {
    KeySet::from_json(SPEC_JWKS.as_bytes())
}

/// The §11.6 request with the given signature headers, and
/// `upvest-signature-version: 15` when `with_version_header`.
pub fn v15_request(
    signature_input: &str,
    signature: &str,
    with_version_header: bool,
) -> Result<HttpRequest> {
    let mut headers: Headers = V15_FIELDS.into_iter().collect();
    headers.append("signature-input", signature_input);
    headers.append("signature", signature);
    if with_version_header {
        headers.append("upvest-signature-version", "15");
    }
    HttpRequest::new("POST", V15_URL, headers, SPEC_BODY.to_vec())
}

/// The §11.7 delivery, signed, with `body` as its body (the signed one is
/// [`SPEC_BODY`]).
pub fn v6_request(body: &[u8]) -> Result<HttpRequest> {
    let headers: Headers = [
        ("content-length", "16"),
        ("content-type", "application/json"),
        ("digest", V6_DIGEST),
        ("signature-input", V6_INPUT),
        ("signature", V6_DER),
    ]
    .into_iter()
    .collect();
    HttpRequest::new("POST", V6_URL, headers, body.to_vec())
}
