//! Helpers shared by tests/private_keys.rs and tests/private_key_refusals.rs:
//! fixtures, independent verifiers of what a loaded key signs, and checks
//! that refusals leak nothing.
#![allow(dead_code)]

use pkcs8::DecodePublicKey as _;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use upvest_webhooks::ecdsa::{EcdsaSignature, SignatureEncoding, VerificationKey};
use upvest_webhooks::http_signature::MessageSigner;
use upvest_webhooks::private_key::SigningKey;
use upvest_webhooks::{Error, ErrorCode};

pub const PASS: &[u8] = b"upvest-test-passphrase";
pub const MESSAGE: &[u8] = b"\"@method\": POST\n\"@path\": /users\n\"@signature-params\": (\"@method\" \"@path\");keyid=\"k\";created=1700000000";

pub fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keys")
        .join(name)
}

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

pub fn load(name: &str, passphrase: Option<&[u8]>) -> SigningKey {
    SigningKey::from_pem(&fixture(name), passphrase).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The P-521 public key `openssl -pubout` wrote, decoded by p521's SPKI parser.
pub fn p521_public(name: &str) -> VerificationKey {
    let key = p521::ecdsa::VerifyingKey::from_public_key_pem(&fixture(name)).unwrap();
    VerificationKey::from_sec1(key.to_sec1_point(false).as_bytes()).unwrap()
}

/// The Ed25519 public key `openssl pkey -pubout` wrote, decoded by ed25519-dalek's SPKI parser.
pub fn ed25519_public(name: &str) -> ed25519_dalek::VerifyingKey {
    ed25519_dalek::VerifyingKey::from_public_key_pem(&fixture(name)).unwrap()
}

pub fn assert_p521_signs(key: &SigningKey, public_pem: &str) {
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

pub fn assert_ed25519_signs(key: &SigningKey, public_pem: &str) {
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
pub enum Algorithm {
    EcdsaSha512,
    Ed25519,
}

pub fn openssl_available() -> bool {
    Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `Some(verified)` from the openssl CLI, or `None` when it is not installed.
pub fn openssl_verifies(
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
pub fn refuse(pem: &str, passphrase: Option<&[u8]>) -> Error {
    let Err(err) = SigningKey::from_pem(pem, passphrase) else {
        panic!("loaded a key that must be refused")
    };
    assert_eq!(err.code(), ErrorCode::PrivateKeyInvalid);
    assert_leaks_nothing(&err, pem, passphrase);
    err
}

pub fn assert_leaks_nothing(err: &Error, pem: &str, passphrase: Option<&[u8]>) {
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

pub fn assert_mentions(err: &Error, words: &[&str]) {
    for word in words {
        assert!(
            err.message().contains(word),
            "{err} does not mention {word:?}"
        );
    }
}

// --- JWKs ---

pub fn jwk(name: &str) -> serde_json::Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

pub fn refuse_jwk(value: serde_json::Value) -> Error {
    let err = SigningKey::from_jwk(&value).unwrap_err();
    assert_eq!(err.code(), ErrorCode::PrivateKeyInvalid);
    if let Some(d) = value.get("d").and_then(|d| d.as_str()) {
        assert!(!err.message().contains(d), "message echoes d: {err}");
    }
    err
}
