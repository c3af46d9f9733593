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

use crate::ecdsa::{EcdsaSigningKey, FIELD_LEN};
use crate::error::{Error, ErrorCode, Result};
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use pkcs8::der::asn1::{AnyRef, ObjectIdentifier, OctetStringRef};
use pkcs8::der::{Decode as _, Reader as _};
use pkcs8::pkcs5;
use pkcs8::spki::AlgorithmIdentifierRef;
use zeroize::Zeroizing;

/// What [`SigningKey::algorithm`] returns for an ECDSA P-521 key.
pub const ALGORITHM_ECDSA_P521_SHA512: &str = "ecdsa-p521-sha512";
/// What [`SigningKey::algorithm`] returns for an Ed25519 key.
pub const ALGORITHM_ED25519: &str = "ed25519";

/// Length of an Ed25519 private key (seed) or public key.
const ED25519_KEY_LEN: usize = 32;
/// The highest PBKDF2 iteration count accepted (OpenSSL and Node use 2048; 600 000 is today's advice).
const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;
/// The most memory the scrypt parameters of an encrypted key may ask for.
const MAX_SCRYPT_MEMORY: u64 = 64 * 1024 * 1024;
/// The largest scrypt parallelisation accepted (each unit repeats the whole work).
const MAX_SCRYPT_PARALLELISM: u16 = 16;
/// AES block size (and CBC IV length).
const AES_BLOCK: usize = 16;

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
        let block = select_block(text)?;
        load_block(&block, passphrase)
    }

    /// Reads a private JWK: `{"kty":"EC","crv":"P-521","d":…}` or
    /// `{"kty":"OKP","crv":"Ed25519","d":…}`. The public members (`x`, `y`)
    /// are optional; when present they must match `d`. An `alg` member, when
    /// present, must be `ES512` (EC) or `EdDSA`/`Ed25519` (OKP).
    pub fn from_jwk(jwk: &serde_json::Value) -> Result<Self> {
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
                let public = key.verification_key().to_sec1();
                let (px, py) = public
                    .get(1..)
                    .unwrap_or_default()
                    .split_at_checked(FIELD_LEN)
                    .unwrap_or_default();
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
                let sec1 = key.verification_key().to_sec1();
                let (x, y) = sec1
                    .get(1..)
                    .unwrap_or_default()
                    .split_at_checked(FIELD_LEN)
                    .unwrap_or_default();
                serde_json::json!({"kty": "EC", "crv": "P-521", "x": b64.encode(x), "y": b64.encode(y)})
            }
            SigningKey::Ed25519(key) => {
                serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": b64.encode(key.public_key())})
            }
        }
    }
}

impl crate::signature::MessageSigner for SigningKey {
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

impl crate::signature::MessageSigner for Ed25519SigningKey {
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

// ---------------------------------------------------------------------------
// PEM

/// A PEM block: its label, its RFC 1421 headers and its base64 body (whitespace included).
struct PemBlock<'a> {
    label: &'a str,
    body: &'a str,
}

enum LabelKind {
    /// `EC PRIVATE KEY`, `PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`.
    PrivateKey,
    /// A private key in a format this crate does not read (RSA, DSA, OpenSSH, …).
    OtherPrivateKey,
    PublicKey,
    Certificate,
    CertificateRequest,
    /// `EC PARAMETERS`, as `openssl ecparam -genkey` prints before the key.
    Ignored,
    Unknown,
}

fn label_kind(label: &str) -> LabelKind {
    match label {
        "EC PRIVATE KEY" | "PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" => LabelKind::PrivateKey,
        "EC PARAMETERS" => LabelKind::Ignored,
        "PUBLIC KEY" | "EC PUBLIC KEY" | "RSA PUBLIC KEY" | "SSH2 PUBLIC KEY" => {
            LabelKind::PublicKey
        }
        "CERTIFICATE" | "TRUSTED CERTIFICATE" | "X509 CERTIFICATE" | "X509 CRL" => {
            LabelKind::Certificate
        }
        "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => LabelKind::CertificateRequest,
        l if l.ends_with("PRIVATE KEY") || l.ends_with("PRIVATE KEY BLOCK") => {
            LabelKind::OtherPrivateKey
        }
        _ => LabelKind::Unknown,
    }
}

/// Splits `text` into PEM blocks, failing on a block without its END line.
fn pem_blocks(text: &str) -> Result<Vec<PemBlock<'_>>> {
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some((_, after_begin)) = rest.split_once("-----BEGIN ") {
        let Some((label, after_label)) = after_begin.split_once("-----") else {
            return Err(invalid(
                "the PEM text has a -----BEGIN line that is cut off: the key looks truncated; pass the whole key file",
            ));
        };
        let label = label.trim();
        if label.contains(['\n', '\r']) {
            return Err(invalid(
                "the PEM text has a malformed -----BEGIN …----- line: pass the key file unchanged",
            ));
        }
        let end_line = format!("-----END {label}-----");
        let Some((body, after_end)) = after_label.split_once(end_line.as_str()) else {
            let shown = printable(label);
            let cut_off_end_line = after_label
                .find("-----END ")
                .and_then(|at| after_label.get(at..))
                .is_some_and(|tail| end_line.starts_with(tail.trim_end()));
            return Err(if after_label.contains("-----END ") && !cut_off_end_line {
                invalid(format!(
                    "the PEM block -----BEGIN {shown}----- ends with a different -----END …----- line: pass the key file unchanged"
                ))
            } else {
                invalid(format!(
                    "the PEM block -----BEGIN {shown}----- has no -----END {shown}----- line: the key looks truncated (cut off when copied); pass the whole key file"
                ))
            });
        };
        if body.contains("-----BEGIN ") {
            let shown = printable(label);
            return Err(invalid(format!(
                "the PEM block -----BEGIN {shown}----- is cut off before the next -----BEGIN line: the key looks truncated; pass the whole key file"
            )));
        }
        blocks.push(PemBlock { label, body });
        rest = after_end;
    }
    if rest.contains("-----END ") && blocks.is_empty() {
        return Err(invalid(
            "the PEM text has an -----END line but no -----BEGIN line: the key looks truncated; pass the whole key file",
        ));
    }
    Ok(blocks)
}

/// Picks the one private-key block, or explains what was given instead.
fn select_block(text: &str) -> Result<PemBlock<'_>> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(invalid(
            "the private key is empty: pass the contents of the key file (PEM text starting with -----BEGIN)",
        ));
    }
    let blocks = pem_blocks(text)?;
    if blocks.is_empty() {
        return Err(not_pem(trimmed));
    }
    let mut keys = Vec::new();
    let (mut public, mut certificate, mut request, mut other_private, mut unknown) =
        (false, false, false, None, None);
    for block in blocks {
        match label_kind(block.label) {
            LabelKind::PrivateKey => keys.push(block),
            LabelKind::OtherPrivateKey => other_private = other_private.or(Some(block.label)),
            LabelKind::PublicKey => public = true,
            LabelKind::Certificate => certificate = true,
            LabelKind::CertificateRequest => request = true,
            LabelKind::Ignored => {}
            LabelKind::Unknown => unknown = unknown.or(Some(block.label)),
        }
    }
    if let Some(label) = other_private
        && keys.is_empty()
    {
        return Err(match label {
            "RSA PRIVATE KEY" => unsupported_rsa(),
            "DSA PRIVATE KEY" => invalid(format!(
                "DSA keys cannot sign Upvest requests: Upvest's API accepts ECDSA P-521 (and Ed25519) signatures; {GENERATE_P521}"
            )),
            "OPENSSH PRIVATE KEY" => invalid(
                "OpenSSH-format private keys are not supported: pass a PEM key (PKCS#8 or SEC1), for example one made with `openssl ecparam -genkey -name secp521r1 -noout -out key.pem`",
            ),
            other => invalid(format!(
                "a {} block cannot be read: pass an EC PRIVATE KEY, PRIVATE KEY or ENCRYPTED PRIVATE KEY (P-521 or Ed25519)",
                printable(other)
            )),
        });
    }
    let count = keys.len();
    let mut keys = keys.into_iter();
    match (keys.next(), count) {
        (Some(key), 1) => Ok(key),
        (Some(_), n) => Err(invalid(format!(
            "the text contains {n} private keys; pass exactly one"
        ))),
        (None, _) if public => Err(invalid(
            "this is a public key, not a private key: signing needs the private key file (the public key is what you upload to Upvest)",
        )),
        (None, _) if certificate => Err(invalid(
            "this is a certificate, not a private key: signing needs the private key file",
        )),
        (None, _) if request => Err(invalid(
            "this is a certificate request, not a private key: signing needs the private key file",
        )),
        (None, _) => Err(invalid(format!(
            "the PEM block is labelled {}, which is not a private key: expected -----BEGIN EC PRIVATE KEY-----, -----BEGIN PRIVATE KEY----- or -----BEGIN ENCRYPTED PRIVATE KEY-----",
            unknown.map(printable).unwrap_or_default()
        ))),
    }
}

fn not_pem(trimmed: &str) -> Error {
    if trimmed.starts_with('{') {
        invalid(
            "the private key is JSON, not PEM: load a JWK with SigningKey::from_jwk (pass it as a JWK, not as PEM text)",
        )
    } else if !trimmed.contains(char::is_whitespace)
        && (trimmed.ends_with(".pem")
            || trimmed.ends_with(".key")
            || trimmed.starts_with('/')
            || trimmed.starts_with("./"))
    {
        invalid(
            "the private key looks like a file path: pass the file's contents (the PEM text), not its name",
        )
    } else if trimmed.starts_with("ssh-") || trimmed.starts_with("ecdsa-sha2-") {
        invalid(
            "this is an OpenSSH public key, not a private key: pass the private key as PEM text",
        )
    } else {
        invalid(
            "the private key is not PEM text: pass the contents of the key file, from -----BEGIN EC PRIVATE KEY----- (or -----BEGIN PRIVATE KEY-----) to the matching -----END line",
        )
    }
}

/// The RFC 1421 headers and the decoded body of a block.
struct PemContent<'a> {
    headers: Vec<(&'a str, &'a str)>,
    der: Zeroizing<Vec<u8>>,
}

fn parse_body<'a>(block: &PemBlock<'a>) -> Result<PemContent<'a>> {
    let shown = printable(block.label);
    let mut headers = Vec::new();
    let mut base64 = Zeroizing::new(String::with_capacity(block.body.len()));
    let mut tokens = block.body.split_whitespace();
    while let Some(token) = tokens.next() {
        if let Some((name, value)) = token.split_once(':') {
            if !base64.is_empty() {
                return Err(invalid(format!(
                    "the {shown} block has a header line inside its base64 body: pass the key file unchanged"
                )));
            }
            let value = if value.is_empty() {
                tokens.next().unwrap_or_default()
            } else {
                value
            };
            headers.push((name, value));
        } else {
            base64.push_str(token);
        }
    }
    if base64.is_empty() {
        return Err(invalid(format!(
            "the {shown} block is empty: the key looks truncated; pass the whole key file"
        )));
    }
    let engine = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let der = engine.decode(base64.as_bytes()).map_err(|_| {
        invalid(format!("the body of the {shown} block is not valid base64: the key was damaged when copied (characters missing or added); pass the key file unchanged"))
    })?;
    Ok(PemContent {
        headers,
        der: Zeroizing::new(der),
    })
}

fn header<'a>(content: &PemContent<'a>, name: &str) -> Option<&'a str> {
    content
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}

/// Whether a DER document came out of a decryption, which turns parse
/// failures into "wrong passphrase".
#[derive(Clone, Copy)]
enum Source<'p> {
    Plain,
    Decrypted(&'p [u8]),
}

impl Source<'_> {
    fn malformed(self, plain: impl FnOnce() -> Error) -> Error {
        match self {
            Source::Plain => plain(),
            Source::Decrypted(passphrase) => wrong_passphrase(passphrase),
        }
    }
}

fn load_block(block: &PemBlock<'_>, passphrase: Option<&[u8]>) -> Result<SigningKey> {
    let content = parse_body(block)?;
    let encrypted =
        header(&content, "Proc-Type").is_some_and(|v| v.to_ascii_uppercase().contains("ENCRYPTED"));
    if encrypted {
        if block.label == "ENCRYPTED PRIVATE KEY" {
            return Err(invalid(
                "the ENCRYPTED PRIVATE KEY block also carries legacy Proc-Type encryption headers: pass the key file unchanged",
            ));
        }
        let plaintext = legacy_decrypt(&content, passphrase)?;
        let source = Source::Decrypted(passphrase.unwrap_or_default());
        return match block.label {
            "EC PRIVATE KEY" => from_key_der(&plaintext, Format::Sec1, source),
            _ => from_key_der(&plaintext, Format::Pkcs8, source),
        };
    }
    match block.label {
        "EC PRIVATE KEY" => from_key_der(&content.der, Format::Sec1, Source::Plain),
        "PRIVATE KEY" => from_key_der(&content.der, Format::Pkcs8, Source::Plain),
        _ => {
            let (params, cipher, data) = pbes2_inspect(&content.der)?;
            let passphrase = passphrase.ok_or_else(|| {
                needs_passphrase(&format!("PKCS#8 ENCRYPTED PRIVATE KEY, PBES2/{cipher}"))
            })?;
            let plaintext = pbes2_decrypt(&params, cipher, data, passphrase)?;
            from_key_der(&plaintext, Format::Pkcs8, Source::Decrypted(passphrase))
        }
    }
}

// ---------------------------------------------------------------------------
// Legacy OpenSSL PEM encryption (Proc-Type: 4,ENCRYPTED)

#[derive(Clone, Copy)]
enum LegacyCipher {
    Aes128,
    Aes192,
    Aes256,
}

impl LegacyCipher {
    fn key_len(self) -> usize {
        match self {
            LegacyCipher::Aes128 => 16,
            LegacyCipher::Aes192 => 24,
            LegacyCipher::Aes256 => 32,
        }
    }
}

fn legacy_decrypt(
    content: &PemContent<'_>,
    passphrase: Option<&[u8]>,
) -> Result<Zeroizing<Vec<u8>>> {
    let dek = header(content, "DEK-Info").ok_or_else(|| invalid("the key says Proc-Type: 4,ENCRYPTED but has no DEK-Info header: pass the key file unchanged"))?;
    let (name, iv_hex) = dek.split_once(',').unwrap_or((dek, ""));
    let cipher = match name.to_ascii_uppercase().as_str() {
        "AES-128-CBC" => LegacyCipher::Aes128,
        "AES-192-CBC" => LegacyCipher::Aes192,
        "AES-256-CBC" => LegacyCipher::Aes256,
        _ => {
            return Err(unsupported_cipher(&format!(
                "{} (legacy PEM encryption)",
                printable(name)
            )));
        }
    };
    let iv: [u8; AES_BLOCK] = decode_hex(iv_hex)
        .and_then(|iv| iv.try_into().ok())
        .ok_or_else(|| {
            invalid(
                "the key's DEK-Info header has no valid 16-byte IV: pass the key file unchanged",
            )
        })?;
    let passphrase = passphrase.ok_or_else(|| {
        needs_passphrase(&format!(
            "legacy OpenSSL PEM encryption, {}",
            name.to_ascii_uppercase()
        ))
    })?;
    if content.der.is_empty() || !content.der.len().is_multiple_of(AES_BLOCK) {
        return Err(invalid(
            "the encrypted key is damaged: its length is not a multiple of the AES block size; pass the whole key file unchanged",
        ));
    }
    let (salt, _) = iv.split_at(8);
    let key = evp_bytes_to_key(passphrase, salt, cipher.key_len());
    let mut buffer = Zeroizing::new(content.der.to_vec());
    let len =
        cbc_decrypt(cipher, &key, &iv, &mut buffer).ok_or_else(|| wrong_passphrase(passphrase))?;
    buffer.truncate(len);
    Ok(buffer)
}

/// OpenSSL's `EVP_BytesToKey` with MD5 and one iteration, as legacy PEM encryption uses:
/// `D_1 = MD5(pass ‖ salt)`, `D_i = MD5(D_{i-1} ‖ pass ‖ salt)`, key = first `len` bytes of `D_1 ‖ D_2 ‖ …`.
fn evp_bytes_to_key(passphrase: &[u8], salt: &[u8], len: usize) -> Zeroizing<Vec<u8>> {
    use md5::Digest as _;
    let mut key = Zeroizing::new(Vec::with_capacity(len + 16));
    let mut previous = Zeroizing::new(Vec::new());
    while key.len() < len {
        let mut md5 = md5::Md5::new();
        md5.update(previous.as_slice());
        md5.update(passphrase);
        md5.update(salt);
        *previous = md5.finalize().to_vec();
        key.extend_from_slice(&previous);
    }
    key.truncate(len);
    key
}

/// AES-CBC with PKCS#7 padding, in place; the plaintext length, or `None` on bad padding.
fn cbc_decrypt(cipher: LegacyCipher, key: &[u8], iv: &[u8], buffer: &mut [u8]) -> Option<usize> {
    use cbc::cipher::{BlockModeDecrypt as _, KeyIvInit as _, block_padding::Pkcs7};
    fn run<C: cbc::cipher::BlockCipherDecrypt + cbc::cipher::KeyInit>(
        key: &[u8],
        iv: &[u8],
        buffer: &mut [u8],
    ) -> Option<usize> {
        let decryptor = cbc::Decryptor::<C>::new_from_slices(key, iv).ok()?;
        decryptor
            .decrypt_padded::<Pkcs7>(buffer)
            .ok()
            .map(<[u8]>::len)
    }
    match cipher {
        LegacyCipher::Aes128 => run::<aes::Aes128>(key, iv, buffer),
        LegacyCipher::Aes192 => run::<aes::Aes192>(key, iv, buffer),
        LegacyCipher::Aes256 => run::<aes::Aes256>(key, iv, buffer),
    }
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| (c as char).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let bytes = hex.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes
        .chunks_exact(2)
        .map(|pair| Some(digit(*pair.first()?)? << 4 | digit(*pair.get(1)?)?))
        .collect()
}

// ---------------------------------------------------------------------------
// PKCS#8 EncryptedPrivateKeyInfo (PBES2)

const PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");
const PBKDF2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.12");
const SCRYPT: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11591.4.11");
const PKCS5_ARC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5");
const PKCS12_PBE_ARC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1");

/// Names for the PBES2 encryption schemes, `supported` marking those pkcs5 implements.
fn pbes2_cipher_name(oid: ObjectIdentifier) -> (&'static str, bool) {
    match oid.to_string().as_str() {
        "2.16.840.1.101.3.4.1.2" => ("AES-128-CBC", true),
        "2.16.840.1.101.3.4.1.22" => ("AES-192-CBC", true),
        "2.16.840.1.101.3.4.1.42" => ("AES-256-CBC", true),
        "2.16.840.1.101.3.4.1.6" => ("AES-128-GCM", true),
        "2.16.840.1.101.3.4.1.46" => ("AES-256-GCM", true),
        "2.16.840.1.101.3.4.1.26" => ("AES-192-GCM", false),
        "1.2.840.113549.3.7" => ("DES-EDE3-CBC (3DES)", false),
        "1.3.14.3.2.7" => ("DES-CBC", false),
        "1.2.840.113549.3.2" => ("RC2-CBC", false),
        _ => ("an unknown cipher", false),
    }
}

fn is_under(oid: ObjectIdentifier, arc: ObjectIdentifier) -> bool {
    oid.as_bytes().starts_with(arc.as_bytes()) && oid.as_bytes().len() > arc.as_bytes().len()
}

fn pbes2_malformed() -> Error {
    invalid(
        "the ENCRYPTED PRIVATE KEY block is not a valid PKCS#8 encrypted key: the key looks damaged; pass the key file unchanged",
    )
}

/// Parses an `EncryptedPrivateKeyInfo`, refusing unsupported or hostile schemes:
/// the PBES2 parameters, the cipher's name and the ciphertext.
fn pbes2_inspect(der: &[u8]) -> Result<(pkcs5::pbes2::Parameters, &'static str, &[u8])> {
    let malformed = pbes2_malformed;
    // Look at the algorithm identifiers first, to name what is unsupported.
    let (algorithm, data) = AnyRef::from_der(der)
        .and_then(|any| {
            any.sequence(|reader| {
                let algorithm = AlgorithmIdentifierRef::decode(reader)?;
                let data: &OctetStringRef = reader.decode()?;
                Ok((algorithm, data))
            })
        })
        .map_err(|_| malformed())?;
    if algorithm.oid != PBES2 {
        if is_under(algorithm.oid, PKCS12_PBE_ARC) || is_under(algorithm.oid, PKCS5_ARC) {
            return Err(unsupported_cipher(
                "legacy PBES1/PKCS#12 password-based encryption (3DES, RC2 or RC4)",
            ));
        }
        return Err(unsupported_cipher(&format!(
            "an unknown scheme (OID {})",
            algorithm.oid
        )));
    }
    let (kdf, encryption) = algorithm
        .parameters
        .ok_or_else(malformed)?
        .sequence(|reader| {
            Ok::<_, pkcs8::der::Error>((
                AlgorithmIdentifierRef::decode(reader)?,
                AlgorithmIdentifierRef::decode(reader)?,
            ))
        })
        .map_err(|_| malformed())?;
    let (cipher, supported) = pbes2_cipher_name(encryption.oid);
    if !supported {
        return Err(unsupported_cipher(&format!("PBES2/{cipher}")));
    }
    if kdf.oid != PBKDF2 && kdf.oid != SCRYPT {
        return Err(unsupported_cipher(&format!(
            "PBES2 with an unknown key-derivation function (OID {})",
            kdf.oid
        )));
    }
    let scheme = pkcs5::EncryptionScheme::try_from(algorithm).map_err(|_| malformed())?;
    let params = scheme.pbes2().ok_or_else(malformed)?.clone();
    check_kdf_limits(&params.kdf)?;
    Ok((params, cipher, data.as_bytes()))
}

fn pbes2_decrypt(
    params: &pkcs5::pbes2::Parameters,
    cipher: &str,
    data: &[u8],
    passphrase: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let mut buffer = Zeroizing::new(data.to_vec());
    let len = match params.decrypt_in_place(passphrase, &mut buffer) {
        Ok(plaintext) => plaintext.len(),
        Err(pkcs5::Error::DecryptFailed) => return Err(wrong_passphrase(passphrase)),
        Err(pkcs5::Error::UnsupportedAlgorithm { .. }) => {
            return Err(unsupported_cipher(&format!(
                "PBES2/{cipher} with an unsupported PBKDF2 hash"
            )));
        }
        Err(_) => return Err(pbes2_malformed()),
    };
    buffer.truncate(len);
    Ok(buffer)
}

/// Refuses KDF parameters that would panic in the KDF, exhaust memory or run for minutes.
fn check_kdf_limits(kdf: &pkcs5::pbes2::Kdf) -> Result<()> {
    if let Some(pbkdf2) = kdf.pbkdf2()
        && (pbkdf2.iteration_count == 0 || pbkdf2.iteration_count > MAX_PBKDF2_ITERATIONS)
    {
        return Err(invalid(format!(
            "the key's PBKDF2 iteration count {} is outside 1..={MAX_PBKDF2_ITERATIONS}; {REENCRYPT}",
            pbkdf2.iteration_count
        )));
    }
    if let Some(scrypt) = kdf.scrypt() {
        let n = scrypt.cost_parameter;
        let r = u64::from(scrypt.block_size);
        let p = scrypt.parallelization;
        let memory = n
            .checked_mul(r)
            .and_then(|nr| nr.checked_mul(128))
            .unwrap_or(u64::MAX);
        if n < 2
            || !n.is_power_of_two()
            || r == 0
            || p == 0
            || p > MAX_SCRYPT_PARALLELISM
            || memory > MAX_SCRYPT_MEMORY
        {
            return Err(invalid(format!(
                "the key's scrypt parameters (N={n}, r={r}, p={p}) are invalid or need more than {} MiB of memory; {REENCRYPT}",
                MAX_SCRYPT_MEMORY / (1024 * 1024)
            )));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Key structures: PKCS#8 PrivateKeyInfo and SEC1 ECPrivateKey

const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP521R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

/// The structure a PEM label promises.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Pkcs8,
    Sec1,
}

/// Reads the structure the label promises; like OpenSSL, also accepts the
/// other one (SEC1 under `PRIVATE KEY`, PKCS#8 under `EC PRIVATE KEY`).
fn from_key_der(der: &[u8], format: Format, source: Source<'_>) -> Result<SigningKey> {
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
    if oid == EC_PUBLIC_KEY {
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
    if oid == ED25519 {
        let key = ed25519_dalek::SigningKey::try_from(info).map_err(|_| {
            source.malformed(|| invalid("the Ed25519 private key is damaged (wrong length, or its embedded public key does not match); pass the key file unchanged"))
        })?;
        return Ok(SigningKey::Ed25519(Ed25519SigningKey { key }));
    }
    Err(match oid.to_string().as_str() {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => unsupported_rsa(),
        "1.3.101.113" => unsupported_okp_curve("Ed448"),
        "1.3.101.110" => unsupported_okp_curve("X25519"),
        "1.3.101.111" => unsupported_okp_curve("X448"),
        "1.2.840.10040.4.1" => invalid(format!("DSA keys cannot sign Upvest requests: Upvest's API accepts ECDSA P-521 (and Ed25519) signatures; {GENERATE_P521}")),
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
        Some(curve) if curve == SECP521R1 => {}
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

fn unsupported_curve(curve: ObjectIdentifier) -> Error {
    let name = match curve.to_string().as_str() {
        "1.2.840.10045.3.1.7" => {
            return invalid(format!(
                "the key is an ECDSA P-256 (prime256v1) key, but Upvest's API only accepts ECDSA P-521 (secp521r1) keys (the P-256 keys in Upvest's httpsignature-proxy examples are not accepted by the API); {GENERATE_P521}"
            ));
        }
        "1.3.132.0.34" => "P-384 (secp384r1)".to_string(),
        "1.3.132.0.10" => "secp256k1".to_string(),
        "1.2.840.10045.3.1.1" => "P-192 (prime192v1)".to_string(),
        "1.3.132.0.33" => "P-224 (secp224r1)".to_string(),
        other => format!("the curve with OID {other}"),
    };
    invalid(format!(
        "the key is on {name}, but Upvest's API only accepts ECDSA P-521 (secp521r1) keys; {GENERATE_P521}"
    ))
}

fn check_curve_name(crv: Option<&str>) -> Result<()> {
    match crv {
        Some("P-521") => Ok(()),
        Some("P-256") => Err(unsupported_curve(ObjectIdentifier::new_unwrap(
            "1.2.840.10045.3.1.7",
        ))),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_legacy_pem_keys_like_openssl_evp_bytes_to_key() {
        // `openssl enc -aes-256-cbc -md md5 -P -S 0102030405060708 -pass pass:password`
        let key = evp_bytes_to_key(b"password", &[1, 2, 3, 4, 5, 6, 7, 8], 32);
        assert_eq!(hex::encode(key.as_slice()).to_uppercase(), EVP_KEY_AES256);
        let key = evp_bytes_to_key(b"password", &[1, 2, 3, 4, 5, 6, 7, 8], 16);
        assert_eq!(
            hex::encode(key.as_slice()).to_uppercase(),
            EVP_KEY_AES256.get(..32).unwrap()
        );
    }

    const EVP_KEY_AES256: &str = "E7B0971E52CA5CC8D0539FB3412F6316F7BA2E6EE293D9F3457B99436B51CE02";

    #[test]
    fn decodes_hex_and_rejects_odd_or_non_hex_input() {
        assert_eq!(decode_hex("0aFF"), Some(vec![0x0a, 0xff]));
        assert_eq!(decode_hex("0a F"), None);
        assert_eq!(decode_hex("abc"), None);
        assert_eq!(decode_hex("zz"), None);
        assert_eq!(decode_hex("é1"), None);
    }

    #[test]
    fn renders_only_short_printable_names_from_the_input() {
        assert_eq!(printable("AES-256-CBC"), "AES-256-CBC");
        assert_eq!(printable("MIHcAgEBBEIA\u{0}"), "(unprintable)");
        assert_eq!(printable(&"A".repeat(41)), "(unprintable)");
    }

    #[test]
    fn refuses_scrypt_parameters_that_would_panic_or_exhaust_memory() {
        let salt = pkcs5::pbes2::Salt::new([7u8; 16]).unwrap();
        for (n, r, p) in [
            (0u64, 8u16, 1u16),
            (1, 8, 1),
            (3, 8, 1),
            (1 << 40, 8, 1),
            (1 << 20, 8, 1),
            (1 << 14, 0, 1),
            (1 << 14, 8, 0),
            (1 << 14, 8, 17),
            (u64::MAX, u16::MAX, 1),
        ] {
            let kdf = pkcs5::pbes2::Kdf::Scrypt(pkcs5::pbes2::ScryptParams {
                salt,
                cost_parameter: n,
                block_size: r,
                parallelization: p,
                key_length: None,
            });
            let err = check_kdf_limits(&kdf).unwrap_err();
            assert!(err.message().contains("scrypt"), "{err}");
        }
        let ok = pkcs5::pbes2::Kdf::Scrypt(pkcs5::pbes2::ScryptParams {
            salt,
            cost_parameter: 1 << 14,
            block_size: 8,
            parallelization: 1,
            key_length: None,
        });
        check_kdf_limits(&ok).unwrap();
    }
}
