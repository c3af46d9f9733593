//! `WebhookVerifier`: the JS class users construct.

use super::body::{self, Body};
use super::convert::{self, get};
use super::errors::{invalid_argument, verification_error};
use super::js_io::{self, ReadError, call_method, set};
use super::keys::{Failure, KeyLoader, KeySource, RemoteSettings};
use super::runtime::Clock;
use super::webcrypto::WebCrypto;
use crate::ecdsa::{SignatureEncoding, VerificationKey};
use crate::error::{Error, ErrorCode, Result};
use crate::http_signature::digest::BodyHashes;
use crate::http_signature::message::HttpRequest;
use crate::http_signature::policy::{Limits, VerifyPolicy};
use crate::http_signature::{PreparedVerification, Verified, prepare, prepare_digested};
use crate::verify::key_cache::KeyCachePolicy;
use js_sys::{Object, Promise};
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, future_to_promise};

struct Inner {
    keys: KeySource,
    policy: VerifyPolicy,
    now: Clock,
    webcrypto: WebCrypto,
    /// Whether ECDSA may run in WebAssembly. Only the warm-up's verifier
    /// says no: where WebCrypto cannot answer, it rejects instead of running
    /// the point arithmetic unoptimised at script start.
    wasm_ecdsa: bool,
    /// Bodies at least this long are hashed with the runtime's SHA (see `body.rs`).
    native_digest_min_bytes: f64,
}

/// Verifies Upvest webhook deliveries. See the README for options.
#[wasm_bindgen]
pub struct WebhookVerifier {
    inner: Rc<Inner>,
}

#[wasm_bindgen]
impl WebhookVerifier {
    /// `new WebhookVerifier({ keys, toleranceSeconds, maxAgeSeconds, now, fetch, keysTimeoutMs, keysCooldownMs, keysMaxAgeMs, label, limits })`
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<WebhookVerifier, JsValue> {
        Self::from_options(&options, None).map_err(|err| verification_error(&err))
    }

    /// Verifies `{ method, url, headers, body }`; resolves to the verified
    /// events and signature details, or rejects with a `WebhookVerificationError`.
    pub fn verify(&self, request: JsValue) -> Promise {
        let inner = Rc::clone(&self.inner);
        // Read now: the body is what it is when verify() is called.
        let read = read_request_body(
            &request,
            &inner.policy.limits,
            inner.native_digest_min_bytes,
        );
        future_to_promise(async move {
            let (request, body) = read.map_err(|err| verification_error(&err))?;
            inner.verify(request, body).await
        })
    }

    /// Verifies a WHATWG `Request` (Workers, Deno, Node ≥ 18). Reads its body.
    #[wasm_bindgen(js_name = verifyRequest)]
    pub fn verify_request(&self, request: JsValue) -> Promise {
        let inner = Rc::clone(&self.inner);
        future_to_promise(async move {
            let (request, body) = read_fetch_request(
                &request,
                &inner.policy.limits,
                inner.native_digest_min_bytes,
            )
            .await
            .map_err(|err| verification_error(&err))?;
            inner.verify(request, body).await
        })
    }
}

impl WebhookVerifier {
    /// A verifier whose keys come from `loader` (the API client's signed
    /// `GET /auth/verify_keys`); `options.keys` must be absent.
    #[cfg(feature = "client")]
    pub(crate) fn with_loader(
        options: &JsValue,
        loader: Rc<dyn KeyLoader>,
    ) -> Result<Self, JsValue> {
        if !get(options, "keys").is_undefined() {
            return Err(verification_error(&invalid_argument(
                "webhookVerifier() gets its keys from the client; do not pass keys",
            )));
        }
        Self::from_options(options, Some(loader)).map_err(|err| verification_error(&err))
    }

    fn from_options(options: &JsValue, loader: Option<Rc<dyn KeyLoader>>) -> Result<Self> {
        if !options.is_object() {
            return Err(invalid_argument(
                "new WebhookVerifier(options) needs an options object with keys",
            ));
        }
        let (policy, max_jwks_bytes) = read_policy(options)?;
        let settings = RemoteSettings {
            timeout_ms: convert::number_option(options, "keysTimeoutMs", 5_000.0)?,
            max_bytes: max_jwks_bytes,
            cache: KeyCachePolicy {
                cooldown_ms: convert::number_option(options, "keysCooldownMs", 30_000.0)?,
                max_age_ms: convert::number_option(options, "keysMaxAgeMs", 600_000.0)?,
            },
        };
        let fetch = convert::function_option(options, "fetch")?;
        let keys = match loader {
            Some(loader) => KeySource::from_loader(loader, settings),
            None => {
                let keys_option = get(options, "keys");
                if keys_option.is_undefined() || keys_option.is_null() {
                    return Err(invalid_argument(
                        "option keys is required: a JWKS object, an async function returning one, or a URL",
                    ));
                }
                KeySource::from_option(&keys_option, fetch, settings)?
            }
        };
        let now = Clock::from_option(options)?;
        let webcrypto = WebCrypto::from_global(convert::bool_option(options, "webCrypto", true)?);
        Ok(WebhookVerifier {
            inner: Rc::new(Inner {
                keys,
                policy,
                now,
                webcrypto,
                wasm_ecdsa: true,
                native_digest_min_bytes: native_digest_min_bytes(options)?,
            }),
        })
    }
}

impl Inner {
    fn now_ms(&self) -> f64 {
        self.now.now_ms()
    }

    async fn verify(&self, request: HttpRequest, body: Body) -> Result<JsValue, JsValue> {
        let fail = |failure: Failure| {
            super::errors::to_js(
                super::errors::ErrorClass::Verification,
                &failure.error,
                failure.cause,
            )
        };
        let now_seconds = (self.now_ms() / 1000.0).floor() as i64;
        let copied; // the native route's bytes, when its SHA failed
        let prepared = match &body {
            Body::Here { .. } => prepare(&request, &self.policy, now_seconds),
            Body::Native {
                len,
                digests,
                bytes,
                ..
            } => {
                let hashes = match (body::native_digests(digests).await, bytes) {
                    (Some(digests), _) => BodyHashes::precomputed(*len, digests),
                    (None, Some(bytes)) => {
                        copied = bytes.to_vec();
                        BodyHashes::new(&copied)
                    }
                    // (a synchronous SHA that fails sends the body into WebAssembly when it is read)
                    (None, None) => BodyHashes::precomputed(*len, []),
                };
                prepare_digested(&request, &hashes, &self.policy, now_seconds)
            }
        }
        .map_err(|err| verification_error(&err))?;
        let now = || self.now_ms();
        // Each candidate's key, or why it could not be had (kept with its JS cause).
        // One decision and at most one key load for all candidates' key ids.
        let keys: Vec<(String, Result<Arc<VerificationKey>, Failure>)> =
            self.keys.keys_for(&prepared.key_ids(), &now).await;
        let lookup = |kid: &str| keys.iter().find(|(k, _)| k == kid).map(|(_, key)| key);
        let outcomes = self
            .check_signatures(&prepared, |kid| {
                lookup(kid)
                    .and_then(|key| key.as_ref().ok())
                    .map(|key| &**key)
            })
            .await;
        let verified = prepared.verify_with_checker(
            |kid| match lookup(kid) {
                Some(Ok(key)) => Ok(Arc::clone(key)),
                Some(Err(failure)) => Err(failure.error.clone()),
                None => Err(Error::new(
                    ErrorCode::KeyNotFound,
                    format!("no key looked up for {kid:?}"),
                )),
            },
            |attempt| {
                outcomes.iter().any(|&(candidate, base, valid)| {
                    valid && (candidate, base) == (attempt.candidate, attempt.base)
                })
            },
        );
        let verified = match verified {
            Ok(verified) => verified,
            Err(err) => {
                let failure = keys
                    .iter()
                    .find_map(|(_, key)| key.as_ref().err().filter(|f| f.error == err));
                return Err(match failure {
                    Some(failure) => fail(failure.clone()),
                    None => verification_error(&err),
                });
            }
        };
        let events = body::events(&body, &request.body).map_err(|err| verification_error(&err))?;
        Ok(result_object(&verified, &events))
    }

    /// Runs the ECDSA checks in `verify_with`'s order until one succeeds,
    /// each with WebCrypto while its key's tables are being built (see
    /// `webcrypto.rs`) and with the WebAssembly core otherwise. Returns
    /// `(candidate, base, valid)` for each check made.
    async fn check_signatures<'a>(
        &self,
        prepared: &'a PreparedVerification,
        lookup: impl FnMut(&str) -> Option<&'a VerificationKey>,
    ) -> Vec<(usize, usize, bool)> {
        let mut outcomes = Vec::new();
        for attempt in prepared.attempts(lookup) {
            let valid = if self.webcrypto.wants(attempt.key) {
                let answer = self
                    .webcrypto
                    .verify_and_precompute(attempt.key, attempt.message, attempt.signature)
                    .await;
                match answer {
                    Some(valid) => valid,
                    None => {
                        self.wasm_ecdsa && attempt.key.verify(attempt.message, attempt.signature)
                    }
                }
            } else {
                self.wasm_ecdsa && attempt.key.verify(attempt.message, attempt.signature)
            };
            outcomes.push((attempt.candidate, attempt.base, valid));
            if valid {
                break;
            }
        }
        outcomes
    }
}

/// `nativeDigestMinBytes`: a non-negative number; `Infinity` keeps every
/// body in WebAssembly.
fn native_digest_min_bytes(options: &JsValue) -> Result<f64> {
    let name = "nativeDigestMinBytes";
    match get(options, name).as_f64() {
        Some(n) if n == f64::INFINITY => Ok(n),
        _ => convert::number_option(options, name, body::default_native_digest_min_bytes()),
    }
}

/// Reads the time-window, label and limit options shared by `WebhookVerifier`
/// and `inspectDelivery`; also returns `limits.maxJwksBytes`.
pub(crate) fn read_policy(options: &JsValue) -> Result<(VerifyPolicy, usize)> {
    let limits_option = get(options, "limits");
    if !(limits_option.is_undefined() || limits_option.is_null() || limits_option.is_object()) {
        return Err(invalid_argument(
            "option limits must be an object such as { maxBodyBytes: 1048576 }",
        ));
    }
    let defaults = Limits::default();
    let limit = |name: &str, default: usize| -> Result<usize> {
        convert::number_option(&limits_option, name, default as f64).map(|n| n as usize)
    };
    let limits = Limits {
        max_signatures: limit("maxSignatures", defaults.max_signatures)?,
        max_components: limit("maxComponents", defaults.max_components)?,
        max_header_bytes: limit("maxHeaderBytes", defaults.max_header_bytes)?,
        max_body_bytes: limit("maxBodyBytes", defaults.max_body_bytes)?,
    };
    let policy = VerifyPolicy {
        tolerance_seconds: convert::number_option(options, "toleranceSeconds", 300.0)? as i64,
        max_age_seconds: convert::number_option(options, "maxAgeSeconds", 300.0)? as i64,
        label: convert::string_option(options, "label")?,
        limits,
    };
    let max_jwks_bytes = limit("maxJwksBytes", 1024 * 1024)?;
    Ok((policy, max_jwks_bytes))
}

/// `events`: the checked `payload` array (see `body::events`).
fn result_object(verified: &Verified, events: &JsValue) -> JsValue {
    let result = Object::new();
    set(&result, "events", events);
    set(&result, "keyId", &verified.key_id.as_str().into());
    set(&result, "label", &verified.label.as_str().into());
    set(
        &result,
        "created",
        &JsValue::from_f64(verified.created as f64),
    );
    set(
        &result,
        "expires",
        &verified
            .expires
            .map(|e| JsValue::from_f64(e as f64))
            .unwrap_or(JsValue::NULL),
    );
    set(
        &result,
        "signatureVersion",
        &JsValue::from(verified.form.version()),
    );
    let encoding = match verified.encoding {
        SignatureEncoding::Der => "der",
        SignatureEncoding::Raw => "raw",
    };
    set(&result, "signatureEncoding", &encoding.into());
    result.into()
}

/// Reads `{ method, url, headers, body }` with the body in WebAssembly
/// memory. Headers and a body over their `limits` are refused before they
/// are copied in.
pub(crate) fn read_request(value: &JsValue, limits: &Limits) -> Result<HttpRequest> {
    read_request_body(value, limits, f64::INFINITY).map(|(request, _)| request)
}

/// [`read_request`], where a body of at least `native_min` bytes may stay in
/// JavaScript (see `body.rs`).
fn read_request_body(
    value: &JsValue,
    limits: &Limits,
    native_min: f64,
) -> Result<(HttpRequest, Body)> {
    if !value.is_object() {
        return Err(invalid_argument(
            "verify() takes { method, url, headers, body }",
        ));
    }
    let method = get(value, "method")
        .as_string()
        .unwrap_or_else(|| "POST".to_owned());
    let url = get(value, "url").as_string().ok_or_else(|| {
        invalid_argument(
            "verify() needs url: the full URL or the path and query the request was sent to",
        )
    })?;
    let headers = convert::headers(&get(value, "headers"), limits.max_header_bytes)?;
    let (bytes, body) = body::read(
        &get(value, "body"),
        &headers,
        limits.max_body_bytes,
        native_min,
    )?;
    Ok((HttpRequest::new(&method, &url, headers, bytes)?, body))
}

/// Reads a WHATWG `Request`. Its body is refused without being read when
/// `content-length` announces more than `max_body` bytes; otherwise it is
/// read chunk by chunk, and reading stops (the stream is cancelled) as soon
/// as the total passes `max_body`. A body of at least `native_min` bytes
/// stays in JavaScript (see `body.rs`).
async fn read_fetch_request(
    value: &JsValue,
    limits: &Limits,
    native_min: f64,
) -> Result<(HttpRequest, Body)> {
    let max_body = limits.max_body_bytes;
    let url = get(value, "url").as_string();
    let method = get(value, "method").as_string();
    let (Some(url), Some(method)) = (url, method) else {
        return Err(invalid_argument(
            "verifyRequest() takes a fetch Request; for other requests use verify({ method, url, headers, body })",
        ));
    };
    let headers = convert::headers(&get(value, "headers"), limits.max_header_bytes)?;
    if get(value, "bodyUsed").as_bool() == Some(true) {
        return Err(Error::new(
            ErrorCode::BodyNotRaw,
            "the request body was already read; call verifyRequest(request.clone()) before reading it",
        ));
    }
    if let Some(declared) = headers
        .get("content-length")
        .and_then(|v| v.trim().parse::<u64>().ok())
        && declared > max_body as u64
    {
        return Err(convert::body_too_large(
            &format!("the request's content-length is {declared} bytes"),
            max_body,
        ));
    }
    let stream = get(value, "body");
    let (bytes, body) = if stream.is_null() {
        // a Request without a body (GET, or an empty POST)
        (Vec::new(), Body::Here { text: None })
    } else if get(&stream, "getReader").is_function() {
        let (chunks, total) = read_stream(&stream, max_body).await?;
        body::from_chunks(&chunks, total, &headers, native_min)
    } else {
        // Not a WHATWG Request (no body stream): its arrayBuffer(), whose
        // length is checked before it is copied.
        let reading = call_method(value, "arrayBuffer")
            .map_err(|_| invalid_argument("request.arrayBuffer() is not available"))?;
        let buffer = JsFuture::from(Promise::resolve(&reading))
            .await
            .map_err(|_| Error::new(ErrorCode::BodyNotRaw, "reading the request body failed"))?;
        body::read(&buffer, &headers, max_body, native_min)?
    };
    Ok((HttpRequest::new(&method, &url, headers, bytes)?, body))
}

/// Reads a request's body stream, at most `max_body` bytes, as chunks (see
/// [`js_io::read_chunks`]: reading stops as soon as the total passes it).
async fn read_stream(
    stream: &JsValue,
    max_body: usize,
) -> Result<(Vec<js_sys::Uint8Array>, usize)> {
    js_io::read_chunks(stream, max_body, f64::INFINITY, None)
        .await
        .map_err(|err| match err {
            ReadError::TooLarge(total) => convert::body_too_large(
                &format!("the request body is more than {max_body} bytes (read {total} so far)"),
                max_body,
            ),
            ReadError::NotBytes => Error::new(
                ErrorCode::BodyNotRaw,
                "the request body stream gave something other than bytes (Uint8Array)",
            ),
            ReadError::Failed(_) | ReadError::Stopped(_) => {
                Error::new(ErrorCode::BodyNotRaw, "reading the request body failed")
            }
        })
}

/// Runs the verification code once on the delivery embedded in
/// `crate::verify::warm_up`, so a fresh isolate compiles it before the first
/// request. The package's `workerd` entries call it at script start.
///
/// A verifier made the way users make one verifies the delivery through the
/// JS boundary, its ECDSA done by WebCrypto (never by the WebAssembly point
/// arithmetic: without WebCrypto it rejects). It runs in the microtasks
/// after the script's global scope. The promise resolves (never rejects) to
/// whether the delivery verified.
#[wasm_bindgen(js_name = warmUp)]
pub fn warm_up() -> Promise {
    let boundary = warm_up_verifier();
    future_to_promise(async move {
        let verified = match boundary {
            Some((inner, request)) => {
                match read_request_body(&request, &inner.policy.limits, f64::INFINITY) {
                    Ok((request, body)) => inner.verify(request, body).await.is_ok(),
                    Err(_) => false,
                }
            }
            None => false,
        };
        Ok(JsValue::from(verified))
    })
}

/// The warm-up's verifier (made from options, as users make one, then given
/// a fixed clock and no WebAssembly ECDSA) and its request as a JS object.
fn warm_up_verifier() -> Option<(Inner, JsValue)> {
    use crate::verify::warm_up::{BODY, CREATED, HEADERS, JWKS, URL};
    let (options, request, headers) = (Object::new(), Object::new(), Object::new());
    set(&options, "keys", &js_sys::JSON::parse(JWKS).ok()?);
    set(&request, "method", &"POST".into());
    set(&request, "url", &URL.into());
    set(&request, "body", &BODY.into());
    for (name, value) in HEADERS {
        set(&headers, name, &(*value).into());
    }
    set(&request, "headers", &headers);
    let mut inner = Rc::into_inner(WebhookVerifier::from_options(&options, None).ok()?.inner)?;
    inner.now = Clock::Fixed(CREATED as f64 * 1000.0);
    inner.wasm_ecdsa = false;
    Some((inner, request.into()))
}
