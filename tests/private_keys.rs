//! `SigningKey::from_pem` / `from_jwk` against keys written by the `openssl`
//! CLI and by `node:crypto` (tests/fixtures/keys, see its README).
//!
//! Every loadable key signs a message that is then verified independently of
//! the loader: with the public key that `openssl … -pubout` (or node) wrote,
//! decoded by p521's / ed25519-dalek's own SPKI parsers, and, where the
//! `openssl` CLI is on PATH, by `openssl dgst -verify` / `openssl pkeyutl -verify`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pkcs8::DecodePublicKey as _;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use upvest_webhooks::ecdsa::{EcdsaSignature, SignatureEncoding, VerificationKey};
use upvest_webhooks::private_key::SigningKey;
use upvest_webhooks::signature::{BaseForm, MessageSigner, SignatureSpec, prepare, sign};
use upvest_webhooks::{Error, ErrorCode, Headers, HttpRequest, KeySet, VerifyPolicy};

const PASS: &[u8] = b"upvest-test-passphrase";
const MESSAGE: &[u8] = b"\"@method\": POST\n\"@path\": /users\n\"@signature-params\": (\"@method\" \"@path\");keyid=\"k\";created=1700000000";

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keys")
        .join(name)
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn load(name: &str, passphrase: Option<&[u8]>) -> SigningKey {
    SigningKey::from_pem(&fixture(name), passphrase).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The P-521 public key `openssl -pubout` wrote, decoded by p521's SPKI parser.
fn p521_public(name: &str) -> VerificationKey {
    let key = p521::ecdsa::VerifyingKey::from_public_key_pem(&fixture(name)).unwrap();
    VerificationKey::from_sec1(key.to_sec1_point(false).as_bytes()).unwrap()
}

/// The Ed25519 public key `openssl pkey -pubout` wrote, decoded by ed25519-dalek's SPKI parser.
fn ed25519_public(name: &str) -> ed25519_dalek::VerifyingKey {
    ed25519_dalek::VerifyingKey::from_public_key_pem(&fixture(name)).unwrap()
}

fn assert_p521_signs(key: &SigningKey, public_pem: &str) {
    assert_eq!(key.algorithm(), "ecdsa-p521-sha512");
    let der = key.sign(MESSAGE).unwrap();
    let signature = EcdsaSignature::decode(&der).unwrap();
    assert_eq!(signature.encoding(), SignatureEncoding::Der);
    let public = p521_public(public_pem);
    assert!(
        public.verify(MESSAGE, &signature),
        "signature does not verify with {public_pem}"
    );
    assert!(!public.verify(b"another message", &signature));
    if let Some(verified) = openssl_verifies(Algorithm::EcdsaSha512, public_pem, MESSAGE, &der) {
        assert!(
            verified,
            "openssl dgst -sha512 -verify {public_pem} rejects the signature"
        );
        assert_eq!(
            openssl_verifies(Algorithm::EcdsaSha512, public_pem, b"another message", &der),
            Some(false)
        );
    }
}

fn assert_ed25519_signs(key: &SigningKey, public_pem: &str) {
    assert_eq!(key.algorithm(), "ed25519");
    let raw = key.sign(MESSAGE).unwrap();
    assert_eq!(raw.len(), 64);
    let signature = ed25519_dalek::Signature::from_slice(&raw).unwrap();
    let public = ed25519_public(public_pem);
    public.verify_strict(MESSAGE, &signature).unwrap();
    assert!(
        public
            .verify_strict(b"another message", &signature)
            .is_err()
    );
    if let Some(verified) = openssl_verifies(Algorithm::Ed25519, public_pem, MESSAGE, &raw) {
        assert!(
            verified,
            "openssl pkeyutl -verify {public_pem} rejects the signature"
        );
        assert_eq!(
            openssl_verifies(Algorithm::Ed25519, public_pem, b"another message", &raw),
            Some(false)
        );
    }
}

// --- the openssl CLI as a second, independent verifier (skipped when missing) ---

#[derive(Clone, Copy)]
enum Algorithm {
    EcdsaSha512,
    Ed25519,
}

fn openssl_available() -> bool {
    Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `Some(verified)` from the openssl CLI, or `None` when it is not installed.
fn openssl_verifies(
    algorithm: Algorithm,
    public_pem: &str,
    message: &[u8],
    signature: &[u8],
) -> Option<bool> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    if !openssl_available() {
        eprintln!("openssl not on PATH: skipping the CLI cross-check");
        return None;
    }
    let dir = std::env::temp_dir().join(format!(
        "upvest-webhooks-keys-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let (msg, sig) = (dir.join("msg"), dir.join("sig"));
    std::fs::write(&msg, message).unwrap();
    std::fs::write(&sig, signature).unwrap();
    let public = path(public_pem);
    let mut command = Command::new("openssl");
    match algorithm {
        Algorithm::EcdsaSha512 => command
            .arg("dgst")
            .arg("-sha512")
            .arg("-verify")
            .arg(&public)
            .arg("-signature")
            .arg(&sig)
            .arg(&msg),
        Algorithm::Ed25519 => command
            .args(["pkeyutl", "-verify", "-pubin", "-rawin", "-inkey"])
            .arg(&public)
            .arg("-in")
            .arg(&msg)
            .arg("-sigfile")
            .arg(&sig),
    };
    let output = command.output().unwrap();
    std::fs::remove_dir_all(&dir).ok();
    Some(output.status.success())
}

// --- errors ---

/// Loads `pem`, expecting a failure whose message leaks neither key text nor passphrase.
fn refuse(pem: &str, passphrase: Option<&[u8]>) -> Error {
    let Err(err) = SigningKey::from_pem(pem, passphrase) else {
        panic!("loaded a key that must be refused")
    };
    assert_eq!(err.code(), ErrorCode::PrivateKeyInvalid);
    assert_leaks_nothing(&err, pem, passphrase);
    err
}

fn assert_leaks_nothing(err: &Error, pem: &str, passphrase: Option<&[u8]>) {
    let message = err.to_string();
    for line in pem.lines().map(str::trim) {
        if line.len() >= 12 && !line.starts_with("-----") && !line.contains(':') {
            assert!(
                !message.contains(&line[..12]),
                "message echoes key text: {message}"
            );
        }
    }
    if let Some(passphrase) = passphrase.filter(|p| p.len() >= 4) {
        assert!(
            !message.contains(std::str::from_utf8(passphrase).unwrap()),
            "message echoes the passphrase: {message}"
        );
    }
}

fn assert_mentions(err: &Error, words: &[&str]) {
    for word in words {
        assert!(
            err.message().contains(word),
            "{err} does not mention {word:?}"
        );
    }
}

// =============================================================================
// P-521

#[test]
fn loads_plain_sec1_key_after_its_ec_parameters_block() {
    let pem = fixture("p521-sec1.pem");
    assert!(pem.starts_with("-----BEGIN EC PARAMETERS-----"));
    assert_p521_signs(&load("p521-sec1.pem", None), "p521.pub.pem");
}

#[test]
fn loads_legacy_aes256_encrypted_sec1_key() {
    assert!(fixture("p521-sec1-aes256.pem").contains("DEK-Info: AES-256-CBC,"));
    assert_p521_signs(&load("p521-sec1-aes256.pem", Some(PASS)), "p521.pub.pem");
}

#[test]
fn loads_legacy_aes128_and_aes192_encrypted_sec1_keys() {
    assert_p521_signs(&load("p521-sec1-aes128.pem", Some(PASS)), "p521.pub.pem");
    assert_p521_signs(&load("p521-sec1-aes192.pem", Some(PASS)), "p521.pub.pem");
}

#[test]
fn loads_legacy_aes256_encrypted_pkcs8_key() {
    assert!(
        fixture("p521-pkcs8-legacy-aes256.pem")
            .starts_with("-----BEGIN PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED")
    );
    assert_p521_signs(
        &load("p521-pkcs8-legacy-aes256.pem", Some(PASS)),
        "p521.pub.pem",
    );
}

#[test]
fn loads_plain_pkcs8_p521_key() {
    assert_p521_signs(&load("p521-pkcs8.pem", None), "p521.pub.pem");
}

#[test]
fn loads_pbes2_pbkdf2_aes256_encrypted_pkcs8_key() {
    assert_p521_signs(
        &load("p521-pkcs8-pbkdf2-aes256.pem", Some(PASS)),
        "p521.pub.pem",
    );
}

#[test]
fn loads_pbes2_pbkdf2_hmac_sha1_aes128_encrypted_pkcs8_key() {
    assert_p521_signs(
        &load("p521-pkcs8-pbkdf2sha1-aes128.pem", Some(PASS)),
        "p521.pub.pem",
    );
}

#[test]
fn loads_pbes2_scrypt_encrypted_pkcs8_key() {
    assert_p521_signs(
        &load("p521-pkcs8-scrypt-aes256.pem", Some(PASS)),
        "p521.pub.pem",
    );
}

#[test]
fn every_encoding_of_one_key_loads_the_same_key() {
    let expected = load("p521-sec1.pem", None).public_jwk();
    for name in [
        "p521-sec1-aes256.pem",
        "p521-sec1-aes128.pem",
        "p521-sec1-aes192.pem",
        "p521-pkcs8.pem",
        "p521-pkcs8-legacy-aes256.pem",
        "p521-pkcs8-pbkdf2-aes256.pem",
        "p521-pkcs8-pbkdf2sha1-aes128.pem",
        "p521-pkcs8-scrypt-aes256.pem",
    ] {
        assert_eq!(load(name, Some(PASS)).public_jwk(), expected, "{name}");
    }
}

#[test]
fn loads_a_key_generated_as_upvests_docs_describe() {
    // openssl ecparam -genkey -name secp521r1 -outform PEM | openssl ec -aes256 -out key.pem
    assert_p521_signs(
        &load("upvest-docs-p521.pem", Some(PASS)),
        "upvest-docs-p521.pub.pem",
    );
}

#[test]
fn loads_encrypted_pkcs8_and_sec1_keys_written_by_node_crypto() {
    let pkcs8 = load("node-p521-pkcs8-aes256.pem", Some(PASS));
    let sec1 = load("node-p521-sec1-aes256.pem", Some(PASS));
    assert_p521_signs(&pkcs8, "node-p521.pub.pem");
    assert_p521_signs(&sec1, "node-p521.pub.pem");
}

/// The §11.6 key of shared/upvest/http-signatures.md, whose public JWK is published there.
#[test]
fn loads_the_spec_vector_key_and_matches_its_published_jwk() {
    const X: &str =
        "AJeo7NU7sBWuEF8fd45lgZjHwEwlGn58E6lR4h2-OJ7q5WFiPhYkBqN3qPRbamvWuBjwlWvxyulZeYb_-B6zpk9E";
    const Y: &str =
        "AfPDdHxb7N7oJL3219tmeemQRH5vhKWzv48Dn-E8zS_BlkqynL7NDUk4EGZ28ZVK4ohmqXdLD-4xpKQrPPVlfZ71";
    let key = load("upvest-spec-11-6-p521-sec1.pem", None);
    assert_eq!(
        key.public_jwk(),
        serde_json::json!({"kty": "EC", "crv": "P-521", "x": X, "y": Y})
    );
    assert_p521_signs(&key, "upvest-spec-11-6-p521.pub.pem");
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let public =
        VerificationKey::from_coordinates(&b64.decode(X).unwrap(), &b64.decode(Y).unwrap())
            .unwrap();
    let signature = EcdsaSignature::decode(&key.sign(MESSAGE).unwrap()).unwrap();
    assert!(public.verify(MESSAGE, &signature));
}

/// End to end: sign the §11.6 request with the loaded key, then verify it with
/// this crate's verifier and the JWKS published in §11.6.
#[test]
fn signs_the_spec_vector_request_verifiably_with_the_loaded_key() {
    const JWKS: &str = r#"{"keys":[{"kid":"11111111-2222-3333-4444-555555555555","kty":"EC","crv":"P-521","x":"AJeo7NU7sBWuEF8fd45lgZjHwEwlGn58E6lR4h2-OJ7q5WFiPhYkBqN3qPRbamvWuBjwlWvxyulZeYb_-B6zpk9E","y":"AfPDdHxb7N7oJL3219tmeemQRH5vhKWzv48Dn-E8zS_BlkqynL7NDUk4EGZ28ZVK4ohmqXdLD-4xpKQrPPVlfZ71"}]}"#;
    let key = load("upvest-spec-11-6-p521-sec1.pem", None);
    let fields: Vec<(&str, &str)> = vec![
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
    let mut components = vec![
        ("@method", "POST".to_string()),
        ("@path", "/users".to_string()),
        ("@query", "?limit=2".to_string()),
    ];
    let names = [
        "authorization",
        "content-type",
        "accept",
        "upvest-api-version",
        "upvest-client-id",
        "idempotency-key",
        "date",
        "content-digest",
        "content-length",
    ];
    components.extend(
        names
            .iter()
            .zip(&fields)
            .map(|(name, (_, value))| (*name, value.to_string())),
    );
    let spec = SignatureSpec {
        label: "sig1",
        components,
        keyid: "11111111-2222-3333-4444-555555555555",
        created: 1_700_000_000,
        expires: Some(1_700_000_010),
        nonce: Some("b6f5a4a8-0c1e-4c53-9f64-2b8f6c3e9d10"),
        form: BaseForm::Quoted,
    };
    let signed = sign(&spec, &key).unwrap();
    let mut headers: Headers = fields.into_iter().collect();
    headers.append("signature-input", &signed.signature_input);
    headers.append("signature", &signed.signature);
    headers.append("upvest-signature-version", "15");
    let request = HttpRequest::new(
        "POST",
        "https://sandbox.upvest.co/users?limit=2",
        headers,
        br#"{"key": "value"}"#.to_vec(),
    )
    .unwrap();
    let keys = KeySet::from_json(JWKS.as_bytes()).unwrap();
    let verified = prepare(&request, &VerifyPolicy::default(), 1_700_000_000)
        .unwrap()
        .verify_with(|kid| keys.get(kid).map(Arc::clone))
        .unwrap();
    assert_eq!(verified.encoding, SignatureEncoding::Der);
    assert_eq!(verified.key_id, "11111111-2222-3333-4444-555555555555");
}

// =============================================================================
// Ed25519

#[test]
fn loads_plain_ed25519_pkcs8_key() {
    assert_ed25519_signs(&load("ed25519-pkcs8.pem", None), "ed25519.pub.pem");
}

#[test]
fn loads_pbes2_encrypted_ed25519_pkcs8_key() {
    assert_ed25519_signs(
        &load("ed25519-pkcs8-pbkdf2-aes256.pem", Some(PASS)),
        "ed25519.pub.pem",
    );
}

#[test]
fn loads_encrypted_ed25519_key_written_by_node_crypto() {
    assert_ed25519_signs(
        &load("node-ed25519-pkcs8-aes256.pem", Some(PASS)),
        "node-ed25519.pub.pem",
    );
}

// =============================================================================
// JWK

fn jwk(name: &str) -> serde_json::Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

fn refuse_jwk(value: serde_json::Value) -> Error {
    let err = SigningKey::from_jwk(&value).unwrap_err();
    assert_eq!(err.code(), ErrorCode::PrivateKeyInvalid);
    if let Some(d) = value.get("d").and_then(|d| d.as_str()) {
        assert!(!err.message().contains(d), "message echoes d: {err}");
    }
    err
}

#[test]
fn loads_private_jwks_written_by_node_crypto() {
    let p521 = SigningKey::from_jwk(&jwk("node-p521.jwk.json")).unwrap();
    assert_p521_signs(&p521, "node-p521.pub.pem");
    assert_eq!(
        p521.public_jwk(),
        load("node-p521-pkcs8-aes256.pem", Some(PASS)).public_jwk()
    );
    let ed25519 = SigningKey::from_jwk(&jwk("node-ed25519.jwk.json")).unwrap();
    assert_ed25519_signs(&ed25519, "node-ed25519.pub.pem");
}

#[test]
fn loads_a_private_jwk_without_its_public_members() {
    for name in ["node-p521.jwk.json", "node-ed25519.jwk.json"] {
        let mut value = jwk(name);
        let full = SigningKey::from_jwk(&value).unwrap().public_jwk();
        let object = value.as_object_mut().unwrap();
        object.remove("x");
        object.remove("y");
        object.insert(
            "alg".into(),
            if name.contains("p521") {
                "ES512"
            } else {
                "EdDSA"
            }
            .into(),
        );
        object.insert("kid".into(), "key-1".into());
        assert_eq!(SigningKey::from_jwk(&value).unwrap().public_jwk(), full);
    }
}

#[test]
fn refuses_a_jwk_whose_public_members_do_not_match_d() {
    let other = load("p521-sec1.pem", None).public_jwk();
    let mut value = jwk("node-p521.jwk.json");
    value["y"] = other["y"].clone();
    assert_mentions(&refuse_jwk(value), &["\"y\"", "does not belong"]);
    let mut value = jwk("node-ed25519.jwk.json");
    value["x"] = load("ed25519-pkcs8.pem", None).public_jwk()["x"].clone();
    assert_mentions(&refuse_jwk(value), &["\"x\"", "does not belong"]);
}

#[test]
fn refuses_public_and_unsupported_jwks_with_a_reason() {
    let mut public = jwk("node-p521.jwk.json");
    public.as_object_mut().unwrap().remove("d");
    assert_mentions(&refuse_jwk(public), &["public key", "\"d\""]);
    let mut p256 = jwk("node-p521.jwk.json");
    p256["crv"] = "P-256".into();
    assert_mentions(&refuse_jwk(p256), &["P-256", "P-521"]);
    let mut wrong_alg = jwk("node-p521.jwk.json");
    wrong_alg["alg"] = "ES256".into();
    assert_mentions(&refuse_jwk(wrong_alg), &["ES512"]);
    let mut short_d = jwk("node-p521.jwk.json");
    short_d["d"] = "AAEC".into();
    assert_mentions(&refuse_jwk(short_d), &["66 bytes"]);
    let mut bad_d = jwk("node-ed25519.jwk.json");
    bad_d["d"] = "not base64url!".into();
    assert_mentions(&refuse_jwk(bad_d), &["base64url"]);
    let mut ed448 = jwk("node-ed25519.jwk.json");
    ed448["crv"] = "Ed448".into();
    assert_mentions(&refuse_jwk(ed448), &["Ed448"]);
    assert_mentions(
        &refuse_jwk(serde_json::json!({"kty": "RSA", "n": "AQAB", "e": "AQAB", "d": "AQAB"})),
        &["RSA", "P-521"],
    );
    assert_mentions(
        &refuse_jwk(serde_json::json!({"keys": [jwk("node-p521.jwk.json")]})),
        &["JWK Set"],
    );
    assert_mentions(
        &refuse_jwk(serde_json::json!("-----BEGIN EC PRIVATE KEY-----")),
        &["not a JSON object"],
    );
    assert_mentions(&refuse_jwk(serde_json::json!({"crv": "P-521"})), &["kty"]);
    assert_mentions(
        &refuse_jwk(serde_json::json!({"kty": "EC", "crv": "P-521", "d": 5})),
        &["\"d\" must be a string"],
    );
}

// =============================================================================
// Refusals with a clear reason

#[test]
fn refuses_p256_keys_and_says_upvest_needs_p521() {
    for (name, passphrase) in [
        ("p256-sec1.pem", None),
        ("p256-pkcs8.pem", None),
        ("p256-sec1-aes128.pem", Some(PASS)),
    ] {
        let err = refuse(&fixture(name), passphrase);
        assert_mentions(
            &err,
            &["P-256", "P-521", "openssl ecparam -genkey -name secp521r1"],
        );
    }
}

#[test]
fn refuses_other_curves_and_rsa_keys() {
    assert_mentions(
        &refuse(&fixture("p384-pkcs8.pem"), None),
        &["P-384", "P-521"],
    );
    assert_mentions(&refuse(&fixture("rsa-pkcs8.pem"), None), &["RSA", "P-521"]);
    assert_mentions(
        &refuse(&fixture("rsa-traditional.pem"), None),
        &["RSA", "P-521"],
    );
}

#[test]
fn asks_for_the_passphrase_of_an_encrypted_key() {
    for name in [
        "p521-sec1-aes256.pem",
        "p521-sec1-aes128.pem",
        "p521-pkcs8-legacy-aes256.pem",
        "p521-pkcs8-pbkdf2-aes256.pem",
        "p521-pkcs8-scrypt-aes256.pem",
        "ed25519-pkcs8-pbkdf2-aes256.pem",
        "p256-sec1-aes128.pem",
    ] {
        let err = refuse(&fixture(name), None);
        assert_mentions(&err, &["encrypted", "pass its passphrase"]);
        assert_eq!(
            err.setting(),
            Some(upvest_webhooks::error::Setting::PrivateKeyPassphrase)
        );
    }
}

#[test]
fn reports_a_wrong_passphrase() {
    for name in [
        "p521-sec1-aes256.pem",
        "p521-sec1-aes128.pem",
        "p521-sec1-aes192.pem",
        "p521-pkcs8-legacy-aes256.pem",
        "p521-pkcs8-pbkdf2-aes256.pem",
        "p521-pkcs8-pbkdf2sha1-aes128.pem",
        "p521-pkcs8-scrypt-aes256.pem",
        "ed25519-pkcs8-pbkdf2-aes256.pem",
        "node-p521-sec1-aes256.pem",
    ] {
        let err = refuse(&fixture(name), Some(b"not-the-passphrase"));
        assert_mentions(&err, &["passphrase is wrong"]);
        assert!(!err.message().contains("empty"), "{err}");
    }
    assert_mentions(
        &refuse(&fixture("p521-sec1-aes256.pem"), Some(b"")),
        &["passphrase is wrong", "empty"],
    );
}

#[test]
fn wrong_passphrases_are_reported_as_such_not_as_damaged_keys() {
    // A wrong AES-CBC key still yields valid PKCS#7 padding about once in 256
    // tries; the DER check that follows must then report the passphrase too.
    let pem = fixture("p521-sec1-aes128.pem");
    for i in 0..600 {
        let err = refuse(&pem, Some(format!("wrong-{i}").as_bytes()));
        assert_mentions(&err, &["passphrase is wrong"]);
    }
}

#[test]
fn names_unsupported_ciphers_and_how_to_reencrypt() {
    for name in [
        "p521-sec1-des3.pem",
        "p521-pkcs8-pbes2-des3.pem",
        "p521-pkcs8-pbes1.pem",
    ] {
        for passphrase in [None, Some(PASS)] {
            let err = refuse(&fixture(name), passphrase);
            assert_mentions(&err, &["not supported", "aes-256-cbc"]);
        }
    }
    assert_mentions(
        &refuse(&fixture("p521-sec1-des3.pem"), None),
        &["DES-EDE3-CBC"],
    );
    assert_mentions(
        &refuse(&fixture("p521-pkcs8-pbes2-des3.pem"), None),
        &["DES-EDE3-CBC"],
    );
    assert_mentions(&refuse(&fixture("p521-pkcs8-pbes1.pem"), None), &["PBES1"]);
}

#[test]
fn refuses_public_keys_and_certificates() {
    for name in ["p521.pub.pem", "ed25519.pub.pem"] {
        assert_mentions(
            &refuse(&fixture(name), None),
            &["public key", "not a private key"],
        );
    }
    assert_mentions(
        &refuse(&fixture("p521-cert.pem"), None),
        &["certificate", "not a private key"],
    );
}

#[test]
fn refuses_text_that_is_not_pem() {
    assert_mentions(&refuse("", None), &["empty"]);
    assert_mentions(&refuse(" \r\n\t ", None), &["empty"]);
    assert_mentions(&refuse("hello world", None), &["not PEM"]);
    assert_mentions(&refuse("\u{0}\u{1}\u{ff}garbage", None), &["not PEM"]);
    assert_mentions(
        &refuse(r#"{"kty":"EC","crv":"P-521","d":"AAAA"}"#, None),
        &["JSON", "JWK"],
    );
    assert_mentions(&refuse("./keys/upvest-key.pem", None), &["file path"]);
    assert_mentions(
        &refuse(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFake user@host",
            None,
        ),
        &["OpenSSH public key"],
    );
    // The base64 body alone, without the armour.
    let body: String = fixture("p521-pkcs8.pem")
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    assert_mentions(&refuse(&body, None), &["not PEM"]);
    assert_mentions(
        &refuse(
            "-----BEGIN EC PRIVATE KEY-----\n-----END EC PRIVATE KEY-----",
            None,
        ),
        &["empty"],
    );
    assert_mentions(
        &refuse(
            "-----BEGIN EC PRIVATE KEY-----\n!!!!\n-----END EC PRIVATE KEY-----",
            None,
        ),
        &["not valid base64"],
    );
    assert_mentions(
        &refuse(
            "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----",
            None,
        ),
        &["not a valid SEC1"],
    );
    assert_mentions(
        &refuse(
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
            None,
        ),
        &["not a valid PKCS#8"],
    );
    assert_mentions(
        &refuse(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----",
            Some(PASS),
        ),
        &["not a valid PKCS#8"],
    );
    assert_mentions(
        &refuse(
            "-----BEGIN PGP MESSAGE-----\nAAAA\n-----END PGP MESSAGE-----",
            None,
        ),
        &["PGP MESSAGE", "not a private key"],
    );
    assert_mentions(
        &refuse(
            "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----",
            None,
        ),
        &["OpenSSH"],
    );
}

#[test]
fn refuses_truncated_pem_and_says_so() {
    let pem = fixture("p521-sec1-aes256.pem");
    let end = pem.find("-----END").unwrap();
    for cut in [
        end,
        end + 5,
        pem.len() - 10,
        pem.find("DEK-Info").unwrap() + 40,
    ] {
        assert_mentions(&refuse(&pem[..cut], Some(PASS)), &["truncated"]);
    }
    assert_mentions(&refuse(&pem[..20], Some(PASS)), &["truncated"]);
    // A whole line missing from the middle: the base64 or the ciphertext no longer fits.
    let plain = fixture("p521-sec1.pem");
    let lines: Vec<&str> = plain.lines().collect();
    let without_line = [&lines[..5], &lines[6..]].concat().join("\n");
    assert_mentions(
        &refuse(&without_line, None),
        &["pass the key file unchanged"],
    );
    let encrypted_lines: Vec<&str> = pem.lines().collect();
    let without_line = [&encrypted_lines[..5], &encrypted_lines[6..]]
        .concat()
        .join("\n");
    let err = refuse(&without_line, Some(PASS));
    assert!(err.message().contains("damaged"), "{err}");
}

#[test]
fn every_truncation_is_an_error_never_a_panic() {
    for name in [
        "p521-sec1.pem",
        "p521-sec1-aes256.pem",
        "p521-pkcs8-pbkdf2-aes256.pem",
        "ed25519-pkcs8-pbkdf2-aes256.pem",
    ] {
        let pem = fixture(name);
        let full = pem.trim_end().len();
        for cut in (0..full).filter(|c| pem.is_char_boundary(*c)) {
            refuse(&pem[..cut], Some(PASS));
        }
    }
}

#[test]
fn refuses_two_private_keys_in_one_text() {
    let both = format!(
        "{}\n{}",
        fixture("p521-pkcs8.pem"),
        fixture("ed25519-pkcs8.pem")
    );
    assert_mentions(&refuse(&both, None), &["2 private keys"]);
}

// =============================================================================
// Tolerated formatting

#[test]
fn tolerates_crlf_surrounding_text_indentation_and_escaped_newlines() {
    let expected = load("p521-sec1-aes256.pem", Some(PASS)).public_jwk();
    let pem = fixture("p521-sec1-aes256.pem");
    let variants = [
        pem.replace('\n', "\r\n"),
        format!("  \n\nHere is the key:\n{pem}\nthanks!\n\n"),
        pem.lines()
            .map(|l| format!("    {l}   "))
            .collect::<Vec<_>>()
            .join("\n"),
        // As in a .env file: PRIVATE_KEY="-----BEGIN…\n…"
        format!("\"{}\"", pem.trim_end().replace('\n', "\\n")),
        pem.trim_end().replace('\n', "\\r\\n"),
        // Newlines flattened to spaces, as some secret stores do.
        pem.trim_end().replace('\n', " "),
        pem.trim().to_string(),
    ];
    for variant in &variants {
        assert_eq!(
            SigningKey::from_pem(variant, Some(PASS))
                .unwrap()
                .public_jwk(),
            expected
        );
    }
    let plain = fixture("ed25519-pkcs8.pem").replace('\n', "\r\n");
    assert_ed25519_signs(
        &SigningKey::from_pem(&plain, None).unwrap(),
        "ed25519.pub.pem",
    );
    let with_cert = format!("{}{}", fixture("p521-cert.pem"), fixture("p521-pkcs8.pem"));
    assert_p521_signs(
        &SigningKey::from_pem(&with_cert, None).unwrap(),
        "p521.pub.pem",
    );
}

#[test]
fn accepts_sec1_and_pkcs8_under_each_others_label_as_openssl_does() {
    let sec1 = fixture("p521-sec1.pem");
    let sec1 = &sec1[sec1.find("-----BEGIN EC PRIVATE KEY").unwrap()..];
    assert_p521_signs(
        &SigningKey::from_pem(&sec1.replace("EC PRIVATE KEY", "PRIVATE KEY"), None).unwrap(),
        "p521.pub.pem",
    );
    let pkcs8 = fixture("p521-pkcs8.pem").replace("PRIVATE KEY", "EC PRIVATE KEY");
    assert_p521_signs(&SigningKey::from_pem(&pkcs8, None).unwrap(), "p521.pub.pem");
}

#[test]
fn ignores_a_passphrase_given_for_a_plain_key() {
    assert_p521_signs(&load("p521-pkcs8.pem", Some(PASS)), "p521.pub.pem");
    assert_ed25519_signs(
        &load("ed25519-pkcs8.pem", Some(b"unused")),
        "ed25519.pub.pem",
    );
}

// =============================================================================
// Secrets stay secret

#[test]
fn debug_output_shows_no_key_material() {
    let p521 = load("upvest-spec-11-6-p521-sec1.pem", None);
    let ed25519 = SigningKey::from_jwk(&jwk("node-ed25519.jwk.json")).unwrap();
    assert_eq!(
        format!("{p521:?}"),
        "SigningKey(ecdsa-p521-sha512, redacted)"
    );
    assert_eq!(format!("{ed25519:?}"), "SigningKey(ed25519, redacted)");
    assert_eq!(
        format!("{p521:#?}"),
        "SigningKey(ecdsa-p521-sha512, redacted)"
    );
    let SigningKey::Ed25519(inner) = &ed25519 else {
        panic!()
    };
    assert_eq!(format!("{inner:?}"), "Ed25519SigningKey(redacted)");
    let d = jwk("node-ed25519.jwk.json")["d"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!format!("{ed25519:?}{inner:?}").contains(&d));
}

#[test]
fn hostile_kdf_parameters_are_refused_before_deriving() {
    use pkcs8::der::Encode as _;
    use pkcs8::der::asn1::OctetStringRef;
    use pkcs8::pkcs5::{self, pbes2};
    let salt = pbes2::Salt::new([7u8; 16]).unwrap();
    let encrypt = pbes2::EncryptionScheme::Aes256Cbc { iv: [1; 16] };
    let scrypt = |n: u64, r: u16, p: u16| {
        pbes2::Kdf::Scrypt(pbes2::ScryptParams {
            salt,
            cost_parameter: n,
            block_size: r,
            parallelization: p,
            key_length: None,
        })
    };
    let pbkdf2 = |iterations: u32| {
        pbes2::Kdf::Pbkdf2(pbes2::Pbkdf2Params {
            salt,
            iteration_count: iterations,
            key_length: None,
            prf: pbes2::Pbkdf2Prf::HmacWithSha256,
        })
    };
    // N = 0 panics inside pkcs5's scrypt conversion; N = 2^40 would allocate 128 TiB.
    for (kdf, word) in [
        (scrypt(0, 8, 1), "scrypt"),
        (scrypt(1 << 40, 8, 1), "scrypt"),
        (scrypt(1 << 14, 8, 1000), "scrypt"),
        (pbkdf2(0), "PBKDF2"),
        (pbkdf2(u32::MAX), "PBKDF2"),
    ] {
        let info = pkcs8::EncryptedPrivateKeyInfo {
            encryption_algorithm: pkcs5::EncryptionScheme::Pbes2(pbes2::Parameters {
                kdf,
                encryption: encrypt,
            }),
            encrypted_data: OctetStringRef::new(&[0u8; 64]).unwrap(),
        };
        let der = info.to_der().unwrap();
        use base64::Engine as _;
        let pem = format!(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\n{}\n-----END ENCRYPTED PRIVATE KEY-----\n",
            base64::engine::general_purpose::STANDARD.encode(der)
        );
        assert_mentions(&refuse(&pem, Some(PASS)), &[word]);
    }
}

#[test]
fn mutated_keys_give_errors_never_panics() {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::STANDARD;
    // A deterministic xorshift, so a failure reproduces.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for (name, label, passphrase) in [
        ("p521-pkcs8.pem", "PRIVATE KEY", None),
        ("p521-sec1.pem", "EC PRIVATE KEY", None),
        ("ed25519-pkcs8.pem", "PRIVATE KEY", None),
        (
            "p521-pkcs8-pbkdf2-aes256.pem",
            "ENCRYPTED PRIVATE KEY",
            Some(PASS),
        ),
    ] {
        let pem = fixture(name);
        let begin = format!("-----BEGIN {label}-----");
        let body: String = pem
            .split(&begin)
            .nth(1)
            .unwrap()
            .lines()
            .take_while(|l| !l.starts_with("-----END"))
            .collect();
        let der = engine.decode(body.trim()).unwrap();
        for _ in 0..150 {
            let mut mutated = der.clone();
            match next() % 4 {
                0 => {
                    let i = (next() as usize) % mutated.len();
                    mutated[i] ^= 1 << (next() % 8);
                }
                1 => {
                    let i = (next() as usize) % mutated.len();
                    mutated[i] = next() as u8;
                }
                2 => mutated.truncate((next() as usize) % mutated.len()),
                _ => {
                    let i = (next() as usize) % mutated.len();
                    mutated.insert(i, next() as u8);
                }
            }
            let text = format!(
                "{begin}\n{}\n-----END {label}-----\n",
                engine.encode(&mutated)
            );
            if let Err(err) = SigningKey::from_pem(&text, passphrase) {
                assert_eq!(err.code(), ErrorCode::PrivateKeyInvalid);
                assert_leaks_nothing(&err, &text, passphrase);
            }
        }
    }
}
