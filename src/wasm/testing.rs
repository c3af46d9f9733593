//! `generateTestKeyPair` and `signTestDelivery` for users' own tests.

use super::convert::{self, get};
use super::errors::{invalid_argument, verification_error};
use crate::error::Result;
use crate::testing::{
    TestDeliveryOptions, generate_private_jwk, sign_test_delivery, signing_key_from_jwk,
};
use js_sys::Object;
use serde_json::Value;
use wasm_bindgen::prelude::*;

fn to_js(value: &Value) -> JsValue {
    serde::Serialize::serialize(value, &serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or_default()
}

fn from_js(value: &JsValue, what: &str) -> Result<Value> {
    convert::json(value, usize::MAX)
        .map_err(|_| invalid_argument(format!("{what} must be a JSON object")))
}

/// `generateTestKeyPair({ kid? })` → `{ jwks, privateJwk }`.
#[wasm_bindgen(js_name = generateTestKeyPair)]
pub fn generate_test_key_pair(options: JsValue) -> Result<JsValue, JsValue> {
    (|| {
        let kid = match convert::string_option(&options, "kid")? {
            Some(kid) => kid,
            None => crate::random::uuid_v4()?,
        };
        let private_jwk = generate_private_jwk(&kid)?;
        let mut public = private_jwk.clone();
        if let Some(object) = public.as_object_mut() {
            object.remove("d");
        }
        let result = Object::new();
        super::js_io::set(
            &result,
            "jwks",
            &to_js(&serde_json::json!({ "keys": [public] })),
        );
        super::js_io::set(&result, "privateJwk", &to_js(&private_jwk));
        Ok(result.into())
    })()
    .map_err(|err| verification_error(&err))
}

/// `signTestDelivery({ privateJwk, keyId?, url, events | body, created?, expires? })`
/// → `{ method, url, headers, body }`, signed as Upvest signs deliveries.
#[wasm_bindgen(js_name = signTestDelivery)]
pub fn sign_test_delivery_js(options: JsValue) -> Result<JsValue, JsValue> {
    (|| {
        if !options.is_object() {
            return Err(invalid_argument(
                "signTestDelivery() takes { privateJwk, url, events | body }",
            ));
        }
        let jwk = from_js(&get(&options, "privateJwk"), "privateJwk")?;
        let key = signing_key_from_jwk(&jwk)?;
        let key_id = match convert::string_option(&options, "keyId")? {
            Some(id) => id,
            None => jwk
                .get("kid")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| invalid_argument("pass keyId, or a privateJwk with a kid"))?,
        };
        let url = convert::string_option(&options, "url")?
            .ok_or_else(|| invalid_argument("signTestDelivery() needs url"))?;
        let events = get(&options, "events");
        let body = if events.is_undefined() {
            let body = get(&options, "body");
            if body.is_undefined() {
                return Err(invalid_argument(
                    "signTestDelivery() needs events (an array) or body (raw bytes or text)",
                ));
            }
            // The test signer signs whatever it is given: no size limit.
            convert::body(&body, usize::MAX)?
        } else {
            let events = from_js(&events, "events")?;
            serde_json::to_vec(&serde_json::json!({ "payload": events }))
                .map_err(|_| invalid_argument("events must be JSON"))?
        };
        let now = (super::runtime::Clock::System.now_ms() / 1000.0).floor();
        let created = convert::number_option(&options, "created", now)? as i64;
        let expires = match get(&options, "expires") {
            v if v.is_null() => None,
            v if v.is_undefined() => Some(created + 60),
            v => Some(
                v.as_f64()
                    .ok_or_else(|| invalid_argument("expires must be UNIX seconds or null"))?
                    as i64,
            ),
        };
        let delivery = sign_test_delivery(
            &key,
            &TestDeliveryOptions {
                key_id: &key_id,
                url: &url,
                body,
                created,
                expires,
            },
        )?;
        let headers = Object::new();
        for (name, value) in &delivery.headers {
            super::js_io::set(&headers, name, &value.as_str().into());
        }
        let result = Object::new();
        super::js_io::set(&result, "method", &delivery.method.as_str().into());
        super::js_io::set(&result, "url", &delivery.url.as_str().into());
        super::js_io::set(&result, "headers", &headers);
        super::js_io::set(
            &result,
            "body",
            &String::from_utf8_lossy(&delivery.body).as_ref().into(),
        );
        Ok(result.into())
    })()
    .map_err(|err| verification_error(&err))
}
