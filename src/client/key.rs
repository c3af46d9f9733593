//! The client's private key given as text: PEM or a JWK in JSON.

use crate::error::{Error, ErrorCode, Result, Setting};
use crate::private_key::SigningKey;

impl SigningKey {
    /// Reads a private key given as text: a JWK when the text starts (after
    /// whitespace) with `{`, PEM otherwise. `passphrase` is for encrypted
    /// PEM keys and ignored for JWKs.
    pub fn from_text(text: &str, passphrase: Option<&[u8]>) -> Result<Self> {
        if text.trim_start().starts_with('{') {
            let jwk = serde_json::from_str(text).map_err(|_| {
                Error::new(
                    ErrorCode::PrivateKeyInvalid,
                    "the private key looks like JSON but is not a valid JWK",
                )
                .with_setting(Setting::PrivateKey)
            })?;
            SigningKey::from_jwk(&jwk)
        } else {
            SigningKey::from_pem(text, passphrase)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str = include_str!("../../tests/fixtures/keys/p521-sec1.pem");
    const ENCRYPTED: &str = include_str!("../../tests/fixtures/keys/p521-sec1-aes256.pem");
    const JWK: &str = include_str!("../../tests/fixtures/keys/node-p521.jwk.json");
    const PASSPHRASE: &[u8] = b"upvest-test-passphrase";

    #[test]
    fn reads_pem_and_encrypted_pem() {
        let plain = SigningKey::from_text(PEM, None).unwrap();
        let decrypted = SigningKey::from_text(ENCRYPTED, Some(PASSPHRASE)).unwrap();
        assert_eq!(plain.public_jwk(), decrypted.public_jwk());
        assert_eq!(plain.algorithm(), "ecdsa-p521-sha512");
    }

    #[test]
    fn reads_a_jwk_with_leading_whitespace_and_ignores_the_passphrase() {
        let text = format!("\n  {JWK}");
        let key = SigningKey::from_text(&text, Some(b"unused")).unwrap();
        let jwk: serde_json::Value = serde_json::from_str(JWK).unwrap();
        assert_eq!(key.public_jwk()["x"], jwk["x"]);
    }

    #[test]
    fn json_that_is_not_json_names_the_private_key() {
        let err = SigningKey::from_text("{ \"kty\": ", None).unwrap_err();
        assert_eq!(err.code(), ErrorCode::PrivateKeyInvalid);
        assert_eq!(err.setting(), Some(Setting::PrivateKey));
    }

    #[test]
    fn routes_errors_to_the_right_reader() {
        // A JSON object that is not a private JWK: the JWK reader's error.
        let err = SigningKey::from_text(r#"{"keys":[]}"#, None).unwrap_err();
        assert!(err.message().contains("JWK Set"), "{}", err.message());
        // An encrypted PEM without its passphrase: the PEM reader's error.
        let err = SigningKey::from_text(ENCRYPTED, None).unwrap_err();
        assert_eq!(err.setting(), Some(Setting::PrivateKeyPassphrase));
        let err = SigningKey::from_text("not a key", None).unwrap_err();
        assert_eq!(err.code(), ErrorCode::PrivateKeyInvalid);
    }
}
