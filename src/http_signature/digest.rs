//! Body digests: `Content-Digest` (RFC 9530) and the legacy `Digest`
//! (RFC 3230) that Upvest's v6 signatures use.

use super::fields::parse_members;
use crate::error::{Error, ErrorCode, Result};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest as _, Sha256, Sha512};
use std::cell::OnceCell;
use std::collections::HashSet;

/// Which digest header a message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestField {
    /// `Content-Digest: sha-512=:<base64>:` (a structured-field dictionary).
    ContentDigest,
    /// `Digest: SHA-256=<base64>` (a comma-separated list).
    Digest,
}

impl DigestField {
    /// The lowercase header name.
    pub fn name(self) -> &'static str {
        match self {
            DigestField::ContentDigest => "content-digest",
            DigestField::Digest => "digest",
        }
    }
}

/// A digest algorithm a digest header may name.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Algorithm {
    /// SHA-256.
    Sha256,
    /// SHA-512.
    Sha512,
}

impl Algorithm {
    /// Its name in WebCrypto (`SHA-256`) and, lowercased without the dash, in node:crypto.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha512 => "SHA-512",
        }
    }

    fn len(self) -> usize {
        match self {
            Algorithm::Sha256 => 32,
            Algorithm::Sha512 => 64,
        }
    }
}

/// A request body and its digests, each computed at most once however many
/// signatures and digest entries ask for it: a request's hashing work is at
/// most one pass per algorithm over its body.
///
/// The digests of a body that is not in this memory (a large body the
/// JavaScript boundary hashed with the runtime's native SHA) can be given
/// instead, with its length: the checks then compare those, exactly as they
/// would compare their own. A digest asked for but neither given nor
/// computable fails the check (fail closed).
#[derive(Debug)]
pub struct BodyHashes<'a> {
    body: Option<&'a [u8]>,
    len: usize,
    sha256: OnceCell<Vec<u8>>,
    sha512: OnceCell<Vec<u8>>,
}

impl<'a> BodyHashes<'a> {
    /// No digest computed yet.
    pub fn new(body: &'a [u8]) -> Self {
        BodyHashes {
            body: Some(body),
            len: body.len(),
            sha256: OnceCell::new(),
            sha512: OnceCell::new(),
        }
    }

    /// A body of `len` bytes that is not here, known only by `digests`
    /// (each of the right length for its algorithm; others are dropped).
    pub fn precomputed(
        len: usize,
        digests: impl IntoIterator<Item = (Algorithm, Vec<u8>)>,
    ) -> Self {
        let hashes = BodyHashes {
            body: None,
            len,
            sha256: OnceCell::new(),
            sha512: OnceCell::new(),
        };
        for (algorithm, digest) in digests {
            if digest.len() == algorithm.len() {
                let _ = hashes.cell(algorithm).set(digest);
            }
        }
        hashes
    }

    /// The body's length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn cell(&self, algorithm: Algorithm) -> &OnceCell<Vec<u8>> {
        match algorithm {
            Algorithm::Sha256 => &self.sha256,
            Algorithm::Sha512 => &self.sha512,
        }
    }

    fn get(&self, algorithm: Algorithm) -> Option<&[u8]> {
        let cell = self.cell(algorithm);
        if let Some(digest) = cell.get() {
            return Some(digest);
        }
        let body = self.body?;
        Some(cell.get_or_init(|| {
            #[cfg(any(test, fuzzing))]
            work::HASHED.with(|n| n.set(n.get() + body.len()));
            match algorithm {
                Algorithm::Sha256 => Sha256::digest(body).to_vec(),
                Algorithm::Sha512 => Sha512::digest(body).to_vec(),
            }
        }))
    }
}

/// The supported algorithms the request's digest headers name (each once,
/// SHA-256 first): what a caller holding the body elsewhere must hash for
/// [`BodyHashes::precomputed`]. Read with the same parsers as the checks; a
/// header that does not parse names nothing (its check fails before any
/// digest is needed).
pub fn named_algorithms(content_digest: Option<&str>, digest: Option<&str>) -> Vec<Algorithm> {
    let mut named = Vec::new();
    let entries = [
        content_digest.and_then(|v| parse_content_digest(v).ok()),
        digest.and_then(|v| parse_legacy_digest(v).ok()),
    ];
    for algorithm in [Algorithm::Sha256, Algorithm::Sha512] {
        if entries
            .iter()
            .flatten()
            .flatten()
            .any(|(named, _)| *named == algorithm)
        {
            named.push(algorithm);
        }
    }
    named
}

/// Checks a digest header value against the body.
///
/// Every supported algorithm present (SHA-256, SHA-512) must match; others
/// are ignored; at least one supported algorithm is required; an algorithm
/// may appear once.
pub fn check_digest(field: DigestField, value: &str, body: &[u8]) -> Result<()> {
    check_digest_with(field, value, &BodyHashes::new(body))
}

/// [`check_digest`] with digests shared across the checks of one request.
pub fn check_digest_with(field: DigestField, value: &str, body: &BodyHashes<'_>) -> Result<()> {
    let entries = match field {
        DigestField::ContentDigest => parse_content_digest(value)?,
        DigestField::Digest => parse_legacy_digest(value)?,
    };
    if entries.is_empty() {
        return Err(Error::new(
            ErrorCode::DigestMalformed,
            format!(
                "the {} header names no supported algorithm (sha-256 or sha-512)",
                field.name()
            ),
        ));
    }
    for (algorithm, expected) in entries {
        if body.get(algorithm) != Some(expected.as_slice()) {
            return Err(Error::new(
                ErrorCode::DigestMismatch,
                format!(
                    "the {} header does not match the body; pass the raw body bytes exactly as received",
                    field.name()
                ),
            ));
        }
    }
    Ok(())
}

fn parse_content_digest(value: &str) -> Result<Vec<(Algorithm, Vec<u8>)>> {
    let malformed = |why: &str| {
        Error::new(
            ErrorCode::DigestMalformed,
            format!("the content-digest header {why}"),
        )
    };
    // Strict: RFC 8941, and an algorithm key may appear once.
    let members = parse_members(value, "content-digest", ErrorCode::DigestMalformed)?;
    let mut entries = Vec::new();
    for member in members {
        let algorithm = match member.key.as_str() {
            "sha-256" => Algorithm::Sha256,
            "sha-512" => Algorithm::Sha512,
            _ => continue,
        };
        let sfv::ListEntry::Item(item) = member.entry else {
            return Err(malformed("has an inner list where a byte sequence belongs"));
        };
        let bytes = item
            .bare_item
            .as_byte_sequence()
            .ok_or_else(|| malformed("value is not a byte sequence (:<base64>:)"))?;
        entries.push((algorithm, bytes.to_vec()));
    }
    Ok(entries)
}

fn parse_legacy_digest(value: &str) -> Result<Vec<(Algorithm, Vec<u8>)>> {
    let malformed = |why: String| {
        Error::new(
            ErrorCode::DigestMalformed,
            format!("the digest header {why}"),
        )
    };
    let mut entries = Vec::new();
    let mut names = HashSet::new();
    for part in value.split(',') {
        let part = part.trim_matches([' ', '\t']);
        let (name, encoded) = part
            .split_once('=')
            .ok_or_else(|| malformed("is not a list of algorithm=base64 pairs".to_owned()))?;
        if !names.insert(name.to_ascii_lowercase()) {
            return Err(malformed(format!(
                "names the algorithm {name:?} twice; each algorithm may appear once"
            )));
        }
        let algorithm = if name.eq_ignore_ascii_case("SHA-256") {
            Algorithm::Sha256
        } else if name.eq_ignore_ascii_case("SHA-512") {
            Algorithm::Sha512
        } else {
            continue;
        };
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| malformed("value is not padded standard base64".to_owned()))?;
        entries.push((algorithm, bytes));
    }
    Ok(entries)
}

/// The `Content-Digest` value for `body` (SHA-512), as Upvest's v15 signers send it.
pub fn content_digest_sha512(body: &[u8]) -> String {
    format!("sha-512=:{}:", STANDARD.encode(Sha512::digest(body)))
}

/// The legacy `Digest` value for `body` (SHA-256), as in Upvest's v6 signatures.
pub fn digest_sha256(body: &[u8]) -> String {
    format!("SHA-256={}", STANDARD.encode(Sha256::digest(body)))
}

/// A meter of hashing work, in test and fuzzing builds only: the work
/// bound (at most one pass per algorithm over a request's body) is checked
/// by counting, not timing.
#[cfg(any(test, fuzzing))]
#[doc(hidden)]
pub mod work {
    use std::cell::Cell;

    thread_local! {
        pub(super) static HASHED: Cell<usize> = const { Cell::new(0) };
    }

    /// Bytes hashed by `BodyHashes` on this thread since the last call, which resets the count.
    pub fn take_hashed_bytes() -> usize {
        HASHED.with(|n| n.replace(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Values from shared/upvest/http-signatures.md §11.1.
    const HELLO: &[u8] = br#"{"hello": "world"}"#;
    const HELLO_SHA512: &str = "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";
    const KEY_VALUE: &[u8] = br#"{"key": "value"}"#;
    const KEY_VALUE_SHA512: &str = "sha-512=:Hd9/AvGZkbjitW1+Ml8Fg1ux1mtcDYe6mLQjDyoowIWa3LM/PmwN2v9O+MjtQGrCA3EQWUL54dlgxKHyYbrucw==:";
    const KEY_VALUE_SHA256: &str = "SHA-256=lyTB4g5uPk1/V+0l+dTvsAblCFkNUoyQ2ll/andcE+U=";
    const PROXY_BODY_SHA512: &str = "sha-512=:sx/EF1gU7hrBQ+uguUa0Jb7AQxSwESfXU5taHDbw27+uZ/gbcXrZQphKzjGwwyXodw0k8G87zV6T328FGkVsng==:";

    #[test]
    fn computes_the_documented_digest_values() {
        assert_eq!(content_digest_sha512(HELLO), HELLO_SHA512);
        assert_eq!(content_digest_sha512(KEY_VALUE), KEY_VALUE_SHA512);
        assert_eq!(
            content_digest_sha512(b"This is the body"),
            PROXY_BODY_SHA512
        );
        assert_eq!(digest_sha256(KEY_VALUE), KEY_VALUE_SHA256);
    }

    #[test]
    fn accepts_matching_digests_in_both_fields() {
        check_digest(DigestField::ContentDigest, HELLO_SHA512, HELLO).unwrap();
        check_digest(DigestField::Digest, KEY_VALUE_SHA256, KEY_VALUE).unwrap();
        check_digest(
            DigestField::Digest,
            &KEY_VALUE_SHA256.replace("SHA-256", "sha-256"),
            KEY_VALUE,
        )
        .unwrap();
        let both = format!("MD5=abc, {KEY_VALUE_SHA256}");
        check_digest(DigestField::Digest, &both, KEY_VALUE).unwrap();
        let sha256 = format!("sha-256=:{}:", &KEY_VALUE_SHA256[8..]);
        check_digest(
            DigestField::ContentDigest,
            &format!("{sha256}, {KEY_VALUE_SHA512}"),
            KEY_VALUE,
        )
        .unwrap();
    }

    #[test]
    fn rejects_a_digest_of_other_bytes() {
        let err = check_digest(DigestField::ContentDigest, HELLO_SHA512, KEY_VALUE).unwrap_err();
        assert_eq!(err.code(), ErrorCode::DigestMismatch);
        let err = check_digest(
            DigestField::Digest,
            KEY_VALUE_SHA256,
            b"{\"key\": \"value\"} ",
        )
        .unwrap_err();
        assert_eq!(err.code(), ErrorCode::DigestMismatch);
    }

    #[test]
    fn rejects_when_any_supported_algorithm_mismatches() {
        let mixed = format!("sha-256=:AAAA:, {KEY_VALUE_SHA512}");
        assert_eq!(
            check_digest(DigestField::ContentDigest, &mixed, KEY_VALUE)
                .unwrap_err()
                .code(),
            ErrorCode::DigestMismatch
        );
    }

    #[test]
    fn rejects_malformed_or_unsupported_digests() {
        for (field, value) in [
            (DigestField::ContentDigest, "sha-512=abc"),
            (DigestField::ContentDigest, "md5=:AAAA:"),
            (DigestField::ContentDigest, "sha-512=(:AAAA:)"),
            (DigestField::ContentDigest, "not a dictionary!"),
            (DigestField::Digest, "SHA-256"),
            (DigestField::Digest, "SHA-256=***"),
            (DigestField::Digest, "MD5=abc"),
        ] {
            assert_eq!(
                check_digest(field, value, KEY_VALUE).unwrap_err().code(),
                ErrorCode::DigestMalformed,
                "{value}"
            );
        }
    }
}
