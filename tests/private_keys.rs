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

use std::sync::Arc;
use support::*;
use upvest_webhooks::VerifyPolicy;
use upvest_webhooks::ecdsa::{EcdsaSignature, SignatureEncoding, VerificationKey};
use upvest_webhooks::http_signature::{BaseForm, MessageSigner, SignatureSpec, prepare, sign};
use upvest_webhooks::private_key::SigningKey;
use upvest_webhooks::testing::vectors::{
    SPEC_CREATED, SPEC_KID, SPEC_X, SPEC_Y, V15_EXPIRES, V15_FIELDS, V15_NONCE, spec_keys,
    v15_request,
};

#[path = "support/private_keys.rs"]
mod support;

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
    let key = load("upvest-spec-11-6-p521-sec1.pem", None);
    assert_eq!(
        key.public_jwk(),
        serde_json::json!({"kty": "EC", "crv": "P-521", "x": SPEC_X, "y": SPEC_Y})
    );
    assert_p521_signs(&key, "upvest-spec-11-6-p521.pub.pem");
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let public = VerificationKey::from_coordinates(
        &b64.decode(SPEC_X).unwrap(),
        &b64.decode(SPEC_Y).unwrap(),
    )
    .unwrap();
    let signature = EcdsaSignature::decode(&key.sign(MESSAGE).unwrap()).unwrap();
    assert!(public.verify(MESSAGE, &signature));
}

/// End to end: sign the §11.6 request with the loaded key, then verify it with
/// this crate's verifier and the JWKS published in §11.6.
#[test]
fn signs_the_spec_vector_request_verifiably_with_the_loaded_key() {
    let key = load("upvest-spec-11-6-p521-sec1.pem", None);
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
            .zip(&V15_FIELDS)
            .map(|(name, (_, value))| (*name, value.to_string())),
    );
    let spec = SignatureSpec {
        label: "sig1",
        components,
        keyid: SPEC_KID,
        created: SPEC_CREATED,
        expires: Some(V15_EXPIRES),
        nonce: Some(V15_NONCE),
        form: BaseForm::Quoted,
    };
    let signed = sign(&spec, &key).unwrap();
    let request = v15_request(&signed.signature_input, &signed.signature, true).unwrap();
    let keys = spec_keys().unwrap();
    let verified = prepare(&request, &VerifyPolicy::default(), SPEC_CREATED)
        .unwrap()
        .verify_with(|kid| keys.get(kid).map(Arc::clone))
        .unwrap();
    assert_eq!(verified.encoding, SignatureEncoding::Der);
    assert_eq!(verified.key_id, SPEC_KID);
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
