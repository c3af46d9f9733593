//! Verification of a signed request: parse, then check.
//!
//! [`prepare`] does every check that needs no key (headers, time window,
//! body binding, base construction) and says which `keyid`s it needs. The
//! caller finds those keys, possibly asynchronously, and
//! [`PreparedVerification::verify_with`] runs the ECDSA checks. This split
//! keeps I/O out of the core.

use super::base::{BaseForm, SignatureBase};
use super::fields::parse_dictionary;
use super::input::{SignatureInput, parse_signature_input};
use crate::digest::{DigestField, check_digest};
use crate::ecdsa::{EcdsaSignature, SignatureEncoding, VerificationKey};
use crate::error::{Error, ErrorCode, Result};
use crate::message::{ComponentSource, HttpRequest};
use crate::policy::VerifyPolicy;
use std::sync::Arc;

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
        self.verify_with_checker(lookup, |attempt| {
            attempt.key.verify(attempt.message, attempt.signature)
        })
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
    pub fn verify_with_checker<F, C>(&self, mut lookup: F, mut check: C) -> Result<Verified>
    where
        F: FnMut(&str) -> Result<Arc<VerificationKey>>,
        C: FnMut(&Attempt<'_>) -> bool,
    {
        let mut first_error = self.first_error.clone();
        for (candidate_index, candidate) in self.candidates.iter().enumerate() {
            let params = candidate.input.params();
            let outcome = lookup(&params.keyid).and_then(|key| {
                candidate
                    .bases
                    .iter()
                    .enumerate()
                    .find(|(base_index, base)| {
                        check(&Attempt { candidate: candidate_index, base: *base_index, key: &key, message: base.as_bytes(), signature: &candidate.signature })
                    })
                    .map(|(_, base)| base)
                    .ok_or_else(|| {
                        Error::new(
                            ErrorCode::SignatureInvalid,
                            format!(
                                "signature {:?} does not verify with key {:?}; the request was altered, signed with another key, or the URL/headers passed differ from what was sent",
                                candidate.input.label(),
                                params.keyid
                            ),
                        )
                    })
            });
            match outcome {
                Ok(base) => {
                    return Ok(Verified {
                        label: candidate.input.label().to_owned(),
                        key_id: params.keyid.clone(),
                        created: params.created,
                        expires: params.expires,
                        form: base.form(),
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
    let limits = &policy.limits;
    if request.headers.byte_len() > limits.max_header_bytes {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!(
                "the headers total {} bytes; the limit is {} (limits.maxHeaderBytes)",
                request.headers.byte_len(),
                limits.max_header_bytes
            ),
        ));
    }
    if request.body.len() > limits.max_body_bytes {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!(
                "the body is {} bytes; the limit is {} (limits.maxBodyBytes)",
                request.body.len(),
                limits.max_body_bytes
            ),
        ));
    }
    let (Some(input_header), Some(signature_header)) = (
        request.headers.get("signature-input"),
        request.headers.get("signature"),
    ) else {
        return Err(Error::new(
            ErrorCode::SignatureHeadersMissing,
            "the request needs both Signature-Input and Signature headers; pass all received headers",
        ));
    };
    let inputs = parse_signature_input(&input_header, limits)?;
    let signatures = parse_signatures(&signature_header)?;

    let selected: Vec<(&SignatureInput, &[u8])> = inputs
        .iter()
        .filter(|input| {
            policy
                .label
                .as_deref()
                .is_none_or(|label| label == input.label())
        })
        .filter_map(|input| {
            signatures
                .iter()
                .find(|(label, _)| label == input.label())
                .map(|(_, sig)| (input, sig.as_slice()))
        })
        .collect();
    if selected.is_empty() {
        let message = match &policy.label {
            Some(label) => {
                format!("no signature labelled {label:?} in both Signature-Input and Signature")
            }
            None => "Signature-Input and Signature share no label".to_owned(),
        };
        return Err(Error::new(ErrorCode::SignatureLabelNotFound, message));
    }

    let forms: &[BaseForm] = match request.headers.get(SIGNATURE_VERSION_HEADER).as_deref() {
        Some("15") => &[BaseForm::Quoted],
        _ => &[BaseForm::UpvestV6, BaseForm::Quoted],
    };

    let mut candidates = Vec::new();
    let mut first_error = None;
    for (input, signature) in selected {
        match prepare_one(request, policy, now, input, signature, forms) {
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
    input: &SignatureInput,
    signature: &[u8],
    forms: &[BaseForm],
) -> Result<PreparedSignature> {
    policy.check_time(input.params(), now)?;
    check_body_binding(input, request)?;
    let signature = EcdsaSignature::decode(signature)?;
    let bases = forms
        .iter()
        .map(|&form| SignatureBase::build(input, request, form))
        .collect::<Result<Vec<_>>>()?;
    Ok(PreparedSignature {
        input: input.clone(),
        signature,
        bases,
    })
}

/// The body must be covered: by a digest header that matches it, and by a
/// `content-length` that equals its length when that is covered.
pub(crate) fn check_body_binding(input: &SignatureInput, request: &HttpRequest) -> Result<()> {
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
        if declared.parse::<u64>().ok() != u64::try_from(request.body.len()).ok() {
            return Err(Error::new(
                ErrorCode::ContentLengthMismatch,
                format!(
                    "the signed content-length is {declared:?} but the body has {} bytes; pass the raw body exactly as received",
                    request.body.len()
                ),
            ));
        }
    }
    let mut covered_digest = false;
    for field in [DigestField::ContentDigest, DigestField::Digest] {
        if input.covers(field.name()) {
            check_digest(field, &header(field.name())?, &request.body)?;
            covered_digest = true;
        }
    }
    if request.body.is_empty() || covered_digest {
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
pub fn parse_signatures(header: &str) -> Result<Vec<(String, Vec<u8>)>> {
    let dict = parse_dictionary(header, "Signature", ErrorCode::SignatureMalformed)?;
    dict.iter()
        .map(|(key, entry)| match entry {
            sfv::ListEntry::Item(item) => item
                .bare_item
                .as_byte_sequence()
                .map(|bytes| (key.as_str().to_owned(), bytes.to_vec()))
                .ok_or_else(|| {
                    Error::new(
                        ErrorCode::SignatureMalformed,
                        format!(
                            "signature {:?} is not a byte sequence (:<base64>:)",
                            key.as_str()
                        ),
                    )
                }),
            sfv::ListEntry::InnerList(_) => Err(Error::new(
                ErrorCode::SignatureMalformed,
                format!(
                    "signature {:?} is an inner list, not a byte sequence",
                    key.as_str()
                ),
            )),
        })
        .collect()
}
