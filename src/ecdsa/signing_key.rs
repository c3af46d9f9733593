//! The private key side: a P-521 signing key that emits ASN.1 DER, as
//! Upvest's signers do.

use super::FIELD_LEN;
use super::verifying_key::VerificationKey;
use crate::error::{Error, ErrorCode, Result};
use p521::ecdsa::Signature;

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

impl crate::signer::MessageSigner for EcdsaSigningKey {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        use p521::ecdsa::signature::Signer as _;
        let signature: Signature = self
            .key
            .try_sign(message)
            .map_err(|_| Error::new(ErrorCode::PrivateKeyInvalid, "signing failed"))?;
        Ok(signature.to_der().as_bytes().to_vec())
    }
}
