//! `inspectDelivery`: the step-by-step report of `crate::verify::inspect` for JS.

use super::convert::{get, headers};
use super::errors::{invalid_argument, verification_error};
use super::runtime::Clock;
use super::verifier::{read_policy, read_request};
use crate::error::{Error, ErrorCode};
use crate::http_signature::Limits;
use crate::verify::inspect::{Inspection, Step, inspect};
use crate::verify::jwks::KeySet;
use wasm_bindgen::prelude::*;

/// `inspectDelivery({ method, url, headers, body }, { keys: jwks, now?, toleranceSeconds?, maxAgeSeconds?, label?, limits? })`
/// → `{ ok, code?, message?, steps, signatures }`. Synchronous; `keys` must be a JWKS object.
#[wasm_bindgen(js_name = inspectDelivery)]
pub fn inspect_delivery(request: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    (|| {
        if !options.is_object() {
            return Err(invalid_argument(
                "inspectDelivery(request, { keys }) needs options with a JWKS object as keys",
            ));
        }
        let keys = get(&options, "keys");
        let jwks = Some(&keys)
            .filter(|keys| keys.is_object())
            .and_then(|keys| super::convert::json(keys, usize::MAX).ok());
        let keys = KeySet::from_value(
            &jwks.ok_or_else(|| invalid_argument("option keys must be a JWKS object"))?,
        )?;
        let (policy, _) = read_policy(&options)?;
        let now_ms = Clock::from_option(&options)?.now_ms();
        let report = match read_request(&request, &policy.limits) {
            Ok(request) => inspect(&request, &keys, &policy, (now_ms / 1000.0).floor() as i64),
            // Too large to copy in: the verifier's verdict, and nothing inspected.
            Err(err) if err.code() == ErrorCode::LimitExceeded => {
                refused(&err, refused_part(&request, &policy.limits))
            }
            Err(err) => return Err(err),
        };
        let serializer = serde_wasm_bindgen::Serializer::json_compatible();
        serde::Serialize::serialize(&report, &serializer)
            .map_err(|_| invalid_argument("the report could not be converted"))
    })()
    .map_err(|err| verification_error(&err))
}

/// Which part of `request` `read_request` refused with `ERR_LIMIT_EXCEEDED`:
/// it reads the headers, refusing them over `limits.max_header_bytes`, and
/// only then the body. So the refusal was the headers' if they alone are
/// refused again (read up to the limit at most), else the body's.
fn refused_part(request: &JsValue, limits: &Limits) -> &'static str {
    match headers(&get(request, "headers"), limits.max_header_bytes) {
        Err(err) if err.code() == ErrorCode::LimitExceeded => "headers",
        _ => "payload",
    }
}

/// The report for a request whose headers or body were refused before they
/// were read: the failing step is `part` (`headers` or `payload`).
fn refused(err: &Error, part: &'static str) -> Inspection {
    Inspection {
        ok: false,
        code: Some(err.code().as_str()),
        message: Some(err.message().to_owned()),
        steps: vec![Step {
            name: part,
            status: "fail",
            summary: err.message().to_owned(),
            code: Some(err.code().as_str()),
        }],
        signatures: Vec::new(),
    }
}
