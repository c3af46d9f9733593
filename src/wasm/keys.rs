//! Where a verifier's keys come from: a JWKS given up front, or one loaded
//! on demand from a URL or an async function, cached by the core's
//! [`KeyCache`] rules. Concurrent verifications share one load, except in
//! workerd (see `runtime.rs`), where each does its own.

use super::convert::{self, JsonError, get};
use super::js_io::{
    HttpError, Outcome, await_with_timeout, fetch_bytes, get_json_request, global_fetch,
};
use super::runtime::{Clock, SingleFlight, shares_in_flight_work};
use crate::ecdsa::VerificationKey;
use crate::error::{Error, ErrorCode, Result, number};
use crate::verify::jwks::KeySet;
use crate::verify::key_cache::{KeyCache, KeyCachePolicy, Plan};
use futures_util::FutureExt as _;
use futures_util::future::LocalBoxFuture;
use js_sys::{Function, JsString};
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

pub(crate) struct RemoteKeys {
    loader: Loader,
    settings: RemoteSettings,
    cache: RefCell<KeyCache>,
    /// The load under way, shared by concurrent verifications (never in workerd).
    in_flight: SingleFlight<Result<(), Failure>>,
    /// The JS cause of the last failed load, kept while its cooldown runs.
    last_cause: RefCell<Option<JsValue>>,
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
            in_flight: SingleFlight::new(),
            last_cause: RefCell::new(None),
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
            // The caller's own object: no size limit, as for any option.
            let jwks = convert::json(value, usize::MAX).map_err(|_| not_json())?;
            return Ok(KeySource::Static(KeySet::from_value(&jwks)?));
        } else {
            return Err(invalid());
        };
        let cache = RefCell::new(KeyCache::new(settings.cache));
        Ok(KeySource::Remote(Rc::new(RemoteKeys {
            loader,
            settings,
            cache,
            in_flight: SingleFlight::new(),
            last_cause: RefCell::new(None),
        })))
    }

    /// Finds the keys for one verification's key ids: the cache rules
    /// decide once for all of them, so a verification starts at most one
    /// fetch whatever the number of key ids. Each kid gets its key or why
    /// it could not be had.
    pub(crate) async fn keys_for(
        &self,
        kids: &[&str],
        now: &dyn Fn() -> f64,
    ) -> Vec<(String, Result<Arc<VerificationKey>, Failure>)> {
        let remote = match self {
            KeySource::Static(set) => {
                return kids
                    .iter()
                    .map(|kid| {
                        (
                            (*kid).to_owned(),
                            set.get(kid).cloned().map_err(Failure::from),
                        )
                    })
                    .collect();
            }
            KeySource::Remote(remote) => remote,
        };
        let plan = {
            let cache = remote.cache.borrow();
            if shares_in_flight_work() {
                cache.plan(kids, now())
            } else {
                cache.plan_alone(kids, now())
            }
        };
        let failure = match plan {
            Plan::UseCache => None,
            Plan::Join => {
                // Single-flight (never in workerd, where plan_alone never joins).
                match remote.in_flight.join() {
                    Some(load) => load.await.err(),
                    None => None,
                }
            }
            // One load for all concurrent verifications, or, in workerd, this
            // verification's own.
            Plan::Fetch => RemoteKeys::load(remote, now).await.err(),
            Plan::Fail(error) => {
                // Within the cooldown after a failure, without keys: the
                // failure's own JS value (a network error, say) stays the cause.
                let cause = remote.last_cause.borrow().clone();
                let failure = Failure { error, cause };
                return kids
                    .iter()
                    .map(|kid| ((*kid).to_owned(), Err(failure.clone())))
                    .collect();
            }
        };
        let cache = remote.cache.borrow();
        kids.iter()
            .map(|kid| {
                let found = cache.lookup(kid, failure.as_ref().map(|f| &f.error));
                let found = found.map_err(|error| {
                    let cause = failure
                        .as_ref()
                        .filter(|f| f.error == error)
                        .and_then(|f| f.cause.clone());
                    Failure { error, cause }
                });
                ((*kid).to_owned(), found)
            })
            .collect()
    }
}

impl RemoteKeys {
    /// Loads the keys: the first caller starts the load and concurrent
    /// callers join it (Node, browsers); in workerd the load is awaited
    /// only by the verification that started it, in its own request.
    async fn load(this: &Rc<Self>, now: &dyn Fn() -> f64) -> Result<(), Failure> {
        let load = this.in_flight.run(|| {
            let started_at = now();
            this.cache.borrow_mut().fetch_started(started_at);
            let me = Rc::clone(this);
            async move { me.fetch_and_store(started_at).await }.boxed_local()
        });
        load.await
    }

    /// Fetches, then stores the set or records the failure. The failure's
    /// time is `started_at` plus the real time the fetch took (the verifier's
    /// clock may be the caller's, which need not move by itself).
    async fn fetch_and_store(&self, started_at: f64) -> Result<(), Failure> {
        let began = Clock::System.now_ms();
        match self.fetch_key_set().await {
            Ok(set) => {
                self.cache.borrow_mut().store(set, started_at);
                self.last_cause.borrow_mut().take();
                Ok(())
            }
            Err(failure) => {
                let failed_at = started_at + (Clock::System.now_ms() - began).max(0.0);
                self.cache
                    .borrow_mut()
                    .fetch_failed(failure.error.clone(), failed_at);
                *self.last_cause.borrow_mut() = failure.cause.clone();
                Err(failure)
            }
        }
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
                                number(self.settings.timeout_ms)
                            ),
                            None,
                        ));
                    }
                };
                if let Some(text) = value.dyn_ref::<JsString>() {
                    // Each UTF-16 code unit is at least one UTF-8 byte: a string
                    // too long is refused before it is copied.
                    self.check_size(text.length() as usize)?;
                    let text = String::from(text);
                    self.check_size(text.len())?;
                    text.into_bytes()
                } else {
                    // Bounded as it is converted, before the keys are read.
                    let jwks = match convert::json(&value, self.settings.max_bytes) {
                        Ok(jwks) => jwks,
                        Err(JsonError::TooLarge) => return Err(self.too_large()),
                        Err(JsonError::NotJson) => return Err(not_json().into()),
                    };
                    return Ok(KeySet::from_value(&jwks)?);
                }
            }
        };
        Ok(KeySet::from_json(&text)?)
    }

    fn check_size(&self, len: usize) -> Result<(), Failure> {
        if len > self.settings.max_bytes {
            return Err(self.too_large());
        }
        Ok(())
    }

    fn too_large(&self) -> Failure {
        fetch_failed(
            &format!(
                "the JWKS is larger than {} bytes (limits.maxJwksBytes)",
                self.settings.max_bytes
            ),
            None,
        )
    }

    async fn fetch_url(&self, url: &str, fetch: Option<&Function>) -> Result<Vec<u8>, Failure> {
        let fetch = fetch.cloned().or_else(global_fetch).ok_or_else(|| {
            fetch_failed("this runtime has no global fetch; pass options.fetch", None)
        })?;
        let (timeout_ms, max_bytes) = (self.settings.timeout_ms, self.settings.max_bytes);
        let failed = |err| match err {
            HttpError::Network(what, cause) => fetch_failed(
                &format!("fetching the JWKS from {url} failed: {what}"),
                cause,
            ),
            HttpError::NotResponse(value) => fetch_failed(
                &format!(
                    "fetching the JWKS from {url} failed: the fetch function gave no Response"
                ),
                Some(value),
            ),
            HttpError::Timeout | HttpError::Aborted(_) => fetch_failed(
                &format!(
                    "fetching the JWKS from {url} took longer than {} ms (keysTimeoutMs)",
                    number(timeout_ms)
                ),
                None,
            ),
            HttpError::TooLarge(bytes) => fetch_failed(
                &format!(
                    "the JWKS at {url} is {bytes} bytes or more, more than limits.maxJwksBytes ({max_bytes})"
                ),
                None,
            ),
        };
        let request = |signal: Option<&_>| get_json_request(url, signal);
        let response = fetch_bytes(&fetch, request, timeout_ms, None, Some(max_bytes))
            .await
            .map_err(failed)?;
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

fn not_json() -> Error {
    Error::new(
        ErrorCode::JwksInvalid,
        "the JWKS could not be serialized as JSON",
    )
}
