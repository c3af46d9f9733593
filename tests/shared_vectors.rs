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
use upvest_webhooks::testing::vectors::{
    SPEC_BODY as BODY, SPEC_CREATED as CREATED, SPEC_KID, V15_DER, V15_INPUT, V15_RAW, spec_keys,
};
use upvest_webhooks::{ErrorCode, HttpRequest, KeySet, VerifyPolicy};

fn v15_request(signature: &str, with_version_header: bool) -> HttpRequest {
    upvest_webhooks::testing::vectors::v15_request(V15_INPUT, signature, with_version_header)
        .unwrap()
}

fn v6_request(body: &[u8]) -> HttpRequest {
    upvest_webhooks::testing::vectors::v6_request(body).unwrap()
}

fn keys() -> KeySet {
    spec_keys().unwrap()
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
    assert_eq!(verified.key_id, SPEC_KID);
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
    request.target =
        upvest_webhooks::http_signature::message::RequestTarget::parse("/webhooks/other").unwrap();
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
