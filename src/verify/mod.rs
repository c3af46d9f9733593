//! The verifier around the signature checks of `crate::http_signature`:
//! where keys come from (a [`jwks::KeySet`], refreshed by a
//! [`key_cache::KeyCache`]), what a verified body holds ([`events`]), the
//! step-by-step report of a delivery ([`inspect`]) and the delivery a fresh
//! isolate verifies at start-up ([`warm_up`]).

pub mod events;
pub mod inspect;
pub mod jwks;
pub mod key_cache;
pub mod warm_up;
