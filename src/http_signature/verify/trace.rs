//! What the verifier reports while it works, for `crate::verify::inspect`.
//!
//! [`prepare`](super::prepare) and [`PreparedVerification::verify_with`](super::PreparedVerification::verify_with)
//! report each check they make, with its outcome, to an [`Observer`]. The
//! inspector's observer records them and renders the record, so its report
//! and the verdict come from one run of one verifier. Nobody watches on the
//! verify path: it passes `&mut ()`, whose `checked` does nothing. The
//! observer is a `&mut dyn Observer`, so the verifier's code exists once in
//! the .wasm for both uses (a dozen empty calls per verification cost less
//! than a second copy of `prepare` costs in download size).

use super::super::base::{BaseForm, SignatureBase};
use super::super::input::SignatureInput;
use crate::ecdsa::SignatureEncoding;
use crate::error::Error;

/// A check's outcome: `Ok` when it passed, else the verifier's error.
pub type Outcome<'a, T = ()> = Result<T, &'a Error>;

/// One check the verifier made, in the order it makes them. A check that is
/// not reported was not made: an earlier one failed, or (for a signature's
/// key and ECDSA checks) another signature verified first.
#[derive(Debug, Clone, Copy)]
pub enum Check<'a> {
    /// The headers' total size against `Limits::max_header_bytes`.
    HeaderBytes(Outcome<'a>),
    /// The body's size against `Limits::max_body_bytes`.
    BodyBytes(Outcome<'a>),
    /// Both `Signature-Input` and `Signature` are present.
    SignatureHeaders(Outcome<'a>),
    /// `Signature-Input`, parsed into its members.
    SignatureInput(Outcome<'a, &'a [SignatureInput]>),
    /// `Signature`, parsed.
    Signature(Outcome<'a>),
    /// A member of `Signature-Input` that the policy's label admits;
    /// `signed` says whether `Signature` has a member of the same label.
    /// Only signed candidates are checked further.
    Candidate {
        /// The member.
        input: &'a SignatureInput,
        /// Whether `Signature` has its label.
        signed: bool,
    },
    /// At least one signed candidate is left to check.
    Selection(Outcome<'a>),
    /// The base forms tried for this request, in the order they are tried.
    Forms(&'a [BaseForm]),
    /// A signature's `created`/`expires` against the time window.
    Time {
        /// The signature's label.
        label: &'a str,
        /// The outcome.
        outcome: Outcome<'a>,
    },
    /// The body's binding: the covered digest (and `content-length`).
    BodyBinding {
        /// The signature's label.
        label: &'a str,
        /// The outcome.
        outcome: Outcome<'a>,
    },
    /// The signature bytes, decoded.
    Decode {
        /// The signature's label.
        label: &'a str,
        /// How they were encoded, when they decoded.
        outcome: Outcome<'a, SignatureEncoding>,
    },
    /// One signature base, built (once per tried form, until one fails).
    Base {
        /// The signature's label.
        label: &'a str,
        /// The form being built.
        form: BaseForm,
        /// The base.
        outcome: Outcome<'a, &'a SignatureBase>,
    },
    /// The key the signature's `keyid` names, looked up.
    Key {
        /// The signature's label.
        label: &'a str,
        /// The outcome.
        outcome: Outcome<'a>,
    },
    /// The ECDSA checks over the tried bases, made once the key was found:
    /// the form whose base verified, or the verifier's error.
    Verify {
        /// The signature's label.
        label: &'a str,
        /// The outcome.
        outcome: Outcome<'a, BaseForm>,
    },
    /// The events, read from the verified body.
    Payload(Outcome<'a>),
}

/// Receives each [`Check`] the verifier makes. The default method ignores
/// them; `()` is the observer of a verification nobody inspects.
pub trait Observer {
    /// Called once per check, right after it was made.
    fn checked(&mut self, check: Check<'_>) {
        let _ = check;
    }
}

impl Observer for () {}

/// The outcome of `result`, for a [`Check`].
#[inline(always)]
pub(crate) fn outcome<T>(result: &crate::error::Result<T>) -> Outcome<'_> {
    result.as_ref().map(|_| ())
}
