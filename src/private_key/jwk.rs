//! Private JWKs (RFC 7517/7518, and RFC 8037 for Ed25519).

use super::der::unsupported_curve;
use super::{
    Ed25519SigningKey, GENERATE_P521, SigningKey, invalid, printable, public_jwk_given,
    unsupported_okp_curve, unsupported_rsa,
};
use crate::ecdsa::{EcdsaSigningKey, FIELD_LEN};
use crate::error::Result;
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use zeroize::Zeroizing;

/// Reads a private JWK (see [`SigningKey::from_jwk`]).
pub(super) fn from_jwk(jwk: &serde_json::Value) -> Result<SigningKey> {
    let Some(obj) = jwk.as_object() else {
        return Err(invalid(
            "the JWK is not a JSON object: pass one key such as {\"kty\":\"EC\",\"crv\":\"P-521\",\"d\":\"…\",\"x\":\"…\",\"y\":\"…\"}",
        ));
    };
    if obj.contains_key("keys") {
        return Err(invalid(
            "this is a JWK Set ({\"keys\":[…]}), not a single JWK: pass the one private key that signs",
        ));
    }
    let member = |name: &str| -> Result<Option<&str>> {
        match obj.get(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(invalid(format!(
                "the JWK member \"{name}\" must be a string"
            ))),
        }
    };
    let kty = member("kty")?.ok_or_else(|| invalid("the JWK has no \"kty\" member: a signing key needs \"kty\":\"EC\" (P-521) or \"kty\":\"OKP\" (Ed25519)"))?;
    let crv = member("crv")?;
    let alg = member("alg")?;
    let d = member("d")?;
    match kty {
        "EC" => {
            check_curve_name(crv)?;
            if let Some(alg) = alg.filter(|a| *a != "ES512") {
                return Err(invalid(format!(
                    "the JWK's \"alg\" is \"{}\", but a P-521 key signs with ES512",
                    printable(alg)
                )));
            }
            let d = d.ok_or_else(public_jwk_given)?;
            let d = Zeroizing::new(b64url("d", d)?);
            if d.len() != FIELD_LEN {
                return Err(invalid(format!(
                    "the JWK's \"d\" decodes to {} bytes; a P-521 private key is {FIELD_LEN} bytes (RFC 7518 §6.2.2.1)",
                    d.len()
                )));
            }
            let key = EcdsaSigningKey::from_scalar(&d)
                .map_err(|_| invalid("the JWK's \"d\" is not a valid P-521 private scalar"))?;
            let (px, py) = key.verification_key().coordinates();
            for (name, expected) in [("x", px), ("y", py)] {
                if let Some(value) = member(name)?
                    && b64url(name, value)? != expected
                {
                    return Err(invalid(format!(
                        "the JWK's \"{name}\" does not belong to its \"d\": the JWK is damaged or mixes two keys"
                    )));
                }
            }
            Ok(SigningKey::EcdsaP521(key))
        }
        "OKP" => {
            match crv {
                Some("Ed25519") => {}
                Some(other) => return Err(unsupported_okp_curve(other)),
                None => {
                    return Err(invalid(
                        "the OKP JWK has no \"crv\": only \"crv\":\"Ed25519\" is supported",
                    ));
                }
            }
            if let Some(alg) = alg.filter(|a| *a != "EdDSA" && *a != "Ed25519") {
                return Err(invalid(format!(
                    "the JWK's \"alg\" is \"{}\", but an Ed25519 key signs with EdDSA",
                    printable(alg)
                )));
            }
            let d = d.ok_or_else(public_jwk_given)?;
            let d = Zeroizing::new(b64url("d", d)?);
            let key = Ed25519SigningKey::from_seed(&d)?;
            if let Some(x) = member("x")?
                && b64url("x", x)? != key.public_key()
            {
                return Err(invalid(
                    "the JWK's \"x\" does not belong to its \"d\": the JWK is damaged or mixes two keys",
                ));
            }
            Ok(SigningKey::Ed25519(key))
        }
        "RSA" => Err(unsupported_rsa()),
        "oct" => Err(invalid(format!(
            "the JWK is a symmetric key (\"kty\":\"oct\"); Upvest's API needs an ECDSA P-521 key: {GENERATE_P521}"
        ))),
        other => Err(invalid(format!(
            "the JWK's \"kty\" is \"{}\"; only \"EC\" (P-521) and \"OKP\" (Ed25519) keys can sign Upvest requests",
            printable(other)
        ))),
    }
}

fn check_curve_name(crv: Option<&str>) -> Result<()> {
    match crv {
        Some("P-521") => Ok(()),
        Some("P-256") => Err(unsupported_curve(const_oid::db::rfc5912::SECP_256_R_1)),
        Some(other) => Err(invalid(format!(
            "the JWK's curve is {}, but Upvest's API only accepts ECDSA P-521 keys; {GENERATE_P521}",
            printable(other)
        ))),
        None => Err(invalid(
            "the EC JWK has no \"crv\": a signing key needs \"crv\":\"P-521\"",
        )),
    }
}

fn b64url(name: &str, value: &str) -> Result<Vec<u8>> {
    let engine = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    engine
        .decode(value)
        .map_err(|_| invalid(format!("the JWK's \"{name}\" is not base64url")))
}
