//! Where a verifier's keys come from: a JWKS given up front, or one loaded
//! on demand from a URL or an async function, cached by the core's
//! [`KeyCache`] rules. Concurrent verifications share one load.

use super::convert::get;
use super::js_io::{HttpError, Outcome, await_with_timeout, fetch_bytes, global_fetch, set};
use crate::ecdsa::VerificationKey;
use crate::error::{Error, ErrorCode, Result};
use crate::jwks::KeySet;
use crate::key_cache::{KeyCache, KeyCachePolicy};
use futures_util::FutureExt as _;
use futures_util::future::{LocalBoxFuture, Shared};
use js_sys::{Function, Object};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::{JsCast, JsValue};

/// An error plus the JS value that caused it, kept as `cause`.
#[derive(Clone)]
pub(crate) struct Failure {
    pub error: Error,
    pub cause: Option<JsValue>,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure { error, cause: None }
    }
}

/// Loads a JWKS document from somewhere only Rust knows (the API client).
pub(crate) trait KeyLoader {
    /// Fetches the JWKS JSON bytes.
    fn load(&self) -> LocalBoxFuture<'static, Result<Vec<u8>, Failure>>;
}

/// How keys are loaded.
enum Loader {
    Url {
        url: String,
        fetch: Option<Function>,
    },
    Function(Function),
    Custom(Rc<dyn KeyLoader>),
}

/// Settings for on-demand keys.
pub(crate) struct RemoteSettings {
    pub timeout_ms: f64,
    pub max_bytes: usize,
    pub cache: KeyCachePolicy,
}

type SharedLoad = Shared<LocalBoxFuture<'static, Result<(), Failure>>>;

pub(crate) struct RemoteKeys {
    loader: Loader,
    settings: RemoteSettings,
    cache: RefCell<KeyCache>,
    in_flight: RefCell<Option<SharedLoad>>,
}

/// The verifier's key source.
pub(crate) enum KeySource {
    Static(KeySet),
    Remote(Rc<RemoteKeys>),
}

impl KeySource {
    /// Keys loaded on demand by `loader`.
    pub(crate) fn from_loader(loader: Rc<dyn KeyLoader>, settings: RemoteSettings) -> Self {
        let cache = RefCell::new(KeyCache::new(settings.cache));
        KeySource::Remote(Rc::new(RemoteKeys {
            loader: Loader::Custom(loader),
            settings,
            cache,
            in_flight: RefCell::new(None),
        }))
    }

    /// Reads the `keys` option: a JWKS object, a function, or a URL.
    pub(crate) fn from_option(
        value: &JsValue,
        fetch: Option<Function>,
        settings: RemoteSettings,
    ) -> Result<Self> {
        let invalid = || {
            Error::new(
                ErrorCode::InvalidArgument,
                "option keys must be a JWKS object ({ keys: [...] }), an async function returning one, or the URL to fetch it from",
            )
        };
        let loader = if let Some(url) = value.as_string() {
            Loader::Url {
                url: checked_url(&url)?,
                fetch,
            }
        } else if let Some(function) = value.dyn_ref::<Function>() {
            Loader::Function(function.clone())
        } else if value.is_object()
            && get(value, "href").is_string()
            && get(value, "keys").is_undefined()
        {
            Loader::Url {
                url: checked_url(&get(value, "href").as_string().unwrap_or_default())?,
                fetch,
            }
        } else if value.is_object() {
            return Ok(KeySource::Static(KeySet::from_json(
                stringify(value)?.as_bytes(),
            )?));
        } else {
            return Err(invalid());
        };
        let cache = RefCell::new(KeyCache::new(settings.cache));
        Ok(KeySource::Remote(Rc::new(RemoteKeys {
            loader,
            settings,
            cache,
            in_flight: RefCell::new(None),
        })))
    }

    /// Finds the key for `kid`, loading keys first when the cache rules say so.
    pub(crate) async fn key(
        &self,
        kid: &str,
        now: &dyn Fn() -> f64,
    ) -> Result<Arc<VerificationKey>, Failure> {
        match self {
            KeySource::Static(set) => set.get(kid).cloned().map_err(Failure::from),
            KeySource::Remote(remote) => {
                // Join a load already under way: it may bring this kid, and
                // its outcome stands for this call too (no second fetch).
                let in_flight = remote.in_flight.borrow().clone();
                let failure = match in_flight {
                    Some(load) => load.await.err(),
                    None if remote.cache.borrow().should_fetch(kid, now()) => {
                        RemoteKeys::load(remote, now).await.err()
                    }
                    None => None,
                };
                let found = remote
                    .cache
                    .borrow()
                    .lookup(kid, failure.as_ref().map(|f| &f.error));
                found.map_err(|error| {
                    let cause = failure.filter(|f| f.error == error).and_then(|f| f.cause);
                    Failure { error, cause }
                })
            }
        }
    }
}

impl RemoteKeys {
    /// Loads once for all concurrent callers.
    async fn load(this: &Rc<Self>, now: &dyn Fn() -> f64) -> Result<(), Failure> {
        let existing = this.in_flight.borrow().clone();
        let shared = match existing {
            Some(shared) => shared,
            None => {
                let started_at = now();
                this.cache.borrow_mut().fetch_started(started_at);
                let me = Rc::clone(this);
                let future = async move {
                    let result = me
                        .fetch_key_set()
                        .await
                        .map(|set| me.cache.borrow_mut().store(set, started_at));
                    me.in_flight.borrow_mut().take();
                    result
                }
                .boxed_local()
                .shared();
                *this.in_flight.borrow_mut() = Some(future.clone());
                future
            }
        };
        shared.await
    }

    async fn fetch_key_set(&self) -> Result<KeySet, Failure> {
        let text = match &self.loader {
            Loader::Url { url, fetch } => self.fetch_url(url, fetch.as_ref()).await?,
            Loader::Custom(loader) => {
                let bytes = loader.load().await?;
                self.check_size(bytes.len())?;
                bytes
            }
            Loader::Function(function) => {
                let value = function
                    .call0(&JsValue::UNDEFINED)
                    .map_err(|cause| fetch_failed("the keys function threw", Some(cause)))?;
                let value = match await_with_timeout(value, self.settings.timeout_ms).await {
                    Outcome::Resolved(value) => value,
                    Outcome::Rejected(cause) => {
                        return Err(fetch_failed("the keys function rejected", Some(cause)));
                    }
                    Outcome::TimedOut | Outcome::Aborted(_) => {
                        return Err(fetch_failed(
                            &format!(
                                "the keys function did not settle within {} ms (keysTimeoutMs)",
                                self.settings.timeout_ms
                            ),
                            None,
                        ));
                    }
                };
                let text = match value.as_string() {
                    Some(text) => text,
                    None => stringify(&value)?,
                };
                self.check_size(text.len())?;
                text.into_bytes()
            }
        };
        Ok(KeySet::from_json(&text)?)
    }

    fn check_size(&self, len: usize) -> Result<(), Failure> {
        if len > self.settings.max_bytes {
            return Err(fetch_failed(
                &format!(
                    "the JWKS is larger than {} bytes (limits.maxJwksBytes)",
                    self.settings.max_bytes
                ),
                None,
            ));
        }
        Ok(())
    }

    async fn fetch_url(&self, url: &str, fetch: Option<&Function>) -> Result<Vec<u8>, Failure> {
        let fetch = fetch.cloned().or_else(global_fetch).ok_or_else(|| {
            fetch_failed("this runtime has no global fetch; pass options.fetch", None)
        })?;
        let init = Object::new();
        let headers = Object::new();
        set(&headers, "accept", &"application/json".into());
        set(&init, "headers", &headers);
        let (timeout_ms, max_bytes) = (self.settings.timeout_ms, self.settings.max_bytes);
        let response = fetch_bytes(&fetch, url, &init, timeout_ms, None, Some(max_bytes)).await.map_err(|err| match err {
            HttpError::Network(what, cause) => fetch_failed(&format!("fetching the JWKS from {url} failed: {what}"), cause),
            HttpError::Timeout | HttpError::Aborted(_) => fetch_failed(&format!("fetching the JWKS from {url} took longer than {timeout_ms} ms (keysTimeoutMs)"), None),
            HttpError::TooLarge(bytes) => fetch_failed(&format!("the JWKS at {url} is {bytes} bytes, more than limits.maxJwksBytes ({max_bytes})"), None),
        })?;
        if !(200..300).contains(&response.status) {
            return Err(fetch_failed(
                &format!(
                    "fetching the JWKS from {url} returned HTTP {}",
                    response.status
                ),
                None,
            ));
        }
        self.check_size(response.body.len())?;
        Ok(response.body)
    }
}

/// Resolves `url` like `fetch` would (against the page in browsers) and
/// insists on http(s), so a typo fails at construction, not at the first
/// delivery.
fn checked_url(url: &str) -> Result<String> {
    let base = get(&get(&js_sys::global(), "location"), "href").as_string();
    let parsed = match &base {
        Some(base) => web_sys::Url::new_with_base(url, base),
        None => web_sys::Url::new(url),
    };
    match parsed {
        Ok(parsed) if matches!(parsed.protocol().as_str(), "https:" | "http:") => Ok(parsed.href()),
        _ => Err(Error::new(
            ErrorCode::InvalidArgument,
            format!("option keys is a string but not an http(s) URL: {url:?}"),
        )),
    }
}

fn fetch_failed(message: &str, cause: Option<JsValue>) -> Failure {
    Failure {
        error: Error::new(ErrorCode::JwksFetchFailed, message),
        cause,
    }
}

fn stringify(value: &JsValue) -> Result<String> {
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| {
            Error::new(
                ErrorCode::JwksInvalid,
                "the JWKS could not be serialized as JSON",
            )
        })
}
