//! A step-by-step report of how a delivery fares, for the playground and for
//! debugging: parsed inputs, the key, the digest, both signature bases, the
//! signature and the time window. The verdict is the verifier's own.

use super::events::parse_events;
use super::jwks::KeySet;
use crate::ecdsa::EcdsaSignature;
use crate::error::{Error, Result};
use crate::http_signature::digest::BodyHashes;
use crate::http_signature::message::HttpRequest;
use crate::http_signature::policy::VerifyPolicy;
use crate::http_signature::{
    BaseForm, SIGNATURE_VERSION_HEADER, SignatureBase, check_body_binding, parse_signature_input,
    parse_signatures,
};
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

fn outcome(name: &'static str, result: Result<String>) -> Step {
    match result {
        Ok(summary) => pass(name, summary),
        Err(err) => fail(name, &err),
    }
}

/// Inspects `request` against `keys` at `now` (UNIX seconds).
pub fn inspect(
    request: &HttpRequest,
    keys: &KeySet,
    policy: &VerifyPolicy,
    now: i64,
) -> Inspection {
    // One set of digests for the verdict and the steps below: the body is
    // hashed at most once per algorithm, as in the verifier.
    let hashes = BodyHashes::new(&request.body);
    let verdict = crate::verify_delivery_with(request, keys, policy, now, &hashes);
    let (ok, code, message) = match &verdict {
        Ok(_) => (true, None, None),
        Err(err) => (
            false,
            Some(err.code().as_str()),
            Some(err.message().to_owned()),
        ),
    };
    let mut steps = Vec::new();
    let mut signatures = Vec::new();
    let headers = (
        request.headers.get("signature-input"),
        request.headers.get("signature"),
    );
    let (Some(input_header), Some(signature_header)) = headers else {
        steps.push(Step {
            name: "headers",
            status: "fail",
            summary: "Signature-Input or Signature is missing".into(),
            code: Some("ERR_SIGNATURE_HEADERS_MISSING"),
        });
        return Inspection {
            ok,
            code,
            message,
            steps,
            signatures,
        };
    };
    steps.push(pass("headers", "Signature-Input and Signature are present"));
    let inputs = match parse_signature_input(&input_header, &policy.limits) {
        Ok(inputs) => {
            steps.push(pass(
                "signature-input",
                format!(
                    "{} signature input(s): {}",
                    inputs.len(),
                    inputs
                        .iter()
                        .map(|i| i.label())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
            inputs
        }
        Err(err) => {
            steps.push(fail("signature-input", &err));
            return Inspection {
                ok,
                code,
                message,
                steps,
                signatures,
            };
        }
    };
    let signature_values = match parse_signatures(&signature_header) {
        Ok(values) => values,
        Err(err) => {
            steps.push(fail("signature", &err));
            return Inspection {
                ok,
                code,
                message,
                steps,
                signatures,
            };
        }
    };
    let tried: &[BaseForm] = match request.headers.get(SIGNATURE_VERSION_HEADER).as_deref() {
        Some("15") => &[BaseForm::Quoted],
        _ => &[BaseForm::UpvestV6, BaseForm::Quoted],
    };
    for input in inputs
        .iter()
        .filter(|i| policy.label.as_deref().is_none_or(|l| l == i.label()))
    {
        let params = input.params();
        let mut report = SignatureReport {
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
            bases: Vec::new(),
            steps: Vec::new(),
        };
        let key = keys.get(&params.keyid);
        report.steps.push(outcome(
            "key",
            key.as_ref()
                .map(|_| format!("found P-521 key {:?}", params.keyid))
                .map_err(Error::clone),
        ));
        report.steps.push(outcome(
            "digest",
            check_body_binding(input, request, &hashes).map(|()| {
                if request.body.is_empty() {
                    "the body is empty".to_owned()
                } else {
                    format!(
                        "the body ({} bytes) is bound by a covered digest",
                        request.body.len()
                    )
                }
            }),
        ));
        let signature = signature_values
            .iter()
            .find(|(label, _)| label == input.label())
            .ok_or_else(|| {
                Error::new(
                    crate::ErrorCode::SignatureLabelNotFound,
                    format!("Signature has no member {:?}", input.label()),
                )
            })
            .and_then(|(_, bytes)| EcdsaSignature::decode(bytes));
        for form in [BaseForm::UpvestV6, BaseForm::Quoted] {
            match SignatureBase::build(input, request, form) {
                Ok(base) => {
                    let verified = matches!((&key, &signature), (Ok(key), Ok(sig)) if key.verify(base.as_bytes(), sig));
                    report.bases.push(BaseReport {
                        version: form.version(),
                        tried: tried.contains(&form),
                        verified,
                        text: base.as_str().to_owned(),
                    });
                }
                Err(err) => {
                    report.steps.push(fail("base", &err));
                    break;
                }
            }
        }
        if report.bases.len() == 2 {
            report
                .steps
                .push(pass("base", "built the v6 (unquoted) and quoted bases"));
        }
        let verified_with = report
            .bases
            .iter()
            .find(|b| b.tried && b.verified)
            .map(|b| b.version);
        report.steps.push(match (&signature, verified_with) {
            (Err(err), _) => fail("signature", err),
            (Ok(sig), Some(version)) => pass(
                "signature",
                format!(
                    "ECDSA P-521/SHA-512 ({:?}) verifies over the v{version} base",
                    sig.encoding()
                ),
            ),
            (Ok(_), None) => Step {
                name: "signature",
                status: if key.is_ok() { "fail" } else { "skip" },
                summary: "the signature verifies over no tried base".into(),
                code: Some("ERR_SIGNATURE_INVALID"),
            },
        });
        report.steps.push(outcome(
            "time",
            policy
                .check_time(params, now)
                .map(|()| match params.expires {
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
                }),
        ));
        signatures.push(report);
    }
    steps.push(outcome(
        "payload",
        parse_events(&request.body).map(|events| {
            format!(
                "{} event(s): {}",
                events.len(),
                events
                    .iter()
                    .map(|e| e.event_type.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }),
    ));
    Inspection {
        ok,
        code,
        message,
        steps,
        signatures,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecdsa::EcdsaSigningKey;
    use crate::testing::{TestDeliveryOptions, sign_test_delivery};

    fn delivery(body: &[u8]) -> (HttpRequest, KeySet) {
        let key = EcdsaSigningKey::generate().unwrap();
        let mut keys = KeySet::default();
        keys.insert("k", key.verification_key());
        let signed = sign_test_delivery(
            &key,
            &TestDeliveryOptions {
                key_id: "k",
                url: "https://t.example/hooks",
                body: body.to_vec(),
                created: 1_700_000_000,
                expires: Some(1_700_000_060),
            },
        )
        .unwrap();
        let headers = signed
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.clone()))
            .collect();
        (
            HttpRequest::new("POST", &signed.url, headers, signed.body).unwrap(),
            keys,
        )
    }

    const BODY: &[u8] = br#"{"payload":[{"id":"e","created_at":"2021-07-21T14:10:00.00Z","type":"ORDER.FILLED","object":{},"webhook_id":"w"}]}"#;

    #[test]
    fn reports_every_step_passing_for_a_good_delivery() {
        let (request, keys) = delivery(BODY);
        let report = inspect(&request, &keys, &VerifyPolicy::default(), 1_700_000_000);
        assert!(report.ok);
        let signature = &report.signatures[0];
        assert!(
            signature.steps.iter().all(|s| s.status == "pass"),
            "{:?}",
            signature.steps
        );
        assert_eq!(
            signature
                .bases
                .iter()
                .map(|b| (b.version, b.verified))
                .collect::<Vec<_>>(),
            [(6, true), (15, false)]
        );
        assert!(
            signature.bases[0]
                .text
                .starts_with("@method: POST\n@path: /hooks\n")
        );
    }

    #[test]
    fn agrees_with_the_verifier_and_names_the_failing_step() {
        let (mut request, keys) = delivery(BODY);
        request.body = BODY
            .iter()
            .map(|b| if *b == b'F' { b'G' } else { *b })
            .collect();
        let report = inspect(&request, &keys, &VerifyPolicy::default(), 1_700_000_000);
        assert_eq!(
            (report.ok, report.code),
            (false, Some("ERR_DIGEST_MISMATCH"))
        );
        let digest = report.signatures[0]
            .steps
            .iter()
            .find(|s| s.name == "digest")
            .unwrap();
        assert_eq!(digest.code, Some("ERR_DIGEST_MISMATCH"));
        let late = inspect(
            &delivery(BODY).0,
            &delivery(BODY).1,
            &VerifyPolicy::default(),
            1_800_000_000,
        );
        assert!(!late.ok);
    }

    #[test]
    fn reports_missing_headers() {
        let request = HttpRequest::new("POST", "/", crate::Headers::new(), vec![]).unwrap();
        let report = inspect(&request, &KeySet::default(), &VerifyPolicy::default(), 0);
        assert_eq!(report.steps[0].code, Some("ERR_SIGNATURE_HEADERS_MISSING"));
        assert_eq!(report.code, Some("ERR_SIGNATURE_HEADERS_MISSING"));
    }
}
