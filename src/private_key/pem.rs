//! PEM: finding the private-key block among whatever text was pasted,
//! decoding it, and handing its DER to the decryption and key-structure
//! readers its label and headers call for.

use super::der::{Format, Source, from_key_der};
use super::legacy::legacy_decrypt;
use super::pbes2::{pbes2_decrypt, pbes2_inspect};
use super::{GENERATE_P521, SigningKey, invalid, needs_passphrase, printable, unsupported_rsa};
use crate::error::{Error, Result};
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use zeroize::Zeroizing;

/// Reads the one private key in `text` (see [`SigningKey::from_pem`]).
pub(super) fn read_key(text: &str, passphrase: Option<&[u8]>) -> Result<SigningKey> {
    let block = select_block(text)?;
    load_block(&block, passphrase)
}

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
        let plaintext = legacy_decrypt(header(&content, "DEK-Info"), &content.der, passphrase)?;
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
