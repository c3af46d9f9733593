//! The delivery body: `{"payload":[event, …]}`.

use crate::error::{Error, ErrorCode, Result};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;
use std::borrow::Cow;

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

#[derive(Deserialize)]
struct Envelope {
    payload: Vec<Value>,
}

/// The shape of an event, checked without building it (the verifier's hot
/// path hands the body to `JSON.parse` afterwards).
#[derive(Deserialize)]
#[allow(dead_code)] // fields exist to be type-checked by serde, not read
struct EventShape<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    created_at: Cow<'a, str>,
    #[serde(borrow, rename = "type")]
    event_type: Cow<'a, str>,
    object: IgnoredAny,
    #[serde(borrow)]
    webhook_id: Cow<'a, str>,
}

#[derive(Deserialize)]
struct EnvelopeShape<'a> {
    #[serde(borrow)]
    payload: Vec<EventShape<'a>>,
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

/// Checks that a delivery body has the shape [`parse_events`] accepts,
/// without building the events; returns the body as text (valid UTF-8 JSON,
/// which the boundary hands to `JSON.parse`) and the number of events.
pub fn check_events(body: &[u8]) -> Result<(&str, usize)> {
    let text = text(body)?;
    let envelope: EnvelopeShape<'_> = serde_json::from_str(text).map_err(|e| {
        Error::new(
            ErrorCode::PayloadInvalid,
            format!("the body is not the expected JSON {{\"payload\":[{{id, created_at, type, object, webhook_id}}, …]}} ({e})"),
        )
    })?;
    Ok((text, envelope.payload.len()))
}

/// Parses and checks a delivery body. Unknown fields are tolerated.
pub fn parse_events(body: &[u8]) -> Result<Vec<Event>> {
    let invalid = |why: String| Error::new(ErrorCode::PayloadInvalid, why);
    let envelope: Envelope = serde_json::from_str(text(body)?).map_err(|e| {
        invalid(format!(
            "the body is not the expected JSON {{\"payload\":[…]}} ({e})"
        ))
    })?;
    envelope
        .payload
        .into_iter()
        .enumerate()
        .map(|(index, value)| {
            serde_json::from_value(value).map_err(|e| {
                invalid(format!("event #{index} is not an object with id, created_at, type, object and webhook_id ({e})"))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        ] {
            assert_eq!(
                parse_events(body).unwrap_err().code(),
                ErrorCode::PayloadInvalid
            );
            assert_eq!(
                check_events(body).unwrap_err().code(),
                ErrorCode::PayloadInvalid
            );
        }
    }

    #[test]
    fn the_shape_check_agrees_with_the_parser() {
        let without = |field: &str| {
            let mut event: Value = serde_json::from_str(EVENT).unwrap();
            event.as_object_mut().unwrap().remove(field);
            format!("{{\"payload\":[{event}]}}")
        };
        let mut bodies = vec![
            format!("{{\"payload\":[{EVENT},{EVENT}]}}"),
            r#"{"payload":[]}"#.to_owned(),
            format!("{{\"payload\":[{}]}}", EVENT.replace("\"10.4\"", "null")),
        ];
        bodies.extend(["id", "created_at", "type", "object", "webhook_id"].map(without));
        bodies.push(EVENT.replace("\"POSITION.UPDATED\"", "7"));
        bodies.push(format!(
            "{{\"payload\":[{}]}}",
            EVENT.replace("\"POSITION.UPDATED\"", "\"ESC\\u0041PED\"")
        ));
        for body in bodies {
            assert_eq!(
                parse_events(body.as_bytes()).map(|e| e.len()).ok(),
                check_events(body.as_bytes()).ok().map(|(_, count)| count),
                "{body}"
            );
        }
    }

    #[test]
    fn a_body_that_is_not_utf8_is_rejected_wherever_the_bad_bytes_are() {
        // Finding 5 of the second security round: serde skipped `object`
        // without validating it, so the shape check passed and JSON.parse
        // later failed, leaving `events` undefined on a "verified" delivery.
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
                    check_events(&mutated).unwrap_err().code(),
                    ErrorCode::PayloadInvalid,
                    "{}",
                    String::from_utf8_lossy(&mutated)
                );
                assert_eq!(
                    parse_events(&mutated).unwrap_err().code(),
                    ErrorCode::PayloadInvalid
                );
                checked += 1;
            }
        }
        // inside every string of the event, `object`'s included
        assert!(checked > 50, "{checked}");
    }
}
