//! ECDSA P-521 / SHA-512: public keys, signature decoding and verification.
//!
//! Upvest's signers emit ASN.1 DER; WebCrypto and RFC 9421 use raw `r‖s`
//! (132 bytes). Both are accepted. A DER signature starts with `0x30`; a raw
//! one starts with the top byte of `r < n < 2^521`, which is `0x00` or
//! `0x01`, so the two never collide.

use crate::error::{Error, ErrorCode, Result};
use p521::ecdsa::signature::Verifier as _;
use p521::ecdsa::{Signature, VerifyingKey};

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
        let signature = Signature::from_der(bytes).map_err(|_| malformed("is not a valid ASN.1 DER ECDSA P-521 signature"))?;
        Ok(EcdsaSignature { signature, encoding: SignatureEncoding::Der })
    }

    /// Decodes 132-byte raw `r‖s` with `0 < r, s < n`.
    pub fn from_raw(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != RAW_SIGNATURE_LEN {
            return Err(malformed("is not 132 bytes of r||s"));
        }
        let signature = Signature::from_slice(bytes).map_err(|_| malformed("has r or s out of range"))?;
        Ok(EcdsaSignature { signature, encoding: SignatureEncoding::Raw })
    }

    /// The wire encoding it was decoded from.
    pub fn encoding(&self) -> SignatureEncoding {
        self.encoding
    }
}

fn malformed(why: &str) -> Error {
    Error::new(ErrorCode::SignatureMalformed, format!("the signature {why}"))
}

/// A validated P-521 public key, decoded once and reused for every verification.
#[derive(Clone, PartialEq, Eq)]
pub struct VerificationKey {
    key: VerifyingKey,
}

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
            return Err(Error::new(ErrorCode::KeyInvalid, "P-521 coordinates must be 66 bytes each"));
        }
        let mut sec1 = Vec::with_capacity(1 + 2 * FIELD_LEN);
        sec1.push(0x04);
        sec1.extend_from_slice(x);
        sec1.extend_from_slice(y);
        Self::from_sec1(&sec1)
    }

    /// Builds a key from a SEC1 encoded point (compressed or not).
    pub fn from_sec1(bytes: &[u8]) -> Result<Self> {
        let key = VerifyingKey::from_sec1_bytes(bytes).map_err(|_| Error::new(ErrorCode::KeyInvalid, "the public key is not a valid P-521 point"))?;
        Ok(VerificationKey { key })
    }

    /// Whether `signature` is valid for `message` (hashed with SHA-512).
    pub fn verify(&self, message: &[u8], signature: &EcdsaSignature) -> bool {
        self.key.verify(message, &signature.signature).is_ok()
    }

    /// The uncompressed SEC1 encoding (`04 ‖ x ‖ y`).
    pub fn to_sec1(&self) -> Vec<u8> {
        self.key.to_sec1_point(false).as_bytes().to_vec()
    }
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
            let mut scalar = [0u8; FIELD_LEN];
            getrandom::fill(&mut scalar).map_err(|_| Error::new(ErrorCode::PrivateKeyInvalid, "no secure random number generator is available"))?;
            // n < 2^521: keep 521 bits, then retry the rare values >= n.
            scalar[0] &= 0x01;
            if let Ok(key) = Self::from_scalar(&scalar) {
                return Ok(key);
            }
        }
    }

    /// Builds a key from its 66-byte big-endian scalar.
    pub fn from_scalar(bytes: &[u8]) -> Result<Self> {
        let key = p521::ecdsa::SigningKey::from_slice(bytes).map_err(|_| Error::new(ErrorCode::PrivateKeyInvalid, "the private scalar is not a valid P-521 key"))?;
        Ok(EcdsaSigningKey { key })
    }

    /// The 66-byte big-endian scalar. Handle with care.
    pub fn to_scalar(&self) -> Vec<u8> {
        self.key.to_bytes().to_vec()
    }

    /// The matching public key.
    pub fn verification_key(&self) -> VerificationKey {
        VerificationKey { key: *self.key.verifying_key() }
    }
}

impl crate::signature::MessageSigner for EcdsaSigningKey {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        use p521::ecdsa::signature::Signer as _;
        let signature: Signature = self.key.try_sign(message).map_err(|_| Error::new(ErrorCode::PrivateKeyInvalid, "signing failed"))?;
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

    /// Runs every vector of a Wycheproof file through `decode` + `verify`.
    /// "acceptable" vectors must be rejected: we choose strictness.
    fn run(file: &str, decode: fn(&[u8]) -> Result<EcdsaSignature>) -> usize {
        let path = format!("{}/../shared/vectors/wycheproof/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let suite: Suite = serde_json::from_str(&text).unwrap();
        let mut count = 0;
        for group in suite.groups {
            let key = VerificationKey::from_sec1(&hex::decode(&group.public_key.uncompressed).unwrap()).unwrap();
            for case in group.tests {
                let msg = hex::decode(&case.msg).unwrap();
                let sig = hex::decode(&case.sig).unwrap();
                let ok = decode(&sig).map(|s| key.verify(&msg, &s)).unwrap_or(false);
                assert_eq!(ok, case.result == "valid", "{file} tcId {}", case.id);
                count += 1;
            }
        }
        count
    }

    #[test]
    fn passes_every_wycheproof_der_vector() {
        assert_eq!(run("ecdsa_secp521r1_sha512_test.json", EcdsaSignature::from_der), 542);
    }

    #[test]
    fn passes_every_wycheproof_der_vector_through_autodetection() {
        assert_eq!(run("ecdsa_secp521r1_sha512_test.json", EcdsaSignature::decode), 542);
    }

    #[test]
    fn passes_every_wycheproof_p1363_vector() {
        assert_eq!(run("ecdsa_secp521r1_sha512_p1363_test.json", EcdsaSignature::from_raw), 318);
    }

    #[test]
    fn passes_every_wycheproof_p1363_vector_through_autodetection() {
        assert_eq!(run("ecdsa_secp521r1_sha512_p1363_test.json", EcdsaSignature::decode), 318);
    }

    #[test]
    fn rejects_keys_off_the_curve_or_of_the_wrong_size() {
        let x = [0u8; FIELD_LEN];
        assert_eq!(VerificationKey::from_coordinates(&x, &x).unwrap_err().code(), ErrorCode::KeyInvalid);
        assert_eq!(VerificationKey::from_coordinates(&x[1..], &x).unwrap_err().code(), ErrorCode::KeyInvalid);
    }

    #[test]
    fn reports_the_encoding_and_rejects_other_lengths() {
        assert_eq!(EcdsaSignature::decode(&[1u8; 64]).unwrap_err().code(), ErrorCode::SignatureMalformed);
        assert_eq!(EcdsaSignature::decode(&[]).unwrap_err().code(), ErrorCode::SignatureMalformed);
        let mut raw = [0u8; RAW_SIGNATURE_LEN];
        raw[FIELD_LEN - 1] = 1;
        raw[RAW_SIGNATURE_LEN - 1] = 1;
        assert_eq!(EcdsaSignature::decode(&raw).unwrap().encoding(), SignatureEncoding::Raw);
    }

    #[test]
    fn debug_does_not_print_key_material() {
        let key = VerificationKey::from_sec1(&hex::decode(WYCHEPROOF_KEY).unwrap()).unwrap();
        assert_eq!(format!("{key:?}"), "VerificationKey(P-521)");
    }

    const WYCHEPROOF_KEY: &str = "04012a908bfc5b70e17bdfae74294994808bf2a42dab59af8b0523a026d640a2a3d6d344520b62177e2cfa339ca42fb0883ec425904fbda2833a3b5b0a9a00811365d8012333d532f8f8eb1a623c378a3694651192bbda833e3b8d7b8f90b2bfc9b045f8a55e1b6a5fe1512c400c4bc9c86fd7c699d642f5cee9bb827c8b0abc0da01cef1e";
}
