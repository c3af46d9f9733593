//! Every mutation of one scenario, in the classes of
//! `tests/js/support/mutations.mjs`, each with what the verifier must do.

use super::corpus::{Delivery, KIDS, NOW, Rng, Signing, signed};
use upvest_webhooks::ecdsa::{EcdsaSignature, EcdsaSigningKey, SignatureEncoding};
use upvest_webhooks::http_signature::{BaseForm, SIGNATURE_VERSION_HEADER};
use upvest_webhooks::{Limits, VerifyPolicy};

/// What the verifier must do with a case.
#[derive(Debug, Clone, Copy)]
pub enum Expect {
    /// Every check passes.
    Accept,
    /// The signature verifies, the payload does not.
    PayloadInvalid,
    /// Rejected with one of these codes.
    Reject(&'static [&'static str]),
}

pub use Expect::{Accept, PayloadInvalid, Reject};

pub const INVALID: Expect = Reject(&["ERR_SIGNATURE_INVALID"]);
pub const MISMATCH: Expect = Reject(&["ERR_DIGEST_MISMATCH"]);
pub const LENGTH: Expect = Reject(&["ERR_CONTENT_LENGTH_MISMATCH"]);
pub const COMPONENT: Expect = Reject(&["ERR_COMPONENT_MISSING"]);
pub const HEADERS: Expect = Reject(&["ERR_SIGNATURE_HEADERS_MISSING"]);
pub const NO_KEY: Expect = Reject(&["ERR_KEY_NOT_FOUND"]);
pub const INPUT: Expect = Reject(&["ERR_SIGNATURE_INPUT_MALFORMED"]);
pub const SIGNATURE: Expect = Reject(&["ERR_SIGNATURE_MALFORMED"]);
pub const EXPIRED: Expect = Reject(&["ERR_SIGNATURE_EXPIRED"]);
pub const EARLY: Expect = Reject(&["ERR_SIGNATURE_NOT_YET_VALID"]);
pub const NOT_COVERED: Expect = Reject(&["ERR_DIGEST_NOT_COVERED"]);
pub const NO_DIGEST: Expect = Reject(&["ERR_DIGEST_MISSING"]);
pub const DIGEST: Expect = Reject(&["ERR_DIGEST_MALFORMED"]);
pub const LABEL: Expect = Reject(&["ERR_SIGNATURE_LABEL_NOT_FOUND"]);
pub const LIMIT: Expect = Reject(&["ERR_LIMIT_EXCEEDED"]);
pub const INVALID_OR_MALFORMED: Expect =
    Reject(&["ERR_SIGNATURE_INVALID", "ERR_SIGNATURE_MALFORMED"]);
pub const INVALID_OR_COMPONENT: Expect =
    Reject(&["ERR_SIGNATURE_INVALID", "ERR_COMPONENT_MISSING"]);
pub const INPUT_OR_LIMIT: Expect = Reject(&["ERR_SIGNATURE_INPUT_MALFORMED", "ERR_LIMIT_EXCEEDED"]);

pub struct Case {
    pub class: &'static str,
    pub expect: Expect,
    pub delivery: Delivery,
    pub policy: VerifyPolicy,
}

pub fn flip_bit(bytes: &[u8], r: &mut Rng) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let bit = r.below(out.len() * 8);
    out[bit / 8] ^= 1 << (bit % 8);
    out
}

/// Every mutation of one scenario, in the classes of `mutations.mjs`.
pub fn mutations(r: &mut Rng, s: &Signing, keys: &[EcdsaSigningKey; 2]) -> Vec<Case> {
    let d = signed(s, keys);
    let mut out = Vec::new();
    let mut add = |class, expect, delivery: Delivery| {
        out.push(Case {
            class,
            expect,
            delivery,
            policy: VerifyPolicy::default(),
        });
    };
    let resign = |change: &dyn Fn(&mut Signing)| {
        let mut changed = s.clone();
        change(&mut changed);
        signed(&changed, keys)
    };
    let input = d.header("signature-input").to_owned();
    let params = |change: &dyn Fn(&str) -> String| d.with("signature-input", Some(change(&input)));
    let digest_name = match s.form {
        BaseForm::UpvestV6 => "digest",
        BaseForm::Quoted => "content-digest",
    };

    add("baseline", Accept, d.clone());

    // --- body
    add(
        "body: bit flip",
        MISMATCH,
        d.with_body(flip_bit(&d.body, r)),
    );
    add(
        "body: truncated",
        LENGTH,
        d.with_body(d.body[..d.body.len() - 1].to_vec()),
    );
    add(
        "body: byte appended",
        LENGTH,
        d.with_body([d.body.as_slice(), b" "].concat()),
    );
    add("body: emptied", LENGTH, d.with_body(Vec::new()));

    // --- headers
    add(
        "header: digest removed",
        COMPONENT,
        d.with(digest_name, None),
    );
    add(
        "header: content-length + 1",
        LENGTH,
        d.edit("content-length", |v| {
            (v.parse::<usize>().unwrap() + 1).to_string()
        }),
    );
    add(
        "header: content-type changed",
        INVALID,
        d.with("content-type", Some("text/plain".into())),
    );
    add(
        "header: Signature-Input removed",
        HEADERS,
        d.with("signature-input", None),
    );
    add(
        "header: Signature removed",
        HEADERS,
        d.with("signature", None),
    );
    let mut upper = d.clone();
    for (name, _) in &mut upper.headers {
        *name = name.to_ascii_uppercase();
    }
    add("irrelevant: header name case", Accept, upper);
    add(
        "irrelevant: uncovered header added",
        Accept,
        d.with("x-request-id", Some("r-1".into())),
    );
    add(
        "irrelevant: label renamed in both headers",
        Accept,
        params(&|v| v.replacen("sig1=", "upvest=", 1))
            .edit("signature", |v| v.replacen("sig1=", "upvest=", 1)),
    );
    add(
        "irrelevant: an unrelated second Signature member",
        Accept,
        d.edit("signature", |v| format!("{v}, other=:AAAA:")),
    );

    // --- Signature-Input parameters, not re-signed
    let keyid = format!("keyid=\"{}\"", s.keyid);
    add(
        "params: keyid -> other known key",
        INVALID,
        params(&|v| v.replace(&keyid, &format!("keyid=\"{}\"", KIDS[1]))),
    );
    add(
        "params: keyid -> unknown",
        NO_KEY,
        params(&|v| v.replace(&keyid, "keyid=\"unknown-key\"")),
    );
    add(
        "params: created - 1",
        INVALID,
        params(&|v| {
            v.replace(
                &format!("created={}", s.created),
                &format!("created={}", s.created - 1),
            )
        }),
    );
    match s.expires {
        Some(expires) => {
            add(
                "params: expires + 1",
                INVALID,
                params(&|v| {
                    v.replace(
                        &format!("expires={expires}"),
                        &format!("expires={}", expires + 1),
                    )
                }),
            );
            add(
                "params: expires removed",
                INVALID,
                params(&|v| v.replace(&format!(";expires={expires}"), "")),
            );
        }
        None => add(
            "params: expires added",
            INVALID,
            params(&|v| format!("{v};expires={}", NOW + 30)),
        ),
    }
    add(
        "params: nonce changed",
        INVALID,
        params(&|v| v.replace("nonce=\"n0nce\"", "nonce=\"n0ncex\"")),
    );
    add(
        "params: alg added",
        INVALID,
        params(&|v| format!("{v};alg=\"ecdsa-p521-sha512\"")),
    );
    add(
        "params: created removed",
        INPUT,
        params(&|v| v.replace(&format!(";created={}", s.created), "")),
    );
    add(
        "params: components reordered",
        INVALID,
        params(&|v| v.replacen("(\"@method\" \"@path\"", "(\"@path\" \"@method\"", 1)),
    );
    add(
        "params: component dropped",
        INVALID,
        params(&|v| v.replacen("\"@method\" ", "", 1)),
    );
    add(
        "params: component added (@authority)",
        INVALID_OR_COMPONENT,
        params(&|v| v.replacen(")", " \"@authority\")", 1)),
    );
    add(
        "params: digest coverage dropped",
        NOT_COVERED,
        params(&|v| v.replacen(&format!(" \"{digest_name}\""), "", 1)),
    );

    // --- the signature itself
    let sig = d.signature_bytes();
    add(
        "signature: bit flip",
        INVALID_OR_MALFORMED,
        d.with_signature(&flip_bit(&sig, r)),
    );
    add(
        "signature: truncated",
        INVALID_OR_MALFORMED,
        d.with_signature(&sig[..sig.len() - 1]),
    );
    let decoded = EcdsaSignature::decode(&sig).unwrap();
    let raw = decoded.to_raw();
    if decoded.encoding() == SignatureEncoding::Der {
        add(
            "irrelevant: DER -> raw re-encoding",
            Accept,
            d.with_signature(&raw),
        );
    }
    add(
        "signature: (r, s) swapped",
        INVALID,
        d.with_signature(&[&raw[66..], &raw[..66]].concat()),
    );

    // --- method, path, query
    add(
        "method: POST -> PUT",
        INVALID,
        Delivery {
            method: "PUT".into(),
            ..d.clone()
        },
    );
    let (path_end, query) = match d.url.find('?') {
        Some(at) => (at, Some(d.url[at..].to_owned())),
        None => (d.url.len(), None),
    };
    let with_url = |url: String| Delivery { url, ..d.clone() };
    add(
        "path: one more segment",
        INVALID,
        with_url(format!(
            "{}/x{}",
            &d.url[..path_end],
            query.as_deref().unwrap_or("")
        )),
    );
    add(
        "path: trailing slash",
        INVALID,
        with_url(format!(
            "{}/{}",
            &d.url[..path_end],
            query.as_deref().unwrap_or("")
        )),
    );
    match &query {
        Some(q) => {
            add(
                "query: changed",
                INVALID,
                with_url(format!("{}&x=1", d.url)),
            );
            add(
                "query: removed",
                INVALID,
                with_url(d.url[..path_end].to_owned()),
            );
            add(
                "query: emptied",
                INVALID,
                with_url(d.url.replace(q.as_str(), "?")),
            );
        }
        None => add(
            "irrelevant: query added where @query is not covered",
            Accept,
            with_url(format!("{}?x=1", d.url)),
        ),
    }
    add(
        "irrelevant: URL fragment",
        Accept,
        with_url(format!("{}#frag", d.url)),
    );

    // --- keys
    add(
        "key: signed by another key under the same keyid",
        INVALID,
        resign(&|s| s.key = 1),
    );
    add(
        "key: another key's valid signature under its keyid",
        Accept,
        resign(&|s| (s.key, s.keyid) = (1, KIDS[1])),
    );

    // --- the time window (re-signed, so only the time is wrong)
    add(
        "time: created 400 s ago, expired 340 s ago",
        EXPIRED,
        resign(&|s| (s.created, s.expires) = (NOW - 400, Some(NOW - 340))),
    );
    add(
        "time: created 301 s ago, no expires",
        EXPIRED,
        resign(&|s| (s.created, s.expires) = (NOW - 301, None)),
    );
    add(
        "time: created 301 s ahead",
        EARLY,
        resign(&|s| (s.created, s.expires) = (NOW + 301, Some(NOW + 361))),
    );
    add(
        "irrelevant: created 299 s ago, no expires",
        Accept,
        resign(&|s| (s.created, s.expires) = (NOW - 299, None)),
    );
    add(
        "irrelevant: created 299 s ahead",
        Accept,
        resign(&|s| (s.created, s.expires) = (NOW + 299, Some(NOW + 400))),
    );

    // --- digest coverage dropped at signing time
    add(
        "digest: signed without covering the digest header",
        NOT_COVERED,
        resign(&|s| s.cover_digest = false),
    );
    add(
        "digest: no digest header at all",
        NO_DIGEST,
        resign(&|s| s.digest_header = false),
    );
    add(
        "digest: algorithm repeated in the value",
        DIGEST,
        d.edit(digest_name, |v| vec![v; 2 + r.below(40)].join(", ")),
    );

    // --- replays of an expired delivery by rewriting Signature-Input
    let old = resign(&|s| s.created = NOW - 3600);
    let old = if s.expires.is_some() {
        resign(&|s| (s.created, s.expires) = (NOW - 3600, Some(NOW - 3540)))
    } else {
        old
    };
    let genuine = old
        .header("signature-input")
        .trim_start_matches("sig1=")
        .to_owned();
    let moved = genuine
        .replace(
            &format!("created={}", NOW - 3600),
            &format!("created={NOW}"),
        )
        .replace(
            &format!("expires={}", NOW - 3540),
            &format!("expires={}", NOW + 60),
        );
    add(
        "replay: the expired delivery as it was",
        EXPIRED,
        old.clone(),
    );
    add(
        "replay: second sig1 behind %\"\\\"",
        INPUT,
        old.with(
            "signature-input",
            Some(format!(
                "sig1={genuine}, a=(\"@method\");keyid=\"x\";created={NOW};p=%\"\\\", sig1={moved}"
            )),
        ),
    );
    add(
        "replay: sig1 repeated with moved times",
        INPUT,
        old.with(
            "signature-input",
            Some(format!("sig1={moved}, sig1={genuine}")),
        ),
    );
    add(
        "label: repeated in Signature",
        SIGNATURE,
        d.edit("signature", |v| format!("{v}, {v}")),
    );
    add(
        "label: repeated in Signature-Input",
        INPUT,
        params(&|v| format!("{v}, {v}")),
    );

    // --- payloads: the signature verifies, the events do not
    let at = 1 + r.below(s.body.len() - 2);
    let not_utf8 = [&s.body[..at], &[0xff], &s.body[at..]].concat();
    add(
        "payload: signed body with invalid UTF-8",
        PayloadInvalid,
        resign(&|s| s.body.clone_from(&not_utf8)),
    );
    add(
        "payload: signed empty body",
        PayloadInvalid,
        resign(&|s| s.body.clear()),
    );

    // --- base forms
    if s.form == BaseForm::Quoted {
        add(
            "irrelevant: v15 without the version header",
            Accept,
            d.with(SIGNATURE_VERSION_HEADER, None),
        );
        add(
            "form: v15 request re-signed over the v6 base",
            INVALID,
            resign(&|s| s.form = BaseForm::UpvestV6),
        );
    } else {
        add(
            "form: v6 signature with the version header",
            INVALID,
            d.with(SIGNATURE_VERSION_HEADER, Some("15".into())),
        );
        add(
            "irrelevant: v6 request re-signed over the quoted base",
            Accept,
            resign(&|s| s.form = BaseForm::Quoted),
        );
    }

    // --- several signatures: the first that verifies decides
    let second = resign(&|s| (s.key, s.keyid, s.label) = (1, KIDS[1], "sig2"));
    let both = |first: &Delivery, second: &Delivery| {
        first
            .edit("signature-input", |v| {
                format!("{v}, {}", second.header("signature-input"))
            })
            .edit("signature", |v| {
                format!("{v}, {}", second.header("signature"))
            })
    };
    let broken = params(&|v| v.replace("n0nce", "n0ncex"));
    let second_raw = EcdsaSignature::decode(&second.signature_bytes())
        .unwrap()
        .to_raw();
    let second_broken = second.with_signature(&[&second_raw[66..], &second_raw[..66]].concat());
    add(
        "two signatures: a broken one, then a good one",
        Accept,
        both(&broken, &second),
    );
    add(
        "two signatures: an expired one, then a good one",
        Accept,
        both(&old, &second),
    );
    add(
        "two signatures: both broken",
        INVALID,
        both(&broken, &second_broken),
    );
    add(
        "two signatures: a good one, then a broken one",
        Accept,
        both(&d, &second_broken),
    );

    // --- policies: the label and the limits
    let mut with_policy = |class, expect, policy: VerifyPolicy| {
        out.push(Case {
            class,
            expect,
            delivery: d.clone(),
            policy,
        });
    };
    with_policy(
        "policy: label sig1",
        Accept,
        VerifyPolicy {
            label: Some("sig1".into()),
            ..VerifyPolicy::default()
        },
    );
    with_policy(
        "policy: label other",
        LABEL,
        VerifyPolicy {
            label: Some("other".into()),
            ..VerifyPolicy::default()
        },
    );
    let limits = |limits: Limits| VerifyPolicy {
        limits,
        ..VerifyPolicy::default()
    };
    with_policy(
        "limits: headers",
        LIMIT,
        limits(Limits {
            max_header_bytes: 64 + r.below(256),
            ..Limits::default()
        }),
    );
    with_policy(
        "limits: body",
        LIMIT,
        limits(Limits {
            max_body_bytes: r.below(s.body.len()),
            ..Limits::default()
        }),
    );
    with_policy(
        "limits: components",
        INPUT_OR_LIMIT,
        limits(Limits {
            max_components: 2,
            ..Limits::default()
        }),
    );
    out
}
