//! Private keys from PEM text, without a passphrase, with the fixtures'
//! passphrase (tests/fixtures/keys), the §11.5 one and a fuzzed one.
//! Selector byte: which passphrase.
#![no_main]
use libfuzzer_sys::fuzz_target;
use upvest_webhooks::private_key::SigningKey;
use upvest_webhooks_fuzz::selector;

fuzz_target!(|data: &[u8]| {
    let (which, rest) = selector(data);
    // 1: a fuzzed passphrase, up to the first NUL.
    let (passphrase, pem): (Option<&[u8]>, &[u8]) = match which % 4 {
        0 => (None, rest),
        1 => {
            let at = rest.iter().position(|&b| b == 0).unwrap_or(0);
            (Some(&rest[..at]), rest.get(at + 1..).unwrap_or_default())
        }
        2 => (Some(b"upvest-test-passphrase"), rest),
        _ => (Some(b"123456"), rest),
    };
    let Ok(pem) = std::str::from_utf8(pem) else { return };
    if let Ok(key) = SigningKey::from_pem(pem, passphrase) {
        let debug = format!("{key:?}");
        assert!(debug.contains("redacted"));
        let _ = key.public_jwk();
    }
});
