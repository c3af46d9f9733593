//! The delivery body: `{"payload":[event, …]}`.

use crate::error::{Error, ErrorCode, Result};
use serde::Deserialize;
use serde_json::Value;

/// One webhook event, as Upvest's OpenAPI `x-webhooks` describes it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Event {
    /// Event id; deduplicate on it.
    pub id: String,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// `CATEGORY.ACTION`, for example `ORDER.FILLED`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The resource snapshot; its shape depends on the category.
    pub object: Value,
    /// The subscription that delivered it.
    pub webhook_id: String,
}

/// The body as text: JSON is UTF-8 (RFC 8259 §8.1). Checked on its own
/// because serde skips the strings it ignores (such as `object`) without
/// validating them.
fn text(body: &[u8]) -> Result<&str> {
    std::str::from_utf8(body).map_err(|e| {
        Error::new(
            ErrorCode::PayloadInvalid,
            format!("the body is not valid UTF-8 JSON ({e})"),
        )
    })
}

/// Parses and checks a delivery body. Unknown fields are tolerated. The
/// same rules as the verifier's check of `JSON.parse`'s result
/// (`pkg/src/body.js`): the body and each event are JSON objects (a
/// member named twice keeps its last value, as in `JSON.parse`), and
/// `payload` is an array.
pub fn parse_events(body: &[u8]) -> Result<Vec<Event>> {
    let invalid = |why: String| Error::new(ErrorCode::PayloadInvalid, why);
    let shape = |why: &str| {
        invalid(format!(
            "the body is not the expected JSON {{\"payload\":[…]}} ({why})"
        ))
    };
    let doc: Value = serde_json::from_str(text(body)?).map_err(|e| shape(&e.to_string()))?;
    let Value::Object(mut doc) = doc else {
        return Err(shape("it is not a JSON object"));
    };
    let Some(Value::Array(payload)) = doc.remove("payload") else {
        return Err(shape("its payload is missing or not an array"));
    };
    payload
        .into_iter()
        .enumerate()
        .map(|(index, value)| {
            let Value::Object(event) = value else {
                return Err(invalid(format!("event #{index} is not an object")));
            };
            from_object(event).map_err(|e| {
                invalid(format!("event #{index} is not an object with id, created_at, type, object and webhook_id ({e})"))
            })
        })
        .collect()
}

/// An event from its members, as `serde_json::from_value` reads it (unknown
/// members ignored, a missing one refused, the four strings strings), by
/// hand: serde's typed path reports a wrong type through `Unexpected`, whose
/// `Display` formats floats and so brought core's float formatting (about
/// 10 KB gzipped) into the verifier's .wasm.
fn from_object(mut event: serde_json::Map<String, Value>) -> std::result::Result<Event, String> {
    let mut take = |name: &str| event.remove(name).ok_or(format!("missing field `{name}`"));
    let [id, created_at, event_type, object, webhook_id] =
        ["id", "created_at", "type", "object", "webhook_id"].map(&mut take);
    let string = |member: std::result::Result<Value, String>| match member? {
        Value::String(s) => Ok(s),
        Value::Null => Err("invalid type: null, expected a string".to_owned()),
        Value::Bool(b) => Err(format!("invalid type: boolean `{b}`, expected a string")),
        Value::Number(n) if n.is_f64() => {
            Err("invalid type: floating point, expected a string".to_owned())
        }
        Value::Number(n) => Err(format!("invalid type: integer `{n}`, expected a string")),
        Value::Array(_) => Err("invalid type: sequence, expected a string".to_owned()),
        Value::Object(_) => Err("invalid type: map, expected a string".to_owned()),
    };
    Ok(Event {
        id: string(id)?,
        created_at: string(created_at)?,
        event_type: string(event_type)?,
        object: object?,
        webhook_id: string(webhook_id)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_read_as_serde_json_from_value_reads_them() {
        let event = r#"{"id":"a","created_at":"b","type":"c","object":{"x":[1.5]},"webhook_id":"d","extra":1}"#;
        let mut bodies = vec![event.to_owned()];
        for (from, to) in [
            ("\"a\"", "1"),
            ("\"a\"", "1.5"),
            ("\"a\"", "null"),
            ("\"a\"", "true"),
            ("\"b\"", "[]"),
            ("\"d\"", "{}"),
            ("\"id\"", "\"i\\u0064\""),
            ("\"id\"", "\"ID\""),
            ("\"type\"", "\"id\""),
            ("\"object\"", "\"webhook_id\""),
            ("{\"x\":[1.5]}", "null"),
            (",\"webhook_id\":\"d\"", ""),
            ("\"d\",", "\"d\",\"id\":\"e\","),
            ("\"d\",", "\"d\",\"id\":2,"),
            ("\"id\":\"a\",", ""),
        ] {
            bodies.push(event.replacen(from, to, 1));
        }
        for text in bodies {
            let Ok(Value::Object(map)) = serde_json::from_str::<Value>(&text) else {
                panic!("{text}");
            };
            let ours = from_object(map.clone()).ok();
            let serdes = serde_json::from_value::<Event>(Value::Object(map)).ok();
            assert_eq!(ours, serdes, "{text}");
        }
    }

    const EVENT: &str = r#"{"id":"8962b496-8d42-4560-bfab-10490dd1a724","created_at":"2021-07-21T14:10:00.00Z","type":"POSITION.UPDATED","object":{"quantity":"10.4"},"webhook_id":"9df39835-be87-4243-9018-f2500b39cee6","extra":1}"#;

    #[test]
    fn parses_the_payload_envelope() {
        let events = parse_events(format!("{{\"payload\":[{EVENT},{EVENT}]}}").as_bytes()).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].event_type, "POSITION.UPDATED");
        assert_eq!(events[0].object["quantity"], "10.4");
        assert!(parse_events(br#"{"payload":[]}"#).unwrap().is_empty());
    }

    #[test]
    fn rejects_other_shapes() {
        for body in [
            &b""[..],
            b"[]",
            b"{}",
            b"{\"payload\":{}}",
            b"{\"payload\":[1]}",
            b"{\"payload\":[{\"id\":\"x\"}]}",
            b"\xff",
            // serde would read a struct from an array; a delivery is objects only
            b"[[]]",
            b"{\"payload\":[[\"i\",\"c\",\"t\",{},\"w\"]]}",
        ] {
            assert_eq!(
                parse_events(body).unwrap_err().code(),
                ErrorCode::PayloadInvalid
            );
        }
    }

    #[test]
    fn a_body_that_is_not_utf8_is_rejected_wherever_the_bad_bytes_are() {
        // Finding 5 of the second security round: serde skipped `object`
        // without validating it (the verifier now checks the shape of
        // JSON.parse's result, pkg/src/body.js; tests/js/body.test.mjs).
        let body = format!("{{\"payload\":[{EVENT}]}}").into_bytes();
        let bad_sequences: [&[u8]; 5] = [
            b"\xff",
            b"\xc3",
            b"\xed\xa0\x80",
            b"\xf4\x90\x80\x80",
            b"\xc0\xaf",
        ];
        let mut checked = 0;
        for at in (0..=body.len()).filter(|i| body.get(i.saturating_sub(1)) == Some(&b'"')) {
            for bad in bad_sequences {
                let mut mutated = body.clone();
                mutated.splice(at..at, bad.iter().copied());
                assert_eq!(
                    parse_events(&mutated).unwrap_err().code(),
                    ErrorCode::PayloadInvalid,
                    "{}",
                    String::from_utf8_lossy(&mutated)
                );
                checked += 1;
            }
        }
        // inside every string of the event, `object`'s included
        assert!(checked > 50, "{checked}");
    }
}
