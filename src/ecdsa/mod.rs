//! ECDSA P-521 / SHA-512: signature decoding (`encoding`), public keys and
//! verification (`verifying_key`, fast through the comb tables of
//! `tables`), and private keys that sign (`signing_key`). The Wycheproof
//! vectors run against every verification path in `tests/ecdsa.rs`.

mod encoding;
mod signing_key;
mod tables;
mod verifying_key;

pub use encoding::{EcdsaSignature, SignatureEncoding};
pub use signing_key::EcdsaSigningKey;
#[cfg(feature = "testing")]
#[doc(hidden)]
pub use verifying_key::VerifyPath;
pub use verifying_key::{PRECOMPUTE_COST, VerificationKey};

/// Length of a raw `r‖s` P-521 signature.
pub const RAW_SIGNATURE_LEN: usize = 132;
/// Length of one P-521 coordinate or scalar.
pub const FIELD_LEN: usize = 66;
