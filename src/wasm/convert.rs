//! Reading JS values: headers in their usual shapes, raw bodies, numbers.

use super::errors::invalid_argument;
use crate::error::{Error, ErrorCode, Result};
use crate::http_signature::message::Headers;
use js_sys::{Array, ArrayBuffer, Function, JsString, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

/// `obj[name]`, `undefined` when absent or when `obj` is not an object.
pub(crate) fn get(obj: &JsValue, name: &str) -> JsValue {
    if obj.is_object() || obj.is_function() {
        Reflect::get(obj, &name.into()).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// An optional finite non-negative number option.
pub(crate) fn number_option(options: &JsValue, name: &str, default: f64) -> Result<f64> {
    let value = get(options, name);
    if value.is_undefined() || value.is_null() {
        return Ok(default);
    }
    match value.as_f64() {
        Some(n) if n.is_finite() && n >= 0.0 => Ok(n),
        _ => Err(invalid_argument(format!(
            "option {name} must be a non-negative finite number"
        ))),
    }
}

/// An optional boolean option.
pub(crate) fn bool_option(options: &JsValue, name: &str, default: bool) -> Result<bool> {
    let value = get(options, name);
    if value.is_undefined() || value.is_null() {
        return Ok(default);
    }
    value
        .as_bool()
        .ok_or_else(|| invalid_argument(format!("option {name} must be true or false")))
}

/// An optional string option.
pub(crate) fn string_option(options: &JsValue, name: &str) -> Result<Option<String>> {
    let value = get(options, name);
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value
        .as_string()
        .map(Some)
        .ok_or_else(|| invalid_argument(format!("option {name} must be a string")))
}

/// An optional function option.
pub(crate) fn function_option(options: &JsValue, name: &str) -> Result<Option<Function>> {
    let value = get(options, name);
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value
        .dyn_into::<Function>()
        .map(Some)
        .map_err(|_| invalid_argument(format!("option {name} must be a function")))
}

/// Reads headers from a `Headers` instance, a `Map`, an array of pairs, or
/// a plain object whose values are strings, numbers or arrays of them (as
/// Node's `req.headers` are). Names and values over `max_bytes` in all are
/// refused before they are copied into WebAssembly memory: each string's
/// UTF-16 length is a lower bound of its UTF-8 length, which is what the
/// core's `limits.maxHeaderBytes` check counts.
pub(crate) fn headers(value: &JsValue, max_bytes: usize) -> Result<Headers> {
    let mut headers = Headers::new();
    if value.is_undefined() || value.is_null() {
        return Ok(headers);
    }
    if !value.is_object() {
        return Err(invalid_argument(
            "headers must be an object, a Headers instance, a Map or an array of [name, value] pairs",
        ));
    }
    let pairs: Vec<(JsValue, JsValue)> = if Array::is_array(value) {
        Array::from(value)
            .iter()
            .map(|pair| {
                (
                    Reflect::get_u32(&pair, 0).unwrap_or_default(),
                    Reflect::get_u32(&pair, 1).unwrap_or_default(),
                )
            })
            .collect()
    } else if get(value, "entries").is_function() && !is_plain_object(value) {
        // Headers, Map and friends: iterate entries().
        let entries = Reflect::get(value, &"entries".into())
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok());
        let iterator = entries
            .and_then(|f| f.call0(value).ok())
            .ok_or_else(|| invalid_argument("headers.entries() failed"))?;
        let mut pairs = Vec::new();
        for pair in js_sys::try_iter(&iterator)
            .ok()
            .flatten()
            .ok_or_else(|| invalid_argument("headers.entries() is not iterable"))?
        {
            let pair = pair.map_err(|_| invalid_argument("headers.entries() threw"))?;
            pairs.push((
                Reflect::get_u32(&pair, 0).unwrap_or_default(),
                Reflect::get_u32(&pair, 1).unwrap_or_default(),
            ));
        }
        pairs
    } else {
        Object::entries(value.unchecked_ref())
            .iter()
            .map(|pair| {
                (
                    Reflect::get_u32(&pair, 0).unwrap_or_default(),
                    Reflect::get_u32(&pair, 1).unwrap_or_default(),
                )
            })
            .collect()
    };
    let mut units: usize = 0;
    let mut count = |value: &JsValue| -> Result<()> {
        if let Some(text) = value.dyn_ref::<JsString>() {
            units = units.saturating_add(text.length() as usize);
        }
        if units > max_bytes {
            return Err(Error::new(
                ErrorCode::LimitExceeded,
                format!(
                    "the headers total more than {max_bytes} bytes; the limit is {max_bytes} (limits.maxHeaderBytes)"
                ),
            ));
        }
        Ok(())
    };
    for (name, value) in pairs {
        count(&name)?;
        let name = name
            .as_string()
            .ok_or_else(|| invalid_argument("header names must be strings"))?;
        if Array::is_array(&value) {
            for item in Array::from(&value).iter() {
                count(&item)?;
                headers.append(&name, scalar(&name, &item)?);
            }
        } else if !value.is_undefined() {
            count(&value)?;
            headers.append(&name, scalar(&name, &value)?);
        }
    }
    Ok(headers)
}

fn scalar(name: &str, value: &JsValue) -> Result<String> {
    if let Some(s) = value.as_string() {
        Ok(s)
    } else if let Some(n) = value.as_f64() {
        // `{n}` without core's float formatting: integers up to 2^53
        // exactly, others from JS's shortest digits (the same as Rust's)
        // without the exponent.
        Ok(
            if !n.is_finite() || (n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_992.0) {
                crate::error::number(n)
            } else {
                let digits = value
                    .unchecked_ref::<js_sys::Number>()
                    .to_string_with_radix(10)
                    .map(String::from)
                    .unwrap_or_default();
                crate::error::plain_decimal(&digits)
            },
        )
    } else {
        Err(invalid_argument(format!(
            "header {name:?} must have a string value"
        )))
    }
}

fn is_plain_object(value: &JsValue) -> bool {
    let proto = Object::get_prototype_of(value);
    proto.is_null() || Object::get_prototype_of(&proto).is_null()
}

/// Reads a raw body, refusing one over `max_bytes` before anything is
/// copied into WebAssembly memory (which never shrinks): buffers and views
/// by their `byteLength`; strings by their length in UTF-16 code units, each
/// of which is at least one UTF-8 byte (a string within the limit is encoded,
/// at most 3 × `max_bytes` bytes, and the core's check then applies).
/// Strings are encoded as UTF-8; byte views and buffers are copied as they
/// are. Anything else (an already-parsed object) is refused.
pub(crate) fn body(value: &JsValue, max_bytes: usize) -> Result<Vec<u8>> {
    if value.is_undefined() || value.is_null() {
        return Err(Error::new(
            ErrorCode::BodyNotRaw,
            "body is missing: pass the raw request body (string, Uint8Array/Buffer or ArrayBuffer; '' when empty). In Express use express.raw({ type: 'application/json' }) on the webhook route",
        ));
    }
    if let Some(text) = value.dyn_ref::<JsString>() {
        let units = text.length() as usize;
        if units > max_bytes {
            return Err(body_too_large(
                &format!(
                    "the body is a string of {units} UTF-16 code units, so at least {units} bytes"
                ),
                max_bytes,
            ));
        }
        return Ok(String::from(text).into_bytes());
    }
    if let Some(buffer) = value.dyn_ref::<ArrayBuffer>() {
        check_body_length(f64::from(buffer.byte_length()), max_bytes)?;
        return Ok(Uint8Array::new(buffer).to_vec());
    }
    if ArrayBuffer::is_view(value) {
        let buffer = get(value, "buffer");
        let offset = get(value, "byteOffset").as_f64().unwrap_or(0.0);
        let length = get(value, "byteLength").as_f64().unwrap_or(0.0);
        check_body_length(length, max_bytes)?;
        return Ok(Uint8Array::new_with_byte_offset_and_length(
            &buffer,
            offset as u32,
            length as u32,
        )
        .to_vec());
    }
    Err(Error::new(
        ErrorCode::BodyNotRaw,
        "body must be the raw request body (string, Uint8Array/Buffer or ArrayBuffer), not a parsed object: the signature covers the exact bytes. In Express use express.raw({ type: 'application/json' }); in fetch runtimes use await request.arrayBuffer()",
    ))
}

fn check_body_length(length: f64, max_bytes: usize) -> Result<()> {
    if length > max_bytes as f64 {
        return Err(body_too_large(
            &format!("the body is {} bytes", crate::error::number(length)),
            max_bytes,
        ));
    }
    Ok(())
}

/// `ERR_LIMIT_EXCEEDED` for a body over `limits.maxBodyBytes`; `what` says
/// what was seen ("the body is 9000000 bytes").
pub(crate) fn body_too_large(what: &str, max_bytes: usize) -> Error {
    Error::new(
        ErrorCode::LimitExceeded,
        format!(
            "{what}; the limit is {max_bytes} (limits.maxBodyBytes). Nothing was copied: raise limits.maxBodyBytes if such bodies are expected"
        ),
    )
}

/// Why a JS value could not be taken as JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonError {
    /// Not JSON data: a cycle or nesting deeper than 128 levels, a BigInt,
    /// or a member that throws when read.
    NotJson,
    /// Its JSON text would be longer than the bound.
    TooLarge,
}

/// Nesting deeper than this is refused (a cycle ends here too).
const MAX_DEPTH: usize = 128;

/// The JSON value `JSON.stringify` would write for `value`, read directly
/// from the JS value (no text in between): members that are `undefined`,
/// functions or symbols are left out of objects and become `null` in
/// arrays, and NaN and ±Infinity become `null`, as in JSON. (`toJSON`
/// methods are not called: a `Date` becomes `{}`.) A BigInt, a cycle or
/// nesting deeper than 128 levels is not JSON.
///
/// `max_bytes` bounds the size of that JSON text, checked as the value is
/// walked: every string (member names included) is measured in UTF-16 code
/// units, never more than its UTF-8 bytes, before it is copied into
/// WebAssembly memory, and the walk stops as soon as the running total
/// passes the bound. The total never exceeds the text's length (a number
/// counts as one character, escapes as none), so a value whose JSON text
/// fits is never refused.
pub(crate) fn json(value: &JsValue, max_bytes: usize) -> Result<serde_json::Value, JsonError> {
    if is_skipped(value) {
        // JSON.stringify(undefined) is undefined, not JSON text.
        return Err(JsonError::NotJson);
    }
    Budget { left: max_bytes }.convert(value, 0)
}

/// What is left of the size bound.
struct Budget {
    left: usize,
}

impl Budget {
    fn charge(&mut self, bytes: usize) -> Result<(), JsonError> {
        self.left = self.left.checked_sub(bytes).ok_or(JsonError::TooLarge)?;
        Ok(())
    }

    /// A string, measured before it is copied.
    fn string(&mut self, text: &JsString) -> Result<String, JsonError> {
        self.charge(text.length() as usize + 2)?;
        Ok(String::from(text))
    }

    fn convert(&mut self, value: &JsValue, depth: usize) -> Result<serde_json::Value, JsonError> {
        use serde_json::Value;
        if let Some(text) = value.dyn_ref::<JsString>() {
            return self.string(text).map(Value::String);
        }
        if value.is_null() {
            self.charge(4)?;
            return Ok(Value::Null);
        }
        if let Some(flag) = value.as_bool() {
            self.charge(4)?;
            return Ok(Value::Bool(flag));
        }
        if let Some(number) = value.as_f64() {
            self.charge(1)?;
            // Integers within JS's safe range stay integers, as JSON writes them.
            const SAFE: f64 = 9_007_199_254_740_991.0;
            return Ok(if number.fract() == 0.0 && number.abs() <= SAFE {
                Value::from(number as i64)
            } else {
                serde_json::Number::from_f64(number).map_or(Value::Null, Value::Number)
            });
        }
        if !value.is_object() || value.is_bigint() {
            // A BigInt (JSON.stringify throws on one) or a skipped value.
            return Err(JsonError::NotJson);
        }
        self.charge(2)?; // the brackets or braces
        if depth >= MAX_DEPTH {
            return Err(JsonError::NotJson);
        }
        if let Some(array) = value.dyn_ref::<Array>() {
            let mut items = Vec::with_capacity(array.length().min(1024) as usize);
            for (index, item) in array.iter().enumerate() {
                if index > 0 {
                    self.charge(1)?; // the comma
                }
                items.push(if is_skipped(&item) {
                    self.charge(4)?;
                    Value::Null
                } else {
                    self.convert(&item, depth + 1)?
                });
            }
            return Ok(Value::Array(items));
        }
        let mut object = serde_json::Map::new();
        for name in Object::keys(value.unchecked_ref::<Object>()).iter() {
            let member = Reflect::get(value, &name).map_err(|_| JsonError::NotJson)?;
            if is_skipped(&member) {
                continue;
            }
            let name = name.dyn_ref::<JsString>().ok_or(JsonError::NotJson)?;
            let name = self.string(name)?;
            // The colon, and the comma before every member but the first.
            self.charge(if object.is_empty() { 1 } else { 2 })?;
            let member = self.convert(&member, depth + 1)?;
            object.insert(name, member);
        }
        Ok(Value::Object(object))
    }
}

/// Whether `JSON.stringify` skips the value (in objects) or writes `null` (in arrays).
fn is_skipped(value: &JsValue) -> bool {
    value.is_undefined() || value.is_function() || value.is_symbol()
}
