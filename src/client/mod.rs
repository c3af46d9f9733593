//! The Upvest API client's core: request building and signing, validation,
//! tokens, the retry and refresh loop ([`call`]), paging ([`pager`]), the
//! private key's text forms (`SigningKey::from_text`) and error bodies.
//! Synchronous and I/O-free; the wasm edge (`src/wasm/client/`) converts
//! values, sends the requests and runs the timers the state machines ask for.

pub mod call;
mod key;
pub mod pager;
pub mod problem;
pub mod request;
pub mod retry;
pub mod token;
pub mod validate;
pub mod webhooks;

pub use crate::random::{format_uuid, uuid_v4};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_version_4_uuids() {
        assert!(validate::is_uuid(&uuid_v4().unwrap()));
        assert!(validate::is_uuid(&format_uuid([0xff; 16])));
    }
}
