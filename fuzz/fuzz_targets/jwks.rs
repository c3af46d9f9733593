//! JWKS documents: parse, then look up every kid.
#![no_main]
use libfuzzer_sys::fuzz_target;
use upvest_webhooks::KeySet;
use upvest_webhooks::verify::jwks::public_jwk;

fuzz_target!(|data: &[u8]| {
    if let Ok(set) = KeySet::from_json(data) {
        let kids: Vec<String> = set.usable_kids().map(str::to_owned).collect();
        for kid in &kids {
            let key = set.get(kid).expect("a usable kid resolves");
            // A usable key round-trips through its public JWK.
            let again = KeySet::from_value(&serde_json::json!({ "keys": [public_jwk(kid, key)] })).expect("round trip");
            assert_eq!(**again.get(kid).expect("round-tripped kid"), **key);
        }
        let _ = set.get(upvest_webhooks::testing::vectors::SPEC_KID);
    }
});
