//! ECDSA signature decoding: DER, raw r||s, and the auto-detecting `decode`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use upvest_webhooks::ecdsa::{EcdsaSignature, SignatureEncoding};

fuzz_target!(|data: &[u8]| {
    let decoded = EcdsaSignature::decode(data);
    let der = EcdsaSignature::from_der(data);
    let raw = EcdsaSignature::from_raw(data);
    // `decode` is exactly "DER when it starts with 0x30, else raw".
    match data.first() {
        Some(0x30) => assert_eq!(decoded.is_ok(), der.is_ok()),
        _ => assert_eq!(decoded.is_ok(), raw.is_ok()),
    }
    if let Ok(sig) = decoded {
        let expected = if data.first() == Some(&0x30) { SignatureEncoding::Der } else { SignatureEncoding::Raw };
        assert_eq!(sig.encoding(), expected);
    }
});
