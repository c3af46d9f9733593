//! `UpvestClient`: the JavaScript face of the core's client
//! (`crate::client`). It converts options, arguments and results, and does
//! the I/O the core's state machines ask for: fetch, timers, aborts. The
//! decisions (retry, token refresh, paging, key format) are the core's.

use super::convert::{self, get};
use super::errors::{ErrorClass, js_message, to_js};
use super::js_io::set;
use super::keys::{Failure, KeyLoader};
use super::verifier::WebhookVerifier;
use crate::client::pager::Pager;
use crate::client::validate::{ValidationError, check_list};
use crate::client::webhooks::Operation;
use crate::error::{Error, ErrorCode};
use call::{CallError, CallOptions, ClientInner, json_body};
use futures_util::FutureExt as _;
use futures_util::future::LocalBoxFuture;
use js_sys::{Object, Promise};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

mod call;
mod options;

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
        let inner = Rc::new(
            options::read_options(&options).map_err(|err| to_js(ErrorClass::Base, &err, None))?,
        );
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
            let list = check_list(&params, &["pageSize"])?;
            let pager = Pager::new(list, params.get("pageSize")).map_err(|err| {
                CallError::Validation(ValidationError {
                    field: "pageSize".into(),
                    rule: "range",
                    message: js_message(&err),
                })
            })?;
            Ok((pager, CallOptions::read(&options)?))
        })();
        let (pager, options) = checked.map_err(CallError::into_js)?;
        Ok(WebhookPages {
            inner: Rc::clone(&self.inner),
            state: Rc::new(RefCell::new(PagesState {
                pager,
                options,
                buffer: Vec::new(),
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
    pager: Pager,
    options: CallOptions,
    /// The current page's webhooks not yet handed out, last first.
    buffer: Vec<JsValue>,
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
                let (request, options) = {
                    let state = state.borrow();
                    (state.pager.request(), state.options.clone())
                };
                let Some(operation) = request else {
                    return Ok(item(JsValue::UNDEFINED, true));
                };
                let response = inner
                    .call(operation.clone(), options)
                    .await
                    .map_err(CallError::into_js)?;
                let page = json_body(&response, &operation).map_err(CallError::into_js)?;
                let data = js_sys::Array::from(&get(&page, "data"));
                let total = get(&get(&page, "meta"), "total_count").as_f64();
                let mut state = state.borrow_mut();
                state.pager.received(data.length() as usize, total);
                state.buffer = data.iter().collect();
                state.buffer.reverse();
            }
        })
    }

    /// Ends the iteration early (`break` in `for await`).
    #[wasm_bindgen(js_name = "return")]
    pub fn finish(&self) -> Promise {
        let mut state = self.state.borrow_mut();
        state.pager.finish();
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
    convert::json(value, usize::MAX).map_err(|_| {
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
