//! `Content-Digest` and `Digest` against a body. Input: header value, a NUL,
//! then the body. A value computed from the body must always match it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use upvest_webhooks::http_signature::digest::{DigestField, check_digest, content_digest_sha512, digest_sha256};

fuzz_target!(|data: &[u8]| {
    let (value, body) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let Ok(value) = std::str::from_utf8(value) else { return };
    for field in [DigestField::ContentDigest, DigestField::Digest] {
        let _ = check_digest(field, value, body);
    }
    check_digest(DigestField::ContentDigest, &content_digest_sha512(body), body).expect("own content-digest matches");
    check_digest(DigestField::Digest, &digest_sha256(body), body).expect("own digest matches");
});
