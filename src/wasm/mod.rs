//! The JavaScript boundary: converts values, runs async I/O (fetch, timers)
//! and maps errors to the package's error classes. No verification logic
//! lives here.

mod convert;
mod errors;
mod js_io;
mod keys;
mod testing;
mod verifier;
