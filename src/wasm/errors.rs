//! Turning core [`Error`]s into instances of the package's JS error classes.
//!
//! The classes are written in JavaScript (`pkg/src/errors.js`) so they are
//! real `Error` subclasses; the package registers them right after
//! instantiating the module. Without registration (wasm-bindgen tests) a
//! plain `Error` with the same `name` and `code` is thrown.

use crate::error::{Error, ErrorCode, Setting};
use js_sys::{Array, Function, Object, Reflect};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    static CLASSES: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

/// Called by the package entry files: `{ UpvestError, WebhookVerificationError, … }`.
#[wasm_bindgen(js_name = registerErrorClasses)]
pub fn register_error_classes(classes: JsValue) {
    CLASSES.with(|slot| *slot.borrow_mut() = Some(classes));
}

/// Every stable error code.
#[wasm_bindgen(js_name = errorCodes)]
pub fn error_codes() -> Array {
    ErrorCode::ALL
        .iter()
        .map(|code| JsValue::from_str(code.as_str()))
        .collect()
}

/// Which JS class an error becomes.
#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "client"), allow(dead_code))]
pub(crate) enum ErrorClass {
    /// `UpvestError`: configuration, network and timeout failures.
    Base,
    /// `WebhookVerificationError`.
    Verification,
    /// `UpvestApiError`: the API answered with an error status.
    Api,
    /// `UpvestValidationError`: an argument broke a rule; nothing was sent.
    Validation,
}

impl ErrorClass {
    fn name(self) -> &'static str {
        match self {
            ErrorClass::Base => "UpvestError",
            ErrorClass::Verification => "WebhookVerificationError",
            ErrorClass::Api => "UpvestApiError",
            ErrorClass::Validation => "UpvestValidationError",
        }
    }
}

/// The package's option for a core [`Setting`].
fn option_name(setting: Setting) -> &'static str {
    match setting {
        Setting::Tolerance => "toleranceSeconds",
        Setting::MaxAge => "maxAgeSeconds",
        Setting::MaxHeaderBytes => "limits.maxHeaderBytes",
        Setting::MaxBodyBytes => "limits.maxBodyBytes",
        Setting::MaxSignatures => "limits.maxSignatures",
        Setting::MaxComponents => "limits.maxComponents",
        Setting::KeysCooldown => "keysCooldownMs",
        Setting::PrivateKey => "privateKey",
        Setting::PrivateKeyPassphrase => "privateKeyPassphrase",
        Setting::PageSize => "pageSize",
    }
}

/// The message a JS user reads: the core's, plus the option that decided
/// the failure, e.g. "… the limit is 4 (option limits.maxSignatures)".
pub(crate) fn js_message(err: &Error) -> String {
    match err.setting() {
        Some(setting) => format!("{} (option {})", err.message(), option_name(setting)),
        None => err.message().to_owned(),
    }
}

/// Builds the JS error for `err`, keeping `cause` when given.
pub(crate) fn to_js(class: ErrorClass, err: &Error, cause: Option<JsValue>) -> JsValue {
    let message = js_message(err);
    let options = Object::new();
    let _ = Reflect::set(&options, &"code".into(), &err.code().as_str().into());
    if let Some(cause) = &cause {
        let _ = Reflect::set(&options, &"cause".into(), cause);
    }
    let constructor = CLASSES.with(|slot| {
        slot.borrow()
            .as_ref()
            .and_then(|classes| Reflect::get(classes, &class.name().into()).ok())
            .and_then(|c| c.dyn_into::<Function>().ok())
    });
    if let Some(constructor) = constructor
        && let Ok(instance) = Reflect::construct(
            &constructor,
            &Array::of2(&message.as_str().into(), &options),
        )
    {
        return instance;
    }
    let fallback = js_sys::Error::new(&message);
    fallback.set_name(class.name());
    let _ = Reflect::set(&fallback, &"code".into(), &err.code().as_str().into());
    if let Some(cause) = cause {
        let _ = Reflect::set(&fallback, &"cause".into(), &cause);
    }
    fallback.into()
}

/// Shorthand for verification errors.
pub(crate) fn verification_error(err: &Error) -> JsValue {
    to_js(ErrorClass::Verification, err, None)
}

/// An `ERR_INVALID_ARGUMENT` verification error.
pub(crate) fn invalid_argument(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidArgument, message)
}
