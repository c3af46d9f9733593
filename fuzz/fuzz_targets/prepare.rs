//! The whole key-independent pipeline on arbitrary requests: `prepare`
//! (limits, both structured fields, time window, body binding, both base
//! forms), ECDSA with the spec key, and `inspect`, whose verdict must be
//! the verifier's. Input format: see `parse_request`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;
use upvest_webhooks::verify::inspect::inspect;
use upvest_webhooks::http_signature::prepare;
use upvest_webhooks::{Limits, VerifyPolicy, verify_delivery};
use upvest_webhooks_fuzz::{SPEC_CREATED, parse_request, spec_keys};

fuzz_target!(|data: &[u8]| {
    let Some(request) = parse_request(data) else { return };
    let keys = spec_keys();
    let lenient = VerifyPolicy { tolerance_seconds: i64::MAX, max_age_seconds: i64::MAX, ..VerifyPolicy::default() };
    let tight = VerifyPolicy {
        label: Some("sig1".into()),
        limits: Limits { max_signatures: 2, max_components: 4, max_header_bytes: 1024, max_body_bytes: 256 },
        ..VerifyPolicy::default()
    };
    for policy in [VerifyPolicy::default(), lenient, tight] {
        if let Ok(prepared) = prepare(&request, &policy, SPEC_CREATED) {
            assert!(!prepared.candidates().is_empty());
            for candidate in prepared.candidates() {
                for base in candidate.bases() {
                    // A base never has more lines than covered components + 1.
                    let lines = base.as_str().split('\n').count();
                    assert_eq!(lines, candidate.input().components().len() + 1);
                }
            }
            let _ = prepared.verify_with(|kid| keys.get(kid).map(Arc::clone));
        }
        let verdict = verify_delivery(&request, keys, &policy, SPEC_CREATED);
        let report = inspect(&request, keys, &policy, SPEC_CREATED);
        assert_eq!(report.ok, verdict.is_ok(), "inspect must report the verifier's verdict");
        if let Err(err) = &verdict {
            assert_eq!(report.code, Some(err.code().as_str()));
        }
    }
});
