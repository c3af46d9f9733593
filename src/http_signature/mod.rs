//! HTTP Message Signatures (RFC 9421) as Upvest uses them, and the body
//! digests they cover (RFC 9530 `Content-Digest`, RFC 3230 `Digest`).
//!
//! From the bottom up: [`message`] is the request a signature covers and
//! [`component`] the components it can cover; `fields` parses structured
//! fields; `params` and `input` read `Signature-Input`; [`policy`] says what
//! a verifier accepts; `base` builds signature bases; [`digest`] checks
//! body digests; `sign` produces headers and `verify` checks them. Nothing
//! here depends on where keys come from (`crate::verify`) or on JavaScript.

mod base;
pub mod component;
pub mod digest;
mod fields;
#[doc(hidden)]
pub use fields::member_texts;
mod input;
pub mod message;
mod params;
pub mod policy;
mod sign;
mod verify;

pub use crate::signer::MessageSigner;
pub use base::{BaseForm, SignatureBase};
pub use component::CoveredComponent;
pub use input::{SignatureInput, parse_signature_input};
pub use message::{ComponentSource, Headers, HttpRequest, RequestTarget};
pub use params::SignatureParams;
pub use policy::{Limits, VerifyPolicy};
pub use sign::{SignatureSpec, SignedHeaders, sign};
pub use verify::{
    Attempt, PreparedSignature, PreparedVerification, SIGNATURE_VERSION_HEADER, Verified,
    parse_signatures, prepare, prepare_digested,
};
pub(crate) use verify::{Check, Observer, Outcome, prepare_observed};
