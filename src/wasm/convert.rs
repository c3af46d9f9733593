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
        Ok(format!("{n}"))
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
            &format!("the body is {length} bytes"),
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
