//! Rough native timing of the two verification paths (the real benchmarks
//! are `make bench`): `cargo run --release --example verify_speed`.
#![allow(clippy::expect_used, clippy::panic)]
use std::time::Instant;
use upvest_webhooks::ecdsa::{EcdsaSignature, EcdsaSigningKey};
use upvest_webhooks::http_signature::MessageSigner as _;

fn main() {
    let signer = EcdsaSigningKey::generate().expect("key");
    let key = signer.verification_key();
    let message = vec![7u8; 600];
    let signature = EcdsaSignature::decode(&signer.sign(&message).expect("sign")).expect("decode");
    let n = 300;
    let start = Instant::now();
    for _ in 0..n {
        assert!(key.verify_generic(&message, &signature));
    }
    println!(
        "generic: {:.3} ms",
        start.elapsed().as_secs_f64() * 1000.0 / f64::from(n)
    );
    let start = Instant::now();
    assert!(key.verify(&message, &signature));
    assert!(key.verify(&message, &signature));
    println!(
        "first two (second builds tables): {:.3} ms",
        start.elapsed().as_secs_f64() * 1000.0
    );
    let start = Instant::now();
    for _ in 0..n {
        assert!(key.verify(&message, &signature));
    }
    println!(
        "tables: {:.3} ms",
        start.elapsed().as_secs_f64() * 1000.0 / f64::from(n)
    );
}
