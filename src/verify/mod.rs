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

use crate::error::Result;
use crate::http_signature::{self, HttpRequest, Verified, VerifyPolicy};
use events::{Event, parse_events};
use jwks::KeySet;

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
/// record [`inspect`] renders. With `&mut ()` it is `verify_delivery`.
pub(crate) fn verify_delivery_observed(
    request: &HttpRequest,
    keys: &KeySet,
    policy: &VerifyPolicy,
    now: i64,
    observer: &mut dyn http_signature::Observer,
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
