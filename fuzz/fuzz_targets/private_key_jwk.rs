//! Private JWKs: any JSON value through `SigningKey::from_jwk`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use upvest_webhooks::private_key::SigningKey;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    if let Ok(key) = SigningKey::from_jwk(&value) {
        let public = key.public_jwk();
        assert!(public.get("d").is_none(), "the public JWK must not carry d");
    }
});
