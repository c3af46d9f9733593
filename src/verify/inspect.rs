//! A step-by-step report of how a delivery fares, for the playground and for
//! debugging: parsed inputs, the key, the digest, both signature bases, the
//! signature and the time window.
//!
//! The report is a view over one run of the verifier: `verify_delivery`
//! reports each check it makes to a `Record` (see
//! `signature/verify/trace.rs`), and this module renders that record. It
//! decides nothing itself, so the report and the verdict cannot disagree: a
//! check the verifier did not make is shown as `skip`.

use super::jwks::KeySet;
use crate::ecdsa::SignatureEncoding;
use crate::error::Error;
use crate::http_signature::message::HttpRequest;
use crate::http_signature::policy::VerifyPolicy;
use crate::http_signature::{BaseForm, Check, Observer, Outcome, SignatureBase, SignatureInput};
use serde::Serialize;

/// The outcome of one check.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Step {
    /// `headers`, `signature-input`, `key`, `digest`, `base`, `signature`, `time` or `payload`.
    pub name: &'static str,
    /// `pass`, `fail` or `skip`.
    pub status: &'static str,
    /// What was found, in a sentence.
    pub summary: String,
    /// The error code when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
}

/// One signature base, as text.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BaseReport {
    /// 6 (unquoted) or 15 (quoted).
    pub version: u8,
    /// Whether the verifier tries this form for this request.
    pub tried: bool,
    /// Whether the signature verified over it.
    pub verified: bool,
    /// The exact base.
    pub text: String,
}

/// What was found for one signature.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SignatureReport {
    /// The label.
    pub label: String,
    /// Covered components, in order.
    pub components: Vec<String>,
    /// `keyid`.
    pub keyid: String,
    /// `created`.
    pub created: i64,
    /// `expires`.
    pub expires: Option<i64>,
    /// `nonce`.
    pub nonce: Option<String>,
    /// The `@signature-params` value as received.
    pub params: String,
    /// Both bases.
    pub bases: Vec<BaseReport>,
    /// The checks for this signature.
    pub steps: Vec<Step>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Inspection {
    /// The verifier's verdict.
    pub ok: bool,
    /// Its error code, when rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    /// Its error message, when rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Request-level checks.
    pub steps: Vec<Step>,
    /// Per-signature detail.
    pub signatures: Vec<SignatureReport>,
}

fn pass(name: &'static str, summary: impl Into<String>) -> Step {
    Step {
        name,
        status: "pass",
        summary: summary.into(),
        code: None,
    }
}

fn fail(name: &'static str, err: &Error) -> Step {
    Step {
        name,
        status: "fail",
        summary: err.message().to_owned(),
        code: Some(err.code().as_str()),
    }
}

fn skip(name: &'static str, summary: &str) -> Step {
    Step {
        name,
        status: "skip",
        summary: summary.to_owned(),
        code: None,
    }
}

/// A recorded outcome, owned.
type Recorded<T = ()> = Option<Result<T, Error>>;

fn own<T>(outcome: Outcome<'_, T>) -> Result<T, Error> {
    outcome.map_err(Error::clone)
}

/// What the verifier did with one signature.
#[derive(Debug)]
struct SignatureRecord {
    input: SignatureInput,
    /// Whether `Signature` has its label (only then is it checked).
    signed: bool,
    time: Recorded,
    body_binding: Recorded,
    decode: Recorded<SignatureEncoding>,
    /// The bases the verifier built, in the order it built them.
    bases: Vec<(BaseForm, Result<String, Error>)>,
    key: Recorded,
    verify: Recorded<BaseForm>,
}

/// The record of one verification: each check the verifier made, with
/// its outcome, as the verifier reported it.
#[derive(Debug, Default)]
struct Record {
    header_bytes: Recorded,
    body_bytes: Recorded,
    signature_headers: Recorded,
    /// The labels of `Signature-Input`'s members.
    signature_input: Recorded<Vec<String>>,
    signature: Recorded,
    selection: Recorded,
    forms: Vec<BaseForm>,
    signatures: Vec<SignatureRecord>,
    payload: Recorded,
}

impl Record {
    fn signature(&mut self, label: &str) -> Option<&mut SignatureRecord> {
        self.signatures
            .iter_mut()
            .find(|record| record.input.label() == label)
    }
}

impl Observer for Record {
    fn checked(&mut self, check: Check<'_>) {
        match check {
            Check::HeaderBytes(outcome) => self.header_bytes = Some(own(outcome)),
            Check::BodyBytes(outcome) => self.body_bytes = Some(own(outcome)),
            Check::SignatureHeaders(outcome) => self.signature_headers = Some(own(outcome)),
            Check::SignatureInput(outcome) => {
                self.signature_input = Some(
                    own(outcome)
                        .map(|inputs| inputs.iter().map(|i| i.label().to_owned()).collect()),
                );
            }
            Check::Signature(outcome) => self.signature = Some(own(outcome)),
            Check::Candidate { input, signed } => self.signatures.push(SignatureRecord {
                input: input.clone(),
                signed,
                time: None,
                body_binding: None,
                decode: None,
                bases: Vec::new(),
                key: None,
                verify: None,
            }),
            Check::Selection(outcome) => self.selection = Some(own(outcome)),
            Check::Forms(forms) => self.forms = forms.to_vec(),
            Check::Payload(outcome) => self.payload = Some(own(outcome)),
            Check::Time { label, outcome } => {
                if let Some(record) = self.signature(label) {
                    record.time = Some(own(outcome));
                }
            }
            Check::BodyBinding { label, outcome } => {
                if let Some(record) = self.signature(label) {
                    record.body_binding = Some(own(outcome));
                }
            }
            Check::Decode { label, outcome } => {
                if let Some(record) = self.signature(label) {
                    record.decode = Some(own(outcome));
                }
            }
            Check::Base {
                label,
                form,
                outcome,
            } => {
                if let Some(record) = self.signature(label) {
                    let text = own(outcome).map(|base| base.as_str().to_owned());
                    record.bases.push((form, text));
                }
            }
            Check::Key { label, outcome } => {
                if let Some(record) = self.signature(label) {
                    record.key = Some(own(outcome));
                }
            }
            Check::Verify { label, outcome } => {
                if let Some(record) = self.signature(label) {
                    record.verify = Some(own(outcome));
                }
            }
        }
    }
}

/// Inspects `request` against `keys` at `now` (UNIX seconds).
pub fn inspect(
    request: &HttpRequest,
    keys: &KeySet,
    policy: &VerifyPolicy,
    now: i64,
) -> Inspection {
    let mut record = Record::default();
    let verdict = super::verify_delivery_observed(request, keys, policy, now, &mut record);
    let mut steps = Vec::new();
    if let Some(Err(err)) = &record.header_bytes {
        steps.push(fail("headers", err));
    }
    match &record.signature_headers {
        Some(Ok(())) => steps.push(pass("headers", "Signature-Input and Signature are present")),
        Some(Err(err)) => steps.push(fail("headers", err)),
        None => {}
    }
    match &record.signature_input {
        Some(Ok(labels)) => steps.push(pass(
            "signature-input",
            format!("{} signature input(s): {}", labels.len(), labels.join(", ")),
        )),
        Some(Err(err)) => steps.push(fail("signature-input", err)),
        None => {}
    }
    for outcome in [&record.signature, &record.selection] {
        if let Some(Err(err)) = outcome {
            steps.push(fail("signature", err));
        }
    }
    let payload = match (&record.body_bytes, &record.payload, &verdict) {
        (Some(Err(err)), _, _) | (_, Some(Err(err)), _) => fail("payload", err),
        (_, Some(Ok(())), Ok((_, events))) => pass(
            "payload",
            format!(
                "{} event(s): {}",
                events.len(),
                events
                    .iter()
                    .map(|e| e.event_type.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        _ => skip(
            "payload",
            "not read: the events are read only once a signature verified",
        ),
    };
    let signatures = record
        .signatures
        .iter()
        .map(|signature| signature_report(signature, &record.forms, request, policy, now))
        .collect();
    steps.push(payload);
    let (ok, code, message) = match &verdict {
        Ok(_) => (true, None, None),
        Err(err) => (
            false,
            Some(err.code().as_str()),
            Some(err.message().to_owned()),
        ),
    };
    Inspection {
        ok,
        code,
        message,
        steps,
        signatures,
    }
}

/// One signature's report: its steps in a fixed order, each as the
/// verifier's record has it, or `skip` when the verifier did not get there.
fn signature_report(
    record: &SignatureRecord,
    forms: &[BaseForm],
    request: &HttpRequest,
    policy: &VerifyPolicy,
    now: i64,
) -> SignatureReport {
    let input = &record.input;
    let params = input.params();
    let not_reached = if !record.signed {
        "not checked: Signature has no member of this label"
    } else if [&record.time, &record.body_binding, &record.key]
        .iter()
        .any(|outcome| matches!(outcome, Some(Err(_))))
        || matches!(record.decode, Some(Err(_)))
        || record.bases.iter().any(|(_, text)| text.is_err())
    {
        "not checked: an earlier check of this signature failed"
    } else {
        "not checked: the verifier stopped before this check"
    };
    let step = |name, outcome: &Recorded, summary: &dyn Fn() -> String| match outcome {
        Some(Ok(())) => pass(name, summary()),
        Some(Err(err)) => fail(name, err),
        None => skip(name, not_reached),
    };
    let key = step("key", &record.key, &|| {
        format!("found P-521 key {:?}", params.keyid)
    });
    let digest = step("digest", &record.body_binding, &|| {
        if request.body.is_empty() {
            "the body is empty".to_owned()
        } else {
            format!(
                "the body ({} bytes) is bound by a covered digest",
                request.body.len()
            )
        }
    });
    let base = match record
        .bases
        .iter()
        .find_map(|(_, text)| text.as_ref().err())
    {
        Some(err) => fail("base", err),
        None if record.bases.is_empty() => skip("base", not_reached),
        None => pass(
            "base",
            format!(
                "built the base(s) the verifier tries: {}",
                record
                    .bases
                    .iter()
                    .map(|(form, _)| format!("v{}", form.version()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
    };
    let signature = match (&record.decode, &record.verify) {
        (Some(Err(err)), _) | (_, Some(Err(err))) => fail("signature", err),
        (Some(Ok(encoding)), Some(Ok(form))) => pass(
            "signature",
            format!(
                "ECDSA P-521/SHA-512 ({encoding:?}) verifies over the v{} base",
                form.version()
            ),
        ),
        _ => skip("signature", not_reached),
    };
    let time = step("time", &record.time, &|| match params.expires {
        Some(expires) => format!(
            "created {} s ago, expires in {} s (tolerance {} s)",
            now.saturating_sub(params.created),
            expires.saturating_sub(now),
            policy.tolerance_seconds
        ),
        None => format!(
            "created {} s ago, no expires (max age {} s)",
            now.saturating_sub(params.created),
            policy.max_age_seconds
        ),
    });
    SignatureReport {
        label: input.label().to_owned(),
        components: input
            .components()
            .iter()
            .map(|c| c.name().to_owned())
            .collect(),
        keyid: params.keyid.clone(),
        created: params.created,
        expires: params.expires,
        nonce: params.nonce.clone(),
        params: input.raw_params().to_owned(),
        bases: bases(record, forms, request),
        steps: vec![key, digest, base, signature, time],
    }
}

/// Both bases, v6 then quoted: the verifier's own text where it built one,
/// else built here for display only (`tried` and `verified` are the
/// verifier's: the form was in its list, and its base verified).
fn bases(record: &SignatureRecord, forms: &[BaseForm], request: &HttpRequest) -> Vec<BaseReport> {
    let verified = match &record.verify {
        Some(Ok(form)) => Some(*form),
        _ => None,
    };
    [BaseForm::UpvestV6, BaseForm::Quoted]
        .into_iter()
        .filter_map(|form| {
            let built = record
                .bases
                .iter()
                .find(|(built, _)| *built == form)
                .map(|(_, text)| text.clone());
            let text = built
                .unwrap_or_else(|| {
                    SignatureBase::build(&record.input, request, form)
                        .map(|base| base.as_str().to_owned())
                })
                .ok()?;
            Some(BaseReport {
                version: form.version(),
                tried: forms.contains(&form),
                verified: verified == Some(form),
                text,
            })
        })
        .collect()
}
