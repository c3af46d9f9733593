//! Async I/O through the runtime's globals: `fetch`, timers and promises.
//! Works in Node, browsers and workerd alike: only `globalThis` is used.

use super::convert::get;
use js_sys::{Array, Function, Object, Promise, Reflect};
use std::cell::Cell;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// How a raced promise ended.
pub(crate) enum Outcome {
    Resolved(JsValue),
    Rejected(JsValue),
    TimedOut,
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
    let work = Promise::resolve(&value);
    let (Some(set_timeout), Some(clear_timeout)) = (global_function("setTimeout"), global_function("clearTimeout")) else {
        return settle(JsFuture::from(work).await);
    };
    let sentinel: JsValue = Object::new().into();
    let timer = Cell::new(JsValue::UNDEFINED);
    let timeout = Promise::new(&mut |resolve, _reject| {
        let fire = resolve.bind1(&JsValue::NULL, &sentinel);
        timer.set(set_timeout.call2(&js_sys::global(), &fire, &JsValue::from_f64(timeout_ms)).unwrap_or(JsValue::UNDEFINED));
    });
    let result = JsFuture::from(Promise::race(&Array::of2(&work, &timeout))).await;
    let _ = clear_timeout.call1(&js_sys::global(), &timer.take());
    match result {
        Ok(value) if Object::is(&value, &sentinel) => Outcome::TimedOut,
        other => settle(other),
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
    let function = get(target, method).dyn_into::<Function>().map_err(|_| JsValue::from_str(&format!("{method} is not a function")))?;
    function.call0(target)
}

/// `Reflect.set` ignoring failures on objects we created ourselves.
pub(crate) fn set(target: &Object, name: &str, value: &JsValue) {
    let _ = Reflect::set(target, &name.into(), value);
}
