//! ECDSA P-521 / SHA-512: public keys, signature decoding and verification.
//!
//! Upvest's signers emit ASN.1 DER; WebCrypto and RFC 9421 use raw `r‖s`
//! (132 bytes). Both are accepted. A DER signature starts with `0x30`; a raw
//! one starts with the top byte of `r < n < 2^521`, which is `0x00` or
//! `0x01`, so the two never collide.

mod tables;

use crate::error::{Error, ErrorCode, Result};
use p521::ecdsa::signature::Verifier as _;
use p521::ecdsa::{Signature, VerifyingKey};
use p521::elliptic_curve::ops::{LinearCombination as _, Reduce as _};
use p521::elliptic_curve::point::AffineCoordinates as _;
use p521::{FieldBytes, ProjectivePoint, Scalar};
use sha2::{Digest as _, Sha512};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use tables::{CombTable, TableBuilder};

/// Verifications with a key before its table is built. The first one runs
/// p521's generic path, so a cold start pays no table cost; a key used again
/// is likely to be used many times.
const TABLE_AFTER_USES: u32 = 1;

/// The generator's table, shared by all keys, built on first need.
static GENERATOR_TABLE: OnceLock<CombTable> = OnceLock::new();
/// A generator table being built a slice at a time (see `precompute`).
static GENERATOR_BUILDER: Mutex<Option<TableBuilder>> = Mutex::new(None);

/// Point operations to build the generator's and one key's table, the work
/// `VerificationKey::precompute` spreads out.
pub const PRECOMPUTE_COST: u32 = 2 * tables::BUILD_COST;

/// Advances `builder` (started from `point` if need be) by `budget` point
/// operations and stores the table in `slot` once complete.
fn build_slice(
    slot: &OnceLock<CombTable>,
    builder: &Mutex<Option<TableBuilder>>,
    point: impl FnOnce() -> ProjectivePoint,
    budget: &mut u32,
) {
    if slot.get().is_some() || *budget == 0 {
        return;
    }
    // A poisoned lock only means an earlier slice stopped half-way: start over.
    let mut guard = builder.lock().unwrap_or_else(|poisoned| {
        builder.clear_poison();
        let mut guard = poisoned.into_inner();
        *guard = None;
        guard
    });
    let state = guard.get_or_insert_with(|| TableBuilder::new(&point()));
    if let Some(table) = state.step(budget) {
        let _ = slot.set(table);
        *guard = None;
    }
}

/// Length of a raw `r‖s` P-521 signature.
pub const RAW_SIGNATURE_LEN: usize = 132;
/// Length of one P-521 coordinate or scalar.
pub const FIELD_LEN: usize = 66;

/// How a signature was encoded on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureEncoding {
    /// ASN.1 DER `SEQUENCE { r INTEGER, s INTEGER }`.
    Der,
    /// Fixed-length big-endian `r‖s` (IEEE P1363).
    Raw,
}

/// A decoded ECDSA P-521 signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcdsaSignature {
    signature: Signature,
    encoding: SignatureEncoding,
}

impl EcdsaSignature {
    /// Decodes DER or raw `r‖s`, by the rule in the module docs.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        if bytes.first() == Some(&0x30) {
            Self::from_der(bytes)
        } else if bytes.len() == RAW_SIGNATURE_LEN {
            Self::from_raw(bytes)
        } else {
            Err(malformed(&format!(
                "is {} bytes and neither ASN.1 DER nor {RAW_SIGNATURE_LEN}-byte r||s",
                bytes.len()
            )))
        }
    }

    /// Decodes strict ASN.1 DER.
    pub fn from_der(bytes: &[u8]) -> Result<Self> {
        let signature = Signature::from_der(bytes)
            .map_err(|_| malformed("is not a valid ASN.1 DER ECDSA P-521 signature"))?;
        Ok(EcdsaSignature {
            signature,
            encoding: SignatureEncoding::Der,
        })
    }

    /// Decodes 132-byte raw `r‖s` with `0 < r, s < n`.
    pub fn from_raw(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != RAW_SIGNATURE_LEN {
            return Err(malformed("is not 132 bytes of r||s"));
        }
        let signature =
            Signature::from_slice(bytes).map_err(|_| malformed("has r or s out of range"))?;
        Ok(EcdsaSignature {
            signature,
            encoding: SignatureEncoding::Raw,
        })
    }

    /// The fixed-length `r ‖ s` form (what WebCrypto takes), whatever the
    /// wire encoding was.
    pub fn to_raw(&self) -> Vec<u8> {
        self.signature.to_bytes().to_vec()
    }

    /// The wire encoding it was decoded from.
    pub fn encoding(&self) -> SignatureEncoding {
        self.encoding
    }
}

fn malformed(why: &str) -> Error {
    Error::new(
        ErrorCode::SignatureMalformed,
        format!("the signature {why}"),
    )
}

/// A validated P-521 public key, decoded once and reused for every
/// verification. Once its comb tables (`tables.rs`) are built, it verifies
/// about three times as fast as the generic path. `verify` builds them at the
/// key's second use; a caller that can verify elsewhere meanwhile (the JS
/// boundary, with WebCrypto) builds them in slices with `precompute`.
pub struct VerificationKey {
    key: VerifyingKey,
    uses: AtomicU32,
    table: OnceLock<CombTable>,
    builder: Mutex<Option<TableBuilder>>,
}

impl Clone for VerificationKey {
    fn clone(&self) -> Self {
        VerificationKey::from_verifying_key(self.key)
    }
}

impl PartialEq for VerificationKey {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for VerificationKey {}

impl std::fmt::Debug for VerificationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VerificationKey(P-521)")
    }
}

impl VerificationKey {
    /// Builds a key from its affine coordinates (66 bytes each, big-endian),
    /// rejecting points that are not on the curve or are the identity.
    pub fn from_coordinates(x: &[u8], y: &[u8]) -> Result<Self> {
        if x.len() != FIELD_LEN || y.len() != FIELD_LEN {
            return Err(Error::new(
                ErrorCode::KeyInvalid,
                "P-521 coordinates must be 66 bytes each",
            ));
        }
        let mut sec1 = Vec::with_capacity(1 + 2 * FIELD_LEN);
        sec1.push(0x04);
        sec1.extend_from_slice(x);
        sec1.extend_from_slice(y);
        Self::from_sec1(&sec1)
    }

    /// Builds a key from a SEC1 encoded point (compressed or not).
    pub fn from_sec1(bytes: &[u8]) -> Result<Self> {
        let key = VerifyingKey::from_sec1_bytes(bytes).map_err(|_| {
            Error::new(
                ErrorCode::KeyInvalid,
                "the public key is not a valid P-521 point",
            )
        })?;
        Ok(Self::from_verifying_key(key))
    }

    fn from_verifying_key(key: VerifyingKey) -> Self {
        VerificationKey {
            key,
            uses: AtomicU32::new(0),
            table: OnceLock::new(),
            builder: Mutex::new(None),
        }
    }

    /// Whether [`verify`](Self::verify) runs at full speed: the generator's
    /// table and this key's are built.
    pub fn is_precomputed(&self) -> bool {
        self.table.get().is_some() && GENERATOR_TABLE.get().is_some()
    }

    /// Does about `budget` point operations (of [`PRECOMPUTE_COST`] in
    /// all) towards the tables, and says whether they are complete. A
    /// caller that verifies the key's first signatures elsewhere (with
    /// WebCrypto, say) calls this after each one, so no single request pays
    /// for a whole table while the code is still cold.
    pub fn precompute(&self, budget: u32) -> bool {
        let mut budget = budget;
        build_slice(
            &GENERATOR_TABLE,
            &GENERATOR_BUILDER,
            || ProjectivePoint::GENERATOR,
            &mut budget,
        );
        build_slice(
            &self.table,
            &self.builder,
            || ProjectivePoint::from(*self.key.as_affine()),
            &mut budget,
        );
        self.is_precomputed()
    }

    /// Whether `signature` is valid for `message` (hashed with SHA-512).
    pub fn verify(&self, message: &[u8], signature: &EcdsaSignature) -> bool {
        let early_use = self.uses.fetch_add(1, Ordering::Relaxed) < TABLE_AFTER_USES;
        if early_use && !self.is_precomputed() {
            return self.verify_without_tables(message, signature);
        }
        self.precompute(u32::MAX);
        match (GENERATOR_TABLE.get(), self.table.get()) {
            (Some(generator), Some(key)) => verify_with_tables(generator, key, message, signature),
            _ => self.verify_without_tables(message, signature),
        }
    }

    /// A plain two-point multiplication, for a key's first use. Unlike p521's
    /// `verify`, it does not build p521's lazily computed basepoint table,
    /// which would cost a cold start several verifications' worth of time.
    fn verify_without_tables(&self, message: &[u8], signature: &EcdsaSignature) -> bool {
        let q = ProjectivePoint::from(*self.key.as_affine());
        ecdsa_verify(message, signature, |u1, u2| {
            ProjectivePoint::lincomb_vartime(&[(ProjectivePoint::GENERATOR, *u1), (q, *u2)])
        })
    }

    /// p521's own verification, the reference the other paths are tested against.
    pub fn verify_generic(&self, message: &[u8], signature: &EcdsaSignature) -> bool {
        self.key.verify(message, &signature.signature).is_ok()
    }

    /// The uncompressed SEC1 encoding (`04 ‖ x ‖ y`).
    pub fn to_sec1(&self) -> Vec<u8> {
        self.key.to_sec1_point(false).as_bytes().to_vec()
    }
}

/// ECDSA verification (SEC 1 §4.1.4); `mul_add(u1, u2)` computes `u1·G + u2·Q`.
fn ecdsa_verify(
    message: &[u8],
    signature: &EcdsaSignature,
    mul_add: impl FnOnce(&Scalar, &Scalar) -> ProjectivePoint,
) -> bool {
    let (r, s) = signature.signature.split_scalars();
    // A SHA-512 digest (512 bits) is shorter than n (521 bits): no truncation.
    let mut digest = FieldBytes::default();
    let hash = Sha512::digest(message);
    let offset = digest.len() - hash.len();
    if let Some(tail) = digest.get_mut(offset..) {
        tail.copy_from_slice(&hash);
    }
    let z = Scalar::reduce(&digest);
    let Some(s_inv) = Option::<Scalar>::from(s.invert()) else {
        return false;
    };
    let affine = mul_add(&(z * s_inv), &(*r * s_inv)).to_affine();
    if bool::from(affine.is_identity()) {
        return false;
    }
    Scalar::reduce(&affine.x()) == *r
}

/// `u1·G + u2·Q` through comb tables.
fn verify_with_tables(
    generator: &CombTable,
    key: &CombTable,
    message: &[u8],
    signature: &EcdsaSignature,
) -> bool {
    ecdsa_verify(message, signature, |u1, u2| {
        tables::mul_add(generator, u1, key, u2)
    })
}

/// A P-521 private key that signs with SHA-512 and emits ASN.1 DER, as
/// Upvest's signers do. Its `Debug` output never shows the scalar.
#[derive(Clone)]
pub struct EcdsaSigningKey {
    key: p521::ecdsa::SigningKey,
}

impl std::fmt::Debug for EcdsaSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EcdsaSigningKey(P-521, redacted)")
    }
}

impl EcdsaSigningKey {
    /// A fresh random key from the operating system's (or WebCrypto's) RNG.
    pub fn generate() -> Result<Self> {
        loop {
            let mut scalar: [u8; FIELD_LEN] = crate::random::bytes()?;
            // n < 2^521: keep 521 bits, then retry the rare values >= n.
            scalar[0] &= 0x01;
            if let Ok(key) = Self::from_scalar(&scalar) {
                return Ok(key);
            }
        }
    }

    /// Builds a key from its 66-byte big-endian scalar.
    pub fn from_scalar(bytes: &[u8]) -> Result<Self> {
        let key = p521::ecdsa::SigningKey::from_slice(bytes).map_err(|_| {
            Error::new(
                ErrorCode::PrivateKeyInvalid,
                "the private scalar is not a valid P-521 key",
            )
        })?;
        Ok(EcdsaSigningKey { key })
    }

    /// The 66-byte big-endian scalar. Handle with care.
    pub fn to_scalar(&self) -> Vec<u8> {
        self.key.to_bytes().to_vec()
    }

    /// The matching public key.
    pub fn verification_key(&self) -> VerificationKey {
        VerificationKey::from_verifying_key(*self.key.verifying_key())
    }
}

impl crate::signature::MessageSigner for EcdsaSigningKey {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        use p521::ecdsa::signature::Signer as _;
        let signature: Signature = self
            .key
            .try_sign(message)
            .map_err(|_| Error::new(ErrorCode::PrivateKeyInvalid, "signing failed"))?;
        Ok(signature.to_der().as_bytes().to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

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
            Path::Generic => key.verify_generic(msg, sig),
            Path::WithoutTables => key.verify_without_tables(msg, sig),
            Path::Tables => {
                assert!(key.precompute(u32::MAX));
                verify_with_tables(
                    GENERATOR_TABLE.get().unwrap(),
                    key.table.get().unwrap(),
                    msg,
                    sig,
                )
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
        let text =
            std::fs::read_to_string(&path_name).unwrap_or_else(|e| panic!("{path_name}: {e}"));
        let suite: Suite = serde_json::from_str(&text).unwrap();
        let mut count = 0;
        for group in suite.groups {
            let key =
                VerificationKey::from_sec1(&hex::decode(&group.public_key.uncompressed).unwrap())
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
        use crate::signature::MessageSigner as _;
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

    #[test]
    fn rejects_keys_off_the_curve_or_of_the_wrong_size() {
        let x = [0u8; FIELD_LEN];
        assert_eq!(
            VerificationKey::from_coordinates(&x, &x)
                .unwrap_err()
                .code(),
            ErrorCode::KeyInvalid
        );
        assert_eq!(
            VerificationKey::from_coordinates(&x[1..], &x)
                .unwrap_err()
                .code(),
            ErrorCode::KeyInvalid
        );
    }

    #[test]
    fn reports_the_encoding_and_rejects_other_lengths() {
        assert_eq!(
            EcdsaSignature::decode(&[1u8; 64]).unwrap_err().code(),
            ErrorCode::SignatureMalformed
        );
        assert_eq!(
            EcdsaSignature::decode(&[]).unwrap_err().code(),
            ErrorCode::SignatureMalformed
        );
        let mut raw = [0u8; RAW_SIGNATURE_LEN];
        raw[FIELD_LEN - 1] = 1;
        raw[RAW_SIGNATURE_LEN - 1] = 1;
        assert_eq!(
            EcdsaSignature::decode(&raw).unwrap().encoding(),
            SignatureEncoding::Raw
        );
    }

    #[test]
    fn debug_does_not_print_key_material() {
        let key = VerificationKey::from_sec1(&hex::decode(WYCHEPROOF_KEY).unwrap()).unwrap();
        assert_eq!(format!("{key:?}"), "VerificationKey(P-521)");
    }

    const WYCHEPROOF_KEY: &str = "04012a908bfc5b70e17bdfae74294994808bf2a42dab59af8b0523a026d640a2a3d6d344520b62177e2cfa339ca42fb0883ec425904fbda2833a3b5b0a9a00811365d8012333d532f8f8eb1a623c378a3694651192bbda833e3b8d7b8f90b2bfc9b045f8a55e1b6a5fe1512c400c4bc9c86fd7c699d642f5cee9bb827c8b0abc0da01cef1e";
}
