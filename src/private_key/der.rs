//! Key structures: PKCS#8 `PrivateKeyInfo` (RFC 5958) holding an EC P-521
//! or Ed25519 key, and SEC1 `ECPrivateKey` (RFC 5915).

use super::{
    Ed25519SigningKey, GENERATE_P521, SigningKey, invalid, unsupported_okp_curve, unsupported_rsa,
    wrong_passphrase,
};
use crate::ecdsa::{EcdsaSigningKey, FIELD_LEN};
use crate::error::{Error, Result};
use const_oid::ObjectIdentifier;
use const_oid::db::{rfc5912, rfc8410};
use pkcs8::der::Decode as _;
use zeroize::Zeroizing;

/// secp256k1 (SEC 2), absent from const-oid's database.
const SECP256K1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.10");
/// P-192 (ANSI X9.62 prime192v1), absent from const-oid's database.
const PRIME192V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.1");

/// Whether a DER document came out of a decryption, which turns parse
/// failures into "wrong passphrase".
#[derive(Clone, Copy)]
pub(super) enum Source<'p> {
    Plain,
    Decrypted(&'p [u8]),
}

impl Source<'_> {
    pub(super) fn malformed(self, plain: impl FnOnce() -> Error) -> Error {
        match self {
            Source::Plain => plain(),
            Source::Decrypted(passphrase) => wrong_passphrase(passphrase),
        }
    }
}

/// The structure a PEM label promises.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Pkcs8,
    Sec1,
}

/// Reads the structure the label promises; like OpenSSL, also accepts the
/// other one (SEC1 under `PRIVATE KEY`, PKCS#8 under `EC PRIVATE KEY`).
pub(super) fn from_key_der(der: &[u8], format: Format, source: Source<'_>) -> Result<SigningKey> {
    let is_pkcs8 = pkcs8::PrivateKeyInfoRef::try_from(der).is_ok();
    let is_sec1 = !is_pkcs8 && sec1::EcPrivateKey::from_der(der).is_ok();
    if is_pkcs8 || (format == Format::Pkcs8 && !is_sec1) {
        from_pkcs8_der(der, source)
    } else {
        from_sec1_der(der, None, source)
    }
}

fn from_pkcs8_der(der: &[u8], source: Source<'_>) -> Result<SigningKey> {
    let info = pkcs8::PrivateKeyInfoRef::try_from(der)
        .map_err(|_| source.malformed(|| invalid("the PRIVATE KEY block is not a valid PKCS#8 private key: the key looks damaged; pass the key file unchanged")))?;
    let oid = info.algorithm.oid;
    if oid == rfc5912::ID_EC_PUBLIC_KEY {
        let curve = match info.algorithm.parameters {
            Some(params) => Some(
                params
                    .decode_as::<ObjectIdentifier>()
                    .map_err(|_| invalid("the EC key does not name its curve (explicit curve parameters are not supported); export it with a named curve: `openssl pkcs8 -topk8 -nocrypt -in key.pem`"))?,
            ),
            None => None,
        };
        return from_sec1_der(info.private_key.as_bytes(), curve, source);
    }
    if oid == rfc8410::ID_ED_25519 {
        let key = ed25519_dalek::SigningKey::try_from(info).map_err(|_| {
            source.malformed(|| invalid("the Ed25519 private key is damaged (wrong length, or its embedded public key does not match); pass the key file unchanged"))
        })?;
        return Ok(SigningKey::Ed25519(Ed25519SigningKey { key }));
    }
    Err(match oid {
        rfc5912::RSA_ENCRYPTION | rfc5912::ID_RSASSA_PSS => unsupported_rsa(),
        rfc8410::ID_ED_448 => unsupported_okp_curve("Ed448"),
        rfc8410::ID_X_25519 => unsupported_okp_curve("X25519"),
        rfc8410::ID_X_448 => unsupported_okp_curve("X448"),
        rfc5912::ID_DSA => invalid(format!("DSA keys cannot sign Upvest requests: Upvest's API accepts ECDSA P-521 (and Ed25519) signatures; {GENERATE_P521}")),
        _ => source.malformed(|| invalid(format!("the PKCS#8 key has algorithm OID {oid}, which cannot sign Upvest requests: use ECDSA P-521 (or Ed25519); {GENERATE_P521}"))),
    })
}

/// Reads an RFC 5915 `ECPrivateKey`. `outer_curve` is the curve a PKCS#8 wrapper named.
fn from_sec1_der(
    der: &[u8],
    outer_curve: Option<ObjectIdentifier>,
    source: Source<'_>,
) -> Result<SigningKey> {
    let key = sec1::EcPrivateKey::from_der(der).map_err(|_| {
        source.malformed(|| invalid("the EC PRIVATE KEY block is not a valid SEC1 EC private key (or uses explicit curve parameters, which are not supported): pass the key file unchanged"))
    })?;
    let inner_curve = key.parameters.and_then(sec1::EcParameters::named_curve);
    let curve = match (outer_curve, inner_curve) {
        (Some(outer), Some(inner)) if outer != inner => {
            return Err(invalid("the key names two different curves: it is damaged"));
        }
        (outer, inner) => outer.or(inner),
    };
    match curve {
        Some(rfc5912::SECP_521_R_1) => {}
        Some(curve) => return Err(unsupported_curve(curve)),
        // No curve named anywhere: only a full-length P-521 scalar is unambiguous.
        None if key.private_key.len() == FIELD_LEN => {}
        None => {
            return Err(invalid(format!(
                "the EC private key does not name its curve and is not {FIELD_LEN} bytes long, so it is not a P-521 key; {GENERATE_P521}"
            )));
        }
    }
    let secret = p521::SecretKey::try_from(key)
        .map_err(|_| source.malformed(|| invalid("the P-521 private key is damaged: its scalar is out of range or its embedded public key does not match it")))?;
    let scalar = Zeroizing::new(secret.to_bytes());
    Ok(SigningKey::EcdsaP521(EcdsaSigningKey::from_scalar(
        &scalar,
    )?))
}

pub(super) fn unsupported_curve(curve: ObjectIdentifier) -> Error {
    let name = match curve {
        rfc5912::SECP_256_R_1 => {
            return invalid(format!(
                "the key is an ECDSA P-256 (prime256v1) key, but Upvest's API only accepts ECDSA P-521 (secp521r1) keys (the P-256 keys in Upvest's httpsignature-proxy examples are not accepted by the API); {GENERATE_P521}"
            ));
        }
        rfc5912::SECP_384_R_1 => "P-384 (secp384r1)".to_string(),
        SECP256K1 => "secp256k1".to_string(),
        PRIME192V1 => "P-192 (prime192v1)".to_string(),
        rfc5912::SECP_224_R_1 => "P-224 (secp224r1)".to_string(),
        other => format!("the curve with OID {other}"),
    };
    invalid(format!(
        "the key is on {name}, but Upvest's API only accepts ECDSA P-521 (secp521r1) keys; {GENERATE_P521}"
    ))
}
