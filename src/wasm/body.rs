//! The delivery body at the JavaScript boundary: which way it is hashed and
//! parsed.
//!
//! - **In WebAssembly** (small bodies, and wherever the package's body
//!   helpers or a native SHA are missing): the body is copied into
//!   WebAssembly memory once and the core hashes it (sha2).
//! - **Native** (bodies of at least `nativeDigestMinBytes` bytes, where the
//!   runtime has a native SHA): the body never enters WebAssembly memory.
//!   It is hashed with the runtime's SHA for exactly the algorithms the
//!   request's digest headers name (the core's parsers say which), and the
//!   core compares those digests as it compares its own
//!   ([`prepare_digested`](crate::http_signature::prepare_digested)).
//!   node:crypto (the Node entries) hashes the string or the caller's bytes
//!   as they are when `verify()` is called, synchronously, and the bytes'
//!   text is decoded then; WebCrypto (elsewhere) hashes a snapshot (a
//!   string encoded once, bytes copied once), asynchronously. A native
//!   digest that fails falls back to the core's hash (of the snapshot, or of
//!   the body copied in when it is read).
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
    /// `decode(bytes)`: their text (strict UTF-8), or `undefined`.
    #[wasm_bindgen(method)]
    fn decode(this: &BodyHelpers, bytes: &JsValue) -> JsValue;
    /// `payload(body)`: the events of a body given as a string or as bytes
    /// (`undefined`: bytes that are not UTF-8), or a string saying why it
    /// is not a delivery body.
    #[wasm_bindgen(method)]
    fn payload(this: &BodyHelpers, body: &JsValue) -> JsValue;
    /// `digest(name, data)`: the runtime's SHA of bytes (or, where `sync`,
    /// of a string's UTF-8 bytes), as bytes or a promise of them.
    #[wasm_bindgen(method, catch)]
    fn digest(this: &BodyHelpers, name: &str, data: &JsValue) -> Result<JsValue, JsValue>;
    /// `byteLength(text)`: a string's UTF-8 length (where `sync`).
    #[wasm_bindgen(method, js_name = byteLength)]
    fn byte_length(this: &BodyHelpers, text: &JsValue) -> f64;
}

/// The registered helpers and what their SHA is.
#[derive(Clone)]
struct Registered {
    helpers: BodyHelpers,
    sha: Sha,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sha {
    /// None: every body is hashed in WebAssembly.
    Missing,
    /// WebCrypto's: a promise, of bytes only.
    Async,
    /// node:crypto's: answers at once, hashes strings too (`byteLength` measures them).
    Sync,
}

thread_local! {
    static HELPERS: RefCell<Option<Registered>> = const { RefCell::new(None) };
    static DEFAULT_MIN_BYTES: RefCell<f64> = const { RefCell::new(NATIVE_DIGEST_MIN_BYTES) };
}

/// Called by the package's entry files with `pkg/src/body.js`'s helpers:
/// `{ encode, decode, payload }`, and the runtime's SHA as `digest`,
/// `sync` (with `byteLength`) and `nativeDigestMinBytes`, the default
/// threshold for it (see `NATIVE_DIGEST_MIN_BYTES`).
#[wasm_bindgen(js_name = registerBodyHelpers)]
pub fn register_body_helpers(helpers: JsValue) {
    let has = |name: &str| get(&helpers, name).is_function();
    let sha = match (
        has("digest"),
        get(&helpers, "sync").is_truthy() && has("byteLength"),
    ) {
        (false, _) => Sha::Missing,
        (true, false) => Sha::Async,
        (true, true) => Sha::Sync,
    };
    let min_bytes = get(&helpers, "nativeDigestMinBytes")
        .as_f64()
        .filter(|n| *n >= 0.0)
        .unwrap_or(NATIVE_DIGEST_MIN_BYTES);
    let registered = (has("payload") && has("encode") && has("decode")).then(|| Registered {
        helpers: helpers.unchecked_into(),
        sha,
    });
    HELPERS.with(|slot| *slot.borrow_mut() = registered);
    DEFAULT_MIN_BYTES.with(|slot| *slot.borrow_mut() = min_bytes);
}

fn registered() -> Option<Registered> {
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
    /// Kept in JavaScript (the request's `body` is empty): its length, the
    /// digests its headers name, `bytes` (a snapshot, where the SHA is
    /// asynchronous: the fallback's input) and `text`, what
    /// [`events`] parses (a string, those bytes, or the text decoded
    /// when the body was read).
    Native {
        len: usize,
        digests: Vec<(Algorithm, Digest)>,
        bytes: Option<Uint8Array>,
        text: JsValue,
    },
}

/// A native digest, as the body was read.
pub(crate) enum Digest {
    Ready(Vec<u8>),
    /// WebCrypto's promise, started when the body was read.
    Pending(JsValue),
    Failed,
}

/// Reads a raw body as [`convert::body`] does (same refusals, same limit
/// checks before anything is copied or encoded), taking the native route
/// when it is at least `native_min_bytes` long and the runtime has the
/// helpers and a native SHA; `headers` name the digests to make. Returns
/// the bytes to put in the request (empty for the native route) and how
/// the body is held. Everything the verdict depends on is taken now: the
/// caller's bytes may change once `verify()` has returned.
pub(crate) fn read(
    value: &JsValue,
    headers: &Headers,
    max_bytes: usize,
    native_min_bytes: f64,
) -> Result<(Vec<u8>, Body)> {
    if let Some(registered) = registered().filter(|r| r.sha != Sha::Missing) {
        let size = match value.dyn_ref::<JsString>() {
            // A string of n UTF-16 code units has at least n UTF-8 bytes.
            Some(text) => Some((f64::from(text.length()), value.clone())),
            None => byte_view(value).map(|view| (f64::from(view.length()), view.into())),
        };
        if let Some((size, data)) = size
            && size >= native_min_bytes
            && size <= max_bytes as f64
            && let Some(body) = native(&registered, &data, false, headers, max_bytes)
        {
            return Ok((Vec::new(), body));
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
    headers: &Headers,
    native_min_bytes: f64,
) -> (Vec<u8>, Body) {
    if let Some(registered) = registered().filter(|r| r.sha != Sha::Missing)
        && total as f64 >= native_min_bytes
    {
        let bytes = Uint8Array::new_with_length(total as u32);
        let mut at = 0;
        for chunk in chunks {
            bytes.set(chunk, at);
            at += chunk.length();
        }
        if let Some(body) = native(&registered, &bytes.into(), true, headers, total) {
            return (Vec::new(), body);
        }
    }
    (
        super::js_io::join_chunks(chunks, total),
        Body::Here { text: None },
    )
}

/// The native route for `data`, a string or a `Uint8Array` (`own`: one
/// nobody else holds). `None` when a synchronous SHA failed: the caller
/// copies the body into WebAssembly instead. No digest is made for a body
/// over `max_bytes`: the core refuses it before comparing any.
fn native(
    Registered { helpers, sha }: &Registered,
    data: &JsValue,
    own: bool,
    headers: &Headers,
    max_bytes: usize,
) -> Option<Body> {
    let named = named_algorithms(
        headers.get("content-digest").as_deref(),
        headers.get("digest").as_deref(),
    );
    let is_string = data.is_string();
    if *sha == Sha::Sync {
        // node:crypto hashes the string or the caller's bytes as they are now.
        let len = if is_string {
            helpers.byte_length(data) as usize
        } else {
            data.unchecked_ref::<Uint8Array>().length() as usize
        };
        let mut digests = Vec::new();
        if len <= max_bytes {
            for algorithm in named {
                let answer = helpers.digest(algorithm.name(), data).ok()?;
                digests.push((algorithm, Digest::Ready(digest_bytes(&answer)?)));
            }
        }
        // The text now, unless the bytes cannot change.
        let text = if is_string || own {
            data.clone()
        } else {
            helpers.decode(data)
        };
        return Some(Body::Native {
            len,
            digests,
            bytes: None,
            text,
        });
    }
    // WebCrypto hashes a snapshot, asynchronously: started now, awaited later.
    let bytes: Uint8Array = if is_string {
        helpers.encode(data)
    } else if own {
        data.clone().unchecked_into()
    } else {
        let view = data.unchecked_ref::<Uint8Array>();
        view.slice(0, view.length())
    };
    let len = bytes.length() as usize;
    let digests = if len <= max_bytes {
        named
            .into_iter()
            .map(|algorithm| {
                let started = helpers.digest(algorithm.name(), &bytes);
                (algorithm, started.map_or(Digest::Failed, Digest::Pending))
            })
            .collect()
    } else {
        Vec::new()
    };
    let text = if is_string {
        data.clone()
    } else {
        bytes.clone().into()
    };
    Some(Body::Native {
        len,
        digests,
        bytes: Some(bytes),
        text,
    })
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

/// A SHA's answer as bytes (a promise is not an answer here).
fn digest_bytes(answer: &JsValue) -> Option<Vec<u8>> {
    byte_view(answer).map(|digest| digest.to_vec())
}

/// The native digests of a body read as [`Body::Native`], awaited where
/// pending; `None` if any failed (then the caller hashes `bytes` in
/// WebAssembly).
pub(crate) async fn native_digests(
    digests: &[(Algorithm, Digest)],
) -> Option<Vec<(Algorithm, Vec<u8>)>> {
    let mut done = Vec::with_capacity(digests.len());
    let mut failed = false;
    // Every promise is awaited, so none is left rejected and unhandled.
    for (algorithm, digest) in digests {
        let bytes = match digest {
            Digest::Ready(bytes) => Some(bytes.clone()),
            Digest::Pending(promise) => match JsFuture::from(Promise::resolve(promise)).await {
                Ok(answer) => digest_bytes(&answer),
                Err(_) => None,
            },
            Digest::Failed => None,
        };
        match bytes {
            Some(bytes) => done.push((*algorithm, bytes)),
            None => failed = true,
        }
    }
    (!failed).then_some(done)
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
    let Some(Registered { helpers, .. }) = registered() else {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            "the WebAssembly module was set up without the package's body helpers: import upvest-webhooks or upvest-webhooks/verifier, not the module's glue",
        ));
    };
    let answer = match body {
        Body::Native { text, .. } => helpers.payload(text),
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
