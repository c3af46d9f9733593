//! Differential: `VerificationKey::verify` (first use: plain two-point
//! multiplication; later uses: the comb tables of ecdsa/tables.rs) against
//! p521's own `verify_generic`, on fuzzed and on freshly signed, possibly
//! damaged, signatures. All paths must agree on every input.
//!
//! Input: key selector, mode, two bytes of bit position, then
//! mode 0: signature bytes up to the first NUL, then the message;
//! modes 1-3: the message, which is signed with the selected key, and then
//! 1 kept valid, 2 a bit of the DER signature flipped, 3 a bit of the message flipped.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use upvest_webhooks::ecdsa::{EcdsaSignature, EcdsaSigningKey, VerificationKey};
use upvest_webhooks::http_signature::MessageSigner;

/// Scalars 1 (Q = G), 2, n-1 (Q = -G) and an ordinary one.
fn keys() -> &'static [(EcdsaSigningKey, VerificationKey)] {
    static KEYS: OnceLock<Vec<(EcdsaSigningKey, VerificationKey)>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let n_minus_1 = [
            0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfa, 0x51, 0x86, 0x87, 0x83, 0xbf, 0x2f, 0x96, 0x6b, 0x7f, 0xcc,
            0x01, 0x48, 0xf7, 0x09, 0xa5, 0xd0, 0x3b, 0xb5, 0xc9, 0xb8, 0x89, 0x9c, 0x47, 0xae, 0xbb, 0x6f, 0xb7, 0x1e, 0x91, 0x38, 0x64, 0x08,
        ];
        let mut one = [0u8; 66];
        one[65] = 1;
        let mut two = [0u8; 66];
        two[65] = 2;
        let ordinary: Vec<u8> = (0u8..66).map(|i| i.wrapping_mul(37).wrapping_add(11) & if i == 0 { 1 } else { 0xff }).collect();
        [&one[..], &two[..], &n_minus_1[..], &ordinary[..]]
            .into_iter()
            .map(|scalar| {
                let signing = EcdsaSigningKey::from_scalar(scalar).expect("valid scalar");
                let verifying = signing.verification_key();
                (signing, verifying)
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let [key_index, mode, hi, lo, rest @ ..] = data else { return };
    let (signing, key) = &keys()[usize::from(*key_index) % keys().len()];
    let bit = usize::from(u16::from_be_bytes([*hi, *lo]));
    let (signature, message) = match mode % 4 {
        0 => {
            let at = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
            (rest[..at].to_vec(), rest.get(at + 1..).unwrap_or_default().to_vec())
        }
        mode => {
            let mut message = rest.to_vec();
            let mut signature = signing.sign(&message).expect("signing works");
            if mode == 2 {
                let len = signature.len() * 8;
                signature[(bit % len) / 8] ^= 1 << (bit % 8);
            } else if mode == 3 && !message.is_empty() {
                let len = message.len() * 8;
                message[(bit % len) / 8] ^= 1 << (bit % 8);
            }
            (signature, message)
        }
    };
    let Ok(signature) = EcdsaSignature::decode(&signature) else { return };
    let generic = key.verify_generic(&message, &signature);
    let fresh = key.clone().verify(&message, &signature); // first use: no tables
    let cached = key.verify(&message, &signature); // tables from the second use on
    assert_eq!(fresh, generic, "first-use path disagrees with p521 (mode {mode})");
    assert_eq!(cached, generic, "table path disagrees with p521 (mode {mode})");
    if mode % 4 == 1 {
        assert!(generic, "a fresh signature must verify");
    }
});
