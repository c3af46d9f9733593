//! wasm32 tests shared by the Node and browser runs: the core under the
//! 32-bit field backend, and the JS boundary as the package uses it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use js_sys::{Promise, Reflect};
use std::rc::Rc;
use upvest_webhooks::ecdsa::{EcdsaSignature, VerificationKey};
use upvest_webhooks::wasm::testing::{generate_test_key_pair, sign_test_delivery_js};
use upvest_webhooks::wasm::verifier::WebhookVerifier;
use upvest_webhooks::wasm::webcrypto::WebCrypto;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

const DER: &str = include_str!("../vectors/wycheproof/ecdsa_secp521r1_sha512_test.json");
const P1363: &str = include_str!("../vectors/wycheproof/ecdsa_secp521r1_sha512_p1363_test.json");

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// One Wycheproof case: its group's key, the message and signature bytes,
/// and whether it is valid ("acceptable" cases must be rejected: we choose
/// strictness).
struct Case {
    key: Rc<VerificationKey>,
    msg: Vec<u8>,
    sig: Vec<u8>,
    valid: bool,
    id: u64,
}

fn cases(text: &str) -> Vec<Case> {
    let suite: serde_json::Value = serde_json::from_str(text).unwrap();
    let mut out = Vec::new();
    for group in suite["testGroups"].as_array().unwrap() {
        let point = hex(group["publicKey"]["uncompressed"].as_str().unwrap());
        let key = Rc::new(VerificationKey::from_sec1(&point).unwrap());
        for case in group["tests"].as_array().unwrap() {
            out.push(Case {
                key: Rc::clone(&key),
                msg: hex(case["msg"].as_str().unwrap()),
                sig: hex(case["sig"].as_str().unwrap()),
                valid: case["result"] == "valid",
                id: case["tcId"].as_u64().unwrap(),
            });
        }
    }
    out
}

/// The package's own verification (generic first use, then comb tables).
fn run_wycheproof(text: &str) -> usize {
    let cases = cases(text);
    for case in &cases {
        let ok = EcdsaSignature::decode(&case.sig)
            .map(|s| case.key.verify(&case.msg, &s))
            .unwrap_or(false);
        assert_eq!(ok, case.valid, "tcId {}", case.id);
    }
    cases.len()
}

#[wasm_bindgen_test]
fn wycheproof_der_vectors_pass_in_wasm() {
    assert_eq!(run_wycheproof(DER), 542);
}

#[wasm_bindgen_test]
fn wycheproof_p1363_vectors_pass_in_wasm() {
    assert_eq!(run_wycheproof(P1363), 318);
}

/// The WebCrypto path on every vector: our decoding and key import, then
/// the runtime's own ECDSA. And the verifier's route, on the same keys: a
/// key's first verifications through WebCrypto while its tables are built a
/// slice at a time (`verify_and_precompute`), then the finished tables.
async fn run_wycheproof_webcrypto(text: &str) -> usize {
    let webcrypto = WebCrypto::from_global(true);
    let route = WebCrypto::from_global(true);
    let cases = cases(text);
    let (mut sliced, mut tables) = (0, 0);
    for case in &cases {
        let Ok(sig) = EcdsaSignature::decode(&case.sig) else {
            assert!(!case.valid, "tcId {}", case.id);
            continue;
        };
        let plain = webcrypto
            .verify(&case.key, &case.msg, &sig)
            .await
            .expect("WebCrypto verifies P-521");
        assert_eq!(plain, case.valid, "tcId {} (WebCrypto)", case.id);
        let routed = if route.wants(&case.key) {
            sliced += 1;
            route
                .verify_and_precompute(&case.key, &case.msg, &sig)
                .await
                .expect("WebCrypto verifies P-521")
        } else {
            tables += 1;
            case.key.verify(&case.msg, &sig)
        };
        assert_eq!(
            routed, case.valid,
            "tcId {} (the verifier's route)",
            case.id
        );
    }
    // Both halves of the route ran.
    assert!(
        sliced > 0 && tables > 0,
        "{sliced} through WebCrypto, {tables} with tables"
    );
    cases.len()
}

#[wasm_bindgen_test]
async fn wycheproof_der_vectors_pass_through_webcrypto() {
    assert_eq!(run_wycheproof_webcrypto(DER).await, 542);
}

#[wasm_bindgen_test]
async fn wycheproof_p1363_vectors_pass_through_webcrypto() {
    assert_eq!(run_wycheproof_webcrypto(P1363).await, 318);
}

fn get(value: &JsValue, name: &str) -> JsValue {
    Reflect::get(value, &name.into()).unwrap()
}

fn set(value: &JsValue, name: &str, field: &JsValue) {
    Reflect::set(value, &name.into(), field).unwrap();
}

fn delivery_options(private_jwk: &JsValue) -> JsValue {
    let options = js_sys::Object::new();
    set(&options, "privateJwk", private_jwk);
    set(&options, "url", &"https://tenant.example/hooks".into());
    set(&options, "body", &r#"{"payload":[{"id":"e1","created_at":"2021-07-21T14:10:00.00Z","type":"USER.CREATED","object":{},"webhook_id":"w1"}]}"#.into());
    options.into()
}

/// Registers the package's body helpers (pkg/src/body.js, its `export`s
/// dropped), as the package's entry files do.
fn register_body_helpers() {
    let source = include_str!("../../pkg/src/body.js").replace("export function", "function");
    let make = js_sys::Function::new_no_args(&format!("{source}\nreturn bodyHelpers();"));
    upvest_webhooks::wasm::body::register_body_helpers(make.call0(&JsValue::NULL).unwrap());
}

async fn settle(promise: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(promise).await
}

#[wasm_bindgen_test]
async fn verifier_accepts_a_signed_delivery_and_rejects_a_tampered_one() {
    // Bodies hashed here, then with the runtime's SHA (WebCrypto).
    for native_digest_min_bytes in [f64::INFINITY, 0.0] {
        accepts_a_signed_delivery_and_rejects_a_tampered_one(native_digest_min_bytes).await;
    }
}

async fn accepts_a_signed_delivery_and_rejects_a_tampered_one(native_digest_min_bytes: f64) {
    register_body_helpers();
    let pair = generate_test_key_pair(JsValue::UNDEFINED).unwrap();
    let delivery = sign_test_delivery_js(delivery_options(&get(&pair, "privateJwk"))).unwrap();
    let options = js_sys::Object::new();
    set(&options, "keys", &get(&pair, "jwks"));
    set(
        &options,
        "nativeDigestMinBytes",
        &native_digest_min_bytes.into(),
    );
    let verifier = WebhookVerifier::new(options.into()).unwrap();

    let result = settle(verifier.verify(delivery.clone())).await.unwrap();
    assert_eq!(get(&result, "signatureVersion").as_f64(), Some(6.0));
    let events = js_sys::Array::from(&get(&result, "events"));
    assert_eq!(
        get(&events.get(0), "type").as_string().as_deref(),
        Some("USER.CREATED")
    );

    let body = get(&delivery, "body").as_string().unwrap();
    let tampered = js_sys::Object::assign(&js_sys::Object::new(), delivery.unchecked_ref());
    set(&tampered, "body", &body.replace("USER", "USEX").into());
    let error = settle(verifier.verify(tampered.into())).await.unwrap_err();
    assert_eq!(
        get(&error, "code").as_string().as_deref(),
        Some("ERR_DIGEST_MISMATCH")
    );
    assert_eq!(
        get(&error, "name").as_string().as_deref(),
        Some("WebhookVerificationError")
    );
    // The same body as bytes.
    let bytes = js_sys::Object::assign(&js_sys::Object::new(), delivery.unchecked_ref());
    set(
        &bytes,
        "body",
        &js_sys::Uint8Array::from(body.as_bytes()).into(),
    );
    assert!(settle(verifier.verify(bytes.clone().into())).await.is_ok());
    set(
        &bytes,
        "body",
        &js_sys::Uint8Array::from(body.replace("USER", "USEX").as_bytes()).into(),
    );
    let error = settle(verifier.verify(bytes.into())).await.unwrap_err();
    assert_eq!(
        get(&error, "code").as_string().as_deref(),
        Some("ERR_DIGEST_MISMATCH")
    );

    // The instance keeps working after failures.
    for _ in 0..20 {
        assert!(
            settle(verifier.verify(JsValue::from_str("not a request")))
                .await
                .is_err()
        );
    }
    assert!(settle(verifier.verify(delivery)).await.is_ok());
}

#[wasm_bindgen_test]
async fn verifier_rejects_a_key_it_does_not_have() {
    let signer = generate_test_key_pair(JsValue::UNDEFINED).unwrap();
    let other = generate_test_key_pair(JsValue::UNDEFINED).unwrap();
    let delivery = sign_test_delivery_js(delivery_options(&get(&signer, "privateJwk"))).unwrap();
    let options = js_sys::Object::new();
    set(&options, "keys", &get(&other, "jwks"));
    let verifier = WebhookVerifier::new(options.into()).unwrap();
    let error = settle(verifier.verify(delivery)).await.unwrap_err();
    assert_eq!(
        get(&error, "code").as_string().as_deref(),
        Some("ERR_KEY_NOT_FOUND")
    );
}

use wasm_bindgen::JsCast as _;
