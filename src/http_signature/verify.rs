//! Verification of a signed request: parse, then check.
//!
//! [`prepare`] does every check that needs no key (headers, time window,
//! body binding, base construction) and says which `keyid`s it needs. The
//! caller finds those keys, possibly asynchronously, and
//! [`PreparedVerification::verify_with`] runs the ECDSA checks. This split
//! keeps I/O out of the core. Both report each check they make to an
//! [`Observer`] (see `trace.rs`): the inspector's report is that record.

use super::base::{BaseForm, SignatureBase};
use super::digest::{BodyHashes, DigestField, check_digest_with};
use super::fields::parse_members;
use super::input::{SignatureInput, parse_signature_input};
use super::message::{ComponentSource, HttpRequest};
use super::policy::VerifyPolicy;
use crate::ecdsa::{EcdsaSignature, SignatureEncoding, VerificationKey};
use crate::error::{Error, ErrorCode, Result};
use std::sync::Arc;

mod trace;
use trace::outcome;
pub(crate) use trace::{Check, Observer, Outcome};

/// The header that makes Upvest's signers use the quoted (draft-15) base.
pub const SIGNATURE_VERSION_HEADER: &str = "upvest-signature-version";

/// What a successful verification established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The label of the signature that verified, for example `sig1`.
    pub label: String,
    /// Its `keyid`.
    pub key_id: String,
    /// Its `created` time (UNIX seconds).
    pub created: i64,
    /// Its `expires` time, if any.
    pub expires: Option<i64>,
    /// Which base form verified.
    pub form: BaseForm,
    /// How the signature was encoded.
    pub encoding: SignatureEncoding,
}

/// One signature that passed every key-independent check.
#[derive(Debug, Clone)]
pub struct PreparedSignature {
    input: SignatureInput,
    signature: EcdsaSignature,
    bases: Vec<SignatureBase>,
}

impl PreparedSignature {
    /// The parsed signature input.
    pub fn input(&self) -> &SignatureInput {
        &self.input
    }

    /// The candidate bases, in the order they are tried.
    pub fn bases(&self) -> &[SignatureBase] {
        &self.bases
    }
}

/// The outcome of [`prepare`]: candidate signatures awaiting their keys.
#[derive(Debug, Clone)]
pub struct PreparedVerification {
    candidates: Vec<PreparedSignature>,
    /// The error of the first candidate, reported if no candidate verifies.
    first_error: Option<Error>,
}

impl PreparedVerification {
    /// The `keyid`s the candidates need, without duplicates.
    pub fn key_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = Vec::new();
        for candidate in &self.candidates {
            let id = candidate.input.params().keyid.as_str();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }

    /// The candidates, in header order.
    pub fn candidates(&self) -> &[PreparedSignature] {
        &self.candidates
    }

    /// Runs the ECDSA checks with keys from `lookup`. Succeeds when any
    /// candidate verifies under any of its base forms.
    pub fn verify_with<F>(&self, lookup: F) -> Result<Verified>
    where
        F: FnMut(&str) -> Result<Arc<VerificationKey>>,
    {
        self.verify_observed(
            lookup,
            |attempt| attempt.key.verify(attempt.message, attempt.signature),
            &mut (),
        )
    }

    /// Every ECDSA check [`verify_with`](Self::verify_with) may make, in
    /// the order it makes them, for keys found by `lookup`.
    pub fn attempts<'a, F>(&'a self, mut lookup: F) -> Vec<Attempt<'a>>
    where
        F: FnMut(&str) -> Option<&'a VerificationKey>,
    {
        let mut attempts = Vec::new();
        for (candidate_index, candidate) in self.candidates.iter().enumerate() {
            let Some(key) = lookup(&candidate.input.params().keyid) else {
                continue;
            };
            for (base_index, base) in candidate.bases.iter().enumerate() {
                attempts.push(Attempt {
                    candidate: candidate_index,
                    base: base_index,
                    key,
                    message: base.as_bytes(),
                    signature: &candidate.signature,
                });
            }
        }
        attempts
    }

    /// [`verify_with`](Self::verify_with) with the ECDSA check supplied by
    /// the caller: one that has already checked some attempts elsewhere (such
    /// as with WebCrypto) answers those from its record.
    pub fn verify_with_checker<F, C>(&self, lookup: F, check: C) -> Result<Verified>
    where
        F: FnMut(&str) -> Result<Arc<VerificationKey>>,
        C: FnMut(&Attempt<'_>) -> bool,
    {
        self.verify_observed(lookup, check, &mut ())
    }

    /// [`verify_with_checker`](Self::verify_with_checker), reporting each
    /// key lookup and each candidate's ECDSA outcome to `observer`.
    pub(crate) fn verify_observed<F, C>(
        &self,
        mut lookup: F,
        mut check: C,
        observer: &mut dyn Observer,
    ) -> Result<Verified>
    where
        F: FnMut(&str) -> Result<Arc<VerificationKey>>,
        C: FnMut(&Attempt<'_>) -> bool,
    {
        let mut first_error = self.first_error.clone();
        for (candidate_index, candidate) in self.candidates.iter().enumerate() {
            let params = candidate.input.params();
            let label = candidate.input.label();
            let key = lookup(&params.keyid);
            observer.checked(Check::Key {
                label,
                outcome: outcome(&key),
            });
            let outcome = key.and_then(|key| {
                let verified = candidate
                    .bases
                    .iter()
                    .enumerate()
                    .find(|(base_index, base)| {
                        check(&Attempt { candidate: candidate_index, base: *base_index, key: &key, message: base.as_bytes(), signature: &candidate.signature })
                    })
                    .map(|(_, base)| base.form())
                    .ok_or_else(|| {
                        Error::new(
                            ErrorCode::SignatureInvalid,
                            format!(
                                "signature {:?} does not verify with key {:?}; the request was altered, signed with another key, or the URL/headers passed differ from what was sent",
                                label,
                                params.keyid
                            ),
                        )
                    });
                observer.checked(Check::Verify {
                    label,
                    outcome: verified.as_ref().copied(),
                });
                verified
            });
            match outcome {
                Ok(form) => {
                    return Ok(Verified {
                        label: label.to_owned(),
                        key_id: params.keyid.clone(),
                        created: params.created,
                        expires: params.expires,
                        form,
                        encoding: candidate.signature.encoding(),
                    });
                }
                Err(err) => {
                    first_error.get_or_insert(err);
                }
            }
        }
        Err(first_error.unwrap_or_else(|| {
            Error::new(ErrorCode::SignatureLabelNotFound, "no signature to verify")
        }))
    }
}

/// One ECDSA check: a candidate signature under one of its base forms.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    /// Index into [`PreparedVerification::candidates`].
    pub candidate: usize,
    /// Index into that candidate's [`bases`](PreparedSignature::bases).
    pub base: usize,
    /// The key the candidate's `keyid` names.
    pub key: &'a VerificationKey,
    /// The signature base: the signed bytes.
    pub message: &'a [u8],
    /// The decoded signature.
    pub signature: &'a EcdsaSignature,
}

/// Runs every key-independent check on `request` at time `now` (UNIX seconds).
pub fn prepare(
    request: &HttpRequest,
    policy: &VerifyPolicy,
    now: i64,
) -> Result<PreparedVerification> {
    prepare_observed(request, policy, now, &mut ())
}

/// [`prepare`] for a request whose body is not in `request.body` (which is
/// empty) but known by its length and digests: the WebAssembly boundary
/// hashes a large body with the runtime's native SHA, for the algorithms
/// [`named_algorithms`](super::digest::named_algorithms) lists, and this
/// compares them exactly as [`prepare`] compares its own. Every other check
/// is the same.
pub fn prepare_digested(
    request: &HttpRequest,
    body: &BodyHashes<'_>,
    policy: &VerifyPolicy,
    now: i64,
) -> Result<PreparedVerification> {
    prepare_checked(request, body, policy, now, &mut ())
}

/// [`prepare`], reporting each check it makes to `observer`.
pub(crate) fn prepare_observed(
    request: &HttpRequest,
    policy: &VerifyPolicy,
    now: i64,
    observer: &mut dyn Observer,
) -> Result<PreparedVerification> {
    // Each digest is computed at most once, however many signatures ask.
    prepare_checked(
        request,
        &BodyHashes::new(&request.body),
        policy,
        now,
        observer,
    )
}

fn prepare_checked(
    request: &HttpRequest,
    hashes: &BodyHashes<'_>,
    policy: &VerifyPolicy,
    now: i64,
    observer: &mut dyn Observer,
) -> Result<PreparedVerification> {
    let limits = &policy.limits;
    let header_bytes = if request.headers.byte_len() > limits.max_header_bytes {
        Err(Error::new(
            ErrorCode::LimitExceeded,
            format!(
                "the headers total {} bytes; the limit is {}",
                request.headers.byte_len(),
                limits.max_header_bytes
            ),
        )
        .with_setting(crate::error::Setting::MaxHeaderBytes))
    } else {
        Ok(())
    };
    observer.checked(Check::HeaderBytes(outcome(&header_bytes)));
    header_bytes?;
    let body_bytes = if hashes.len() > limits.max_body_bytes {
        Err(Error::new(
            ErrorCode::LimitExceeded,
            format!(
                "the body is {} bytes; the limit is {}",
                hashes.len(),
                limits.max_body_bytes
            ),
        )
        .with_setting(crate::error::Setting::MaxBodyBytes))
    } else {
        Ok(())
    };
    observer.checked(Check::BodyBytes(outcome(&body_bytes)));
    body_bytes?;
    let headers = match (
        request.headers.get("signature-input"),
        request.headers.get("signature"),
    ) {
        (Some(input), Some(signature)) => Ok((input, signature)),
        _ => Err(Error::new(
            ErrorCode::SignatureHeadersMissing,
            "the request needs both Signature-Input and Signature headers; pass all received headers",
        )),
    };
    observer.checked(Check::SignatureHeaders(outcome(&headers)));
    let (input_header, signature_header) = headers?;
    let inputs = parse_signature_input(&input_header, limits);
    observer.checked(Check::SignatureInput(inputs.as_ref().map(Vec::as_slice)));
    let inputs = inputs?;
    let signatures = parse_signatures(&signature_header);
    observer.checked(Check::Signature(outcome(&signatures)));
    let signatures = signatures?;

    let mut selected: Vec<(&SignatureInput, &[u8])> = Vec::new();
    for input in &inputs {
        if policy
            .label
            .as_deref()
            .is_some_and(|label| label != input.label())
        {
            continue;
        }
        let signature = signatures.iter().find(|(label, _)| label == input.label());
        observer.checked(Check::Candidate {
            input,
            signed: signature.is_some(),
        });
        if let Some((_, signature)) = signature {
            selected.push((input, signature));
        }
    }
    let selection = if selected.is_empty() {
        let message = match &policy.label {
            Some(label) => {
                format!("no signature labelled {label:?} in both Signature-Input and Signature")
            }
            None => "Signature-Input and Signature share no label".to_owned(),
        };
        Err(Error::new(ErrorCode::SignatureLabelNotFound, message))
    } else {
        Ok(())
    };
    observer.checked(Check::Selection(outcome(&selection)));
    selection?;

    let forms: &[BaseForm] = match request.headers.get(SIGNATURE_VERSION_HEADER).as_deref() {
        Some("15") => &[BaseForm::Quoted],
        _ => &[BaseForm::UpvestV6, BaseForm::Quoted],
    };
    observer.checked(Check::Forms(forms));

    let mut candidates = Vec::new();
    let mut first_error = None;
    for signed in selected {
        match prepare_one(request, policy, now, signed, (hashes, forms), observer) {
            Ok(candidate) => candidates.push(candidate),
            Err(err) => {
                first_error.get_or_insert(err);
            }
        }
    }
    match (candidates.is_empty(), first_error) {
        (true, Some(err)) => Err(err),
        (_, first_error) => Ok(PreparedVerification {
            candidates,
            first_error,
        }),
    }
}

fn prepare_one(
    request: &HttpRequest,
    policy: &VerifyPolicy,
    now: i64,
    (input, signature): (&SignatureInput, &[u8]),
    (hashes, forms): (&BodyHashes<'_>, &[BaseForm]),
    observer: &mut dyn Observer,
) -> Result<PreparedSignature> {
    let label = input.label();
    let time = policy.check_time(input.params(), now);
    observer.checked(Check::Time {
        label,
        outcome: outcome(&time),
    });
    time?;
    let binding = check_body_binding(input, request, hashes);
    observer.checked(Check::BodyBinding {
        label,
        outcome: outcome(&binding),
    });
    binding?;
    let signature = EcdsaSignature::decode(signature);
    observer.checked(Check::Decode {
        label,
        outcome: signature.as_ref().map(EcdsaSignature::encoding),
    });
    let signature = signature?;
    let mut bases = Vec::with_capacity(forms.len());
    for &form in forms {
        let base = SignatureBase::build(input, request, form);
        observer.checked(Check::Base {
            label,
            form,
            outcome: base.as_ref(),
        });
        bases.push(base?);
    }
    Ok(PreparedSignature {
        input: input.clone(),
        signature,
        bases,
    })
}

/// The body must be covered: by a digest header that matches it, and by a
/// `content-length` that equals its length when that is covered. `hashes`
/// holds the body's length and digests, shared across the request's signatures.
fn check_body_binding(
    input: &SignatureInput,
    request: &HttpRequest,
    hashes: &BodyHashes<'_>,
) -> Result<()> {
    let header = |name: &str| {
        request.component(name).ok_or_else(|| {
            Error::new(
                ErrorCode::ComponentMissing,
                format!("the signature covers {name:?}, but the request has no such header"),
            )
        })
    };
    if input.covers("content-length") {
        let declared = header("content-length")?;
        if declared.parse::<u64>().ok() != u64::try_from(hashes.len()).ok() {
            return Err(Error::new(
                ErrorCode::ContentLengthMismatch,
                format!(
                    "the signed content-length is {declared:?} but the body has {} bytes; pass the raw body exactly as received",
                    hashes.len()
                ),
            ));
        }
    }
    let mut covered_digest = false;
    for field in [DigestField::ContentDigest, DigestField::Digest] {
        if input.covers(field.name()) {
            check_digest_with(field, &header(field.name())?, hashes)?;
            covered_digest = true;
        }
    }
    if hashes.is_empty() || covered_digest {
        return Ok(());
    }
    if request.headers.contains("content-digest") || request.headers.contains("digest") {
        Err(Error::new(
            ErrorCode::DigestNotCovered,
            format!(
                "signature {:?} does not cover the digest header, so the body is not signed",
                input.label()
            ),
        ))
    } else {
        Err(Error::new(
            ErrorCode::DigestMissing,
            "the request has a body but no Digest or Content-Digest header, so the body is not signed",
        ))
    }
}

/// Parses the `Signature` header into `(label, signature bytes)` pairs.
/// A label may appear once.
pub fn parse_signatures(header: &str) -> Result<Vec<(String, Vec<u8>)>> {
    parse_members(header, "Signature", ErrorCode::SignatureMalformed)?
        .into_iter()
        .map(|member| match member.entry {
            sfv::ListEntry::Item(item) => item
                .bare_item
                .as_byte_sequence()
                .map(|bytes| (member.key.clone(), bytes.to_vec()))
                .ok_or_else(|| {
                    Error::new(
                        ErrorCode::SignatureMalformed,
                        format!(
                            "signature {:?} is not a byte sequence (:<base64>:)",
                            member.key
                        ),
                    )
                }),
            sfv::ListEntry::InnerList(_) => Err(Error::new(
                ErrorCode::SignatureMalformed,
                format!(
                    "signature {:?} is an inner list, not a byte sequence",
                    member.key
                ),
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests;
