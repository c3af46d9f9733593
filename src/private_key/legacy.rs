//! Legacy OpenSSL PEM encryption: `Proc-Type: 4,ENCRYPTED` and
//! `DEK-Info: AES-…-CBC,<iv>` headers, as `openssl ec -aes256` writes, with
//! the key derived by `EVP_BytesToKey` (MD5, one iteration).

use super::{invalid, needs_passphrase, printable, unsupported_cipher, wrong_passphrase};
use crate::error::Result;
use zeroize::Zeroizing;

/// AES block size (and CBC IV length).
const AES_BLOCK: usize = 16;

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

/// Decrypts a block's `ciphertext` as its `DEK-Info` header (if any) says.
pub(super) fn legacy_decrypt(
    dek_info: Option<&str>,
    ciphertext: &[u8],
    passphrase: Option<&[u8]>,
) -> Result<Zeroizing<Vec<u8>>> {
    let dek = dek_info.ok_or_else(|| invalid("the key says Proc-Type: 4,ENCRYPTED but has no DEK-Info header: pass the key file unchanged"))?;
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
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(AES_BLOCK) {
        return Err(invalid(
            "the encrypted key is damaged: its length is not a multiple of the AES block size; pass the whole key file unchanged",
        ));
    }
    let (salt, _) = iv.split_at(8);
    let key = evp_bytes_to_key(passphrase, salt, cipher.key_len());
    let mut buffer = Zeroizing::new(ciphertext.to_vec());
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
}
