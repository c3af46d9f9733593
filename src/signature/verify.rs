//! Verification of a signed request: parse, then check.
//!
//! [`prepare`] does every check that needs no key (headers, time window,
//! body binding, base construction) and says which `keyid`s it needs. The
//! caller finds those keys, possibly asynchronously, and
//! [`PreparedVerification::verify_with`] runs the ECDSA checks. This split
//! keeps I/O out of the core.

use super::base::{BaseForm, SignatureBase};
use super::fields::parse_members;
use super::input::{SignatureInput, parse_signature_input};
use crate::digest::{BodyHashes, DigestField, check_digest_with};
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
    prepare_with(request, policy, now, &BodyHashes::new(&request.body))
}

/// [`prepare`] with the body's digests shared with the caller's other
/// checks of the same request (`hashes` must hold `request.body`).
pub(crate) fn prepare_with(
    request: &HttpRequest,
    policy: &VerifyPolicy,
    now: i64,
    hashes: &BodyHashes<'_>,
) -> Result<PreparedVerification> {
    let limits = &policy.limits;
    if request.headers.byte_len() > limits.max_header_bytes {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!(
                "the headers total {} bytes; the limit is {}",
                request.headers.byte_len(),
                limits.max_header_bytes
            ),
        )
        .with_setting(crate::error::Setting::MaxHeaderBytes));
    }
    if request.body.len() > limits.max_body_bytes {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!(
                "the body is {} bytes; the limit is {}",
                request.body.len(),
                limits.max_body_bytes
            ),
        )
        .with_setting(crate::error::Setting::MaxBodyBytes));
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

    // Each digest is computed at most once, however many signatures ask.
    let mut candidates = Vec::new();
    let mut first_error = None;
    for (input, signature) in selected {
        match prepare_one(request, policy, now, (input, signature), hashes, forms) {
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
    hashes: &BodyHashes<'_>,
    forms: &[BaseForm],
) -> Result<PreparedSignature> {
    policy.check_time(input.params(), now)?;
    check_body_binding(input, request, hashes)?;
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
/// `content-length` that equals its length when that is covered. `hashes`
/// holds `request.body`'s digests, shared across the request's signatures.
pub(crate) fn check_body_binding(
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
            check_digest_with(field, &header(field.name())?, hashes)?;
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
mod tests {
    use super::*;
    use crate::digest::work::take_hashed_bytes;
    use crate::digest::{content_digest_sha512, digest_sha256};
    use crate::ecdsa::EcdsaSigningKey;
    use crate::message::Headers;
    use crate::testing::{TestDeliveryOptions, sign_test_delivery};
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    const NOW: i64 = 1_800_000_000;

    /// A genuine delivery's headers (v6: `digest` covered) and body.
    fn delivery(body_len: usize) -> (Vec<(String, String)>, Vec<u8>) {
        let key = EcdsaSigningKey::generate().unwrap();
        let mut body = br#"{"payload":[],"pad":""#.to_vec();
        body.resize(body_len.saturating_sub(2).max(body.len()), b'x');
        body.extend_from_slice(b"\"}");
        let delivery = sign_test_delivery(
            &key,
            &TestDeliveryOptions {
                key_id: "k",
                url: "https://tenant.example/hooks",
                body,
                created: NOW,
                expires: Some(NOW + 60),
            },
        )
        .unwrap();
        (delivery.headers, delivery.body)
    }

    /// Runs `prepare` and returns the bytes it hashed and its outcome.
    fn hashed_by_prepare(headers: Headers, body: &[u8]) -> (usize, Result<PreparedVerification>) {
        let request = HttpRequest::new(
            "POST",
            "https://tenant.example/hooks",
            headers,
            body.to_vec(),
        )
        .unwrap();
        take_hashed_bytes();
        let outcome = prepare(&request, &VerifyPolicy::default(), NOW);
        (take_hashed_bytes(), outcome)
    }

    #[test]
    fn the_reported_digest_amplification_hashes_the_body_at_most_once() {
        // Finding 2: an 8 MiB body, the right digest 250 times in `Digest`,
        // 8 junk signatures that each cover it. 0.1.0 hashed the body
        // 250 × 8 = 2,000 times (107 s in Node) before any key lookup.
        let (headers, body) = delivery(8 * 1024 * 1024 - 64);
        let right = digest_sha256(&body);
        let mut hostile = Headers::new();
        for (name, value) in &headers {
            if !matches!(name.as_str(), "digest" | "signature-input" | "signature") {
                hostile.append(name, value.as_str());
            }
        }
        hostile.append("digest", vec![right.as_str(); 250].join(", "));
        let inputs: Vec<String> = (0..8)
            .map(|i| format!(r#"s{i}=("digest" "content-length");keyid="k{i}";created={NOW}"#))
            .collect();
        hostile.append("signature-input", inputs.join(", "));
        let junk = STANDARD.encode([1u8; 132]);
        let signatures: Vec<String> = (0..8).map(|i| format!("s{i}=:{junk}:")).collect();
        hostile.append("signature", signatures.join(", "));
        let (hashed, outcome) = hashed_by_prepare(hostile, &body);
        assert_eq!(outcome.unwrap_err().code(), ErrorCode::DigestMalformed);
        assert_eq!(hashed, 0, "a repeated algorithm is refused before hashing");

        // The same with the 250 entries made distinct (unknown algorithms
        // around one SHA-256): one pass over the body for all 8 signatures.
        let mut distinct = Headers::new();
        for (name, value) in hostile_headers_without_digest(&headers) {
            distinct.append(&name, value);
        }
        let mut entries: Vec<String> = (0..250).map(|i| format!("x-{i}=AAAA")).collect();
        entries.push(right);
        distinct.append("digest", entries.join(", "));
        distinct.append("signature-input", inputs.join(", "));
        distinct.append("signature", signatures.join(", "));
        let (hashed, outcome) = hashed_by_prepare(distinct, &body);
        assert!(
            outcome.is_ok(),
            "every candidate passes the key-free checks"
        );
        assert_eq!(hashed, body.len());
    }

    fn hostile_headers_without_digest(headers: &[(String, String)]) -> Vec<(String, String)> {
        headers
            .iter()
            .filter(|(name, _)| {
                !matches!(name.as_str(), "digest" | "signature-input" | "signature")
            })
            .cloned()
            .collect()
    }

    /// A small deterministic generator (xorshift), so failures reproduce.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn whatever_the_header_shape_the_body_is_hashed_at_most_once_per_algorithm() {
        // Property over header shapes: any number of signatures (up to the
        // limit), each covering any digest fields; digest headers with right,
        // wrong, unknown, repeated and differently-cased entries. The work
        // bound: at most one SHA-256 and one SHA-512 pass over the body, and
        // signature bases totalling a small multiple of the header bytes.
        let (headers, body) = delivery(64 * 1024);
        let sha256 = digest_sha256(&body);
        let sha512 = content_digest_sha512(&body);
        let sha512_legacy = format!("SHA-512={}", &sha512["sha-512=:".len()..sha512.len() - 1]);
        let legacy_entries = [
            sha256.clone(),
            sha256.replacen("SHA-256", "sha-256", 1),
            sha512_legacy,
            "SHA-256=AAAA".to_owned(),
            "MD5=AAAA".to_owned(),
            "UNIXsum=1".to_owned(),
        ];
        let content_entries = [
            sha512.clone(),
            format!("sha-256=:{}:", &sha256["SHA-256=".len()..]),
            "sha-512=:AAAA:".to_owned(),
            "md5=:AAAA:".to_owned(),
            "sha-256=1".to_owned(),
        ];
        const COVERABLE: &[&str] = &[
            "digest",
            "content-digest",
            "content-length",
            "@method",
            "@path",
        ];
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut verdicts = std::collections::BTreeMap::new();
        for _ in 0..400 {
            let mut request = Headers::new();
            for (name, value) in hostile_headers_without_digest(&headers) {
                request.append(&name, value);
            }
            let pick = |rng: &mut Rng, pool: &[String]| -> String {
                (0..1 + rng.below(6))
                    .map(|_| pool[rng.below(pool.len())].clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            request.append("digest", pick(&mut rng, &legacy_entries));
            request.append("content-digest", pick(&mut rng, &content_entries));
            let count = 1 + rng.below(8);
            let inputs: Vec<String> = (0..count)
                .map(|i| {
                    let mut covered: Vec<&str> = COVERABLE
                        .iter()
                        .copied()
                        .filter(|_| rng.below(2) == 0)
                        .collect();
                    if covered.is_empty() {
                        covered.push("digest");
                    }
                    let list: Vec<String> = covered.iter().map(|c| format!("\"{c}\"")).collect();
                    format!("s{i}=({});keyid=\"k\";created={NOW}", list.join(" "))
                })
                .collect();
            request.append("signature-input", inputs.join(", "));
            let junk = STANDARD.encode([1u8; 132]);
            let signatures: Vec<String> = (0..count).map(|i| format!("s{i}=:{junk}:")).collect();
            request.append("signature", signatures.join(", "));
            let header_bytes = request.byte_len();
            let (hashed, outcome) = hashed_by_prepare(request, &body);
            assert!(
                hashed <= 2 * body.len(),
                "hashed {hashed} bytes of a {}-byte body",
                body.len()
            );
            let base_bytes: usize = outcome.as_ref().map_or(0, |prepared| {
                prepared
                    .candidates()
                    .iter()
                    .flat_map(|c| c.bases())
                    .map(|b| b.as_bytes().len())
                    .sum()
            });
            assert!(
                base_bytes <= 16 * (header_bytes + 256),
                "{base_bytes} base bytes for {header_bytes} header bytes"
            );
            *verdicts
                .entry(outcome.map_or_else(|e| e.code().as_str(), |_| "prepared"))
                .or_insert(0) += 1;
        }
        // The generator reaches both outcomes and the digest errors.
        for code in ["prepared", "ERR_DIGEST_MALFORMED", "ERR_DIGEST_MISMATCH"] {
            assert!(verdicts.contains_key(code), "{verdicts:?}");
        }
    }
}
