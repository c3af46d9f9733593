//! ECDSA P-521 verification, on every path `VerificationKey` can take:
//! Wycheproof's vectors (tests/vectors/wycheproof/) and a differential test
//! against p521 on random keys, messages and signatures.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde::Deserialize;
use upvest_webhooks::Result;
use upvest_webhooks::ecdsa::{
    EcdsaSignature, EcdsaSigningKey, PRECOMPUTE_COST, VerificationKey, VerifyPath,
};
use upvest_webhooks::http_signature::MessageSigner as _;

#[derive(Deserialize)]
struct Suite {
    #[serde(rename = "testGroups")]
    groups: Vec<Group>,
}
#[derive(Deserialize)]
struct Group {
    #[serde(rename = "publicKey")]
    public_key: PublicKey,
    tests: Vec<Case>,
}
#[derive(Deserialize)]
struct PublicKey {
    uncompressed: String,
}
#[derive(Deserialize)]
struct Case {
    #[serde(rename = "tcId")]
    id: u32,
    msg: String,
    sig: String,
    result: String,
}

/// How a vector is checked.
#[derive(Clone, Copy, Debug)]
enum Path {
    /// p521's generic verification.
    Generic,
    /// The first-use path: a plain two-point multiplication.
    WithoutTables,
    /// The precomputed-table path, forced from the first use.
    Tables,
    /// What `verify` does: generic first, tables after.
    Default,
    /// Tables built 37 point operations at a time, as a WebCrypto-first
    /// verifier does; `verify` must then take the table path.
    Sliced,
}

const EVERY_PATH: [Path; 5] = [
    Path::Generic,
    Path::WithoutTables,
    Path::Tables,
    Path::Default,
    Path::Sliced,
];

fn check(key: &VerificationKey, path: Path, msg: &[u8], sig: &EcdsaSignature) -> bool {
    match path {
        Path::Generic => key.verify_on(VerifyPath::Generic, msg, sig),
        Path::WithoutTables => key.verify_on(VerifyPath::WithoutTables, msg, sig),
        Path::Tables => {
            let ok = key.verify_on(VerifyPath::Tables, msg, sig);
            assert!(key.is_precomputed());
            ok
        }
        Path::Sliced => {
            let mut slices = 0;
            while !key.precompute(37) {
                slices += 1;
                assert!(
                    slices < 2 * PRECOMPUTE_COST / 37 + 2,
                    "precompute makes no progress"
                );
            }
            assert!(key.is_precomputed());
            key.verify(msg, sig)
        }
        Path::Default => key.verify(msg, sig),
    }
}

/// Runs every vector of a Wycheproof file through `decode` and one
/// verification path. "acceptable" vectors must be rejected: we choose strictness.
fn run(file: &str, decode: fn(&[u8]) -> Result<EcdsaSignature>, path: Path) -> usize {
    let path_name = format!(
        "{}/tests/vectors/wycheproof/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path_name).unwrap_or_else(|e| panic!("{path_name}: {e}"));
    let suite: Suite = serde_json::from_str(&text).unwrap();
    let mut count = 0;
    for group in suite.groups {
        let key = VerificationKey::from_sec1(&hex::decode(&group.public_key.uncompressed).unwrap())
            .unwrap();
        for case in group.tests {
            let msg = hex::decode(&case.msg).unwrap();
            let sig = hex::decode(&case.sig).unwrap();
            let ok = decode(&sig)
                .map(|s| check(&key, path, &msg, &s))
                .unwrap_or(false);
            assert_eq!(
                ok,
                case.result == "valid",
                "{file} tcId {} via {path:?}",
                case.id
            );
            count += 1;
        }
    }
    count
}

#[test]
fn passes_every_wycheproof_der_vector_on_every_path() {
    for path in EVERY_PATH {
        assert_eq!(
            run(
                "ecdsa_secp521r1_sha512_test.json",
                EcdsaSignature::from_der,
                path
            ),
            542
        );
    }
}

#[test]
fn passes_every_wycheproof_der_vector_through_autodetection() {
    assert_eq!(
        run(
            "ecdsa_secp521r1_sha512_test.json",
            EcdsaSignature::decode,
            Path::Default
        ),
        542
    );
}

#[test]
fn passes_every_wycheproof_p1363_vector_on_every_path() {
    for path in EVERY_PATH {
        assert_eq!(
            run(
                "ecdsa_secp521r1_sha512_p1363_test.json",
                EcdsaSignature::from_raw,
                path
            ),
            318
        );
    }
}

#[test]
fn passes_every_wycheproof_p1363_vector_through_autodetection() {
    assert_eq!(
        run(
            "ecdsa_secp521r1_sha512_p1363_test.json",
            EcdsaSignature::decode,
            Path::Default
        ),
        318
    );
}

/// Differential test: the table path (and, for a tenth, the first-use
/// path) against p521's generic path on
/// random keys, messages and signatures, valid and corrupted.
#[test]
fn table_path_agrees_with_p521_on_random_cases() {
    let cases: usize = std::env::var("DIFFERENTIAL_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut keys = Vec::new();
    for _ in 0..8 {
        let signer = EcdsaSigningKey::generate().unwrap();
        let public = signer.verification_key();
        keys.push((signer, public));
    }
    let (mut valid, mut invalid) = (0, 0);
    for case in 0..cases {
        let (signer, public) = &keys[case % keys.len()];
        let message: Vec<u8> = (0..(next() % 200)).map(|_| next() as u8).collect();
        let mut der = signer.sign(&message).unwrap();
        let mut checked = message.clone();
        match next() % 4 {
            0 => {}               // valid
            1 => checked.push(1), // other message
            2 => {
                let index = (next() as usize) % der.len(); // corrupt a signature byte
                der[index] ^= 1 << (next() % 8);
            }
            _ => {
                let (_, other) = &keys[(case + 1) % keys.len()]; // other key
                let Ok(sig) = EcdsaSignature::decode(&der) else {
                    continue;
                };
                assert!(!check(other, Path::Tables, &checked, &sig));
                invalid += 1;
                continue;
            }
        }
        let Ok(sig) = EcdsaSignature::decode(&der) else {
            continue;
        };
        let expected = public.verify_generic(&checked, &sig);
        assert_eq!(
            check(public, Path::Tables, &checked, &sig),
            expected,
            "case {case}"
        );
        if case % 10 == 0 {
            assert_eq!(
                check(public, Path::WithoutTables, &checked, &sig),
                expected,
                "case {case}, first-use path"
            );
        }
        if expected { valid += 1 } else { invalid += 1 }
    }
    assert!(
        valid > cases / 5 && invalid > cases / 5,
        "{valid} valid, {invalid} invalid"
    );
}
