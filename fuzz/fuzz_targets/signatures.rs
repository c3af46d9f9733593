//! The `Signature` header (dictionary of byte sequences), then each value
//! through the DER / raw r||s decoder as `prepare` does.
#![no_main]
use libfuzzer_sys::fuzz_target;
use upvest_webhooks::ecdsa::EcdsaSignature;
use upvest_webhooks::http_signature::parse_signatures;

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else { return };
    if let Ok(signatures) = parse_signatures(header) {
        for (label, bytes) in &signatures {
            assert!(!label.is_empty());
            let _ = EcdsaSignature::decode(bytes);
        }
    }
});
