//! `UpvestClient`: OAuth2 tokens, signed requests, retries, timeouts and
//! aborts around the core's request building (`crate::client`).

use super::convert::{self, get};
use super::errors::{ErrorClass, invalid_argument, to_js};
use super::js_io::{
    HttpError, HttpResponse, abortable, build_request, fetch_bytes, global_fetch, request_headers,
    set, sleep,
};
use super::keys::{Failure, KeyLoader};
use super::runtime::shares_in_flight_work;
use super::verifier::WebhookVerifier;
use crate::client::problem::ApiError;
use crate::client::request::Signer;
use crate::client::retry::{RetryPolicy, is_retryable_status};
use crate::client::token::{AccessToken, token_request_body};
use crate::client::uuid_v4;
use crate::client::validate::{UrlPolicy, ValidationError, check_list};
use crate::client::webhooks::Operation;
use crate::error::{Error, ErrorCode};
use crate::private_key::SigningKey;
use futures_util::FutureExt as _;
use futures_util::future::{LocalBoxFuture, Shared};
use gloo_net::http::{Method, RequestBuilder};
use js_sys::{Function, Object, Promise, Uint8Array};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use web_sys::AbortSignal;

/// Why a call failed.
#[derive(Clone)]
enum CallError {
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
    fn into_js(self) -> JsValue {
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
struct CallOptions {
    signal: Option<AbortSignal>,
    idempotency_key: Option<String>,
}

impl CallOptions {
    fn read(value: &JsValue) -> Result<Self, CallError> {
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
        if idempotency_key.as_deref().is_some_and(|key| {
            key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic())
        }) {
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
fn json_body(response: &HttpResponse, operation: &Operation) -> Result<JsValue, CallError> {
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

type SharedToken = Shared<LocalBoxFuture<'static, Result<(), CallError>>>;

struct ClientInner {
    base_url: String,
    client_id: String,
    client_secret: String,
    key_id: String,
    key: SigningKey,
    scopes: Vec<String>,
    fetch: Option<Function>,
    timeout_ms: f64,
    retry: RetryPolicy,
    signature_lifetime_seconds: i64,
    urls: UrlPolicy,
    now: Option<Function>,
    token: RefCell<Option<AccessToken>>,
    token_load: RefCell<Option<SharedToken>>,
}

impl ClientInner {
    fn now_ms(&self) -> f64 {
        self.now
            .as_ref()
            .and_then(|f| f.call0(&JsValue::UNDEFINED).ok())
            .and_then(|v| v.as_f64())
            .unwrap_or_else(js_sys::Date::now)
    }

    /// The bearer header, fetching a token when none is fresh. Concurrent
    /// callers share one token request, except in workerd (see
    /// `runtime.rs`), where each call without a fresh token requests its own.
    async fn authorization(self: &Rc<Self>) -> Result<String, CallError> {
        if let Some(token) = self
            .token
            .borrow()
            .as_ref()
            .filter(|t| t.is_fresh(self.now_ms()))
        {
            return Ok(token.authorization());
        }
        let existing = self.token_load.borrow().clone();
        let load = match existing {
            _ if !shares_in_flight_work() => Rc::clone(self).fetch_token(),
            Some(load) => load.boxed_local(),
            None => {
                let me = Rc::clone(self);
                let load = async move {
                    let result = Rc::clone(&me).fetch_token().await;
                    me.token_load.borrow_mut().take();
                    result
                }
                .boxed_local()
                .shared();
                *self.token_load.borrow_mut() = Some(load.clone());
                load.boxed_local()
            }
        };
        load.await?;
        let token = self.token.borrow().as_ref().map(AccessToken::authorization);
        token.ok_or_else(|| {
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
            let token = AccessToken::from_response(&response.body, self.now_ms())?;
            *self.token.borrow_mut() = Some(token);
            Ok(())
        }
        .boxed_local()
    }

    /// Runs one operation: signs, sends, refreshes the token once on 401,
    /// and retries transient failures with the same idempotency key.
    async fn call(
        self: &Rc<Self>,
        operation: Operation,
        options: CallOptions,
    ) -> Result<HttpResponse, CallError> {
        let request = operation.request();
        let idempotency_key = match (operation.needs_idempotency_key(), options.idempotency_key) {
            (true, Some(key)) => Some(key),
            (true, None) => Some(uuid_v4()?),
            (false, _) => None,
        };
        let signal = options.signal.as_ref();
        let mut retries = 0;
        let mut refreshed_token = false;
        loop {
            let authorization = if operation.needs_token() {
                // The token request is shared by concurrent calls, so it is not
                // aborted, but this call stops waiting for it.
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
            let now = self.now_ms();
            let nonce = uuid_v4()?;
            let signer = Signer {
                client_id: &self.client_id,
                key_id: &self.key_id,
                key: &self.key,
                created: (now / 1000.0).floor() as i64,
                lifetime_seconds: self.signature_lifetime_seconds,
                nonce: &nonce,
            };
            let signed = request.sign(
                &signer,
                authorization.as_deref(),
                idempotency_key.as_deref(),
            )?;
            let outcome = match self.send(&signed, signal).await {
                Ok(response) if (200..300).contains(&response.status) => return Ok(response),
                other => other,
            };
            if let Ok(response) = &outcome
                && response.status == 401
                && authorization.is_some()
                && !refreshed_token
            {
                // The token may have been revoked or expired early: get a new one, once.
                refreshed_token = true;
                // Drop the token only if no concurrent call replaced it already.
                let mut token = self.token.borrow_mut();
                if token.as_ref().map(AccessToken::authorization) == authorization {
                    token.take();
                }
                continue;
            }
            let (retryable, retry_after) = match &outcome {
                Ok(response) => (
                    is_retryable_status(response.status),
                    response.header("retry-after"),
                ),
                // An injected fetch that gives no Response would give none again.
                Err(HttpError::Aborted(_) | HttpError::NotResponse(_)) => (false, None),
                Err(_) => (true, None),
            };
            if retryable && retries < self.retry.max_retries {
                let jitter = js_sys::Math::random();
                let wait =
                    self.retry
                        .delay_ms(retries, retry_after.as_deref(), self.now_ms(), jitter);
                sleep(wait, signal).await.map_err(CallError::Aborted)?;
                retries += 1;
                continue;
            }
            return Err(match outcome {
                Ok(response) => CallError::Api(Box::new(ApiError::from_response(
                    operation.name(),
                    response.status,
                    &response.body,
                    response.header("upvest-request-id"),
                ))),
                Err(HttpError::Aborted(reason)) => CallError::Aborted(reason),
                Err(HttpError::Timeout) => Error::new(
                    ErrorCode::Timeout,
                    format!(
                        "{}: no response within {} ms, {} attempts (timeoutMs, maxRetries)",
                        operation.name(),
                        self.timeout_ms,
                        retries + 1
                    ),
                )
                .into(),
                Err(HttpError::Network(message, cause)) => CallError::Core(
                    Error::new(
                        ErrorCode::Network,
                        format!(
                            "{}: {message} after {} attempts (maxRetries)",
                            operation.name(),
                            retries + 1
                        ),
                    ),
                    cause,
                ),
                Err(HttpError::NotResponse(value)) => CallError::Core(
                    Error::new(
                        ErrorCode::ApiInvalidResponse,
                        format!("{}: the fetch function gave no Response", operation.name()),
                    ),
                    Some(value),
                ),
                Err(HttpError::TooLarge(bytes)) => Error::new(
                    ErrorCode::ApiInvalidResponse,
                    format!("{}: a {bytes}-byte response", operation.name()),
                )
                .into(),
            });
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

/// The Upvest API client. See the README for options.
#[wasm_bindgen]
pub struct UpvestClient {
    inner: Rc<ClientInner>,
    webhooks: JsValue,
}

#[wasm_bindgen]
impl UpvestClient {
    /// `new UpvestClient({ baseUrl, clientId, clientSecret, keyId, privateKey, privateKeyPassphrase, scopes, fetch, timeoutMs, maxRetries, retryBaseDelayMs, retryMaxDelayMs, signatureLifetimeSeconds, now })`
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<UpvestClient, JsValue> {
        let inner =
            Rc::new(read_options(&options).map_err(|err| to_js(ErrorClass::Base, &err, None))?);
        let webhooks = Webhooks {
            inner: Rc::clone(&inner),
        }
        .into();
        Ok(UpvestClient { inner, webhooks })
    }

    /// The webhook subscription operations.
    #[wasm_bindgen(getter)]
    pub fn webhooks(&self) -> JsValue {
        self.webhooks.clone()
    }

    /// `GET /auth/verify_keys`: the JWKS Upvest signs deliveries with.
    #[wasm_bindgen(js_name = verificationKeys)]
    pub fn verification_keys(&self, options: JsValue) -> Promise {
        run(&self.inner, Ok(Operation::VerificationKeys), &options)
    }

    /// A `WebhookVerifier` whose keys come from `verificationKeys()`.
    #[wasm_bindgen(js_name = webhookVerifier)]
    pub fn webhook_verifier(&self, options: JsValue) -> Result<WebhookVerifier, JsValue> {
        let options = if options.is_undefined() || options.is_null() {
            Object::new().into()
        } else {
            options
        };
        let loader: Rc<dyn KeyLoader> = Rc::new(ClientKeys(Rc::clone(&self.inner)));
        WebhookVerifier::with_loader(&options, loader)
    }
}

/// Keys for a verifier, loaded through the signed `GET /auth/verify_keys`.
struct ClientKeys(Rc<ClientInner>);

impl KeyLoader for ClientKeys {
    fn load(&self) -> LocalBoxFuture<'static, Result<Vec<u8>, Failure>> {
        let inner = Rc::clone(&self.0);
        async move {
            match inner
                .call(Operation::VerificationKeys, CallOptions::default())
                .await
            {
                Ok(response) => Ok(response.body),
                Err(err) => {
                    let cause = err.into_js();
                    let message = get(&cause, "message").as_string().unwrap_or_default();
                    Err(Failure {
                        error: Error::new(
                            ErrorCode::JwksFetchFailed,
                            format!("GET /auth/verify_keys failed: {message}"),
                        ),
                        cause: Some(cause),
                    })
                }
            }
        }
        .boxed_local()
    }
}

/// `upvest.webhooks`: the seven webhook operations.
#[wasm_bindgen]
pub struct Webhooks {
    inner: Rc<ClientInner>,
}

#[wasm_bindgen]
impl Webhooks {
    /// `POST /webhooks` → the created webhook (disabled until updated with `enabled: true`).
    pub fn create(&self, body: JsValue, options: JsValue) -> Promise {
        run(
            &self.inner,
            json_arg(&body, "body").and_then(|body| Ok(Operation::create(&body, self.inner.urls)?)),
            &options,
        )
    }

    /// `PATCH /webhooks/{id}` → the updated webhook.
    pub fn update(&self, id: JsValue, body: JsValue, options: JsValue) -> Promise {
        let operation = id_arg(&id).and_then(|id| {
            json_arg(&body, "body")
                .and_then(|body| Ok(Operation::update(&id, &body, self.inner.urls)?))
        });
        run(&self.inner, operation, &options)
    }

    /// `GET /webhooks?limit&offset&sort&order` → `{ meta, data }`.
    pub fn list(&self, params: JsValue, options: JsValue) -> Promise {
        let operation = json_arg(&params, "params")
            .and_then(|params| Ok(Operation::List(check_list(&params, &[])?)));
        run(&self.inner, operation, &options)
    }

    /// Every webhook, page by page, as an async iterator (`for await`).
    /// Takes `{ sort, order, pageSize }` (page size default 100).
    #[wasm_bindgen(js_name = listAll)]
    pub fn list_all(&self, params: JsValue, options: JsValue) -> Result<WebhookPages, JsValue> {
        let checked = (|| -> Result<_, CallError> {
            let params = json_arg(&params, "params")?;
            let mut list = check_list(&params, &["pageSize"])?;
            let page_size = match params.get("pageSize") {
                None | Some(serde_json::Value::Null) => 100,
                Some(size) => size
                    .as_i64()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| {
                        CallError::Validation(ValidationError {
                            field: "pageSize".into(),
                            rule: "range",
                            message: "pageSize must be an integer from 1 to 1000".into(),
                        })
                    })?,
            };
            list.limit = Some(page_size);
            list.offset = Some(list.offset.unwrap_or(0));
            Ok((list, CallOptions::read(&options)?))
        })();
        let (params, options) = checked.map_err(CallError::into_js)?;
        Ok(WebhookPages {
            inner: Rc::clone(&self.inner),
            state: Rc::new(RefCell::new(PagesState {
                params,
                options,
                buffer: Vec::new(),
                done: false,
            })),
        })
    }

    /// `GET /webhooks/{id}` → the webhook.
    pub fn retrieve(&self, id: JsValue, options: JsValue) -> Promise {
        run(
            &self.inner,
            id_arg(&id).and_then(|id| Ok(Operation::by_id(Operation::Retrieve, &id)?)),
            &options,
        )
    }

    /// `POST /webhooks/{id}/test` → `undefined` once Upvest accepted it (202).
    pub fn test(&self, id: JsValue, options: JsValue) -> Promise {
        run(
            &self.inner,
            id_arg(&id).and_then(|id| Ok(Operation::by_id(Operation::Test, &id)?)),
            &options,
        )
    }

    /// `DELETE /webhooks/{id}` → `undefined` (204).
    pub fn delete(&self, id: JsValue, options: JsValue) -> Promise {
        run(
            &self.inner,
            id_arg(&id).and_then(|id| Ok(Operation::by_id(Operation::Delete, &id)?)),
            &options,
        )
    }
}

struct PagesState {
    params: crate::client::validate::ListParams,
    options: CallOptions,
    buffer: Vec<JsValue>,
    done: bool,
}

/// The async iterator returned by `listAll`. It fetches a page only when the
/// previous one is used up.
#[wasm_bindgen]
pub struct WebhookPages {
    inner: Rc<ClientInner>,
    state: Rc<RefCell<PagesState>>,
}

#[wasm_bindgen]
impl WebhookPages {
    /// The iterator protocol: `{ value, done }`.
    pub fn next(&self) -> Promise {
        let inner = Rc::clone(&self.inner);
        let state = Rc::clone(&self.state);
        future_to_promise(async move {
            let item = |value: JsValue, done: bool| {
                let result = Object::new();
                set(&result, "value", &value);
                set(&result, "done", &done.into());
                JsValue::from(result)
            };
            loop {
                if let Some(next) = state.borrow_mut().buffer.pop() {
                    return Ok(item(next, false));
                }
                if state.borrow().done {
                    return Ok(item(JsValue::UNDEFINED, true));
                }
                let (params, options) = {
                    let state = state.borrow();
                    (state.params.clone(), state.options.clone())
                };
                let response = inner
                    .call(Operation::List(params.clone()), options)
                    .await
                    .map_err(CallError::into_js)?;
                let page = json_body(&response, &Operation::List(params.clone()))
                    .map_err(CallError::into_js)?;
                let data = js_sys::Array::from(&get(&page, "data"));
                let total = get(&get(&page, "meta"), "total_count").as_f64();
                let mut state = state.borrow_mut();
                let offset = params.offset.unwrap_or(0) + i64::from(data.length());
                state.params.offset = Some(offset);
                let limit = params.limit.unwrap_or(100);
                state.done = data.length() == 0
                    || i64::from(data.length()) < limit
                    || total.is_some_and(|t| offset as f64 >= t);
                state.buffer = data.iter().collect();
                state.buffer.reverse();
            }
        })
    }

    /// Ends the iteration early (`break` in `for await`).
    #[wasm_bindgen(js_name = "return")]
    pub fn finish(&self) -> Promise {
        let mut state = self.state.borrow_mut();
        state.done = true;
        state.buffer.clear();
        let result = Object::new();
        set(&result, "done", &true.into());
        Promise::resolve(&JsValue::from(result))
    }
}

fn run(
    inner: &Rc<ClientInner>,
    operation: Result<Operation, CallError>,
    options: &JsValue,
) -> Promise {
    let inner = Rc::clone(inner);
    let options = CallOptions::read(options);
    future_to_promise(async move {
        let (operation, options) = match (operation, options) {
            (Ok(operation), Ok(options)) => (operation, options),
            (Err(err), _) | (_, Err(err)) => return Err(err.into_js()),
        };
        let response = inner
            .call(operation.clone(), options)
            .await
            .map_err(CallError::into_js)?;
        json_body(&response, &operation).map_err(CallError::into_js)
    })
}

fn json_arg(value: &JsValue, what: &str) -> Result<serde_json::Value, CallError> {
    if value.is_undefined() || value.is_null() {
        return Ok(serde_json::Value::Null);
    }
    let text = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string());
    text.and_then(|text| serde_json::from_str(&text).ok())
        .ok_or_else(|| {
            CallError::Validation(ValidationError {
                field: what.into(),
                rule: "type",
                message: format!("{what} must be a JSON object"),
            })
        })
}

fn id_arg(value: &JsValue) -> Result<String, CallError> {
    value.as_string().ok_or_else(|| {
        CallError::Validation(ValidationError {
            field: "webhook_id".into(),
            rule: "uuid",
            message: "webhook_id must be a UUID string".into(),
        })
    })
}

fn read_options(options: &JsValue) -> Result<ClientInner, Error> {
    if !options.is_object() {
        return Err(invalid_argument(
            "new UpvestClient(options) needs { clientId, clientSecret, keyId, privateKey }",
        ));
    }
    let required = |name: &str| -> Result<String, Error> {
        convert::string_option(options, name)?
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                invalid_argument(format!("option {name} is required (a non-empty string)"))
            })
    };
    let base_url = convert::string_option(options, "baseUrl")?
        .unwrap_or_else(|| "https://sandbox.upvest.co".to_owned());
    let base_url = base_url.trim_end_matches('/').to_owned();
    if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
        return Err(invalid_argument(
            "option baseUrl must be an http(s) URL such as https://sandbox.upvest.co",
        ));
    }
    let client_id = required("clientId")?;
    let client_secret = required("clientSecret")?;
    let key_id = required("keyId")?;
    let passphrase = convert::string_option(options, "privateKeyPassphrase")?;
    let private_key = get(options, "privateKey");
    let key = if let Some(pem) = private_key.as_string() {
        if pem.trim_start().starts_with('{') {
            let jwk = serde_json::from_str(&pem).map_err(|_| {
                Error::new(
                    ErrorCode::PrivateKeyInvalid,
                    "privateKey looks like JSON but is not a valid JWK",
                )
            })?;
            SigningKey::from_jwk(&jwk)?
        } else {
            SigningKey::from_pem(&pem, passphrase.as_deref().map(str::as_bytes))?
        }
    } else if private_key.is_object() {
        let text = js_sys::JSON::stringify(&private_key)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_default();
        let jwk = serde_json::from_str(&text).map_err(|_| {
            Error::new(
                ErrorCode::PrivateKeyInvalid,
                "privateKey is not a valid JWK",
            )
        })?;
        SigningKey::from_jwk(&jwk)?
    } else {
        return Err(invalid_argument(
            "option privateKey is required: a PEM string or a private JWK",
        ));
    };
    let scopes = match get(options, "scopes") {
        v if v.is_undefined() || v.is_null() => {
            vec!["webhooks:read".to_owned(), "webhooks:admin".to_owned()]
        }
        v => {
            if !js_sys::Array::is_array(&v) {
                return Err(invalid_argument(
                    "option scopes must be an array of strings",
                ));
            }
            let list = js_sys::Array::from(&v);
            list.iter()
                .map(|s| s.as_string().filter(|s| !s.is_empty() && !s.contains(' ')))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    invalid_argument("option scopes must be an array of scope names without spaces")
                })?
        }
    };
    let defaults = RetryPolicy::default();
    let max_retries =
        convert::number_option(options, "maxRetries", f64::from(defaults.max_retries))?;
    Ok(ClientInner {
        base_url,
        client_id,
        client_secret,
        key_id,
        key,
        scopes,
        fetch: convert::function_option(options, "fetch")?,
        timeout_ms: convert::number_option(options, "timeoutMs", 30_000.0)?,
        retry: RetryPolicy {
            max_retries: max_retries.min(100.0) as u32,
            base_delay_ms: convert::number_option(
                options,
                "retryBaseDelayMs",
                defaults.base_delay_ms,
            )?,
            max_delay_ms: convert::number_option(
                options,
                "retryMaxDelayMs",
                defaults.max_delay_ms,
            )?,
        },
        signature_lifetime_seconds: convert::number_option(
            options,
            "signatureLifetimeSeconds",
            60.0,
        )? as i64,
        urls: UrlPolicy {
            allow_http_loopback: get(options, "allowHttpLocalhost")
                .as_bool()
                .unwrap_or(false),
        },
        now: convert::function_option(options, "now")?,
        token: RefCell::new(None),
        token_load: RefCell::new(None),
    })
}
