#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

#[cfg(feature = "client")]
pub mod client;
pub mod ecdsa;
pub mod error;
pub mod http_signature;
#[cfg(feature = "client")]
pub mod private_key;
#[doc(hidden)]
pub mod random;
pub mod signer;
pub mod testing;
pub mod verify;
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod wasm;

pub use error::{Error, ErrorCode, Result};
pub use http_signature::{Headers, HttpRequest, Limits, Verified, VerifyPolicy};
pub use verify::events::{Event, parse_events};
pub use verify::jwks::KeySet;
pub use verify::verify_delivery;
