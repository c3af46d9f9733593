//! The runtime's WebCrypto, used for a key's first verifications.
//!
//! In a fresh isolate V8 runs new WebAssembly code unoptimised at first,
//! and building a key's comb tables (`crate::ecdsa`) costs about one
//! verification. WebCrypto's ECDSA is native and warm from the start. So,
//! while a key's tables are not complete, its signatures are checked with
//! `crypto.subtle.verify` and each verification does a slice of the table
//! work (`VerificationKey::precompute`), while WebCrypto's answer is pending
//! (Node checks it on its thread pool). Once the tables are complete, the
//! WebAssembly path (faster than WebCrypto when warm) takes over.
//!
//! WebCrypto's answer stands only as given: any error (no `crypto.subtle`,
//! no P-521, a rejected import) turns this path off for the verifier and the
//! check falls back to the WebAssembly verification.

use super::convert::get;
use crate::ecdsa::{EcdsaSignature, PRECOMPUTE_COST, VerificationKey};
use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use std::cell::{Cell, RefCell};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Verifications over which a key's tables (and the generator's, for the
/// first key) are built: each does 1/PRECOMPUTE_SLICES of the work.
pub const PRECOMPUTE_SLICES: u32 = 12;

/// Imported CryptoKeys kept at most; keys are dropped once precomputed.
const MAX_CACHED_KEYS: usize = 16;

/// A verifier's handle on the runtime's WebCrypto: the imported keys, and
/// whether it has failed (then it is not asked again).
pub struct WebCrypto {
    subtle: Option<Object>,
    /// SEC1 point → imported CryptoKey.
    keys: RefCell<Vec<(Vec<u8>, JsValue)>>,
    failed: Cell<bool>,
    /// Whether the verifier's first verification, which does no table work,
    /// has happened (see `precompute_slice`).
    first_slice_skipped: Cell<bool>,
}

impl WebCrypto {
    /// The global `crypto.subtle`, unless `enabled` is false.
    pub fn from_global(enabled: bool) -> Self {
        let subtle = if enabled {
            get(&get(&js_sys::global(), "crypto"), "subtle")
                .dyn_into::<Object>()
                .ok()
        } else {
            None
        };
        WebCrypto {
            subtle,
            keys: RefCell::new(Vec::new()),
            failed: Cell::new(false),
            first_slice_skipped: Cell::new(false),
        }
    }

    /// Whether `key`'s signatures should go to WebCrypto now.
    pub fn wants(&self, key: &VerificationKey) -> bool {
        self.subtle.is_some() && !self.failed.get() && !key.is_precomputed()
    }

    /// Checks `signature` over `message` with WebCrypto; `None` if WebCrypto
    /// failed (the caller then checks it itself).
    pub async fn verify(
        &self,
        key: &VerificationKey,
        message: &[u8],
        signature: &EcdsaSignature,
    ) -> Option<bool> {
        self.verify_while(key, message, signature, || ()).await
    }

    /// [`verify`](Self::verify), doing a slice of `key`'s table work
    /// ([`precompute_slice`](Self::precompute_slice)) while WebCrypto's
    /// answer is pending: the runtime checks the signature off the main
    /// thread (Node's thread pool), so the slice costs the verification
    /// little or nothing. The slice is done whatever the outcome.
    pub async fn verify_and_precompute(
        &self,
        key: &VerificationKey,
        message: &[u8],
        signature: &EcdsaSignature,
    ) -> Option<bool> {
        let sliced = Cell::new(false);
        let slice = || {
            if !sliced.replace(true) {
                self.precompute_slice(key);
            }
        };
        let outcome = self.verify_while(key, message, signature, slice).await;
        slice(); // when WebCrypto failed before its answer was pending
        outcome
    }

    /// Runs `meanwhile` once `crypto.subtle.verify` has been called, before
    /// its answer is awaited (not at all if WebCrypto failed before that).
    /// A failure turns WebCrypto off for this verifier.
    async fn verify_while(
        &self,
        key: &VerificationKey,
        message: &[u8],
        signature: &EcdsaSignature,
        meanwhile: impl FnOnce(),
    ) -> Option<bool> {
        let outcome: Option<bool> = async {
            let subtle = self.subtle.as_ref()?;
            let crypto_key = self.crypto_key(subtle, key).await?;
            let algorithm = Object::new();
            Reflect::set(&algorithm, &"name".into(), &"ECDSA".into()).ok()?;
            Reflect::set(&algorithm, &"hash".into(), &"SHA-512".into()).ok()?;
            let raw = Uint8Array::from(signature.to_raw().as_slice());
            let data = Uint8Array::from(message);
            let args = Array::of4(&algorithm, &crypto_key, &raw, &data);
            let pending = start(subtle, "verify", &args)?;
            meanwhile();
            pending.await.ok()?.as_bool()
        }
        .await;
        if outcome.is_none() {
            self.failed.set(true);
        }
        outcome
    }

    /// A slice of `key`'s table work, after a WebCrypto verification. Once
    /// the tables are done, the imported CryptoKey is no longer needed.
    pub fn precompute_slice(&self, key: &VerificationKey) {
        // The verifier's first verification does no table work: in a fresh
        // isolate that would compile and run the point arithmetic unoptimised
        // inside the request that already pays for instantiation.
        if !self.first_slice_skipped.replace(true) {
            return;
        }
        if key.precompute(PRECOMPUTE_COST / PRECOMPUTE_SLICES + 1) {
            let point = key.to_sec1();
            self.keys
                .borrow_mut()
                .retain(|(cached, _)| *cached != point);
        }
    }

    async fn crypto_key(&self, subtle: &Object, key: &VerificationKey) -> Option<JsValue> {
        let point = key.to_sec1();
        if let Some((_, cached)) = self
            .keys
            .borrow()
            .iter()
            .find(|(cached, _)| *cached == point)
        {
            return Some(cached.clone());
        }
        let algorithm = Object::new();
        Reflect::set(&algorithm, &"name".into(), &"ECDSA".into()).ok()?;
        Reflect::set(&algorithm, &"namedCurve".into(), &"P-521".into()).ok()?;
        let usages = Array::of1(&"verify".into());
        let args = Array::of5(
            &"raw".into(),
            &Uint8Array::from(point.as_slice()),
            &algorithm,
            &JsValue::FALSE,
            &usages,
        );
        let imported = call(subtle, "importKey", &args).await?;
        let mut keys = self.keys.borrow_mut();
        if keys.len() >= MAX_CACHED_KEYS {
            keys.remove(0);
        }
        keys.push((point, imported.clone()));
        Some(imported)
    }
}

/// `await subtle[method](...args)`, `None` on any exception or rejection.
async fn call(subtle: &Object, method: &str, args: &Array) -> Option<JsValue> {
    start(subtle, method, args)?.await.ok()
}

/// Calls `subtle[method](...args)` now; its answer is the returned future.
/// `None` if it threw.
fn start(subtle: &Object, method: &str, args: &Array) -> Option<JsFuture> {
    let function = get(subtle, method).dyn_into::<Function>().ok()?;
    let promise = function.apply(subtle, args).ok()?;
    Some(JsFuture::from(js_sys::Promise::resolve(&promise)))
}
