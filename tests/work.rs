//! Work bounds, counted, never timed: a limit refuses its input before the
//! work it bounds, and parsers' memory grows linearly with hostile input.
//! The meter is the bytes the process allocates (stats_alloc); each test
//! here holds one lock for its whole run, so none counts another's
//! allocations (set-up included). Parse time
//! against input size is measured by `make bench` (bench/parse-scaling.mjs).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;
use std::sync::{Mutex, MutexGuard};
use upvest_webhooks::ecdsa::EcdsaSigningKey;
use upvest_webhooks::http_signature::{parse_signature_input, parse_signatures, prepare};
use upvest_webhooks::testing::{TestDeliveryOptions, sign_test_delivery};
use upvest_webhooks::{ErrorCode, Headers, HttpRequest, KeySet, Limits, VerifyPolicy};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// One test at a time in this binary: the counter is the process's.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Held for a whole test, set-up included.
fn alone() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The result of `f` and the bytes allocated while it ran (call it holding [`alone`]).
fn allocated<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let region = Region::new(GLOBAL);
    let out = f();
    (out, region.change().bytes_allocated)
}

const NOW: i64 = 1_750_000_000;

fn signed_request(body: &[u8], extra: &[(&str, String)]) -> HttpRequest {
    let key = EcdsaSigningKey::generate().unwrap();
    let options = TestDeliveryOptions {
        key_id: "k",
        url: "https://tenant.example/hooks",
        body: body.to_vec(),
        created: NOW,
        expires: Some(NOW + 60),
    };
    let delivery = sign_test_delivery(&key, &options).unwrap();
    let mut headers: Headers = delivery.headers.into_iter().collect();
    for (name, value) in extra {
        headers.append(name, value.clone());
    }
    HttpRequest::new("POST", &delivery.url, headers, delivery.body).unwrap()
}

#[test]
fn oversized_input_is_refused_before_it_is_parsed_or_hashed() {
    let _alone = alone();
    let huge_header = "a".repeat(64 * 1024 + 1);
    let request = signed_request(b"{}", &[("x-padding", huge_header)]);
    let (err, work) = allocated(|| prepare(&request, &VerifyPolicy::default(), NOW).unwrap_err());
    assert_eq!(err.code(), ErrorCode::LimitExceeded);
    // The error and its message: nothing of the 64 KiB was parsed or copied.
    assert!(
        work < 2048,
        "{work} bytes allocated refusing a 64 KiB header"
    );

    let big_body = vec![b' '; 8 * 1024 * 1024 + 1];
    let request = signed_request(&big_body, &[]);
    let (err, work) = allocated(|| prepare(&request, &VerifyPolicy::default(), NOW).unwrap_err());
    assert_eq!(err.code(), ErrorCode::LimitExceeded);
    assert!(err.message().contains("8388609"), "{err}");
    assert!(work < 2048, "{work} bytes allocated refusing an 8 MiB body");

    // The positive control: a request within the limits is parsed (and allocates).
    let request = signed_request(b"{}", &[("x-padding", "a".repeat(60 * 1024))]);
    let (prepared, work) = allocated(|| prepare(&request, &VerifyPolicy::default(), NOW));
    prepared.unwrap();
    assert!(work > 2048, "{work}");
}

/// 8× the input, at most 12× the memory: linear growth (with an index that
/// grows by doubling), where quadratic bookkeeping would show far more.
fn assert_linear(what: &str, small: usize, large: usize) {
    assert!(
        large < small * 12,
        "{what}: 8x the input allocated {large} B against {small} B"
    );
    assert!(
        large > small * 4,
        "{what}: the meter did not see the work ({large} B against {small} B)"
    );
}

#[test]
fn a_jwks_of_many_kids_is_read_in_memory_linear_in_its_size() {
    let _alone = alone();
    // 1 MiB (the default limits.maxJwksBytes) holds about 55 000 such entries.
    let jwks = |n: usize| {
        let keys: Vec<String> = (0..n).map(|i| format!("{{\"kid\":\"{i:08}\"}}")).collect();
        format!("{{\"keys\":[{}]}}", keys.join(",")).into_bytes()
    };
    let (small, large) = (jwks(6_000), jwks(48_000));
    assert!(large.len() <= 1024 * 1024);
    let (_, small_bytes) = allocated(|| KeySet::from_json(&small).unwrap());
    let (set, large_bytes) = allocated(|| KeySet::from_json(&large).unwrap());
    assert!(set.contains("00047999"));
    assert_linear("JWKS kids", small_bytes, large_bytes);
}

#[test]
fn signature_headers_of_many_members_or_components_parse_in_linear_memory() {
    let _alone = alone();
    let signature = |n: usize| {
        (0..n)
            .map(|i| format!("s{i}=:AAAA:"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let (small, large) = (signature(1_250), signature(10_000));
    let (_, small_bytes) = allocated(|| parse_signatures(&small).unwrap());
    let (parsed, large_bytes) = allocated(|| parse_signatures(&large).unwrap());
    assert_eq!(parsed.len(), 10_000);
    assert_linear("Signature members", small_bytes, large_bytes);

    // With limits.maxComponents raised, duplicate detection used to be quadratic.
    let input = |n: usize| {
        let components: Vec<String> = (0..n).map(|i| format!("\"x-{i}\"")).collect();
        format!("sig1=({});keyid=\"k\";created=1", components.join(" "))
    };
    let limits = Limits {
        max_components: usize::MAX,
        ..Limits::default()
    };
    let (small, large) = (input(5_000), input(40_000));
    let (_, small_bytes) = allocated(|| parse_signature_input(&small, &limits).unwrap());
    let (parsed, large_bytes) = allocated(|| parse_signature_input(&large, &limits).unwrap());
    assert_eq!(parsed[0].components().len(), 40_000);
    assert_linear("Signature-Input components", small_bytes, large_bytes);
    // Duplicates are still refused.
    let err = parse_signature_input("sig1=(\"a\" \"b\" \"a\");keyid=\"k\";created=1", &limits)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::SignatureInputMalformed);
}
