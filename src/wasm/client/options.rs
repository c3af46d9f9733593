//! `new UpvestClient(options)`: reading and checking the options.

use super::super::convert::{self, get};
use super::super::errors::invalid_argument;
use super::super::runtime::{Clock, SingleFlight};
use super::call::ClientInner;
use crate::client::retry::RetryPolicy;
use crate::client::token::TokenCache;
use crate::client::validate::UrlPolicy;
use crate::error::{Error, ErrorCode, Setting};
use crate::private_key::SigningKey;
use std::cell::RefCell;
use wasm_bindgen::JsValue;

pub(super) fn read_options(options: &JsValue) -> Result<ClientInner, Error> {
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
    let key = if let Some(text) = private_key.as_string() {
        SigningKey::from_text(&text, passphrase.as_deref().map(str::as_bytes))?
    } else if private_key.is_object() {
        let jwk = convert::json(&private_key, usize::MAX).map_err(|_| {
            Error::new(
                ErrorCode::PrivateKeyInvalid,
                "the private key is not a valid JWK",
            )
            .with_setting(Setting::PrivateKey)
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
        clock: Clock::from_option(options)?,
        token: RefCell::new(TokenCache::default()),
        token_load: SingleFlight::new(),
    })
}
