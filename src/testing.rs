//! Helpers for users' own tests: keys and deliveries signed exactly as
//! Upvest signs them (v6 base, ECDSA P-521/SHA-512, DER, digest covered).

use crate::ecdsa::EcdsaSigningKey;
use crate::error::{Error, ErrorCode, Result};
use crate::http_signature::digest::digest_sha256;
use crate::http_signature::message::RequestTarget;
use crate::http_signature::{BaseForm, SignatureSpec, sign};
use crate::verify::jwks::public_jwk;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

#[doc(hidden)]
pub mod vectors;
#[doc(hidden)]
pub mod xorshift;

/// A delivery request ready to hand to a verifier or to `fetch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestDelivery {
    /// Always `POST`.
    pub method: String,
    /// The URL it was signed for.
    pub url: String,
    /// Header fields, lowercase names.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

/// Options for [`sign_test_delivery`].
#[derive(Debug, Clone)]
pub struct TestDeliveryOptions<'a> {
    /// Key id to put in `keyid`.
    pub key_id: &'a str,
    /// The webhook URL.
    pub url: &'a str,
    /// The body.
    pub body: Vec<u8>,
    /// Creation time, UNIX seconds.
    pub created: i64,
    /// Expiry time, UNIX seconds.
    pub expires: Option<i64>,
}

/// A private JWK (with `d`) for a new random P-521 key.
pub fn generate_private_jwk(kid: &str) -> Result<Value> {
    let key = EcdsaSigningKey::generate()?;
    let mut jwk = public_jwk(kid, &key.verification_key());
    if let Some(object) = jwk.as_object_mut() {
        object.insert(
            "d".to_owned(),
            Value::String(URL_SAFE_NO_PAD.encode(key.to_scalar())),
        );
    }
    Ok(jwk)
}

/// Reads a private P-521 JWK (`kty` EC, `crv` P-521, `d`), checking that
/// `x`/`y`, when present, match `d`.
pub fn signing_key_from_jwk(jwk: &Value) -> Result<EcdsaSigningKey> {
    let invalid = |why: &str| {
        Error::new(
            ErrorCode::PrivateKeyInvalid,
            format!("the private JWK {why}"),
        )
    };
    if jwk.get("kty").and_then(Value::as_str) != Some("EC")
        || jwk.get("crv").and_then(Value::as_str) != Some("P-521")
    {
        return Err(invalid("must have kty \"EC\" and crv \"P-521\""));
    }
    let d = jwk
        .get("d")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("has no \"d\" member"))?;
    let scalar = URL_SAFE_NO_PAD
        .decode(d)
        .map_err(|_| invalid("has a \"d\" that is not unpadded base64url"))?;
    let key = EcdsaSigningKey::from_scalar(&scalar).map_err(|_| invalid("has an invalid \"d\""))?;
    let public = public_jwk("", &key.verification_key());
    for coordinate in ["x", "y"] {
        if let Some(given) = jwk.get(coordinate)
            && Some(given) != public.get(coordinate)
        {
            return Err(invalid("has x/y that do not match d"));
        }
    }
    Ok(key)
}

/// The components an Upvest delivery covers before its digest: `@method`
/// (POST), `@path`, `@query` when there is one, `content-type` and
/// `content-length`, with their values for `target` and a body of `body_len`.
#[doc(hidden)]
pub fn delivery_components(target: &RequestTarget, body_len: usize) -> Vec<(&'static str, String)> {
    let mut components = vec![
        ("@method", "POST".to_owned()),
        ("@path", target.path().to_owned()),
    ];
    if let Some(query) = target.query() {
        components.push(("@query", format!("?{query}")));
    }
    components.push(("content-type", "application/json".to_owned()));
    components.push(("content-length", body_len.to_string()));
    components
}

/// Signs a delivery as Upvest does: `@method`, `@path`, `@query` (when the
/// URL has one), `content-type`, `content-length` and `digest` covered, in
/// the unquoted v6 base form, DER signature, label `sig1`.
pub fn sign_test_delivery(
    key: &EcdsaSigningKey,
    options: &TestDeliveryOptions<'_>,
) -> Result<TestDelivery> {
    let target = RequestTarget::parse(options.url)?;
    let nonce = nonce()?;
    let mut components = delivery_components(&target, options.body.len());
    components.push(("digest", digest_sha256(&options.body)));
    let spec = SignatureSpec {
        label: "sig1",
        components,
        keyid: options.key_id,
        created: options.created,
        expires: options.expires,
        nonce: Some(&nonce),
        form: BaseForm::UpvestV6,
    };
    let signed = sign(&spec, key)?;
    let mut headers: Vec<(String, String)> = spec
        .components
        .iter()
        .filter(|(name, _)| !name.starts_with('@'))
        .map(|(n, v)| ((*n).to_owned(), v.clone()))
        .collect();
    headers.push(("signature-input".to_owned(), signed.signature_input));
    headers.push(("signature".to_owned(), signed.signature));
    Ok(TestDelivery {
        method: "POST".to_owned(),
        url: options.url.to_owned(),
        headers,
        body: options.body.clone(),
    })
}

/// 16 random alphanumerics, like Upvest's Java and Go signers.
fn nonce() -> Result<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let bytes: [u8; 16] = crate::random::bytes()?;
    Ok(bytes
        .iter()
        .map(|b| {
            char::from(
                ALPHABET
                    .get(usize::from(*b) % ALPHABET.len())
                    .copied()
                    .unwrap_or(b'A'),
            )
        })
        .collect())
}
