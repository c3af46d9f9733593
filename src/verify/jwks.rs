//! JSON Web Key Sets of EC P-521 public keys, as `GET /auth/verify_keys`
//! returns them.
//!
//! Each key is decoded and validated once, when the set is built. A key that
//! cannot be used (another curve, a bad encoding, a point off the curve,
//! private members) does not spoil the others: it is kept as an error, which
//! a signature naming its `kid` then reports.

use crate::ecdsa::{FIELD_LEN, VerificationKey};
use crate::error::{Error, ErrorCode, Result};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// Members that only private JWKs have.
const PRIVATE_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// The keys of a JWKS, by `kid`.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    keys: Vec<(String, Result<Arc<VerificationKey>>)>,
}

impl KeySet {
    /// Parses a JWKS document (`{"keys":[…]}`) from JSON text.
    pub fn from_json(json: &[u8]) -> Result<Self> {
        let value: Value = serde_json::from_slice(json).map_err(|e| {
            Error::new(
                ErrorCode::JwksInvalid,
                format!("the JWKS is not valid JSON ({e})"),
            )
        })?;
        Self::from_value(&value)
    }

    /// Builds a key set from a parsed JWKS document.
    pub fn from_value(value: &Value) -> Result<Self> {
        let keys = value
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::new(ErrorCode::JwksInvalid, "the JWKS must be an object with a \"keys\" array, like GET /auth/verify_keys returns"))?;
        let mut set = KeySet::default();
        // kid -> position in `set.keys`, so duplicate detection stays linear
        // in the number of keys (a linear search here made a 1 MiB JWKS of
        // distinct kids take tens of seconds).
        let mut positions: HashMap<&str, usize> = HashMap::with_capacity(keys.len());
        for (index, jwk) in keys.iter().enumerate() {
            let Some(jwk) = jwk.as_object() else {
                return Err(Error::new(
                    ErrorCode::JwksInvalid,
                    format!("JWKS key #{index} is not an object"),
                ));
            };
            let Some(kid) = jwk.get("kid").and_then(Value::as_str) else {
                continue; // without a kid no signature can select it
            };
            let decoded = decode_jwk(kid, jwk).map(Arc::new);
            if let Some(slot) = positions.get(kid).and_then(|&at| set.keys.get_mut(at)) {
                slot.1 = Err(Error::new(
                    ErrorCode::KeyInvalid,
                    format!("the JWKS has more than one key with kid {kid:?}; refusing to guess"),
                ));
            } else {
                positions.insert(kid, set.keys.len());
                set.keys.push((kid.to_owned(), decoded));
            }
        }
        Ok(set)
    }

    /// The key for `kid`: [`ErrorCode::KeyNotFound`] when absent,
    /// [`ErrorCode::KeyInvalid`] when present but unusable.
    pub fn get(&self, kid: &str) -> Result<&Arc<VerificationKey>> {
        match self.keys.iter().find(|(k, _)| k == kid) {
            Some((_, Ok(key))) => Ok(key),
            Some((_, Err(err))) => Err(err.clone()),
            None => Err(Error::new(
                ErrorCode::KeyNotFound,
                format!(
                    "no key with kid {kid:?} in the JWKS; it may have been rotated, so refresh the keys from GET /auth/verify_keys"
                ),
            )),
        }
    }

    /// Whether any key, usable or not, has this `kid`.
    pub fn contains(&self, kid: &str) -> bool {
        self.keys.iter().any(|(k, _)| k == kid)
    }

    /// The `kid`s of the keys that are usable.
    pub fn usable_kids(&self) -> impl Iterator<Item = &str> {
        self.keys
            .iter()
            .filter(|(_, key)| key.is_ok())
            .map(|(kid, _)| kid.as_str())
    }

    /// Adds a key (used by tests and the test-delivery helpers).
    pub fn insert(&mut self, kid: &str, key: VerificationKey) {
        self.keys.retain(|(k, _)| k != kid);
        self.keys.push((kid.to_owned(), Ok(Arc::new(key))));
    }
}

fn decode_jwk(kid: &str, jwk: &Map<String, Value>) -> Result<VerificationKey> {
    let invalid = |why: String| Error::new(ErrorCode::KeyInvalid, format!("key {kid:?} {why}"));
    if let Some(member) = PRIVATE_MEMBERS.iter().find(|m| jwk.contains_key(**m)) {
        return Err(invalid(format!(
            "contains the private member {member:?}; a verifier takes public keys only"
        )));
    }
    let member = |name: &str| jwk.get(name).and_then(Value::as_str);
    if member("kty") != Some("EC") {
        return Err(invalid("is not an EC key (kty must be \"EC\")".to_owned()));
    }
    if member("crv") != Some("P-521") {
        return Err(invalid("is not on curve P-521".to_owned()));
    }
    if let Some(alg) = member("alg")
        && alg != "ES512"
    {
        return Err(invalid(format!("is for alg {alg:?}, not ES512")));
    }
    if let Some(usage) = member("use")
        && usage != "sig"
    {
        return Err(invalid(format!("has use {usage:?}, not \"sig\"")));
    }
    let coordinate = |name: &str| -> Result<Vec<u8>> {
        let text = member(name).ok_or_else(|| invalid(format!("has no {name} coordinate")))?;
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| {
            invalid(format!(
                "has a {name} coordinate that is not unpadded base64url"
            ))
        })?;
        if bytes.len() != FIELD_LEN {
            return Err(invalid(format!(
                "has a {name} coordinate of {} bytes; P-521 needs {FIELD_LEN}",
                bytes.len()
            )));
        }
        Ok(bytes)
    };
    let (x, y) = (coordinate("x")?, coordinate("y")?);
    VerificationKey::from_coordinates(&x, &y)
        .map_err(|_| invalid("is not a point on P-521".to_owned()))
}

/// Encodes a public key as a JWK object (`kid`, `kty`, `crv`, `x`, `y`).
pub fn public_jwk(kid: &str, key: &VerificationKey) -> Value {
    let (x, y) = key.coordinates();
    serde_json::json!({
        "kid": kid,
        "kty": "EC",
        "crv": "P-521",
        "x": URL_SAFE_NO_PAD.encode(x),
        "y": URL_SAFE_NO_PAD.encode(y),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // shared/upvest/webhooks-api.md §5 (the OAS example).
    const UPVEST_JWKS: &str = r#"{"keys":[{"crv":"P-521","kid":"9ed77463-c18e-4794-ab5c-17423f9b801a","kty":"EC",
 "x":"AcYAf5Ou0UvtehpeRvyhnvvrUQvjI4B3VCxfSmxK4gqKJGxO_jTB-nTdrHbBfmZpwmwYR86DppMg43E579K5MQ54",
 "y":"ALkrId77iD0Ye2vBS5bTkLqPH-bo8urTpTXiNc6Ub-VOFbXfJrR0tQ8COvVXXu58BTu8jWV-1mtbjfJpDl3ISbcK"}]}"#;
    const KID: &str = "9ed77463-c18e-4794-ab5c-17423f9b801a";

    fn jwks_with(key: Value) -> KeySet {
        KeySet::from_value(&serde_json::json!({ "keys": [key] })).unwrap()
    }

    fn upvest_key() -> Value {
        serde_json::from_str::<Value>(UPVEST_JWKS).unwrap()["keys"][0].clone()
    }

    #[test]
    fn decodes_upvests_documented_jwks_and_round_trips_it() {
        let set = KeySet::from_json(UPVEST_JWKS.as_bytes()).unwrap();
        let key = set.get(KID).unwrap();
        let jwk = public_jwk(KID, key);
        assert_eq!(jwk["x"], upvest_key()["x"]);
        assert_eq!(jwk["y"], upvest_key()["y"]);
        assert_eq!(set.usable_kids().collect::<Vec<_>>(), [KID]);
    }

    #[test]
    fn reports_unknown_kids_as_not_found() {
        let set = KeySet::from_json(UPVEST_JWKS.as_bytes()).unwrap();
        assert_eq!(set.get("other").unwrap_err().code(), ErrorCode::KeyNotFound);
    }

    #[test]
    fn rejects_other_curves_types_encodings_and_points() {
        let mut cases = Vec::new();
        let mut other_curve = upvest_key();
        other_curve["crv"] = "P-256".into();
        cases.push(other_curve);
        let mut rsa = upvest_key();
        rsa["kty"] = "RSA".into();
        cases.push(rsa);
        let mut padded = upvest_key();
        padded["x"] = format!("{}=", padded["x"].as_str().unwrap()).into();
        cases.push(padded);
        let mut short = upvest_key();
        short["y"] = "AAAA".into();
        cases.push(short);
        let mut off_curve = upvest_key();
        off_curve["y"] = upvest_key()["x"].clone();
        cases.push(off_curve);
        let mut wrong_alg = upvest_key();
        wrong_alg["alg"] = "ES256".into();
        cases.push(wrong_alg);
        let mut enc = upvest_key();
        enc["use"] = "enc".into();
        cases.push(enc);
        for key in cases {
            let set = jwks_with(key.clone());
            assert_eq!(
                set.get(KID).unwrap_err().code(),
                ErrorCode::KeyInvalid,
                "{key}"
            );
        }
    }

    #[test]
    fn refuses_private_keys_without_echoing_them() {
        let mut private = upvest_key();
        private["d"] = "c2VjcmV0LXNjYWxhcg".into();
        let err = jwks_with(private).get(KID).unwrap_err();
        assert_eq!(err.code(), ErrorCode::KeyInvalid);
        assert!(!err.to_string().contains("c2VjcmV0"));
    }

    #[test]
    fn refuses_ambiguous_duplicate_kids() {
        let set = KeySet::from_value(&serde_json::json!({ "keys": [upvest_key(), upvest_key()] }))
            .unwrap();
        assert_eq!(set.get(KID).unwrap_err().code(), ErrorCode::KeyInvalid);
    }

    #[test]
    fn rejects_documents_that_are_not_jwks() {
        for doc in ["[]", "{}", "{\"keys\":{}}", "not json", "{\"keys\":[1]}"] {
            assert_eq!(
                KeySet::from_json(doc.as_bytes()).unwrap_err().code(),
                ErrorCode::JwksInvalid,
                "{doc}"
            );
        }
    }

    #[test]
    fn one_bad_key_does_not_spoil_the_others() {
        let mut bad = upvest_key();
        bad["kid"] = "bad".into();
        bad["crv"] = "P-384".into();
        let set = KeySet::from_value(&serde_json::json!({ "keys": [bad, upvest_key()] })).unwrap();
        assert!(set.get(KID).is_ok());
        assert_eq!(set.get("bad").unwrap_err().code(), ErrorCode::KeyInvalid);
    }
}
