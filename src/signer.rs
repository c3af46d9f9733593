//! The one trait both signing sides share: HTTP signatures (`http_signature::sign`)
//! call it, and the keys (`ecdsa::EcdsaSigningKey`, the client's Ed25519
//! key) implement it. It sits below both so neither depends on the other.

use crate::error::Result;

/// Something that signs a signature base (ECDSA P-521 in DER, or Ed25519).
pub trait MessageSigner {
    /// Signs `message`, returning the signature bytes as they go on the wire.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>>;
}
