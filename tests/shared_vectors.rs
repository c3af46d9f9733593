//! The signed examples in shared/upvest/http-signatures.md §11, produced by
//! Upvest's own Python signer (v15) and by the same key in the v6 format.
//! They are an oracle independent of this crate's signing code.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use upvest_webhooks::ecdsa::SignatureEncoding;
use upvest_webhooks::http_signature::{BaseForm, prepare};
use upvest_webhooks::{ErrorCode, Headers, HttpRequest, KeySet, VerifyPolicy};

const JWKS: &str = r#"{"keys":[{"kid":"11111111-2222-3333-4444-555555555555","kty":"EC","crv":"P-521","x":"AJeo7NU7sBWuEF8fd45lgZjHwEwlGn58E6lR4h2-OJ7q5WFiPhYkBqN3qPRbamvWuBjwlWvxyulZeYb_-B6zpk9E","y":"AfPDdHxb7N7oJL3219tmeemQRH5vhKWzv48Dn-E8zS_BlkqynL7NDUk4EGZ28ZVK4ohmqXdLD-4xpKQrPPVlfZ71"}]}"#;
const CREATED: i64 = 1_700_000_000;
const BODY: &[u8] = br#"{"key": "value"}"#;

const V15_INPUT: &str = r#"sig1=("@method" "@path" "@query" "authorization" "content-type" "accept" "upvest-api-version" "upvest-client-id" "idempotency-key" "date" "content-digest" "content-length");keyid="11111111-2222-3333-4444-555555555555";nonce="b6f5a4a8-0c1e-4c53-9f64-2b8f6c3e9d10";created=1700000000;expires=1700000010"#;
const V15_DER: &str = "sig1=:MIGIAkIAlbY2ak2yQZUvHQCbEZL++ks+hcrHaZxhuaayHoaIm17Z1AdWxCFNB7tcNj6415nk/8+ieSXXkSOcnmNX3pGFtiwCQgEW5EfSwbDVZ/e80T0MXkzKF9R761zt4eyiyg5IRc34QOpXgH6ufs+TvtX31QgTV6fMu1jQbzzKlFwdC/WMhoyRJQ==:";
const V15_RAW: &str = "sig1=:AJW2NmpNskGVLx0AmxGS/vpLPoXKx2mcYbmmsh6GiJte2dQHVsQhTQe7XDY+uNeZ5P/Ponkl15EjnJ5jV96RhbYsARbkR9LBsNVn97zRPQxeTMoX1HvrXO3h7KLKDkhFzfhA6leAfq5+z5O+1ffVCBNXp8y7WNBvPMqUXB0L9YyGjJEl:";

const V6_INPUT: &str = r#"sig1=("@method" "@path" "content-length" "content-type" "digest");keyid="11111111-2222-3333-4444-555555555555";created=1700000000;expires=1700000005;nonce="o085M4cMgpbicuOL""#;
const V6_DER: &str = "sig1=:MIGHAkERMn1G0uVgqTmMQIYCBs6/tuJHaODLteI3efk0DW0scoLm+AjebCYWn+yvqM8i+WYpo4he/x18cULtnO/awkSDlQJCAS4RCQ11yF9EN42hFv2YI5r08OBFEN49RpramawF2PN9b8/gnu+dnBWx7pxdqqkMP73TjElDyDRMkpyRZ44CCESO:";

fn v15_request(signature: &str, with_version_header: bool) -> HttpRequest {
    let mut headers: Headers = [
        ("Authorization", "Bearer access-token"),
        ("Content-Type", "application/json"),
        ("Accept", "application/json"),
        ("upvest-api-version", "1"),
        ("upvest-client-id", "5ec16164-6173-461d-b90d-116d68f55b40"),
        ("idempotency-key", "2133825797664cad"),
        ("Date", "Tue, 14 Nov 2023 22:13:20 GMT"),
        ("content-digest", "sha-512=:Hd9/AvGZkbjitW1+Ml8Fg1ux1mtcDYe6mLQjDyoowIWa3LM/PmwN2v9O+MjtQGrCA3EQWUL54dlgxKHyYbrucw==:"),
        ("Content-Length", "16"),
        ("signature-input", V15_INPUT),
        ("signature", signature),
    ]
    .into_iter()
    .collect();
    if with_version_header {
        headers.append("upvest-signature-version", "15");
    }
    HttpRequest::new(
        "POST",
        "https://sandbox.upvest.co/users?limit=2",
        headers,
        BODY.to_vec(),
    )
    .unwrap()
}

fn v6_request(body: &[u8]) -> HttpRequest {
    let headers: Headers = [
        ("content-length", "16"),
        ("content-type", "application/json"),
        (
            "digest",
            "SHA-256=lyTB4g5uPk1/V+0l+dTvsAblCFkNUoyQ2ll/andcE+U=",
        ),
        ("signature-input", V6_INPUT),
        ("signature", V6_DER),
    ]
    .into_iter()
    .collect();
    HttpRequest::new(
        "POST",
        "https://tenant.example/webhooks/upvest",
        headers,
        body.to_vec(),
    )
    .unwrap()
}

fn keys() -> KeySet {
    KeySet::from_json(JWKS.as_bytes()).unwrap()
}

fn verify(request: &HttpRequest, now: i64) -> upvest_webhooks::Result<upvest_webhooks::Verified> {
    let keys = keys();
    prepare(request, &VerifyPolicy::default(), now)?
        .verify_with(|kid| keys.get(kid).map(Arc::clone))
}

#[test]
fn verifies_upvests_python_signer_v15_vector_in_der() {
    let verified = verify(&v15_request(V15_DER, true), CREATED).unwrap();
    assert_eq!(verified.form, BaseForm::Quoted);
    assert_eq!(verified.encoding, SignatureEncoding::Der);
    assert_eq!(verified.key_id, "11111111-2222-3333-4444-555555555555");
    assert_eq!(verified.expires, Some(1_700_000_010));
}

#[test]
fn verifies_the_v15_vector_as_raw_r_s() {
    let verified = verify(&v15_request(V15_RAW, true), CREATED).unwrap();
    assert_eq!(verified.encoding, SignatureEncoding::Raw);
}

#[test]
fn falls_back_to_the_quoted_form_without_the_version_header() {
    assert_eq!(
        verify(&v15_request(V15_DER, false), CREATED).unwrap().form,
        BaseForm::Quoted
    );
}

#[test]
fn verifies_the_v6_vector_in_the_unquoted_form() {
    let verified = verify(&v6_request(BODY), CREATED).unwrap();
    assert_eq!(verified.form, BaseForm::UpvestV6);
}

#[test]
fn the_version_header_forbids_the_v6_form() {
    let mut request = v6_request(BODY);
    request.headers.append("upvest-signature-version", "15");
    assert_eq!(
        verify(&request, CREATED).unwrap_err().code(),
        ErrorCode::SignatureInvalid
    );
}

#[test]
fn rejects_the_v6_vector_with_an_altered_body() {
    let err = verify(&v6_request(br#"{"key": "valuf"}"#), CREATED).unwrap_err();
    assert_eq!(err.code(), ErrorCode::DigestMismatch);
}

#[test]
fn rejects_the_v6_vector_once_expired() {
    assert_eq!(
        verify(&v6_request(BODY), CREATED + 5 + 301)
            .unwrap_err()
            .code(),
        ErrorCode::SignatureExpired
    );
    assert!(verify(&v6_request(BODY), CREATED + 5 + 300).is_ok());
}

#[test]
fn rejects_the_v6_vector_at_another_path() {
    let mut request = v6_request(BODY);
    request.target = upvest_webhooks::http_signature::message::RequestTarget::parse("/webhooks/other").unwrap();
    assert_eq!(
        verify(&request, CREATED).unwrap_err().code(),
        ErrorCode::SignatureInvalid
    );
}

/// The attempts a WebCrypto-first caller makes are exactly the checks
/// `verify_with` makes, in its order, and the checker's answers decide.
#[test]
fn attempts_list_the_checks_and_the_checker_decides() {
    let keys = keys();
    // Without the version header both base forms are candidates: v6 first, then quoted.
    let request = v15_request(V15_DER, false);
    let prepared = prepare(&request, &VerifyPolicy::default(), CREATED).unwrap();
    let attempts = prepared.attempts(|kid| keys.get(kid).ok().map(|key| &**key));
    let order: Vec<_> = attempts.iter().map(|a| (a.candidate, a.base)).collect();
    assert_eq!(order, [(0, 0), (0, 1)]);
    let forms: Vec<_> = prepared.candidates()[0]
        .bases()
        .iter()
        .map(|b| b.form())
        .collect();
    assert_eq!(forms, [BaseForm::UpvestV6, BaseForm::Quoted]);
    let truth: Vec<bool> = attempts
        .iter()
        .map(|a| a.key.verify_generic(a.message, a.signature))
        .collect();
    assert_eq!(truth, [false, true]);

    let lookup = |kid: &str| keys.get(kid).map(Arc::clone);
    let mut seen = Vec::new();
    let verified = prepared
        .verify_with_checker(lookup, |a| {
            seen.push((a.candidate, a.base));
            truth[a.base]
        })
        .unwrap();
    assert_eq!(
        (verified.form, seen),
        (BaseForm::Quoted, vec![(0, 0), (0, 1)])
    );
    // A checker that says no everywhere fails the request, whatever the bytes.
    let err = prepared.verify_with_checker(lookup, |_| false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::SignatureInvalid);
    // And one that vouches for the v6 base makes that the verified form.
    assert_eq!(
        prepared
            .verify_with_checker(lookup, |a| a.base == 0)
            .unwrap()
            .form,
        BaseForm::UpvestV6
    );
}
