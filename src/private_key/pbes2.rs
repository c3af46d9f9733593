//! PKCS#8 `EncryptedPrivateKeyInfo` with PBES2 (RFC 8018): PBKDF2 or scrypt
//! with AES-CBC or AES-GCM, as `openssl pkcs8 -topk8 -v2` and `node:crypto`
//! write. KDF parameters are bounded before any work is done.

use super::{REENCRYPT, invalid, unsupported_cipher, wrong_passphrase};
use crate::error::{Error, Result};
use const_oid::ObjectIdentifier;
use const_oid::db::{rfc5911, rfc7292};
use pkcs8::der::asn1::{AnyRef, OctetStringRef};
use pkcs8::der::{Decode as _, Reader as _};
use pkcs8::pkcs5;
use pkcs8::spki::AlgorithmIdentifierRef;
use zeroize::Zeroizing;

/// The highest PBKDF2 iteration count accepted (OpenSSL and Node use 2048; 600 000 is today's advice).
const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;
/// The most memory the scrypt parameters of an encrypted key may ask for.
const MAX_SCRYPT_MEMORY: u64 = 64 * 1024 * 1024;
/// The largest scrypt parallelisation accepted (each unit repeats the whole work).
const MAX_SCRYPT_PARALLELISM: u16 = 16;

use pkcs5::pbes2::{
    AES_128_CBC_OID, AES_128_GCM_OID, AES_192_CBC_OID, AES_256_CBC_OID, AES_256_GCM_OID, PBES2_OID,
    PBKDF2_OID, SCRYPT_OID,
};

/// DES-CBC (OIW), absent from const-oid's database (pkcs5 names it only
/// with its "des-insecure" feature).
const DES_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.7");
/// PKCS #5's arc (RFC 8018 `pkcs-5`), under which PBES1 schemes live;
/// absent from const-oid's database.
const PKCS5_ARC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5");

/// Names for the PBES2 encryption schemes, `supported` marking those pkcs5 implements.
fn pbes2_cipher_name(oid: ObjectIdentifier) -> (&'static str, bool) {
    match oid {
        AES_128_CBC_OID => ("AES-128-CBC", true),
        AES_192_CBC_OID => ("AES-192-CBC", true),
        AES_256_CBC_OID => ("AES-256-CBC", true),
        AES_128_GCM_OID => ("AES-128-GCM", true),
        AES_256_GCM_OID => ("AES-256-GCM", true),
        rfc5911::ID_AES_192_GCM => ("AES-192-GCM", false),
        rfc5911::DES_EDE_3_CBC => ("DES-EDE3-CBC (3DES)", false),
        DES_CBC => ("DES-CBC", false),
        rfc5911::RC_2_CBC => ("RC2-CBC", false),
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
pub(super) fn pbes2_inspect(der: &[u8]) -> Result<(pkcs5::pbes2::Parameters, &'static str, &[u8])> {
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
    if algorithm.oid != PBES2_OID {
        if is_under(algorithm.oid, rfc7292::PKCS_12_PBE_IDS) || is_under(algorithm.oid, PKCS5_ARC) {
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
    if kdf.oid != PBKDF2_OID && kdf.oid != SCRYPT_OID {
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

pub(super) fn pbes2_decrypt(
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

#[cfg(test)]
mod tests {
    use super::*;

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
