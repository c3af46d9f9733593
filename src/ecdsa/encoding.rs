//! Signature decoding. Upvest's signers emit ASN.1 DER; WebCrypto and
//! RFC 9421 use raw `r‖s` (IEEE P1363, 132 bytes). Both are accepted. A DER
//! signature starts with `0x30`; a raw one starts with the top byte of
//! `r < n < 2^521`, which is `0x00` or `0x01`, so the two never collide.

use super::RAW_SIGNATURE_LEN;
use crate::error::{Error, ErrorCode, Result};
use p521::ecdsa::Signature;

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
    pub(super) signature: Signature,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecdsa::FIELD_LEN;

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
}
