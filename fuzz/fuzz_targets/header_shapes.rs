//! The work bound over header shapes (security round 2, finding 2): however
//! the digest and signature headers are shaped (repeated, unknown, right,
//! wrong and differently-cased digest entries; up to the limit of
//! signatures, each covering any digest fields), `prepare` and `inspect`
//! each hash the body at most once per algorithm, and the signature bases
//! total a small multiple of the header bytes.
//!
//! Input: the generator's choices, then (after them) the body bytes.
#![no_main]
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use upvest_webhooks::http_signature::digest::work::take_hashed_bytes;
use upvest_webhooks::http_signature::digest::{content_digest_sha512, digest_sha256};
use upvest_webhooks::verify::inspect::inspect;
use upvest_webhooks::http_signature::prepare;
use upvest_webhooks::{Headers, HttpRequest, VerifyPolicy};
use upvest_webhooks::testing::vectors::SPEC_KID;
use upvest_webhooks_fuzz::{SPEC_CREATED, spec_keys};

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok((headers, body_len)) = shape(&mut u) else {
        return;
    };
    let rest = u.take_rest();
    let body = rest
        .get(..body_len.min(rest.len()))
        .unwrap_or_default()
        .to_vec();
    let mut headers = headers;
    fill_digests(&mut headers, &body);
    let header_bytes = headers.byte_len();
    let Ok(request) = HttpRequest::new(
        "POST",
        "https://tenant.example/hooks?x=1",
        headers,
        body.clone(),
    ) else {
        return;
    };
    let policy = VerifyPolicy {
        tolerance_seconds: i64::MAX,
        max_age_seconds: i64::MAX,
        ..VerifyPolicy::default()
    };

    take_hashed_bytes();
    let prepared = prepare(&request, &policy, SPEC_CREATED);
    let hashed = take_hashed_bytes();
    assert!(
        hashed <= 2 * body.len(),
        "prepare hashed {hashed} bytes of a {}-byte body",
        body.len()
    );
    if let Ok(prepared) = &prepared {
        let base_bytes: usize = prepared
            .candidates()
            .iter()
            .flat_map(|c| c.bases())
            .map(|b| b.as_bytes().len())
            .sum();
        assert!(
            base_bytes <= 16 * (header_bytes + 256),
            "{base_bytes} base bytes from {header_bytes} header bytes"
        );
    }
    let _ = inspect(&request, spec_keys(), &policy, SPEC_CREATED);
    let hashed = take_hashed_bytes();
    assert!(
        hashed <= 2 * body.len(),
        "inspect hashed {hashed} bytes of a {}-byte body",
        body.len()
    );
});

/// Placeholders replaced by the body's real digests once the body is known.
const RIGHT_256: &str = "<sha-256>";
const RIGHT_512: &str = "<sha-512>";

fn shape(u: &mut Unstructured<'_>) -> Result<(Headers, usize)> {
    let legacy = [
        "SHA-256=<sha-256>",
        "sha-256=<sha-256>",
        "SHA-512=<sha-512>",
        "SHA-256=AAAA",
        "MD5=AAAA",
        "x=1",
    ];
    let content = [
        "sha-256=:<sha-256>:",
        "sha-512=:<sha-512>:",
        "sha-512=:AAAA:",
        "md5=:AAAA:",
        "sha-256=1",
        "sha-512=(:AAAA:)",
    ];
    let coverable = [
        "digest",
        "content-digest",
        "content-length",
        "@method",
        "@path",
        "@query",
        "@authority",
    ];
    let mut headers = Headers::new();
    for (name, pool) in [("digest", &legacy), ("content-digest", &content)] {
        for _ in 0..u.int_in_range(0..=2)? {
            let n = u.int_in_range(1..=12)?;
            let mut entries = Vec::with_capacity(n);
            for _ in 0..n {
                entries.push(*u.choose(pool)?);
            }
            headers.append(name, entries.join(if u.arbitrary()? { ", " } else { "," }));
        }
    }
    let signatures = u.int_in_range(1..=9)?;
    let mut inputs = Vec::new();
    let mut values = Vec::new();
    for i in 0..signatures {
        let mut covered = Vec::new();
        for name in coverable {
            if u.arbitrary()? {
                covered.push(format!("\"{name}\""));
            }
        }
        let keyid = if u.arbitrary()? {
            SPEC_KID
        } else {
            "k"
        };
        inputs.push(format!(
            "s{i}=({});keyid=\"{keyid}\";created={SPEC_CREATED}",
            covered.join(" ")
        ));
        let signature: [u8; 16] = u.arbitrary()?;
        values.push(format!("s{i}=:{}:", STANDARD.encode(signature)));
    }
    headers.append("signature-input", inputs.join(", "));
    headers.append("signature", values.join(", "));
    if u.arbitrary()? {
        headers.append("upvest-signature-version", "15");
    }
    let body_len = u.int_in_range(0..=4096)?;
    Ok((headers, body_len))
}

fn fill_digests(headers: &mut Headers, body: &[u8]) {
    let sha256 = digest_sha256(body);
    let sha512 = content_digest_sha512(body);
    let (b256, b512) = (
        &sha256["SHA-256=".len()..],
        &sha512["sha-512=:".len()..sha512.len() - 1],
    );
    let filled: Headers = headers
        .iter()
        .map(|(name, value)| {
            (
                name.to_owned(),
                value.replace(RIGHT_256, b256).replace(RIGHT_512, b512),
            )
        })
        .collect();
    *headers = filled;
}
