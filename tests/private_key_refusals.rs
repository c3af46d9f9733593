//! Private keys `SigningKey::from_pem` / `from_jwk` must refuse, each with a
//! reason that says what to do and leaks neither key text nor passphrase;
//! the formatting they tolerate; and secrets kept out of `Debug` output.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/private_keys.rs"]
mod support;

use support::*;
use upvest_webhooks::ErrorCode;
use upvest_webhooks::private_key::SigningKey;

// =============================================================================
// Refusals with a clear reason

#[test]
fn refuses_p256_keys_and_says_upvest_needs_p521() {
    for (name, passphrase) in [
        ("p256-sec1.pem", None),
        ("p256-pkcs8.pem", None),
        ("p256-sec1-aes128.pem", Some(PASS)),
    ] {
        let err = refuse(&fixture(name), passphrase);
        assert_mentions(
            &err,
            &["P-256", "P-521", "openssl ecparam -genkey -name secp521r1"],
        );
    }
}

#[test]
fn refuses_other_curves_and_rsa_keys() {
    assert_mentions(
        &refuse(&fixture("p384-pkcs8.pem"), None),
        &["P-384", "P-521"],
    );
    assert_mentions(&refuse(&fixture("rsa-pkcs8.pem"), None), &["RSA", "P-521"]);
    assert_mentions(
        &refuse(&fixture("rsa-traditional.pem"), None),
        &["RSA", "P-521"],
    );
}

#[test]
fn asks_for_the_passphrase_of_an_encrypted_key() {
    for name in [
        "p521-sec1-aes256.pem",
        "p521-sec1-aes128.pem",
        "p521-pkcs8-legacy-aes256.pem",
        "p521-pkcs8-pbkdf2-aes256.pem",
        "p521-pkcs8-scrypt-aes256.pem",
        "ed25519-pkcs8-pbkdf2-aes256.pem",
        "p256-sec1-aes128.pem",
    ] {
        let err = refuse(&fixture(name), None);
        assert_mentions(&err, &["encrypted", "pass its passphrase"]);
        assert_eq!(
            err.setting(),
            Some(upvest_webhooks::error::Setting::PrivateKeyPassphrase)
        );
    }
}

#[test]
fn reports_a_wrong_passphrase() {
    for name in [
        "p521-sec1-aes256.pem",
        "p521-sec1-aes128.pem",
        "p521-sec1-aes192.pem",
        "p521-pkcs8-legacy-aes256.pem",
        "p521-pkcs8-pbkdf2-aes256.pem",
        "p521-pkcs8-pbkdf2sha1-aes128.pem",
        "p521-pkcs8-scrypt-aes256.pem",
        "ed25519-pkcs8-pbkdf2-aes256.pem",
        "node-p521-sec1-aes256.pem",
    ] {
        let err = refuse(&fixture(name), Some(b"not-the-passphrase"));
        assert_mentions(&err, &["passphrase is wrong"]);
        assert!(!err.message().contains("empty"), "{err}");
    }
    assert_mentions(
        &refuse(&fixture("p521-sec1-aes256.pem"), Some(b"")),
        &["passphrase is wrong", "empty"],
    );
}

#[test]
fn wrong_passphrases_are_reported_as_such_not_as_damaged_keys() {
    // A wrong AES-CBC key still yields valid PKCS#7 padding about once in 256
    // tries; the DER check that follows must then report the passphrase too.
    let pem = fixture("p521-sec1-aes128.pem");
    for i in 0..600 {
        let err = refuse(&pem, Some(format!("wrong-{i}").as_bytes()));
        assert_mentions(&err, &["passphrase is wrong"]);
    }
}

#[test]
fn names_unsupported_ciphers_and_how_to_reencrypt() {
    for name in [
        "p521-sec1-des3.pem",
        "p521-pkcs8-pbes2-des3.pem",
        "p521-pkcs8-pbes1.pem",
    ] {
        for passphrase in [None, Some(PASS)] {
            let err = refuse(&fixture(name), passphrase);
            assert_mentions(&err, &["not supported", "aes-256-cbc"]);
        }
    }
    assert_mentions(
        &refuse(&fixture("p521-sec1-des3.pem"), None),
        &["DES-EDE3-CBC"],
    );
    assert_mentions(
        &refuse(&fixture("p521-pkcs8-pbes2-des3.pem"), None),
        &["DES-EDE3-CBC"],
    );
    assert_mentions(&refuse(&fixture("p521-pkcs8-pbes1.pem"), None), &["PBES1"]);
}

#[test]
fn refuses_public_keys_and_certificates() {
    for name in ["p521.pub.pem", "ed25519.pub.pem"] {
        assert_mentions(
            &refuse(&fixture(name), None),
            &["public key", "not a private key"],
        );
    }
    assert_mentions(
        &refuse(&fixture("p521-cert.pem"), None),
        &["certificate", "not a private key"],
    );
}

#[test]
fn refuses_text_that_is_not_pem() {
    assert_mentions(&refuse("", None), &["empty"]);
    assert_mentions(&refuse(" \r\n\t ", None), &["empty"]);
    assert_mentions(&refuse("hello world", None), &["not PEM"]);
    assert_mentions(&refuse("\u{0}\u{1}\u{ff}garbage", None), &["not PEM"]);
    assert_mentions(
        &refuse(r#"{"kty":"EC","crv":"P-521","d":"AAAA"}"#, None),
        &["JSON", "JWK"],
    );
    assert_mentions(&refuse("./keys/upvest-key.pem", None), &["file path"]);
    assert_mentions(
        &refuse(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFake user@host",
            None,
        ),
        &["OpenSSH public key"],
    );
    // The base64 body alone, without the armour.
    let body: String = fixture("p521-pkcs8.pem")
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    assert_mentions(&refuse(&body, None), &["not PEM"]);
    assert_mentions(
        &refuse(
            "-----BEGIN EC PRIVATE KEY-----\n-----END EC PRIVATE KEY-----",
            None,
        ),
        &["empty"],
    );
    assert_mentions(
        &refuse(
            "-----BEGIN EC PRIVATE KEY-----\n!!!!\n-----END EC PRIVATE KEY-----",
            None,
        ),
        &["not valid base64"],
    );
    assert_mentions(
        &refuse(
            "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----",
            None,
        ),
        &["not a valid SEC1"],
    );
    assert_mentions(
        &refuse(
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
            None,
        ),
        &["not a valid PKCS#8"],
    );
    assert_mentions(
        &refuse(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----",
            Some(PASS),
        ),
        &["not a valid PKCS#8"],
    );
    assert_mentions(
        &refuse(
            "-----BEGIN PGP MESSAGE-----\nAAAA\n-----END PGP MESSAGE-----",
            None,
        ),
        &["PGP MESSAGE", "not a private key"],
    );
    assert_mentions(
        &refuse(
            "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----",
            None,
        ),
        &["OpenSSH"],
    );
}

#[test]
fn refuses_truncated_pem_and_says_so() {
    let pem = fixture("p521-sec1-aes256.pem");
    let end = pem.find("-----END").unwrap();
    for cut in [
        end,
        end + 5,
        pem.len() - 10,
        pem.find("DEK-Info").unwrap() + 40,
    ] {
        assert_mentions(&refuse(&pem[..cut], Some(PASS)), &["truncated"]);
    }
    assert_mentions(&refuse(&pem[..20], Some(PASS)), &["truncated"]);
    // A whole line missing from the middle: the base64 or the ciphertext no longer fits.
    let plain = fixture("p521-sec1.pem");
    let lines: Vec<&str> = plain.lines().collect();
    let without_line = [&lines[..5], &lines[6..]].concat().join("\n");
    assert_mentions(
        &refuse(&without_line, None),
        &["pass the key file unchanged"],
    );
    let encrypted_lines: Vec<&str> = pem.lines().collect();
    let without_line = [&encrypted_lines[..5], &encrypted_lines[6..]]
        .concat()
        .join("\n");
    let err = refuse(&without_line, Some(PASS));
    assert!(err.message().contains("damaged"), "{err}");
}

#[test]
fn every_truncation_is_an_error_never_a_panic() {
    for name in [
        "p521-sec1.pem",
        "p521-sec1-aes256.pem",
        "p521-pkcs8-pbkdf2-aes256.pem",
        "ed25519-pkcs8-pbkdf2-aes256.pem",
    ] {
        let pem = fixture(name);
        let full = pem.trim_end().len();
        for cut in (0..full).filter(|c| pem.is_char_boundary(*c)) {
            refuse(&pem[..cut], Some(PASS));
        }
    }
}

#[test]
fn refuses_two_private_keys_in_one_text() {
    let both = format!(
        "{}\n{}",
        fixture("p521-pkcs8.pem"),
        fixture("ed25519-pkcs8.pem")
    );
    assert_mentions(&refuse(&both, None), &["2 private keys"]);
}

// =============================================================================
// Tolerated formatting

#[test]
fn tolerates_crlf_surrounding_text_indentation_and_escaped_newlines() {
    let expected = load("p521-sec1-aes256.pem", Some(PASS)).public_jwk();
    let pem = fixture("p521-sec1-aes256.pem");
    let variants = [
        pem.replace('\n', "\r\n"),
        format!("  \n\nHere is the key:\n{pem}\nthanks!\n\n"),
        pem.lines()
            .map(|l| format!("    {l}   "))
            .collect::<Vec<_>>()
            .join("\n"),
        // As in a .env file: PRIVATE_KEY="-----BEGIN…\n…"
        format!("\"{}\"", pem.trim_end().replace('\n', "\\n")),
        pem.trim_end().replace('\n', "\\r\\n"),
        // Newlines flattened to spaces, as some secret stores do.
        pem.trim_end().replace('\n', " "),
        pem.trim().to_string(),
    ];
    for variant in &variants {
        assert_eq!(
            SigningKey::from_pem(variant, Some(PASS))
                .unwrap()
                .public_jwk(),
            expected
        );
    }
    let plain = fixture("ed25519-pkcs8.pem").replace('\n', "\r\n");
    assert_ed25519_signs(
        &SigningKey::from_pem(&plain, None).unwrap(),
        "ed25519.pub.pem",
    );
    let with_cert = format!("{}{}", fixture("p521-cert.pem"), fixture("p521-pkcs8.pem"));
    assert_p521_signs(
        &SigningKey::from_pem(&with_cert, None).unwrap(),
        "p521.pub.pem",
    );
}

#[test]
fn accepts_sec1_and_pkcs8_under_each_others_label_as_openssl_does() {
    let sec1 = fixture("p521-sec1.pem");
    let sec1 = &sec1[sec1.find("-----BEGIN EC PRIVATE KEY").unwrap()..];
    assert_p521_signs(
        &SigningKey::from_pem(&sec1.replace("EC PRIVATE KEY", "PRIVATE KEY"), None).unwrap(),
        "p521.pub.pem",
    );
    let pkcs8 = fixture("p521-pkcs8.pem").replace("PRIVATE KEY", "EC PRIVATE KEY");
    assert_p521_signs(&SigningKey::from_pem(&pkcs8, None).unwrap(), "p521.pub.pem");
}

#[test]
fn ignores_a_passphrase_given_for_a_plain_key() {
    assert_p521_signs(&load("p521-pkcs8.pem", Some(PASS)), "p521.pub.pem");
    assert_ed25519_signs(
        &load("ed25519-pkcs8.pem", Some(b"unused")),
        "ed25519.pub.pem",
    );
}

// =============================================================================
// Secrets stay secret

#[test]
fn debug_output_shows_no_key_material() {
    let p521 = load("upvest-spec-11-6-p521-sec1.pem", None);
    let ed25519 = SigningKey::from_jwk(&jwk("node-ed25519.jwk.json")).unwrap();
    assert_eq!(
        format!("{p521:?}"),
        "SigningKey(ecdsa-p521-sha512, redacted)"
    );
    assert_eq!(format!("{ed25519:?}"), "SigningKey(ed25519, redacted)");
    assert_eq!(
        format!("{p521:#?}"),
        "SigningKey(ecdsa-p521-sha512, redacted)"
    );
    let SigningKey::Ed25519(inner) = &ed25519 else {
        panic!()
    };
    assert_eq!(format!("{inner:?}"), "Ed25519SigningKey(redacted)");
    let d = jwk("node-ed25519.jwk.json")["d"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!format!("{ed25519:?}{inner:?}").contains(&d));
}

#[test]
fn hostile_kdf_parameters_are_refused_before_deriving() {
    use pkcs8::der::Encode as _;
    use pkcs8::der::asn1::OctetStringRef;
    use pkcs8::pkcs5::{self, pbes2};
    let salt = pbes2::Salt::new([7u8; 16]).unwrap();
    let encrypt = pbes2::EncryptionScheme::Aes256Cbc { iv: [1; 16] };
    let scrypt = |n: u64, r: u16, p: u16| {
        pbes2::Kdf::Scrypt(pbes2::ScryptParams {
            salt,
            cost_parameter: n,
            block_size: r,
            parallelization: p,
            key_length: None,
        })
    };
    let pbkdf2 = |iterations: u32| {
        pbes2::Kdf::Pbkdf2(pbes2::Pbkdf2Params {
            salt,
            iteration_count: iterations,
            key_length: None,
            prf: pbes2::Pbkdf2Prf::HmacWithSha256,
        })
    };
    // N = 0 panics inside pkcs5's scrypt conversion; N = 2^40 would allocate 128 TiB.
    for (kdf, word) in [
        (scrypt(0, 8, 1), "scrypt"),
        (scrypt(1 << 40, 8, 1), "scrypt"),
        (scrypt(1 << 14, 8, 1000), "scrypt"),
        (pbkdf2(0), "PBKDF2"),
        (pbkdf2(u32::MAX), "PBKDF2"),
    ] {
        let info = pkcs8::EncryptedPrivateKeyInfo {
            encryption_algorithm: pkcs5::EncryptionScheme::Pbes2(pbes2::Parameters {
                kdf,
                encryption: encrypt,
            }),
            encrypted_data: OctetStringRef::new(&[0u8; 64]).unwrap(),
        };
        let der = info.to_der().unwrap();
        use base64::Engine as _;
        let pem = format!(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\n{}\n-----END ENCRYPTED PRIVATE KEY-----\n",
            base64::engine::general_purpose::STANDARD.encode(der)
        );
        assert_mentions(&refuse(&pem, Some(PASS)), &[word]);
    }
}

#[test]
fn mutated_keys_give_errors_never_panics() {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::STANDARD;
    // A deterministic xorshift, so a failure reproduces.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for (name, label, passphrase) in [
        ("p521-pkcs8.pem", "PRIVATE KEY", None),
        ("p521-sec1.pem", "EC PRIVATE KEY", None),
        ("ed25519-pkcs8.pem", "PRIVATE KEY", None),
        (
            "p521-pkcs8-pbkdf2-aes256.pem",
            "ENCRYPTED PRIVATE KEY",
            Some(PASS),
        ),
    ] {
        let pem = fixture(name);
        let begin = format!("-----BEGIN {label}-----");
        let body: String = pem
            .split(&begin)
            .nth(1)
            .unwrap()
            .lines()
            .take_while(|l| !l.starts_with("-----END"))
            .collect();
        let der = engine.decode(body.trim()).unwrap();
        for _ in 0..150 {
            let mut mutated = der.clone();
            match next() % 4 {
                0 => {
                    let i = (next() as usize) % mutated.len();
                    mutated[i] ^= 1 << (next() % 8);
                }
                1 => {
                    let i = (next() as usize) % mutated.len();
                    mutated[i] = next() as u8;
                }
                2 => mutated.truncate((next() as usize) % mutated.len()),
                _ => {
                    let i = (next() as usize) % mutated.len();
                    mutated.insert(i, next() as u8);
                }
            }
            let text = format!(
                "{begin}\n{}\n-----END {label}-----\n",
                engine.encode(&mutated)
            );
            if let Err(err) = SigningKey::from_pem(&text, passphrase) {
                assert_eq!(err.code(), ErrorCode::PrivateKeyInvalid);
                assert_leaks_nothing(&err, &text, passphrase);
            }
        }
    }
}
