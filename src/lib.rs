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
pub(crate) fn verify_delivery_observed<O: http_signature::Observer + ?Sized>(
    request: &HttpRequest,
    keys: &KeySet,
    policy: &VerifyPolicy,
    now: i64,
    observer: &mut O,
) -> Result<(Verified, Vec<Event>)> {
    let prepared = http_signature::prepare_observed(request, policy, now, observer)?;
    let verified = prepared.verify_observed(
        |kid| keys.get(kid).cloned(),
        |attempt| attempt.key.verify(attempt.message, attempt.signature),
        observer,
    )?;
    let events = parse_events(&request.body);
    observer.checked(http_signature::Check::Payload(events.as_ref().map(|_| ())));
    Ok((verified, events?))
}
