//! One client call: signing, sending, and doing what the core's `Call`
//! decides; the token the calls share.

use super::super::convert::{self, get};
use super::super::errors::{ErrorClass, invalid_argument, to_js};
use super::super::js_io::{
    HttpError, HttpResponse, abortable, build_request, fetch_bytes, global_fetch, request_headers,
    set, sleep,
};
use super::super::runtime::{Clock, SingleFlight};
use crate::client::call::{Call, Outcome, Step, idempotency_key, is_valid_idempotency_key};
use crate::client::problem::ApiError;
use crate::client::request::Signer;
use crate::client::retry::RetryPolicy;
use crate::client::token::{AccessToken, TokenCache, token_request_body};
use crate::client::uuid_v4;
use crate::client::validate::{UrlPolicy, ValidationError};
use crate::client::webhooks::Operation;
use crate::error::{Error, ErrorCode};
use crate::private_key::SigningKey;
use futures_util::FutureExt as _;
use futures_util::future::LocalBoxFuture;
use gloo_net::http::{Method, RequestBuilder};
use js_sys::{Function, Object, Uint8Array};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::AbortSignal;

/// Why a call failed.
#[derive(Clone)]
pub(super) enum CallError {
    Core(Error, Option<JsValue>),
    Api(Box<ApiError>),
    Validation(ValidationError),
    /// The caller aborted: rejected with the signal's reason, as fetch does.
    Aborted(JsValue),
}

impl From<Error> for CallError {
    fn from(err: Error) -> Self {
        CallError::Core(err, None)
    }
}

impl From<ValidationError> for CallError {
    fn from(err: ValidationError) -> Self {
        CallError::Validation(err)
    }
}

impl CallError {
    pub(super) fn into_js(self) -> JsValue {
        match self {
            CallError::Core(err, cause) => to_js(ErrorClass::Base, &err, cause),
            CallError::Aborted(reason) => reason,
            CallError::Validation(err) => {
                let js = to_js(
                    ErrorClass::Validation,
                    &Error::new(ErrorCode::Validation, err.message.clone()),
                    None,
                );
                set(js.unchecked_ref(), "field", &err.field.as_str().into());
                set(js.unchecked_ref(), "rule", &err.rule.into());
                js
            }
            CallError::Api(err) => {
                let js = to_js(
                    ErrorClass::Api,
                    &Error::new(err.code, err.message.clone()),
                    None,
                );
                let object: &Object = js.unchecked_ref();
                set(object, "status", &JsValue::from(err.status));
                let optional = |value: &Option<String>| {
                    value
                        .as_deref()
                        .map(JsValue::from_str)
                        .unwrap_or(JsValue::UNDEFINED)
                };
                set(object, "type", &optional(&err.problem_type));
                set(object, "title", &optional(&err.title));
                set(object, "detail", &optional(&err.detail));
                set(object, "instance", &optional(&err.instance));
                set(object, "request_id", &optional(&err.request_id));
                set(object, "upvestRequestId", &optional(&err.upvest_request_id));
                js
            }
        }
    }
}

/// Per-call options: `{ signal, idempotencyKey }`.
#[derive(Default, Clone)]
pub(super) struct CallOptions {
    signal: Option<AbortSignal>,
    idempotency_key: Option<String>,
}

impl CallOptions {
    pub(super) fn read(value: &JsValue) -> Result<Self, CallError> {
        if value.is_undefined() || value.is_null() {
            return Ok(CallOptions::default());
        }
        if !value.is_object() {
            return Err(invalid_argument(
                "call options must be an object like { signal, idempotencyKey }",
            )
            .into());
        }
        let signal = get(value, "signal");
        let signal = if signal.is_undefined() || signal.is_null() {
            None
        } else {
            Some(signal.dyn_into::<AbortSignal>().map_err(|_| {
                CallError::from(invalid_argument("options.signal must be an AbortSignal"))
            })?)
        };
        let idempotency_key = convert::string_option(value, "idempotencyKey")?;
        if idempotency_key
            .as_deref()
            .is_some_and(|key| !is_valid_idempotency_key(key))
        {
            return Err(invalid_argument(
                "options.idempotencyKey must be 1–255 visible ASCII characters (a UUID is best)",
            )
            .into());
        }
        Ok(CallOptions {
            signal,
            idempotency_key,
        })
    }
}

/// Parses a successful response's JSON body (`undefined` when empty).
pub(super) fn json_body(
    response: &HttpResponse,
    operation: &Operation,
) -> Result<JsValue, CallError> {
    if response.body.is_empty() {
        return Ok(JsValue::UNDEFINED);
    }
    let parsed = std::str::from_utf8(&response.body)
        .ok()
        .and_then(|text| js_sys::JSON::parse(text).ok());
    parsed.ok_or_else(|| {
        CallError::from(Error::new(
            ErrorCode::ApiInvalidResponse,
            format!("{}: the response body is not JSON", operation.name()),
        ))
    })
}

pub(super) struct ClientInner {
    pub(super) base_url: String,
    pub(super) client_id: String,
    pub(super) client_secret: String,
    pub(super) key_id: String,
    pub(super) key: SigningKey,
    pub(super) scopes: Vec<String>,
    pub(super) fetch: Option<Function>,
    pub(super) timeout_ms: f64,
    pub(super) retry: RetryPolicy,
    pub(super) signature_lifetime_seconds: i64,
    pub(super) urls: UrlPolicy,
    pub(super) clock: Clock,
    pub(super) token: RefCell<TokenCache>,
    /// The token request under way, shared by concurrent calls (never in workerd).
    pub(super) token_load: SingleFlight<Result<(), CallError>>,
}

impl ClientInner {
    /// The bearer header, fetching a token when none is fresh.
    async fn authorization(self: &Rc<Self>) -> Result<String, CallError> {
        if let Some(authorization) = self.token.borrow().fresh(self.clock.now_ms()) {
            return Ok(authorization);
        }
        let me = Rc::clone(self);
        self.token_load.run(move || me.fetch_token()).await?;
        let authorization = self.token.borrow().current();
        authorization.ok_or_else(|| {
            Error::new(
                ErrorCode::ApiInvalidResponse,
                "no access token after a successful token request",
            )
            .into()
        })
    }

    fn fetch_token(self: Rc<Self>) -> LocalBoxFuture<'static, Result<(), CallError>> {
        async move {
            let form = token_request_body(&self.client_id, &self.client_secret, &self.scopes);
            let response = self
                .call(Operation::Token(form), CallOptions::default())
                .await?;
            let token = AccessToken::from_response(&response.body, self.clock.now_ms())?;
            self.token.borrow_mut().store(token);
            Ok(())
        }
        .boxed_local()
    }

    /// Runs one operation: signs and sends it, then does what the core's
    /// [`Call`] decides (refresh the token, wait and retry, or fail).
    pub(super) async fn call(
        self: &Rc<Self>,
        operation: Operation,
        options: CallOptions,
    ) -> Result<HttpResponse, CallError> {
        let request = operation.request();
        let idempotency_key = idempotency_key(&operation, options.idempotency_key)?;
        let signal = options.signal.as_ref();
        let mut call = Call::new(self.retry);
        loop {
            let authorization = if operation.needs_token() {
                // The token request may be shared by concurrent calls, so it
                // is not aborted, but this call stops waiting for it.
                Some(
                    abortable(self.authorization(), signal)
                        .await
                        .map_err(CallError::Aborted)??,
                )
            } else {
                if let Some(signal) = signal.filter(|s| s.aborted()) {
                    return Err(CallError::Aborted(signal.reason()));
                }
                None
            };
            let nonce = uuid_v4()?;
            let signer = Signer {
                client_id: &self.client_id,
                key_id: &self.key_id,
                key: &self.key,
                created: (self.clock.now_ms() / 1000.0).floor() as i64,
                lifetime_seconds: self.signature_lifetime_seconds,
                nonce: &nonce,
            };
            let signed = request.sign(
                &signer,
                authorization.as_deref(),
                idempotency_key.as_deref(),
            )?;
            let outcome = self.send(&signed, signal).await;
            let retry_after = outcome
                .as_ref()
                .ok()
                .and_then(|response| response.header("retry-after"));
            let reported = match &outcome {
                Ok(response) => Outcome::Response {
                    status: response.status,
                    retry_after: retry_after.as_deref(),
                },
                // An injected fetch that gives no Response would give none again.
                Err(HttpError::Aborted(_) | HttpError::NotResponse(_)) => Outcome::Final,
                Err(HttpError::Network(..) | HttpError::Timeout | HttpError::TooLarge(_)) => {
                    Outcome::Transient
                }
            };
            let step = call.next(
                reported,
                authorization.is_some(),
                self.clock.now_ms(),
                js_sys::Math::random(),
            );
            match (step, outcome) {
                (Step::Done, Ok(response)) => return Ok(response),
                (Step::RefreshToken, _) => {
                    if let Some(refused) = &authorization {
                        self.token.borrow_mut().refused(refused);
                    }
                }
                (Step::Retry { wait_ms }, _) => {
                    sleep(wait_ms, signal).await.map_err(CallError::Aborted)?;
                }
                (_, outcome) => return Err(self.failure(&operation, outcome, call.attempts())),
            }
        }
    }

    /// The error of a call that ended with `outcome` after `attempts` attempts.
    fn failure(
        &self,
        operation: &Operation,
        outcome: Result<HttpResponse, HttpError>,
        attempts: u32,
    ) -> CallError {
        let name = operation.name();
        match outcome {
            Ok(response) => CallError::Api(Box::new(ApiError::from_response(
                name,
                response.status,
                &response.body,
                response.header("upvest-request-id"),
            ))),
            Err(HttpError::Aborted(reason)) => CallError::Aborted(reason),
            Err(HttpError::Timeout) => Error::new(
                ErrorCode::Timeout,
                format!(
                    "{name}: no response within {} ms, {attempts} attempts (timeoutMs, maxRetries)",
                    self.timeout_ms
                ),
            )
            .into(),
            Err(HttpError::Network(message, cause)) => CallError::Core(
                Error::new(
                    ErrorCode::Network,
                    format!("{name}: {message} after {attempts} attempts (maxRetries)"),
                ),
                cause,
            ),
            Err(HttpError::NotResponse(value)) => CallError::Core(
                Error::new(
                    ErrorCode::ApiInvalidResponse,
                    format!("{name}: the fetch function gave no Response"),
                ),
                Some(value),
            ),
            Err(HttpError::TooLarge(bytes)) => Error::new(
                ErrorCode::ApiInvalidResponse,
                format!("{name}: a {bytes}-byte response"),
            )
            .into(),
        }
    }

    /// One HTTP exchange, body included, bounded by the timeout and the signal.
    async fn send(
        &self,
        signed: &crate::client::request::SignedRequest,
        signal: Option<&AbortSignal>,
    ) -> Result<HttpResponse, HttpError> {
        let fetch = self
            .fetch
            .clone()
            .or_else(global_fetch)
            .ok_or(HttpError::Network(
                "this runtime has no global fetch; pass options.fetch",
                None,
            ))?;
        // The core's methods, as the http crate's constants (its parser,
        // Method::from_bytes, costs the module 0.5 KB gzipped).
        let method = match signed.method {
            "GET" => Method::GET,
            "POST" => Method::POST,
            "PATCH" => Method::PATCH,
            "DELETE" => Method::DELETE,
            _ => {
                return Err(HttpError::Network(
                    "the request method is not supported",
                    None,
                ));
            }
        };
        let headers = request_headers(
            signed
                .headers
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str())),
        )?;
        let url = format!("{}{}", self.base_url, signed.path_and_query);
        let request = RequestBuilder::new(&url).method(method).headers(headers);
        let body = (!signed.body.is_empty())
            .then(|| JsValue::from(Uint8Array::from(signed.body.as_slice())));
        let request = |own_signal: Option<&AbortSignal>| build_request(request, body, own_signal);
        fetch_bytes(&fetch, request, self.timeout_ms, signal, None).await
    }
}
