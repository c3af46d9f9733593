//! The delivery body at the JavaScript boundary: which way it is hashed and
//! parsed.
//!
//! - **In WebAssembly** (small bodies, and wherever the package's body
//!   helpers or a native SHA are missing): the body is copied into
//!   WebAssembly memory once and the core hashes it (sha2).
//! - **Native** (bodies of at least `nativeDigestMinBytes` bytes, where the
//!   runtime has a native SHA): the body never enters WebAssembly memory.
//!   A snapshot of its bytes (a string is encoded once) is hashed with the
//!   runtime's SHA (node:crypto in the Node entries, WebCrypto
//!   `subtle.digest` elsewhere) for exactly the algorithms the request's
//!   digest headers name (the core's parsers say which), and the core
//!   compares those digests as it compares its own
//!   ([`prepare_digested`](crate::http_signature::prepare_digested)). A
//!   native digest that fails falls back to hashing the snapshot here.
//!
//! Either way the events come from one `JSON.parse` of the body's text
//! (the bytes that were hashed, decoded as strict UTF-8), checked for
//! Upvest's `{"payload":[{id, created_at, type, object, webhook_id}, …]}`
//! shape by the package's body helpers (`pkg/src/body.js`): what is hashed,
//! checked and returned is one text. The package's entry files register the
//! helpers; without them (the bare wasm-bindgen glue) no delivery verifies.

use super::convert::{self, get};
use crate::error::{Error, ErrorCode, Result};
use crate::http_signature::digest::{Algorithm, named_algorithms};
use crate::http_signature::message::Headers;
use js_sys::{ArrayBuffer, JsString, Promise, Uint8Array};
use std::cell::RefCell;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// `pkg/src/body.js`'s helpers.
    #[derive(Clone)]
    pub type BodyHelpers;
    /// `encode(text)`: the UTF-8 bytes of a string body (lone surrogates as U+FFFD).
    #[wasm_bindgen(method)]
    fn encode(this: &BodyHelpers, text: &JsValue) -> Uint8Array;
    /// `payload(body)`: the events of a body given as a string or as bytes,
    /// or a string saying why it is not a delivery body.
    #[wasm_bindgen(method)]
    fn payload(this: &BodyHelpers, body: &JsValue) -> JsValue;
    /// `digest(name, bytes)`: a native SHA, synchronous (node:crypto) or a promise (WebCrypto).
    #[wasm_bindgen(method, catch)]
    fn digest(this: &BodyHelpers, name: &str, bytes: &Uint8Array) -> Result<JsValue, JsValue>;
}

/// The registered helpers and whether they have a native SHA.
type Registered = (BodyHelpers, bool);

thread_local! {
    static HELPERS: RefCell<Option<Registered>> = const { RefCell::new(None) };
    static DEFAULT_MIN_BYTES: RefCell<f64> = const { RefCell::new(NATIVE_DIGEST_MIN_BYTES) };
}

/// Called by the package's entry files with `pkg/src/body.js`'s helpers:
/// `{ encode, payload, digest?, nativeDigestMinBytes? }`, the last the
/// default threshold for the runtime's SHA (see `NATIVE_DIGEST_MIN_BYTES`).
#[wasm_bindgen(js_name = registerBodyHelpers)]
pub fn register_body_helpers(helpers: JsValue) {
    let native_digest = get(&helpers, "digest").is_function();
    let min_bytes = get(&helpers, "nativeDigestMinBytes")
        .as_f64()
        .filter(|n| *n >= 0.0)
        .unwrap_or(NATIVE_DIGEST_MIN_BYTES);
    let helpers = (get(&helpers, "payload").is_function() && get(&helpers, "encode").is_function())
        .then(|| (helpers.unchecked_into::<BodyHelpers>(), native_digest));
    HELPERS.with(|slot| *slot.borrow_mut() = helpers);
    DEFAULT_MIN_BYTES.with(|slot| *slot.borrow_mut() = min_bytes);
}

fn helpers() -> Option<Registered> {
    HELPERS.with(|slot| slot.borrow().clone())
}

/// The default threshold when the helpers name none: below it, copying
/// the body into WebAssembly and hashing it there costs less than an
/// asynchronous WebCrypto digest (`make bench`'s body-size sweep).
const NATIVE_DIGEST_MIN_BYTES: f64 = 16_384.0;

/// The `nativeDigestMinBytes` a verifier gets by default: the registered
/// helpers' (lower for node:crypto, which answers synchronously).
pub(crate) fn default_native_digest_min_bytes() -> f64 {
    DEFAULT_MIN_BYTES.with(|slot| *slot.borrow())
}

/// A delivery body as read at the boundary.
pub(crate) enum Body {
    /// In WebAssembly memory (the request's `body`); `text` is the body
    /// when it was given as a string (the helpers parse it as is).
    Here { text: Option<JsValue> },
    /// A snapshot of the bytes, kept in JavaScript (the request's `body` is empty).
    Native { bytes: Uint8Array, len: usize },
}

/// Reads a raw body as [`convert::body`] does (same refusals, same limit
/// checks before anything is copied or encoded), taking the native route
/// when it is at least `native_min_bytes` long and the runtime has the
/// helpers and a native SHA. Returns the bytes to put in the request (empty
/// for the native route) and how the body is held.
pub(crate) fn read(
    value: &JsValue,
    max_bytes: usize,
    native_min_bytes: f64,
) -> Result<(Vec<u8>, Body)> {
    let native = helpers()
        .filter(|(_, digest)| *digest)
        .map(|(helpers, _)| helpers);
    if let Some(helpers) = native {
        if let Some(text) = value.dyn_ref::<JsString>() {
            let units = f64::from(text.length());
            // A string of n UTF-16 code units has at least n UTF-8 bytes.
            if units >= native_min_bytes && units <= max_bytes as f64 {
                let bytes = helpers.encode(value);
                let len = bytes.length() as usize;
                return Ok((Vec::new(), Body::Native { bytes, len }));
            }
        } else if let Some(view) = byte_view(value)
            && f64::from(view.length()) >= native_min_bytes
            && view.length() as usize <= max_bytes
        {
            // A copy: the caller's buffer could change while the digest is awaited.
            let len = view.length() as usize;
            return Ok((
                Vec::new(),
                Body::Native {
                    bytes: view.slice(0, view.length()),
                    len,
                },
            ));
        }
    }
    let bytes = convert::body(value, max_bytes)?;
    let text = value.is_string().then(|| value.clone());
    Ok((bytes, Body::Here { text }))
}

/// A body read from a stream as `chunks` of `total` bytes (at most the
/// limit): joined in JavaScript for the native route (the same rule as
/// [`read`]), else copied into WebAssembly memory, once.
pub(crate) fn from_chunks(
    chunks: &[Uint8Array],
    total: usize,
    native_min_bytes: f64,
) -> (Vec<u8>, Body) {
    let native = helpers().is_some_and(|(_, digest)| digest);
    if native && total as f64 >= native_min_bytes {
        let bytes = Uint8Array::new_with_length(total as u32);
        let mut at = 0;
        for chunk in chunks {
            bytes.set(chunk, at);
            at += chunk.length();
        }
        return (Vec::new(), Body::Native { bytes, len: total });
    }
    (
        super::js_io::join_chunks(chunks, total),
        Body::Here { text: None },
    )
}

/// The bytes of an `ArrayBuffer` or of a view (`Uint8Array`, `Buffer`,
/// `DataView`, …), without copying.
fn byte_view(value: &JsValue) -> Option<Uint8Array> {
    if let Some(buffer) = value.dyn_ref::<ArrayBuffer>() {
        return Some(Uint8Array::new(buffer));
    }
    if !ArrayBuffer::is_view(value) {
        return None;
    }
    let offset = get(value, "byteOffset").as_f64()?;
    let length = get(value, "byteLength").as_f64()?;
    Some(Uint8Array::new_with_byte_offset_and_length(
        &get(value, "buffer"),
        offset as u32,
        length as u32,
    ))
}

/// The digests of a native-route body that `headers` name (for
/// [`BodyHashes::precomputed`](crate::http_signature::digest::BodyHashes::precomputed)), computed by the runtime's SHA; `None` if
/// it failed (then the caller hashes a copy in WebAssembly). None are
/// computed for a body over `max_bytes`: the core refuses it before any
/// digest is compared.
pub(crate) async fn native_digests(
    bytes: &Uint8Array,
    len: usize,
    headers: &Headers,
    max_bytes: usize,
) -> Option<Vec<(Algorithm, Vec<u8>)>> {
    if len > max_bytes {
        return Some(Vec::new());
    }
    let named = named_algorithms(
        headers.get("content-digest").as_deref(),
        headers.get("digest").as_deref(),
    );
    let mut digests = Vec::with_capacity(named.len());
    for algorithm in named {
        digests.push((algorithm, native_digest(bytes, algorithm).await?));
    }
    Some(digests)
}

async fn native_digest(bytes: &Uint8Array, algorithm: Algorithm) -> Option<Vec<u8>> {
    let (helpers, _) = helpers()?;
    let answer = helpers.digest(algorithm.name(), bytes).ok()?;
    let answer = match answer.dyn_ref::<Promise>() {
        Some(promise) => JsFuture::from(promise.clone()).await.ok()?,
        None => answer,
    };
    byte_view(&answer).map(|digest| digest.to_vec())
}

/// The delivery's events, from the body as read: `JSON.parse` of its text,
/// shape-checked by the helpers. Fails with `ERR_PAYLOAD_INVALID` saying
/// why (`ERR_INVALID_ARGUMENT` without the helpers).
pub(crate) fn events(body: &Body, bytes: &[u8]) -> Result<JsValue> {
    let invalid = |why: String| {
        Error::new(
            ErrorCode::PayloadInvalid,
            format!(
                "the body is not the expected JSON {{\"payload\":[{{id, created_at, type, object, webhook_id}}, …]}} ({why})"
            ),
        )
    };
    let Some((helpers, _)) = helpers() else {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            "the WebAssembly module was set up without the package's body helpers: import upvest-webhooks or upvest-webhooks/verifier, not the module's glue",
        ));
    };
    let answer = match body {
        Body::Native { bytes, .. } => helpers.payload(bytes),
        Body::Here { text: Some(text) } => helpers.payload(text),
        Body::Here { text: None } => {
            let text = std::str::from_utf8(bytes).map_err(|e| {
                Error::new(
                    ErrorCode::PayloadInvalid,
                    format!("the body is not valid UTF-8 JSON ({e})"),
                )
            })?;
            helpers.payload(&JsValue::from_str(text))
        }
    };
    match answer.as_string() {
        Some(why) => Err(invalid(why)),
        None => Ok(answer),
    }
}
