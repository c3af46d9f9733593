//! Async I/O through the runtime's globals: `fetch`, timers and promises.
//! Works in Node, browsers and workerd alike: only `globalThis` is used.
//!
//! HTTP goes through typed fetch types: every response is read as
//! gloo-net's `Response`; the client's requests are built with gloo-net's
//! `RequestBuilder`, key fetches with web-sys's `Request` (the verifier's
//! module has no room for the builder: see `get_json_request`). `fetch`
//! itself is called here, with the built request alone, not by gloo-net's
//! `send()`: the caller may inject its own (the `fetch` option), and `send()`
//! panics on a value that is not a `Response`, where this module returns a
//! typed error.

use super::convert::get;
use super::runtime::Clock;
use gloo_net::http::{Headers, Response};
use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
#[cfg(feature = "client")]
use std::future::{Future, pending};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

/// How a raced promise ended.
pub(crate) enum Outcome {
    Resolved(JsValue),
    Rejected(JsValue),
    TimedOut,
    /// The caller's `AbortSignal` fired; holds `signal.reason`.
    Aborted(JsValue),
}

/// Why a wait stopped before its work was done.
pub(crate) enum Stop {
    TimedOut,
    /// The caller's `AbortSignal` fired; holds `signal.reason`.
    Aborted(JsValue),
}

fn global_function(name: &str) -> Option<Function> {
    get(&js_sys::global(), name).dyn_into::<Function>().ok()
}

/// The global `fetch`, if the runtime has one.
pub(crate) fn global_fetch() -> Option<Function> {
    global_function("fetch")
}

/// Awaits `value` (a promise or a plain value) for at most `timeout_ms`.
pub(crate) async fn await_with_timeout(value: JsValue, timeout_ms: f64) -> Outcome {
    await_settled(value, timeout_ms, None).await
}

/// Awaits `value` until it settles, `timeout_ms` passes, or `signal`
/// aborts, whichever comes first. The timer and the abort listener are
/// removed afterwards, also when this future is dropped early.
///
/// All JS promises, raced by `Promise.race`: the smallest code for the
/// verifier's module (gloo-timers' `TimeoutFuture` and a Rust-side race
/// cost it about 0.8 KB gzipped, more than it has to spare).
pub(crate) async fn await_settled(
    value: JsValue,
    timeout_ms: f64,
    signal: Option<&AbortSignal>,
) -> Outcome {
    if let Some(signal) = signal.filter(|s| s.aborted()) {
        return Outcome::Aborted(signal.reason());
    }
    let work = Promise::resolve(&value);
    let (Some(set_timeout), Some(clear_timeout)) = (
        global_function("setTimeout"),
        global_function("clearTimeout"),
    ) else {
        return settle(JsFuture::from(work).await);
    };
    if signal.is_none() && !timeout_ms.is_finite() {
        return settle(JsFuture::from(work).await); // nothing to race
    }
    let timed_out: JsValue = Object::new().into();
    let aborted: JsValue = Object::new().into();
    let mut guard = Cleanup {
        clear_timeout,
        timer: JsValue::UNDEFINED,
        signal: signal.cloned(),
        listener: None,
    };
    let timeout = Promise::new(&mut |resolve, _reject| {
        let fire = resolve.bind1(&JsValue::NULL, &timed_out);
        guard.timer = set_timeout
            .call2(
                &js_sys::global(),
                &fire,
                &JsValue::from_f64(timeout_ms.min(2_147_483_647.0)),
            )
            .unwrap_or(JsValue::UNDEFINED);
    });
    let mut racers = vec![work, timeout];
    if let Some(signal) = signal {
        racers.push(Promise::new(&mut |resolve, _reject| {
            let fire: Function = resolve.bind1(&JsValue::NULL, &aborted).unchecked_into();
            let _ = signal.add_event_listener_with_callback("abort", &fire);
            guard.listener = Some(fire);
        }));
    }
    let result = JsFuture::from(Promise::race(&racers.into_iter().collect::<Array>())).await;
    drop(guard);
    match result {
        Ok(value) if Object::is(&value, &timed_out) => Outcome::TimedOut,
        Ok(value) if Object::is(&value, &aborted) => {
            Outcome::Aborted(signal.map(AbortSignal::reason).unwrap_or_default())
        }
        other => settle(other),
    }
}

/// Clears a timer and removes an abort listener when dropped, so a pending
/// timer never keeps Node alive and listeners do not pile up on a signal.
struct Cleanup {
    clear_timeout: Function,
    timer: JsValue,
    signal: Option<AbortSignal>,
    listener: Option<Function>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = self.clear_timeout.call1(&js_sys::global(), &self.timer);
        if let (Some(signal), Some(listener)) = (&self.signal, &self.listener) {
            let _ = signal.remove_event_listener_with_callback("abort", listener);
        }
    }
}

/// Runs `work` (any future) until it completes, `timeout_ms` passes, or
/// `signal` aborts, whichever comes first: the client's waits (retry
/// delays) and its aborts. The timer (a gloo-timers `TimeoutFuture`) is
/// cleared and the abort listener removed when this returns or is dropped,
/// so a pending timer never keeps Node alive and listeners do not pile up on
/// a signal. A timeout that is not finite, or a runtime without
/// `setTimeout`, means no timer.
#[cfg(feature = "client")]
async fn race<T>(
    work: impl Future<Output = T>,
    timeout_ms: f64,
    signal: Option<&AbortSignal>,
) -> Result<T, Stop> {
    use futures_util::future::{Either, select};
    use gloo_timers::future::TimeoutFuture;
    use std::pin::pin;
    if let Some(signal) = signal.filter(|s| s.aborted()) {
        return Err(Stop::Aborted(signal.reason()));
    }
    let timer = (timeout_ms.is_finite() && global_function("setTimeout").is_some())
        // setTimeout takes a signed 32-bit delay (Node fires larger ones at once).
        .then(|| TimeoutFuture::new(timeout_ms.clamp(0.0, 2_147_483_647.0) as u32));
    let listener = signal.map(AbortListener::new);
    let timed_out = async {
        match timer {
            Some(timer) => timer.await,
            None => pending().await,
        }
    };
    let aborted = async {
        match &listener {
            Some(listener) => {
                let _ = JsFuture::from(listener.fired.clone()).await;
            }
            None => pending::<()>().await,
        }
    };
    match select(pin!(work), select(pin!(timed_out), pin!(aborted))).await {
        Either::Left((value, _)) => Ok(value),
        Either::Right((Either::Left(_), _)) => Err(Stop::TimedOut),
        Either::Right((Either::Right(_), _)) => Err(Stop::Aborted(
            signal.map(AbortSignal::reason).unwrap_or_default(),
        )),
    }
}

/// An `abort` listener on a signal, as a promise that resolves when it
/// fires; removed from the signal when dropped.
#[cfg(feature = "client")]
struct AbortListener {
    signal: AbortSignal,
    listener: Option<Function>,
    fired: Promise,
}

#[cfg(feature = "client")]
impl AbortListener {
    fn new(signal: &AbortSignal) -> Self {
        let mut listener = None;
        let fired = Promise::new(&mut |resolve, _reject| {
            let _ = signal.add_event_listener_with_callback("abort", &resolve);
            listener = Some(resolve);
        });
        AbortListener {
            signal: signal.clone(),
            listener,
            fired,
        }
    }
}

#[cfg(feature = "client")]
impl Drop for AbortListener {
    fn drop(&mut self) {
        if let Some(listener) = &self.listener {
            let _ = self
                .signal
                .remove_event_listener_with_callback("abort", listener);
        }
    }
}

/// Waits `ms` milliseconds, or until `signal` aborts.
#[cfg(feature = "client")]
pub(crate) async fn sleep(ms: f64, signal: Option<&AbortSignal>) -> Result<(), JsValue> {
    match race(pending::<()>(), ms, signal).await {
        Err(Stop::Aborted(reason)) => Err(reason),
        _ => Ok(()),
    }
}

/// Runs `work` unless `signal` aborts first (then `Err(signal.reason)`).
#[cfg(feature = "client")]
pub(crate) async fn abortable<T>(
    work: impl Future<Output = T>,
    signal: Option<&AbortSignal>,
) -> Result<T, JsValue> {
    match race(work, f64::INFINITY, signal).await {
        Ok(value) => Ok(value),
        Err(Stop::Aborted(reason)) => Err(reason),
        Err(Stop::TimedOut) => Err(JsValue::UNDEFINED), // no timer: never
    }
}

fn settle(result: Result<JsValue, JsValue>) -> Outcome {
    match result {
        Ok(value) => Outcome::Resolved(value),
        Err(err) => Outcome::Rejected(err),
    }
}

/// Calls `method` on `target` with no arguments.
pub(crate) fn call_method(target: &JsValue, method: &str) -> Result<JsValue, JsValue> {
    let function = get(target, method)
        .dyn_into::<Function>()
        .map_err(|_| JsValue::from_str(&format!("{method} is not a function")))?;
    function.call0(target)
}

/// `Reflect.set` ignoring failures on objects we created ourselves.
pub(crate) fn set(target: &Object, name: &str, value: &JsValue) {
    let _ = Reflect::set(target, &name.into(), value);
}

/// Why a body stream was not read to its end.
pub(crate) enum ReadError {
    /// `getReader()` or `read()` failed (the stream errored or was locked).
    Failed(JsValue),
    /// A chunk was not a `Uint8Array`.
    NotBytes,
    /// More than the allowed bytes: reading stopped at this many.
    TooLarge(usize),
    /// The deadline passed, or the signal aborted.
    Stopped(Stop),
}

/// Reads a `ReadableStream` of bytes, at most `max` bytes, until
/// `deadline` (a `Date.now()` time; infinite for none) or until `signal`
/// aborts. The chunks stay in JS until the stream ends; each one's length is
/// added up first, and reading stops (the stream is cancelled) as soon as
/// the total passes `max`, so a refused body is never copied into
/// WebAssembly memory, and an accepted one is copied once, into a buffer of
/// its exact size. The stream is reached by name (`getReader`, `read`), so
/// a stream-like value from a caller cannot make a typed binding throw.
pub(crate) async fn read_stream(
    stream: &JsValue,
    max: usize,
    deadline: f64,
    signal: Option<&AbortSignal>,
) -> Result<Vec<u8>, ReadError> {
    let (chunks, total) = read_chunks(stream, max, deadline, signal).await?;
    Ok(join_chunks(&chunks, total))
}

/// `chunks` of `total` bytes, copied into WebAssembly memory, once, into a
/// buffer of their exact size.
pub(crate) fn join_chunks(chunks: &[Uint8Array], total: usize) -> Vec<u8> {
    let mut body = vec![0; total];
    let mut start = 0;
    for chunk in chunks {
        let end = start + chunk.length() as usize;
        if let Some(room) = body.get_mut(start..end) {
            chunk.copy_to(room);
        }
        start = end;
    }
    body
}

/// [`read_stream`]'s reading: the chunks, still in JavaScript, and their
/// total length (at most `max`).
pub(crate) async fn read_chunks(
    stream: &JsValue,
    max: usize,
    deadline: f64,
    signal: Option<&AbortSignal>,
) -> Result<(Vec<Uint8Array>, usize), ReadError> {
    let reader = call_method(stream, "getReader").map_err(ReadError::Failed)?;
    let mut chunks: Vec<Uint8Array> = Vec::new();
    let mut total: usize = 0;
    loop {
        let read = call_method(&reader, "read").map_err(ReadError::Failed)?;
        let remaining = (deadline - Clock::System.now_ms()).max(0.0);
        let result = match await_settled(read, remaining, signal).await {
            Outcome::Resolved(result) => result,
            Outcome::Rejected(cause) => return Err(ReadError::Failed(cause)),
            Outcome::TimedOut => {
                cancel_soon(&reader);
                return Err(ReadError::Stopped(Stop::TimedOut));
            }
            Outcome::Aborted(reason) => {
                cancel_soon(&reader);
                return Err(ReadError::Stopped(Stop::Aborted(reason)));
            }
        };
        if get(&result, "done").as_bool() == Some(true) {
            break;
        }
        let Ok(chunk) = get(&result, "value").dyn_into::<Uint8Array>() else {
            cancel(&reader).await;
            return Err(ReadError::NotBytes);
        };
        total = total.saturating_add(chunk.length() as usize);
        if total > max {
            cancel(&reader).await;
            return Err(ReadError::TooLarge(total));
        }
        chunks.push(chunk);
    }
    Ok((chunks, total))
}

/// Cancels a stream reader (the rest of the body is not wanted), waiting a
/// moment for the cancellation to settle; its outcome does not matter.
async fn cancel(reader: &JsValue) {
    if let Ok(cancelling) = call_method(reader, "cancel") {
        let _ = await_with_timeout(cancelling, 1_000.0).await;
    }
}

/// Cancels a stream reader without waiting. The promise still gets its
/// handlers (a `JsFuture` keeps them after it is dropped), so a rejected
/// cancellation is never an unhandled rejection.
fn cancel_soon(reader: &JsValue) {
    if let Ok(cancelling) = call_method(reader, "cancel") {
        drop(JsFuture::from(Promise::resolve(&cancelling)));
    }
}

/// A response with its body read.
#[cfg_attr(not(feature = "client"), allow(dead_code))]
pub(crate) struct HttpResponse {
    pub status: u16,
    pub headers: Headers,
    pub body: Vec<u8>,
}

#[cfg_attr(not(feature = "client"), allow(dead_code))]
impl HttpResponse {
    /// A response header, if present.
    pub(crate) fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name)
    }
}

/// Why an exchange produced no response.
pub(crate) enum HttpError {
    /// The request could not be built, `fetch` threw, or the connection
    /// failed or was cut off.
    Network(&'static str, Option<JsValue>),
    /// `fetch` resolved to something other than a `Response`; holds it.
    NotResponse(JsValue),
    /// The deadline passed (headers and body share it).
    Timeout,
    /// The caller's signal aborted; holds `signal.reason`.
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    Aborted(JsValue),
    /// The body is larger than the allowed bytes (as announced by
    /// `content-length`, or as read so far).
    TooLarge(usize),
}

impl From<Stop> for HttpError {
    fn from(stop: Stop) -> Self {
        match stop {
            Stop::TimedOut => HttpError::Timeout,
            Stop::Aborted(reason) => HttpError::Aborted(reason),
        }
    }
}

/// The request headers for [`fetch_bytes`]: a fetch `Headers` set one by
/// one, a value the runtime refuses (a line break, say) being an error
/// rather than an exception thrown through WebAssembly.
#[cfg(feature = "client")]
pub(crate) fn request_headers<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Headers, HttpError> {
    let invalid = |cause| HttpError::Network("the request could not be built", Some(cause));
    let raw = web_sys::Headers::new().map_err(invalid)?;
    for (name, value) in pairs {
        raw.set(name, value).map_err(invalid)?;
    }
    Ok(Headers::from_raw(raw))
}

/// Builds a `GET` request for `url` accepting JSON, as web-sys's typed
/// `Request`. Not with gloo-net's `RequestBuilder`: it and the `http`
/// crate's `Method` it takes would put the verifier's module over its
/// 150 KiB gzipped budget.
pub(crate) fn get_json_request(
    url: &str,
    signal: Option<&AbortSignal>,
) -> Result<web_sys::Request, HttpError> {
    let headers = Object::new();
    set(&headers, "accept", &"application/json".into());
    let init = web_sys::RequestInit::new();
    init.set_headers_record_from_str_to_str(&headers);
    init.set_signal(signal);
    web_sys::Request::new_with_str_and_init(url, &init)
        .map_err(|cause| HttpError::Network("the request could not be built", Some(cause)))
}

/// Builds a request with gloo-net's `RequestBuilder` (and `body`, if any).
#[cfg(feature = "client")]
pub(crate) fn build_request(
    request: gloo_net::http::RequestBuilder,
    body: Option<JsValue>,
    signal: Option<&AbortSignal>,
) -> Result<web_sys::Request, HttpError> {
    let request = request.abort_signal(signal);
    let request = match body {
        Some(body) => request.body(body),
        None => request.build(),
    };
    request.map(Into::into).map_err(|err| {
        HttpError::Network(
            "the request could not be built",
            Some(JsValue::from_str(&err.to_string())),
        )
    })
}

/// One HTTP exchange through `fetch`, body included, within `timeout_ms`
/// and until `signal` aborts. `build` makes the request with the abort
/// signal it is given (one of this exchange's own, so a timeout or abort
/// also cancels the request), and `fetch` is called with that request
/// alone; its answer is read as gloo-net's `Response`. With `max_body`, a
/// larger announced `content-length` is refused before the body is read,
/// and reading stops as soon as the body passes it.
pub(crate) async fn fetch_bytes(
    fetch: &Function,
    build: impl FnOnce(Option<&AbortSignal>) -> Result<web_sys::Request, HttpError>,
    timeout_ms: f64,
    signal: Option<&AbortSignal>,
    max_body: Option<usize>,
) -> Result<HttpResponse, HttpError> {
    let controller = web_sys::AbortController::new().ok();
    let request = build(controller.as_ref().map(|c| c.signal()).as_ref())?;
    let cancel = |error: HttpError| {
        if let Some(controller) = &controller {
            controller.abort();
        }
        error
    };
    let deadline = Clock::System.now_ms() + timeout_ms;
    let pending = fetch
        .call1(&js_sys::global(), &request)
        .map_err(|cause| HttpError::Network("fetch threw", Some(cause)))?;
    let response = match await_settled(pending, timeout_ms, signal).await {
        Outcome::Resolved(response) => response,
        Outcome::Rejected(cause) => {
            return Err(HttpError::Network("the connection failed", Some(cause)));
        }
        Outcome::TimedOut => return Err(cancel(HttpError::Timeout)),
        Outcome::Aborted(reason) => return Err(cancel(HttpError::Aborted(reason))),
    };
    let response = Response::from(
        response
            .dyn_into::<web_sys::Response>()
            .map_err(|value| cancel(HttpError::NotResponse(value)))?,
    );
    let status = response.status();
    let headers = response.headers();
    let declared = headers
        .get("content-length")
        .and_then(|v| v.trim().parse::<usize>().ok());
    if let (Some(max), Some(declared)) = (max_body, declared)
        && declared > max
    {
        return Err(cancel(HttpError::TooLarge(declared)));
    }
    let body = match response.body() {
        None => Vec::new(), // no body (204, 304, HEAD)
        Some(stream) => {
            let max = max_body.unwrap_or(usize::MAX);
            read_stream(&stream, max, deadline, signal)
                .await
                .map_err(|err| {
                    cancel(match err {
                        ReadError::Failed(cause) => {
                            HttpError::Network("the response was cut off", Some(cause))
                        }
                        ReadError::NotBytes => HttpError::Network("the response was cut off", None),
                        ReadError::TooLarge(read) => HttpError::TooLarge(read),
                        ReadError::Stopped(stop) => stop.into(),
                    })
                })?
        }
    };
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}
