//! Bounds and redaction: every input limit gives `ERR_LIMIT_EXCEEDED` with a
//! message naming the option; hostile shapes within the limits still parse;
//! `Debug` of key and token types never shows secret material. The work
//! bounds are counted in tests/work.rs (bytes allocated, never time); parse
//! time against input size is measured by `make bench`
//! (bench/parse-scaling.mjs, bench/hostile.mjs).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

// ---------------------------------------------------------------------------
// Limits

use base64::Engine as _;
use upvest_webhooks::ecdsa::EcdsaSigningKey;
use upvest_webhooks::error::Setting;
use upvest_webhooks::http_signature::{parse_signature_input, prepare};
use upvest_webhooks::testing::{TestDeliveryOptions, sign_test_delivery};
use upvest_webhooks::{ErrorCode, Headers, HttpRequest, Limits, VerifyPolicy};

const NOW: i64 = 1_750_000_000;

fn signed_request(body: &[u8], extra: &[(&str, String)]) -> HttpRequest {
    let key = EcdsaSigningKey::from_scalar(&[7u8; 66][..])
        .or_else(|_| EcdsaSigningKey::generate())
        .unwrap();
    let delivery = sign_test_delivery(
        &key,
        &TestDeliveryOptions {
            key_id: "k",
            url: "https://tenant.example/hooks",
            body: body.to_vec(),
            created: NOW,
            expires: Some(NOW + 60),
        },
    )
    .unwrap();
    let mut headers: Headers = delivery.headers.into_iter().collect();
    for (name, value) in extra {
        headers.append(name, value.clone());
    }
    HttpRequest::new("POST", &delivery.url, headers, delivery.body).unwrap()
}

fn limit_error(request: &HttpRequest, limits: Limits) -> upvest_webhooks::Error {
    let policy = VerifyPolicy {
        limits,
        ..VerifyPolicy::default()
    };
    let err = prepare(request, &policy, NOW).expect_err("the limit must refuse the request");
    assert_eq!(err.code(), ErrorCode::LimitExceeded, "{err}");
    err
}

#[test]
fn each_limit_gives_limit_exceeded_naming_its_setting() {
    let body = br#"{"payload":[]}"#;
    // Exactly at each limit passes prepare; one past fails.
    let request = signed_request(body, &[]);
    let header_bytes = request.headers.byte_len();
    prepare(
        &request,
        &VerifyPolicy {
            limits: Limits {
                max_header_bytes: header_bytes,
                max_body_bytes: body.len(),
                ..Limits::default()
            },
            ..VerifyPolicy::default()
        },
        NOW,
    )
    .unwrap();

    let err = limit_error(
        &request,
        Limits {
            max_header_bytes: header_bytes - 1,
            ..Limits::default()
        },
    );
    assert!(
        err.setting() == Some(Setting::MaxHeaderBytes)
            && err.message().contains(&header_bytes.to_string()),
        "{err}"
    );
    let err = limit_error(
        &request,
        Limits {
            max_body_bytes: body.len() - 1,
            ..Limits::default()
        },
    );
    assert_eq!(err.setting(), Some(Setting::MaxBodyBytes), "{err}");
    let err = limit_error(
        &request,
        Limits {
            max_components: 4,
            ..Limits::default()
        },
    ); // the test signer covers 5
    assert!(
        err.setting() == Some(Setting::MaxComponents) && err.message().contains("covers 5"),
        "{err}"
    );

    // Nine members against the default of eight.
    let members: Vec<String> = (0..9)
        .map(|i| format!("s{i}=(\"@method\");keyid=\"k\";created={NOW}"))
        .collect();
    let err = parse_signature_input(&members.join(", "), &Limits::default()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded);
    assert!(
        err.setting() == Some(Setting::MaxSignatures) && err.message().contains("9 members"),
        "{err}"
    );
}

#[test]
fn the_limits_hold_for_many_tiny_headers_and_many_signature_members() {
    // 20 000 one-byte headers stay within 64 KiB and must not make base
    // construction (a header lookup per covered component) slow.
    let many: Vec<(&str, String)> = (0..20_000).map(|_| ("x", String::new())).collect();
    let request = signed_request(b"{}", &many);
    prepare(&request, &VerifyPolicy::default(), NOW).unwrap();

    // A Signature header with 10 000 members (it has no member limit of its
    // own, only maxHeaderBytes) parses (its memory: tests/work.rs).
    let members: Vec<String> = (0..10_000).map(|i| format!("s{i}=:AAAA:")).collect();
    let parsed = upvest_webhooks::http_signature::parse_signatures(&members.join(",")).unwrap();
    assert_eq!(parsed.len(), 10_000);
}

#[test]
fn the_hostile_lookup_shape_within_64_kib_still_prepares() {
    // Security round 2, finding 2's class: work a small constant times the
    // request's size, whatever the header shape. 59,000 one-byte headers
    // fit in 64 KiB; 8 signatures × 64 covered components made 0.1.0 scan
    // all of them ~1,000 times (a linear scan per lookup). With the index a
    // lookup costs its own field: the hostile shape stays within a small
    // factor of the same headers under one ordinary signature.
    let mut tiny: Vec<(&str, String)> = (0..59_000).map(|_| ("y", String::new())).collect();
    let names: Vec<String> = (0..63).map(|i| format!("x-{i}")).collect();
    for name in &names {
        tiny.push((name.as_str(), "v".to_owned()));
    }
    let baseline = signed_request(b"{}", &tiny);
    let components: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    let inputs: Vec<String> = (0..8)
        .map(|i| {
            format!(
                "s{i}=(\"digest\" {});keyid=\"k{i}\";created={NOW}",
                components.join(" ")
            )
        })
        .collect();
    let junk = base64::engine::general_purpose::STANDARD.encode([1u8; 132]);
    let signatures: Vec<String> = (0..8).map(|i| format!("s{i}=:{junk}:")).collect();
    let mut headers = Headers::new();
    for (name, value) in baseline.headers.iter() {
        if !name.starts_with("signature") {
            headers.append(name, value);
        }
    }
    headers.append("signature-input", inputs.join(", "));
    headers.append("signature", signatures.join(", "));
    assert!(headers.byte_len() <= 64 * 1024, "{}", headers.byte_len());
    let hostile = HttpRequest::new(
        "POST",
        "https://tenant.example/hooks",
        headers,
        b"{}".to_vec(),
    )
    .unwrap();
    let policy = VerifyPolicy::default();
    let prepared = prepare(&hostile, &policy, NOW);
    assert_eq!(prepared.unwrap().candidates().len(), 8);
    prepare(&baseline, &policy, NOW).unwrap();
    // (Its time against the baseline's: bench/hostile.mjs.)
}

// ---------------------------------------------------------------------------
// Debug redaction

/// Every way a secret might appear in text: hex, base64, base64url, and
/// Rust's `[1, 2, …]` rendering of its first bytes.
fn renderings(secret: &[u8]) -> Vec<String> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(secret);
    let b64url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
    let head: Vec<String> = secret.iter().take(6).map(u8::to_string).collect();
    vec![
        hex::encode(secret),
        hex::encode_upper(secret),
        b64[..20].to_owned(),
        b64url[..20].to_owned(),
        head.join(", "),
    ]
}

fn assert_redacted(debug: &str, secret: &[u8], what: &str) {
    for rendering in renderings(secret) {
        assert!(
            !debug.contains(&rendering),
            "{what} Debug output leaks the secret ({rendering}): {debug}"
        );
    }
}

#[cfg(feature = "client")]
#[test]
fn debug_of_key_and_token_types_never_shows_secrets() {
    use upvest_webhooks::private_key::SigningKey;
    let key = EcdsaSigningKey::generate().unwrap();
    let scalar = key.to_scalar();
    assert_redacted(&format!("{key:?} {key:#?}"), &scalar, "EcdsaSigningKey");
    let wrapped = SigningKey::from(key.clone());
    assert_redacted(&format!("{wrapped:?} {wrapped:#?}"), &scalar, "SigningKey");

    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/");
    for (file, passphrase) in [
        ("p521-sec1.pem", None),
        (
            "p521-pkcs8-pbkdf2-aes256.pem",
            Some(&b"upvest-test-passphrase"[..]),
        ),
        ("ed25519-pkcs8.pem", None),
    ] {
        let pem = std::fs::read_to_string(format!("{fixtures}{file}")).unwrap();
        let key = SigningKey::from_pem(&pem, passphrase).unwrap();
        let debug = format!("{key:?} {key:#?}");
        assert!(debug.contains("redacted"), "{debug}");
        // No PEM body line, and no passphrase.
        for line in pem
            .lines()
            .filter(|l| l.len() > 40 && !l.starts_with("-----"))
        {
            assert!(!debug.contains(line), "{file}: Debug shows PEM text");
        }
        assert!(!debug.contains("upvest-test-passphrase"));
        if let SigningKey::EcdsaP521(inner) = &key {
            assert_redacted(&debug, &inner.to_scalar(), file);
        }
    }
    let jwk: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{fixtures}node-p521.jwk.json")).unwrap(),
    )
    .unwrap();
    let key = SigningKey::from_jwk(&jwk).unwrap();
    let d = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(jwk["d"].as_str().unwrap())
        .unwrap();
    assert_redacted(&format!("{key:?}"), &d, "SigningKey from JWK");
    assert!(!format!("{key:?}").contains(jwk["d"].as_str().unwrap()));

    let token = upvest_webhooks::client::token::AccessToken::from_response(
        br#"{"access_token":"secret-token-abc123","expires_in":3600,"token_type":"bearer"}"#,
        0.0,
    )
    .unwrap();
    assert!(!format!("{token:?} {token:#?}").contains("secret-token-abc123"));

    let headers: Headers = [("authorization", "Bearer secret-token-abc123")]
        .into_iter()
        .collect();
    assert!(!format!("{headers:?}").contains("secret-token-abc123"));
    let request = HttpRequest::new("POST", "/hooks", headers, Vec::new()).unwrap();
    assert!(!format!("{request:?}").contains("secret-token-abc123"));
}
