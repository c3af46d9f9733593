//! Loading the private key that signs API requests.
//!
//! Upvest's API accepts ECDSA P-521/SHA-512 and Ed25519 signatures
//! (`shared/upvest/http-signatures.md` §5). Keys usually arrive as the PEM file
//! that `openssl ecparam -genkey -name secp521r1 | openssl ec -aes256` wrote,
//! so [`SigningKey::from_pem`] reads every PEM form that OpenSSL and
//! `node:crypto` write for those two key types:
//!
//! | PEM label | content | encryption |
//! |---|---|---|
//! | `EC PRIVATE KEY` | SEC1 (RFC 5915), P-521 | none, or legacy OpenSSL `Proc-Type: 4,ENCRYPTED` with AES-128/192/256-CBC |
//! | `PRIVATE KEY` | PKCS#8 (RFC 5958): EC P-521 or Ed25519 | none, or legacy OpenSSL headers as above |
//! | `ENCRYPTED PRIVATE KEY` | PKCS#8 | PBES2 (RFC 8018): PBKDF2 (HMAC-SHA1/224/256/384/512) or scrypt, with AES-CBC or AES-GCM |
//!
//! [`SigningKey::from_jwk`] reads a private JWK (RFC 7517/7518/8037).
//!
//! Every failure is [`ErrorCode::PrivateKeyInvalid`] with a message that says
//! what to do. Messages never contain key bytes, PEM text or the passphrase.
//! No input panics: malformed, truncated or hostile input (including KDF
//! parameters chosen to exhaust memory) gives an error.
//!
//! The readers, one file each: `pem` finds and decodes the block, `legacy`
//! undoes OpenSSL's `Proc-Type` encryption, `pbes2` the PKCS#8 one, `der`
//! reads the PKCS#8 and SEC1 structures, and `jwk` private JWKs.

mod der;
mod jwk;
mod legacy;
mod pbes2;
mod pem;

use crate::ecdsa::EcdsaSigningKey;
use crate::error::{Error, ErrorCode, Result};
use base64::Engine as _;
use zeroize::Zeroizing;

/// What [`SigningKey::algorithm`] returns for an ECDSA P-521 key.
pub const ALGORITHM_ECDSA_P521_SHA512: &str = "ecdsa-p521-sha512";
/// What [`SigningKey::algorithm`] returns for an Ed25519 key.
pub const ALGORITHM_ED25519: &str = "ed25519";

/// Length of an Ed25519 private key (seed) or public key.
const ED25519_KEY_LEN: usize = 32;

const GENERATE_P521: &str = "generate one with `openssl ecparam -genkey -name secp521r1 -noout -out key.pem`, upload its public key (`openssl ec -in key.pem -pubout`) to Upvest and use the key id Upvest returns";
const REENCRYPT: &str = "re-encrypt it with AES, for example `openssl pkcs8 -topk8 -v2 aes-256-cbc -in key.pem -out key-aes.pem` (or `openssl ec -in key.pem -aes256 -out key-aes.pem` for an EC PRIVATE KEY)";

/// A request-signing private key: ECDSA P-521 (SHA-512, ASN.1 DER signatures)
/// or Ed25519 (raw 64-byte signatures). `Debug` never prints secret material.
#[derive(Clone)]
#[non_exhaustive]
pub enum SigningKey {
    /// ECDSA on P-521 with SHA-512, the algorithm Upvest's API requires by default.
    EcdsaP521(EcdsaSigningKey),
    /// Ed25519 (RFC 8032), which Upvest accepts for self-generated signatures.
    Ed25519(Ed25519SigningKey),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({}, redacted)", self.algorithm())
    }
}

impl From<EcdsaSigningKey> for SigningKey {
    fn from(key: EcdsaSigningKey) -> Self {
        SigningKey::EcdsaP521(key)
    }
}

impl From<Ed25519SigningKey> for SigningKey {
    fn from(key: Ed25519SigningKey) -> Self {
        SigningKey::Ed25519(key)
    }
}

impl SigningKey {
    /// Reads a private key from PEM text.
    ///
    /// Accepts `PRIVATE KEY` (PKCS#8: EC P-521 or Ed25519), `EC PRIVATE KEY`
    /// (SEC1, P-521), either of them with legacy OpenSSL encryption headers
    /// (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: AES-128-CBC|AES-192-CBC|AES-256-CBC,<iv>`,
    /// as `openssl ec -aes256` writes), and `ENCRYPTED PRIVATE KEY` (PKCS#8
    /// PBES2 with PBKDF2 or scrypt and AES, as `openssl pkcs8 -topk8 -v2 aes-256-cbc`
    /// and `node:crypto` with `cipher: 'aes-256-cbc'` write).
    ///
    /// Surrounding whitespace and text, CRLF line endings, other PEM blocks
    /// (the `EC PARAMETERS` block `openssl ecparam -genkey` prints, certificates)
    /// and newlines written as the two characters `\n` (as in many `.env` files)
    /// are tolerated. `passphrase` is needed for encrypted keys and ignored for
    /// plain ones.
    pub fn from_pem(pem: &str, passphrase: Option<&[u8]>) -> Result<Self> {
        let unescaped;
        let text = if pem.contains("\\n") {
            unescaped = Zeroizing::new(pem.replace("\\r", "").replace("\\n", "\n"));
            unescaped.as_str()
        } else {
            pem
        };
        pem::read_key(text, passphrase)
    }

    /// Reads a private JWK: `{"kty":"EC","crv":"P-521","d":…}` or
    /// `{"kty":"OKP","crv":"Ed25519","d":…}`. The public members (`x`, `y`)
    /// are optional; when present they must match `d`. An `alg` member, when
    /// present, must be `ES512` (EC) or `EdDSA`/`Ed25519` (OKP).
    pub fn from_jwk(jwk: &serde_json::Value) -> Result<Self> {
        jwk::from_jwk(jwk)
    }

    /// The signature algorithm: `"ecdsa-p521-sha512"` or `"ed25519"`
    /// (informational; Upvest's `Signature-Input` carries no `alg`).
    pub fn algorithm(&self) -> &'static str {
        match self {
            SigningKey::EcdsaP521(_) => ALGORITHM_ECDSA_P521_SHA512,
            SigningKey::Ed25519(_) => ALGORITHM_ED25519,
        }
    }

    /// The public half as a JWK without `kid` (`{"kty":"EC","crv":"P-521","x","y"}`
    /// or `{"kty":"OKP","crv":"Ed25519","x"}`), for checking which key this is.
    pub fn public_jwk(&self) -> serde_json::Value {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        match self {
            SigningKey::EcdsaP521(key) => {
                let (x, y) = key.verification_key().coordinates();
                serde_json::json!({"kty": "EC", "crv": "P-521", "x": b64.encode(x), "y": b64.encode(y)})
            }
            SigningKey::Ed25519(key) => {
                serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": b64.encode(key.public_key())})
            }
        }
    }
}

impl crate::signer::MessageSigner for SigningKey {
    /// ECDSA: SHA-512 and an ASN.1 DER signature. Ed25519: the raw 64-byte signature.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        match self {
            SigningKey::EcdsaP521(key) => key.sign(message),
            SigningKey::Ed25519(key) => key.sign(message),
        }
    }
}

/// An Ed25519 private key. Its `Debug` output never shows the seed.
#[derive(Clone)]
pub struct Ed25519SigningKey {
    key: ed25519_dalek::SigningKey,
}

impl std::fmt::Debug for Ed25519SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ed25519SigningKey(redacted)")
    }
}

impl Ed25519SigningKey {
    /// Builds a key from its 32-byte seed (RFC 8032 private key).
    pub fn from_seed(seed: &[u8]) -> Result<Self> {
        let seed: &[u8; ED25519_KEY_LEN] = seed.try_into().map_err(|_| {
            invalid(format!(
                "an Ed25519 private key is {ED25519_KEY_LEN} bytes, this one is {}",
                seed.len()
            ))
        })?;
        Ok(Ed25519SigningKey {
            key: ed25519_dalek::SigningKey::from_bytes(seed),
        })
    }

    /// The 32-byte public key.
    pub fn public_key(&self) -> [u8; ED25519_KEY_LEN] {
        self.key.verifying_key().to_bytes()
    }
}

impl crate::signer::MessageSigner for Ed25519SigningKey {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        use ed25519_dalek::Signer as _;
        let signature = self
            .key
            .try_sign(message)
            .map_err(|_| invalid("Ed25519 signing failed"))?;
        Ok(signature.to_bytes().to_vec())
    }
}

// ---------------------------------------------------------------------------
// Errors

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::PrivateKeyInvalid, message)
}

fn needs_passphrase(what: &str) -> Error {
    invalid(format!(
        "the private key is encrypted ({what}); pass its passphrase"
    ))
    .with_setting(crate::error::Setting::PrivateKeyPassphrase)
}

fn wrong_passphrase(passphrase: &[u8]) -> Error {
    let empty = if passphrase.is_empty() {
        " (the passphrase given is empty)"
    } else {
        ""
    };
    invalid(format!(
        "could not decrypt the private key: the passphrase is wrong{empty}, or the key file is damaged; pass the passphrase the key was encrypted with"
    ))
    .with_setting(crate::error::Setting::PrivateKeyPassphrase)
}

fn unsupported_cipher(name: &str) -> Error {
    invalid(format!(
        "the private key is encrypted with {name}, which is not supported; {REENCRYPT}"
    ))
}

fn unsupported_rsa() -> Error {
    invalid(format!(
        "RSA keys cannot sign Upvest requests: Upvest's API accepts ECDSA P-521 (and Ed25519) signatures; {GENERATE_P521}"
    ))
}

fn unsupported_okp_curve(crv: &str) -> Error {
    invalid(format!(
        "{} keys cannot sign Upvest requests: only Ed25519 and ECDSA P-521 are accepted; {GENERATE_P521}",
        printable(crv)
    ))
}

fn public_jwk_given() -> Error {
    invalid(
        "the JWK has no \"d\": it is a public key, but signing needs the private key (the JWK with \"d\")",
    )
}

/// A short, printable rendering of an identifier taken from the input (a label,
/// cipher or curve name), so that messages never carry arbitrary input.
fn printable(name: &str) -> String {
    let clean = name.len() <= 40
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b" -_.,/".contains(&b));
    if clean {
        name.to_string()
    } else {
        "(unprintable)".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_only_short_printable_names_from_the_input() {
        assert_eq!(printable("AES-256-CBC"), "AES-256-CBC");
        assert_eq!(printable("MIHcAgEBBEIA\u{0}"), "(unprintable)");
        assert_eq!(printable(&"A".repeat(41)), "(unprintable)");
    }
}
