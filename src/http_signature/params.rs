//! A signature's parameters (`keyid`, `created`, `expires`, `nonce`, `alg`),
//! read from the parameters of its `Signature-Input` member.

use crate::error::{Error, ErrorCode, Result};
use sfv::BareItem;

/// The parameters of one signature (`keyid`, `created`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureParams {
    /// The key identifier; must equal a JWK `kid`.
    pub keyid: String,
    /// Creation time, UNIX seconds.
    pub created: i64,
    /// Expiry time, UNIX seconds, if given.
    pub expires: Option<i64>,
    /// The signer's nonce, if given.
    pub nonce: Option<String>,
    /// The algorithm name, if given (Upvest sends none).
    pub alg: Option<String>,
    /// Parameters this library does not interpret, kept as `(name, serialized value)`.
    pub other: Vec<(String, String)>,
}

/// Algorithm names accepted in an `alg` parameter: RFC 9421 has no P-521
/// entry, so the JWS name and the obvious RFC 9421-style spelling are allowed.
const ACCEPTED_ALGS: &[&str] = &["ecdsa-p521-sha512", "ES512"];

pub(super) fn parse_params(label: &str, params: &sfv::Parameters) -> Result<SignatureParams> {
    let malformed = |msg: String| Error::new(ErrorCode::SignatureInputMalformed, msg);
    let string = |name: &str, value: &BareItem| {
        value
            .as_string()
            .map(|s| s.as_str().to_owned())
            .ok_or_else(|| {
                malformed(format!(
                    "signature {label:?}: parameter {name} must be a quoted string"
                ))
            })
    };
    let integer = |name: &str, value: &BareItem| {
        value.as_integer().map(i64::from).ok_or_else(|| {
            malformed(format!(
                "signature {label:?}: parameter {name} must be an integer (UNIX seconds)"
            ))
        })
    };
    let (mut keyid, mut created, mut expires, mut nonce, mut alg) = (None, None, None, None, None);
    let mut other = Vec::new();
    for (key, value) in params {
        match key.as_str() {
            "keyid" => keyid = Some(string("keyid", value)?),
            "created" => created = Some(integer("created", value)?),
            "expires" => expires = Some(integer("expires", value)?),
            "nonce" => nonce = Some(string("nonce", value)?),
            "alg" => alg = Some(string("alg", value)?),
            name => other.push((name.to_owned(), describe(value))),
        }
    }
    let keyid =
        keyid.ok_or_else(|| malformed(format!("signature {label:?} has no keyid parameter")))?;
    let created = created
        .ok_or_else(|| malformed(format!("signature {label:?} has no created parameter")))?;
    if let Some(expires) = expires
        && expires < created
    {
        return Err(malformed(format!(
            "signature {label:?} expires ({expires}) before it was created ({created})"
        )));
    }
    if let Some(alg) = &alg
        && !ACCEPTED_ALGS.contains(&alg.as_str())
    {
        return Err(Error::new(
            ErrorCode::UnsupportedAlgorithm,
            format!(
                "signature {label:?} uses alg {alg:?}; only ECDSA P-521/SHA-512 (\"ecdsa-p521-sha512\" or \"ES512\") is supported"
            ),
        ));
    }
    Ok(SignatureParams {
        keyid,
        created,
        expires,
        nonce,
        alg,
        other,
    })
}

fn describe(value: &BareItem) -> String {
    match value {
        BareItem::String(s) => s.as_str().to_owned(),
        BareItem::Token(t) => t.as_str().to_owned(),
        BareItem::Integer(i) => i64::from(*i).to_string(),
        BareItem::Boolean(b) => b.to_string(),
        BareItem::Decimal(d) => d.to_string(),
        BareItem::ByteSequence(b) => format!("{} bytes", b.len()),
        other => format!("{other:?}"),
    }
}
