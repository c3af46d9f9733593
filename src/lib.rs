#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

#[cfg(feature = "client")]
pub mod client;
pub mod delivery;
pub mod digest;
pub mod ecdsa;
pub mod error;
pub mod inspect;
pub mod jwks;
pub mod key_cache;
pub mod message;
pub mod policy;
#[cfg(feature = "client")]
pub mod private_key;
#[doc(hidden)]
pub mod random;
pub mod signature;
pub mod testing;
pub mod warm_up;
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod wasm;

pub use delivery::{Event, parse_events};
pub use error::{Error, ErrorCode, Result};
pub use jwks::KeySet;
pub use message::{Headers, HttpRequest};
pub use policy::{Limits, VerifyPolicy};
pub use signature::Verified;

/// Verifies a delivery against a local key set and returns its events.
///
/// ```
/// use upvest_webhooks::{verify_delivery, HttpRequest, KeySet, VerifyPolicy};
/// # fn demo(request: HttpRequest, keys: KeySet, now: i64) -> upvest_webhooks::Result<()> {
/// let (verified, events) = verify_delivery(&request, &keys, &VerifyPolicy::default(), now)?;
/// println!("{} events signed by {}", events.len(), verified.key_id);
/// # Ok(()) }
/// ```
pub fn verify_delivery(
    request: &HttpRequest,
    keys: &KeySet,
    policy: &VerifyPolicy,
    now: i64,
) -> Result<(Verified, Vec<Event>)> {
    verify_delivery_with(
        request,
        keys,
        policy,
        now,
        &digest::BodyHashes::new(&request.body),
    )
}

/// [`verify_delivery`] with the body's digests shared with the caller
/// (`inspect`, which checks the same request again step by step).
pub(crate) fn verify_delivery_with(
    request: &HttpRequest,
    keys: &KeySet,
    policy: &VerifyPolicy,
    now: i64,
    hashes: &digest::BodyHashes<'_>,
) -> Result<(Verified, Vec<Event>)> {
    let prepared = signature::prepare_with(request, policy, now, hashes)?;
    let verified = prepared.verify_with(|kid| keys.get(kid).cloned())?;
    Ok((verified, parse_events(&request.body)?))
}
