//! Security round 2, finding 1: replaying an expired genuine delivery by
//! rewriting only `Signature-Input`.
//!
//! The attacker keeps `Signature`, the body and the headers of a delivery
//! that has expired, and adds members to `Signature-Input` so that the
//! parser that checks the times and the scanner that recovers the signed
//! text disagree: a second `sig1` with fresh times, hidden from the scanner
//! behind an RFC 9651 display string holding a backslash (`%"\"`). 0.1.0
//! checked the fresh times and verified the genuine text, and accepted.
//!
//! Each case here is rejected now; a generator builds thousands more from
//! the same pieces (repeated labels, RFC 9651 types, escapes, positions),
//! and none may verify. The genuine expired delivery stays
//! `ERR_SIGNATURE_EXPIRED`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use upvest_webhooks::ecdsa::{EcdsaSigningKey, VerificationKey};
use upvest_webhooks::http_signature::digest::{content_digest_sha512, digest_sha256};
use upvest_webhooks::http_signature::{
    BaseForm, SIGNATURE_VERSION_HEADER, SignatureSpec, Verified, prepare, sign,
};
use upvest_webhooks::testing::xorshift::XorShift;
use upvest_webhooks::{ErrorCode, Headers, HttpRequest, Result, VerifyPolicy};

const NOW: i64 = 1_800_000_000;
/// The genuine delivery was signed an hour before NOW.
const SIGNED_AT: i64 = NOW - 3_600;
const URL: &str = "https://tenant.example/hooks/upvest";
const BODY: &[u8] = br#"{"payload":[]}"#;

/// A genuine delivery that has expired by NOW.
struct Genuine {
    key: Arc<VerificationKey>,
    /// Every header but `signature-input`.
    headers: Vec<(String, String)>,
    /// The genuine `Signature-Input` member value (after `sig1=`).
    member: String,
    /// The same value with `created` (and `expires`) moved to NOW.
    moved: String,
}

fn genuine(form: BaseForm, expires: bool) -> Genuine {
    let signing = EcdsaSigningKey::generate().unwrap();
    let (digest_name, digest_value) = match form {
        BaseForm::UpvestV6 => ("digest", digest_sha256(BODY)),
        BaseForm::Quoted => ("content-digest", content_digest_sha512(BODY)),
    };
    let spec = SignatureSpec {
        label: "sig1",
        components: vec![
            ("@method", "POST".to_owned()),
            ("@path", "/hooks/upvest".to_owned()),
            ("content-type", "application/json".to_owned()),
            ("content-length", BODY.len().to_string()),
            (digest_name, digest_value.clone()),
        ],
        keyid: "k",
        created: SIGNED_AT,
        expires: expires.then_some(SIGNED_AT + 60),
        nonce: Some("n0nce"),
        form,
    };
    let signed = sign(&spec, &signing).unwrap();
    let mut headers = vec![
        ("content-type".to_owned(), "application/json".to_owned()),
        ("content-length".to_owned(), BODY.len().to_string()),
        (digest_name.to_owned(), digest_value),
        ("signature".to_owned(), signed.signature),
    ];
    if form == BaseForm::Quoted {
        headers.push((SIGNATURE_VERSION_HEADER.to_owned(), "15".to_owned()));
    }
    let member = signed.signature_input["sig1=".len()..].to_owned();
    let mut moved = member.replace(&format!("created={SIGNED_AT}"), &format!("created={NOW}"));
    if expires {
        moved = moved.replace(
            &format!("expires={}", SIGNED_AT + 60),
            &format!("expires={}", NOW + 60),
        );
    }
    assert_ne!(member, moved);
    Genuine {
        key: Arc::new(signing.verification_key()),
        headers,
        member,
        moved,
    }
}

impl Genuine {
    /// The `Signature` value, and every other header but `signature-input`.
    fn signature_apart(&self) -> (String, Headers) {
        let mut signature = String::new();
        let mut others = Headers::new();
        for (name, value) in &self.headers {
            if name == "signature" {
                signature.clone_from(value);
            } else {
                others.append(name, value.as_str());
            }
        }
        (signature, others)
    }

    fn verify(&self, signature_input: &str, policy: &VerifyPolicy) -> Result<Verified> {
        let mut headers: Headers = self.headers.iter().cloned().collect();
        headers.append("signature-input", signature_input);
        let request = HttpRequest::new("POST", URL, headers, BODY.to_vec()).unwrap();
        prepare(&request, policy, NOW)?.verify_with(|kid| match kid {
            "k" => Ok(Arc::clone(&self.key)),
            _ => Err(upvest_webhooks::Error::new(
                ErrorCode::KeyNotFound,
                format!("no key {kid:?}"),
            )),
        })
    }
}

fn forms() -> [(BaseForm, bool); 4] {
    [
        (BaseForm::UpvestV6, true),
        (BaseForm::UpvestV6, false),
        (BaseForm::Quoted, true),
        (BaseForm::Quoted, false),
    ]
}

fn policies() -> [VerifyPolicy; 2] {
    [
        VerifyPolicy::default(),
        VerifyPolicy {
            label: Some("sig1".to_owned()),
            ..VerifyPolicy::default()
        },
    ]
}

#[test]
fn the_genuine_delivery_verifies_when_fresh_and_is_expired_an_hour_later() {
    for (form, expires) in forms() {
        let genuine = genuine(form, expires);
        for policy in policies() {
            let header = format!("sig1={}", genuine.member);
            let err = genuine.verify(&header, &policy).unwrap_err();
            assert_eq!(
                err.code(),
                ErrorCode::SignatureExpired,
                "{form:?} {expires}"
            );
            // The same delivery, checked at the time it was sent, verifies:
            // the rejections below are not from a broken fixture.
            let mut headers: Headers = genuine.headers.iter().cloned().collect();
            headers.append("signature-input", header.as_str());
            let request = HttpRequest::new("POST", URL, headers, BODY.to_vec()).unwrap();
            prepare(&request, &policy, SIGNED_AT + 1)
                .unwrap()
                .verify_with(|_| Ok(Arc::clone(&genuine.key)))
                .unwrap();
        }
    }
}

/// The reproducer from the report, and the variants it names.
fn reported_attacks(g: &Genuine) -> Vec<String> {
    let (genuine, moved) = (&g.member, &g.moved);
    vec![
        // as reported: the trick last among a member's parameters
        format!(r#"sig1={genuine}, a=("@method");keyid="x";created={NOW};p=%"\", sig1={moved}"#),
        // as a member value
        format!(r#"sig1={genuine}, a=%"\", sig1={moved}"#),
        // first among a member's parameters
        format!(r#"sig1={genuine}, a=("@method");p=%"\";keyid="x";created={NOW}, sig1={moved}"#),
        // inside an inner list
        format!(r#"sig1={genuine}, a=(%"\"), sig1={moved}"#),
        // beside other RFC 9651 types
        format!(r#"sig1={genuine}, d=@{NOW}, a=%"\", sig1={moved}"#),
        format!(
            r#"sig1={genuine}, a=("@method");keyid="x";created={NOW};d=@1;p=%"\", sig1={moved}"#
        ),
        // plain repetition, either order
        format!("sig1={genuine}, sig1={moved}"),
        format!("sig1={moved}, sig1={genuine}"),
        format!("sig1={genuine},sig1={moved}"),
    ]
}

#[test]
fn the_reported_replay_and_its_variants_are_rejected_as_malformed() {
    for (form, expires) in forms() {
        let genuine = genuine(form, expires);
        for policy in policies() {
            for header in reported_attacks(&genuine) {
                let err = genuine.verify(&header, &policy).expect_err(&header);
                assert_eq!(
                    err.code(),
                    ErrorCode::SignatureInputMalformed,
                    "{form:?} expires={expires} label={:?}: {header}\n{err}",
                    policy.label
                );
            }
        }
    }
}

#[test]
fn a_label_repeated_in_signature_is_rejected() {
    let genuine = genuine(BaseForm::UpvestV6, true);
    let (signature, mut headers) = genuine.signature_apart();
    headers.append("signature", format!("{signature}, {signature}"));
    headers.append("signature-input", format!("sig1={}", genuine.moved));
    let request = HttpRequest::new("POST", URL, headers, BODY.to_vec()).unwrap();
    let err = prepare(&request, &VerifyPolicy::default(), NOW).unwrap_err();
    assert_eq!(err.code(), ErrorCode::SignatureMalformed, "{err}");
}

/// Hostile `Signature-Input` headers built from the genuine member, a moved
/// copy, and filler that either parser might read differently.
fn generated_attacks(g: &Genuine, count: usize, seed: u64) -> Vec<String> {
    // Values and parameters that hide quotes or commas from a naive scanner,
    // or are RFC 9651-only.
    const TRICKS: &[&str] = &[
        r#"%"\""#,
        r#"%"\\""#,
        r#"%"%22""#,
        r#"%"a,b""#,
        r#""\"""#,
        r#""a\\""#,
        r#""a,b""#,
        "@1700000000",
        "@-1",
        ":AAAA:",
        "?0",
        "1.5",
        "tok/en:x",
        r#"("@method" %"\")"#,
        r#"(%"\" "x");q=%"\""#,
    ];
    const SPACE: &[&str] = &["", " ", "  ", "\t"];
    let mut rng = XorShift(seed);
    (0..count)
        .map(|_| {
            let mut members: Vec<String> = Vec::new();
            let fillers = 1 + rng.below(3);
            for i in 0..fillers {
                let trick = rng.pick(TRICKS);
                let member = match rng.below(4) {
                    0 => format!("f{i}={trick}"),
                    1 => format!(r#"f{i}=("@method");keyid="x";created={NOW};p={trick}"#),
                    2 => format!(r#"f{i}=("@method");p={trick};keyid="x";created={NOW}"#),
                    _ => format!("f{i};p={trick}"),
                };
                members.push(member);
            }
            // The genuine member and the moved one somewhere among them; the
            // moved one may also be given a third label the policy ignores.
            let genuine_at = rng.below(members.len() + 1);
            members.insert(genuine_at, format!("sig1={}", g.member));
            let moved_at = genuine_at + 1 + rng.below(members.len() - genuine_at);
            let moved_label = if rng.below(8) == 0 { "sig2" } else { "sig1" };
            members.insert(moved_at, format!("{moved_label}={}", g.moved));
            let mut header = String::new();
            for (i, member) in members.iter().enumerate() {
                if i > 0 {
                    header.push_str(rng.pick(SPACE));
                    header.push(',');
                    header.push_str(rng.pick(SPACE));
                }
                header.push_str(member);
            }
            header
        })
        .collect()
}

#[test]
fn generated_replays_never_verify() {
    let mut rejected_as_malformed = 0;
    let mut total = 0;
    for (index, (form, expires)) in forms().into_iter().enumerate() {
        let genuine = genuine(form, expires);
        for policy in policies() {
            for header in generated_attacks(&genuine, 1_000, 0x9e37_79b9_7f4a_7c15 + index as u64) {
                total += 1;
                let Err(err) = genuine.verify(&header, &policy) else {
                    panic!("verified a replay ({form:?}, expires={expires}): {header}");
                };
                // Whatever the code, the fresh times never count: the only
                // acceptable outcomes are "malformed" and "expired" (when the
                // header, read strictly, holds just the genuine signature).
                assert!(
                    matches!(
                        err.code(),
                        ErrorCode::SignatureInputMalformed
                            | ErrorCode::SignatureExpired
                            | ErrorCode::SignatureInvalid
                    ),
                    "{:?}: {header}",
                    err.code()
                );
                if err.code() == ErrorCode::SignatureInputMalformed {
                    rejected_as_malformed += 1;
                }
            }
        }
    }
    // Every generated header repeats a label, uses an RFC 9651 type, or
    // moves the times under another label (`sig2`, whose signature is missing
    // or does not match): most are malformed outright.
    assert!(
        rejected_as_malformed * 10 > total * 8,
        "{rejected_as_malformed} of {total}"
    );
}

#[test]
fn a_signature_under_an_unknown_key_id_does_not_hide_a_later_one_that_verifies() {
    let genuine = genuine(BaseForm::UpvestV6, true);
    let (signature, mut headers) = genuine.signature_apart();
    let junk = signature.replacen("sig1=", "sig0=", 1);
    headers.append("signature", format!("{junk}, {signature}"));
    let unknown = genuine.member.replace("keyid=\"k\"", "keyid=\"unknown\"");
    headers.append(
        "signature-input",
        format!("sig0={unknown}, sig1={}", genuine.member),
    );
    let request = HttpRequest::new("POST", URL, headers, BODY.to_vec()).unwrap();
    let verified = prepare(&request, &VerifyPolicy::default(), SIGNED_AT + 1)
        .unwrap()
        .verify_with(|kid| match kid {
            "k" => Ok(Arc::clone(&genuine.key)),
            _ => Err(upvest_webhooks::Error::new(
                ErrorCode::KeyNotFound,
                "no such key",
            )),
        })
        .unwrap();
    assert_eq!(verified.label, "sig1");
}
