//! HTTP Message Signatures as Upvest uses them: parsing, signature bases,
//! verification and signing.

mod base;
mod fields;
#[doc(hidden)]
pub use fields::member_texts;
pub(crate) use fields::parse_members;
mod input;
mod verify;

pub use base::{BaseForm, SignatureBase};
pub use input::{CoveredComponent, SignatureInput, SignatureParams, parse_signature_input};
mod sign;
pub use sign::{MessageSigner, SignatureSpec, SignedHeaders, sign};
pub use verify::{
    Attempt, PreparedSignature, PreparedVerification, SIGNATURE_VERSION_HEADER, Verified,
    parse_signatures, prepare,
};
pub(crate) use verify::{Check, Observer, Outcome, prepare_observed};
