#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

#[cfg(feature = "client")]
pub mod client;
pub mod ecdsa;
pub mod error;
pub mod http_signature;
#[cfg(feature = "client")]
pub mod private_key;
pub mod signer;
pub mod testing;
pub mod verify;
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod wasm;

pub use error::{Error, ErrorCode, Result};
use http_signature::digest;
pub use http_signature::{Headers, HttpRequest, Limits, Verified, VerifyPolicy};
pub use verify::events::{Event, parse_events};
pub use verify::jwks::KeySet;

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
    let prepared = http_signature::prepare_with(request, policy, now, hashes)?;
    let verified = prepared.verify_with(|kid| keys.get(kid).cloned())?;
    Ok((verified, parse_events(&request.body)?))
}
