//! API error bodies (problem+json, other JSON, HTML, nothing). The first two
//! bytes pick the status; the code must depend on the status only.
#![no_main]
use libfuzzer_sys::fuzz_target;
use upvest_webhooks::client::problem::{ApiError, code_for_status};

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data {
        [a, b, rest @ ..] => (u16::from_be_bytes([*a, *b]), rest),
        _ => (500, data),
    };
    let err = ApiError::from_response("fuzz", status, body, None);
    assert_eq!(err.code, code_for_status(status));
    assert!(err.message.starts_with("fuzz failed: Upvest answered HTTP "));
    let _ = ApiError::from_response("fuzz", status, body, Some("req-id".into()));
});
