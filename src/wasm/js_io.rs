//! Async I/O through the runtime's globals: `fetch`, timers and promises.
//! Works in Node, browsers and workerd alike: only `globalThis` is used.

use super::convert::get;
use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
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

fn global_function(name: &str) -> Option<Function> {
    get(&js_sys::global(), name).dyn_into::<Function>().ok()
}

/// The global `fetch`, if the runtime has one.
pub(crate) fn global_fetch() -> Option<Function> {
    global_function("fetch")
}

/// Awaits `value` (a promise or a plain value) for at most `timeout_ms`,
/// clearing the timer afterwards so Node can exit promptly.
pub(crate) async fn await_with_timeout(value: JsValue, timeout_ms: f64) -> Outcome {
    await_settled(value, timeout_ms, None).await
}

/// Waits `ms` milliseconds, or until `signal` aborts.
#[cfg_attr(not(feature = "client"), allow(dead_code))]
pub(crate) async fn sleep(ms: f64, signal: Option<&AbortSignal>) -> Result<(), JsValue> {
    let never = Promise::new(&mut |_, _| {});
    match await_settled(never.into(), ms, signal).await {
        Outcome::Aborted(reason) => Err(reason),
        _ => Ok(()),
    }
}

/// Awaits `value` until it settles, `timeout_ms` passes, or `signal`
/// aborts, whichever comes first. The timer and the abort listener are
/// removed afterwards, also when this future is dropped early.
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

/// Runs `work` unless `signal` aborts first (then `Err(signal.reason)`).
#[cfg_attr(not(feature = "client"), allow(dead_code))]
pub(crate) async fn abortable<T>(
    work: impl std::future::Future<Output = T>,
    signal: Option<&AbortSignal>,
) -> Result<T, JsValue> {
    use futures_util::future::{Either, select};
    let Some(signal) = signal else {
        return Ok(work.await);
    };
    if signal.aborted() {
        return Err(signal.reason());
    }
    let aborted = sleep(2_147_483_647.0, Some(signal));
    match select(std::pin::pin!(work), std::pin::pin!(aborted)).await {
        Either::Left((value, _)) => Ok(value),
        Either::Right((Err(reason), _)) => Err(reason),
        Either::Right((Ok(()), work)) => Ok(work.await),
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

/// A response with its body read.
#[cfg_attr(not(feature = "client"), allow(dead_code))]
pub(crate) struct HttpResponse {
    pub status: u16,
    pub headers: JsValue,
    pub body: Vec<u8>,
}

#[cfg_attr(not(feature = "client"), allow(dead_code))]
impl HttpResponse {
    /// A response header, if present.
    pub(crate) fn header(&self, name: &str) -> Option<String> {
        header(&self.headers, name)
    }
}

/// Why an exchange produced no response.
pub(crate) enum HttpError {
    /// `fetch` threw, or the connection failed or was cut off.
    Network(&'static str, Option<JsValue>),
    /// The deadline passed (headers and body share it).
    Timeout,
    /// The caller's signal aborted; holds `signal.reason`.
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    Aborted(JsValue),
    /// `content-length` announced more than the allowed bytes.
    TooLarge(usize),
}

/// One HTTP exchange through `fetch`, body included, within `timeout_ms`
/// and until `signal` aborts. `init` gets an abort signal of its own, so a
/// timeout or abort also cancels the request. With `max_body`, a larger
/// announced `content-length` is refused before the body is read.
pub(crate) async fn fetch_bytes(
    fetch: &Function,
    url: &str,
    init: &Object,
    timeout_ms: f64,
    signal: Option<&AbortSignal>,
    max_body: Option<usize>,
) -> Result<HttpResponse, HttpError> {
    let controller = web_sys::AbortController::new().ok();
    if let Some(controller) = &controller {
        set(init, "signal", &controller.signal());
    }
    let cancel = |error: HttpError| {
        if let Some(controller) = &controller {
            controller.abort();
        }
        error
    };
    let started = js_sys::Date::now();
    let remaining = || (timeout_ms - (js_sys::Date::now() - started)).max(0.0);
    let pending = fetch
        .call2(&js_sys::global(), &url.into(), init)
        .map_err(|cause| HttpError::Network("fetch threw", Some(cause)))?;
    let response = match await_settled(pending, remaining(), signal).await {
        Outcome::Resolved(response) => response,
        Outcome::Rejected(cause) => {
            return Err(HttpError::Network("the connection failed", Some(cause)));
        }
        Outcome::TimedOut => return Err(cancel(HttpError::Timeout)),
        Outcome::Aborted(reason) => return Err(cancel(HttpError::Aborted(reason))),
    };
    let status = get(&response, "status").as_f64().unwrap_or(0.0) as u16;
    let headers = get(&response, "headers");
    let declared = header(&headers, "content-length").and_then(|v| v.trim().parse::<usize>().ok());
    if let (Some(max), Some(declared)) = (max_body, declared)
        && declared > max
    {
        return Err(cancel(HttpError::TooLarge(declared)));
    }
    let reading = call_method(&response, "arrayBuffer")
        .map_err(|cause| HttpError::Network("the response has no body reader", Some(cause)))?;
    let body = match await_settled(reading, remaining(), signal).await {
        Outcome::Resolved(buffer) => {
            // A body sent without content-length: refuse it by its length
            // before copying it into WebAssembly memory.
            let length = get(&buffer, "byteLength").as_f64().unwrap_or(0.0);
            if max_body.is_some_and(|max| length > max as f64) {
                return Err(HttpError::TooLarge(length as usize));
            }
            Uint8Array::new(&buffer).to_vec()
        }
        Outcome::Rejected(cause) => {
            return Err(HttpError::Network("the response was cut off", Some(cause)));
        }
        Outcome::TimedOut => return Err(cancel(HttpError::Timeout)),
        Outcome::Aborted(reason) => return Err(cancel(HttpError::Aborted(reason))),
    };
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

/// `headers.get(name)` on a fetch `Headers` (or anything with such a `get`).
fn header(headers: &JsValue, name: &str) -> Option<String> {
    let get = get(headers, "get").dyn_into::<Function>().ok()?;
    get.call1(headers, &name.into()).ok()?.as_string()
}
