use super::*;
use crate::ecdsa::EcdsaSigningKey;
use crate::http_signature::digest::work::take_hashed_bytes;
use crate::http_signature::digest::{content_digest_sha512, digest_sha256};
use crate::http_signature::message::Headers;
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
        .filter(|(name, _)| !matches!(name.as_str(), "digest" | "signature-input" | "signature"))
        .cloned()
        .collect()
}

// A small deterministic generator (xorshift), so failures reproduce.
use crate::testing::xorshift::XorShift as Rng;

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

/// `prepare_digested` with the digests a caller computed for the
/// algorithms `named_algorithms` lists gives `prepare`'s verdict, whatever
/// the digest headers say; a digest it was not given fails closed.
#[test]
fn digests_computed_elsewhere_give_the_same_verdict() {
    use crate::http_signature::digest::{Algorithm, BodyHashes, named_algorithms};
    use sha2::{Digest as _, Sha256, Sha512};
    let (headers, body) = delivery(3000);
    let right256 = digest_sha256(&body);
    let right512 = content_digest_sha512(&body);
    let wrong256 = digest_sha256(b"other");
    let variants: Vec<(&str, String)> = vec![
        ("digest", right256.clone()),
        ("digest", wrong256.clone()),
        (
            "digest",
            format!(
                "{right256}, SHA-512={}",
                STANDARD.encode(Sha512::digest(&body))
            ),
        ),
        (
            "digest",
            format!("{right256}, SHA-512={}", STANDARD.encode([0u8; 64])),
        ),
        ("digest", format!("{right256}, {right256}")),
        ("digest", "MD5=abc".to_owned()),
        ("digest", "SHA-256=not base64!".to_owned()),
        ("content-digest", right512.clone()),
        (
            "content-digest",
            format!(
                "{right512}, sha-256=:{}:",
                STANDARD.encode(Sha256::digest(&body))
            ),
        ),
        ("content-digest", "sha-512=:AAAA:".to_owned()),
        ("content-digest", "sha-512=(1 2)".to_owned()),
    ];
    let mut mismatches = 0;
    for (name, value) in variants {
        let mut changed = Headers::new();
        for (n, v) in &headers {
            if n.as_str() == "digest" {
                changed.append(name, value.as_str());
            } else {
                changed.append(n, v.as_str());
            }
        }
        let request = HttpRequest::new(
            "POST",
            "https://tenant.example/hooks",
            changed,
            body.clone(),
        )
        .unwrap();
        let expected =
            prepare(&request, &VerifyPolicy::default(), NOW).map(|p| p.candidates().len());
        let named = named_algorithms(
            request.headers.get("content-digest").as_deref(),
            request.headers.get("digest").as_deref(),
        );
        let digests = named.iter().map(|&algorithm| {
            let digest = match algorithm {
                Algorithm::Sha256 => Sha256::digest(&body).to_vec(),
                Algorithm::Sha512 => Sha512::digest(&body).to_vec(),
            };
            (algorithm, digest)
        });
        let mut elsewhere = request.clone();
        elsewhere.body = Vec::new();
        let hashes = BodyHashes::precomputed(body.len(), digests);
        let got = prepare_digested(&elsewhere, &hashes, &VerifyPolicy::default(), NOW)
            .map(|p| p.candidates().len());
        assert_eq!(
            got.as_ref().map_err(Error::code),
            expected.as_ref().map_err(Error::code),
            "{name}: {value}"
        );
        mismatches += usize::from(
            expected
                .as_ref()
                .is_err_and(|e| e.code() == ErrorCode::DigestMismatch),
        );
        // Without the digests it needs, the check fails closed.
        if !named.is_empty() {
            let none = BodyHashes::precomputed(body.len(), []);
            let got = prepare_digested(&elsewhere, &none, &VerifyPolicy::default(), NOW);
            assert!(got.is_err(), "{name}: {value}");
        }
    }
    // (the content-digest variants replace the covered `digest`: component missing)
    assert_eq!(mismatches, 2);
}
