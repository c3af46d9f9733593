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
    verify_delivery_observed(request, keys, policy, now, &mut ())
}

/// [`verify_delivery`], reporting each check it makes to `observer`: the
/// record `inspect` renders. With `&mut ()` it is `verify_delivery`.
pub(crate) fn verify_delivery_observed<O: signature::Observer + ?Sized>(
    request: &HttpRequest,
    keys: &KeySet,
    policy: &VerifyPolicy,
    now: i64,
    observer: &mut O,
) -> Result<(Verified, Vec<Event>)> {
    let prepared = signature::prepare_observed(request, policy, now, observer)?;
    let verified = prepared.verify_observed(
        |kid| keys.get(kid).cloned(),
        |attempt| attempt.key.verify(attempt.message, attempt.signature),
        observer,
    )?;
    let events = parse_events(&request.body);
    observer.checked(signature::Check::Payload(events.as_ref().map(|_| ())));
    Ok((verified, events?))
}
