//! The inspector is a view over the verifier: every report's verdict is
//! `verify_delivery`'s, and the report names the step that decided it.
//!
//! The mutation corpus here follows `tests/js/support/mutations.mjs`'s
//! classes (body, headers, `Signature-Input` parameters, the signature,
//! method/path/query, keys, the time window, digest coverage, replays,
//! repeated labels and digests, payloads, base forms, limits and the label
//! policy), built natively: each signed delivery is changed in each class,
//! and for every case the verifier and the inspector must give the same
//! verdict and code, that verdict must be the class's, and the report must
//! show a failing step with the verdict's code (or a signature that
//! verified). The JS suite checks the same through the package
//! (`tests/js/inspector.test.mjs`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use upvest_webhooks::ecdsa::EcdsaSigningKey;
use upvest_webhooks::http_signature::SIGNATURE_VERSION_HEADER;
use upvest_webhooks::testing::{TestDeliveryOptions, sign_test_delivery};
use upvest_webhooks::verify::inspect::{Inspection, Step, inspect};
use upvest_webhooks::{Headers, HttpRequest, KeySet, Limits, VerifyPolicy, verify_delivery};

// ---------------------------------------------------------------------------
// The report's steps, on single deliveries

const BODY: &[u8] = br#"{"payload":[{"id":"e","created_at":"2021-07-21T14:10:00.00Z","type":"ORDER.FILLED","object":{},"webhook_id":"w"}]}"#;
const SIGNED_AT: i64 = 1_700_000_000;

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
            created: SIGNED_AT,
            expires: Some(SIGNED_AT + 60),
        },
    )
    .unwrap();
    let mut headers = Headers::new();
    for (name, value) in &signed.headers {
        headers.append(name, value.as_str());
    }
    (
        HttpRequest::new("POST", &signed.url, headers, signed.body).unwrap(),
        keys,
    )
}

fn step<'a>(steps: &'a [Step], name: &str) -> &'a Step {
    steps
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no step {name:?} in {steps:?}"))
}

fn statuses(steps: &[Step]) -> Vec<(&str, &str)> {
    steps.iter().map(|s| (s.name, s.status)).collect()
}

#[test]
fn reports_every_step_passing_for_a_good_delivery() {
    let (request, keys) = delivery(BODY);
    let report = inspect(&request, &keys, &VerifyPolicy::default(), SIGNED_AT);
    assert!(report.ok);
    assert_eq!(
        statuses(&report.steps),
        [
            ("headers", "pass"),
            ("signature-input", "pass"),
            ("payload", "pass")
        ]
    );
    let signature = &report.signatures[0];
    assert!(
        signature.steps.iter().all(|s| s.status == "pass"),
        "{:?}",
        signature.steps
    );
    assert_eq!(base_flags(signature), [(6, true, true), (15, true, false)]);
    assert!(
        signature.bases[0]
            .text
            .starts_with("@method: POST\n@path: /hooks\n")
    );
}

#[test]
fn names_the_failing_step_and_skips_the_checks_the_verifier_did_not_make() {
    let (mut request, keys) = delivery(BODY);
    request.body = BODY
        .iter()
        .map(|b| if *b == b'F' { b'G' } else { *b })
        .collect();
    let report = inspect(&request, &keys, &VerifyPolicy::default(), SIGNED_AT);
    assert_eq!(
        (report.ok, report.code),
        (false, Some("ERR_DIGEST_MISMATCH"))
    );
    let signature = &report.signatures[0];
    assert_eq!(
        statuses(&signature.steps),
        [
            ("key", "skip"),
            ("digest", "fail"),
            ("base", "skip"),
            ("signature", "skip"),
            ("time", "pass")
        ]
    );
    assert_eq!(
        step(&signature.steps, "digest").code,
        Some("ERR_DIGEST_MISMATCH")
    );
    assert_eq!(step(&report.steps, "payload").status, "skip");
    // The bases are still shown (built for display); none verified.
    assert_eq!(signature.bases.len(), 2);
    assert!(signature.bases.iter().all(|b| !b.verified));
}

#[test]
fn reports_the_verifiers_time_window_on_one_delivery() {
    // One delivery (created SIGNED_AT, expires +60) at three clocks: only the
    // time check tells them apart, so without it all three would verify.
    let (request, keys) = delivery(BODY);
    let policy = VerifyPolicy::default();
    let at = |now| inspect(&request, &keys, &policy, now);
    let signed = at(SIGNED_AT);
    assert!(signed.ok, "{signed:?}");
    assert_eq!(step(&signed.signatures[0].steps, "time").status, "pass");
    for (now, code) in [
        (SIGNED_AT + 60 + 301, "ERR_SIGNATURE_EXPIRED"),
        (SIGNED_AT - 301, "ERR_SIGNATURE_NOT_YET_VALID"),
    ] {
        let report = at(now);
        assert_eq!((report.ok, report.code), (false, Some(code)), "at {now}");
        let time = step(&report.signatures[0].steps, "time");
        assert_eq!((time.status, time.code), ("fail", Some(code)));
        let verdict = verify_delivery(&request, &keys, &policy, now);
        assert_eq!(verdict.err().map(|e| e.code().as_str()), Some(code));
    }
}

#[test]
fn shows_which_base_forms_the_verifier_tried() {
    let (mut request, keys) = delivery(BODY);
    request.headers.append(SIGNATURE_VERSION_HEADER, "15");
    let report = inspect(&request, &keys, &VerifyPolicy::default(), SIGNED_AT);
    // Signed over v6, but the header limits the verifier to the quoted form.
    assert_eq!(report.code, Some("ERR_SIGNATURE_INVALID"));
    let signature = &report.signatures[0];
    assert_eq!(
        base_flags(signature),
        [(6, false, false), (15, true, false)]
    );
    assert_eq!(
        step(&signature.steps, "signature").code,
        Some("ERR_SIGNATURE_INVALID")
    );
}

#[test]
fn reports_a_refused_label_and_an_unknown_key_at_their_step() {
    let (request, keys) = delivery(BODY);
    let policy = VerifyPolicy {
        label: Some("other".into()),
        ..VerifyPolicy::default()
    };
    let report = inspect(&request, &keys, &policy, SIGNED_AT);
    assert_eq!(report.code, Some("ERR_SIGNATURE_LABEL_NOT_FOUND"));
    assert!(report.signatures.is_empty());
    assert_eq!(
        step(&report.steps, "signature").code,
        Some("ERR_SIGNATURE_LABEL_NOT_FOUND")
    );

    let report = inspect(
        &request,
        &KeySet::default(),
        &VerifyPolicy::default(),
        SIGNED_AT,
    );
    assert_eq!(report.code, Some("ERR_KEY_NOT_FOUND"));
    assert_eq!(
        statuses(&report.signatures[0].steps),
        [
            ("key", "fail"),
            ("digest", "pass"),
            ("base", "pass"),
            ("signature", "skip"),
            ("time", "pass")
        ]
    );
}

#[test]
fn reports_a_request_over_the_limits_at_the_headers_or_the_payload() {
    let (request, keys) = delivery(BODY);
    let tight_headers = Limits {
        max_header_bytes: 16,
        ..Limits::default()
    };
    let tight_body = Limits {
        max_body_bytes: 16,
        ..Limits::default()
    };
    for (limits, name) in [(tight_headers, "headers"), (tight_body, "payload")] {
        let policy = VerifyPolicy {
            limits,
            ..VerifyPolicy::default()
        };
        let report = inspect(&request, &keys, &policy, SIGNED_AT);
        assert_eq!(report.code, Some("ERR_LIMIT_EXCEEDED"));
        let reached: Vec<_> = report.steps.iter().filter(|s| s.status != "skip").collect();
        assert_eq!(reached.len(), 1, "{:?}", report.steps);
        assert_eq!(
            (reached[0].name, reached[0].status, reached[0].code),
            (name, "fail", Some("ERR_LIMIT_EXCEEDED"))
        );
        assert!(report.signatures.is_empty());
    }
}

#[test]
fn reports_missing_headers() {
    let request = HttpRequest::new("POST", "/", Headers::new(), vec![]).unwrap();
    let report = inspect(&request, &KeySet::default(), &VerifyPolicy::default(), 0);
    assert_eq!(report.steps[0].code, Some("ERR_SIGNATURE_HEADERS_MISSING"));
    assert_eq!(report.code, Some("ERR_SIGNATURE_HEADERS_MISSING"));
}

mod corpus;
mod mutations;

use corpus::{KIDS, NOW, Rng, scenario};
use mutations::{Accept, Case, PayloadInvalid, Reject, mutations};

/// The verdict as the JS suites name it: `ok`, or the error code.
fn verdict_of(result: &Result<(), &'static str>) -> &'static str {
    match result {
        Ok(()) => "ok",
        Err(code) => code,
    }
}

/// Checks one case through both; returns the verdict, or why it failed.
fn run(case: &Case, keys: &KeySet) -> Result<&'static str, String> {
    let mut headers = Headers::new();
    for (name, value) in &case.delivery.headers {
        headers.append(name, value.as_str());
    }
    let d = &case.delivery;
    let request = HttpRequest::new(&d.method, &d.url, headers, d.body.clone())
        .map_err(|e| format!("the case is not a request: {e:?}"))?;
    let verified = verify_delivery(&request, keys, &case.policy, NOW);
    let message = verified.as_ref().err().map(|e| e.message().to_owned());
    let verified = verified.map(|_| ()).map_err(|e| e.code().as_str());
    let report = inspect(&request, keys, &case.policy, NOW);
    let verdict = verdict_of(&verified);
    if (report.ok, report.code, &report.message) != (verified.is_ok(), verified.err(), &message) {
        return Err(format!(
            "the inspector says {:?}, the verifier {verdict}",
            report.code.unwrap_or("ok")
        ));
    }
    check_report_names_the_verdict(&report).map_err(|why| format!("{why}: {report:#?}"))?;
    let expected = match case.expect {
        Accept => verdict == "ok",
        PayloadInvalid => verdict == "ERR_PAYLOAD_INVALID",
        Reject(codes) => codes.contains(&verdict),
    };
    if !expected {
        return Err(format!("verdict {verdict}, expected {:?}", case.expect));
    }
    Ok(verdict)
}

/// A rejection shows a failing step with its code; an acceptance shows a
/// signature whose every step passed, and its payload.
fn check_report_names_the_verdict(report: &Inspection) -> Result<(), String> {
    let steps = || {
        report
            .steps
            .iter()
            .chain(report.signatures.iter().flat_map(|s| &s.steps))
    };
    match report.code {
        None => {
            let whole = report.signatures.iter().any(|s| {
                s.steps.iter().all(|st| st.status == "pass")
                    && s.bases.iter().any(|b| b.tried && b.verified)
            });
            if !whole || report.steps.iter().any(|s| s.status != "pass") {
                return Err("accepted, but no signature passed every step".into());
            }
        }
        Some(code) => {
            if !steps().any(|s| s.status == "fail" && s.code == Some(code)) {
                return Err(format!("rejected with {code}, but no step failed with it"));
            }
        }
    }
    for step in steps() {
        if (step.status == "fail") != step.code.is_some() {
            return Err(format!(
                "step {:?} is {} with code {:?}",
                step.name, step.status, step.code
            ));
        }
    }
    Ok(())
}

#[test]
fn the_inspector_and_the_verifier_agree_on_every_mutation() {
    let keys = [
        EcdsaSigningKey::generate().unwrap(),
        EcdsaSigningKey::generate().unwrap(),
    ];
    let mut key_set = KeySet::default();
    for (kid, key) in KIDS.iter().zip(&keys) {
        key_set.insert(kid, key.verification_key());
    }
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let mut verdicts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut cases = 0;
    for scenario_index in 0..24 {
        let s = scenario(&mut r);
        for case in mutations(&mut r, &s, &keys) {
            cases += 1;
            match run(&case, &key_set) {
                Ok(verdict) => *verdicts.entry(verdict).or_default() += 1,
                Err(why) => failures.push(format!(
                    "{} (scenario {scenario_index}, {:?}, raw {}, {} B): {why}",
                    case.class,
                    s.form,
                    s.raw,
                    s.body.len()
                )),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The corpus reaches acceptance and every rejection it was built for.
    for code in [
        "ok",
        "ERR_PAYLOAD_INVALID",
        "ERR_DIGEST_MISMATCH",
        "ERR_DIGEST_MALFORMED",
        "ERR_DIGEST_MISSING",
        "ERR_DIGEST_NOT_COVERED",
        "ERR_CONTENT_LENGTH_MISMATCH",
        "ERR_COMPONENT_MISSING",
        "ERR_SIGNATURE_HEADERS_MISSING",
        "ERR_SIGNATURE_INPUT_MALFORMED",
        "ERR_SIGNATURE_MALFORMED",
        "ERR_SIGNATURE_LABEL_NOT_FOUND",
        "ERR_SIGNATURE_INVALID",
        "ERR_SIGNATURE_EXPIRED",
        "ERR_SIGNATURE_NOT_YET_VALID",
        "ERR_KEY_NOT_FOUND",
        "ERR_LIMIT_EXCEEDED",
    ] {
        assert!(
            verdicts.contains_key(code),
            "no case reached {code}: {verdicts:?}"
        );
    }
    assert!(cases > 1000, "{cases} cases");
}

/// Each base's `(version, tried, verified)`.
fn base_flags(
    signature: &upvest_webhooks::verify::inspect::SignatureReport,
) -> Vec<(u8, bool, bool)> {
    signature
        .bases
        .iter()
        .map(|b| (b.version, b.tried, b.verified))
        .collect()
}
