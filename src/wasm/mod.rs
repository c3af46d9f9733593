//! The JavaScript boundary: converts values, runs async I/O (fetch, timers)
//! and maps errors to the package's error classes. No verification logic
//! lives here.

pub mod body;
#[cfg(feature = "client")]
pub mod client;
mod convert;
pub mod errors;
pub mod inspect;
mod js_io;
mod keys;
pub mod runtime;
#[cfg(feature = "testing")]
pub mod testing;
pub mod verifier;
pub mod webcrypto;
