//! Checks arguments against the API's documented rules before anything is
//! sent (webhooks-api.md §1.3–§2).

use crate::error::{Error, ErrorCode};
use serde_json::{Map, Value};
use std::fmt;

/// A broken rule: which field, which rule, and a message saying how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The field, with a path for nested ones (`config.delay`).
    pub field: String,
    /// A stable rule name, for example `max_length`.
    pub rule: &'static str,
    /// The message.
    pub message: String,
}

impl ValidationError {
    fn new(field: &str, rule: &'static str, message: impl Into<String>) -> Self {
        ValidationError {
            field: field.to_owned(),
            rule,
            message: message.into(),
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<ValidationError> for Error {
    fn from(err: ValidationError) -> Self {
        Error::new(ErrorCode::Validation, err.message)
    }
}

type Result<T> = std::result::Result<T, ValidationError>;

/// Maximum title length (characters).
pub const TITLE_MAX: usize = 100;
/// Maximum URL length (characters).
pub const URL_MAX: usize = 1000;
/// `max_package_size` bounds in bytes.
pub const PACKAGE_SIZE: (i64, i64) = (100, 1_048_576);
/// `limit` bounds.
pub const LIMIT: (i64, i64) = (0, 1000);
/// Sort fields of `GET /webhooks`.
pub const SORT_FIELDS: &[&str] = &["created_at", "updated_at", "title", "url", "enabled"];
/// Sort orders.
pub const ORDERS: &[&str] = &["ASC", "DESC"];

/// Whether `s` is a UUID (8-4-4-4-12 hex digits, any version).
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// Checks a path id such as `webhook_id`.
pub fn check_id(field: &str, value: &str) -> Result<()> {
    if is_uuid(value) {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            "uuid",
            format!("{field} must be a UUID like 9df39835-be87-4243-9018-f2500b39cee6"),
        ))
    }
}

/// Which webhook URLs are acceptable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UrlPolicy {
    /// Also accept `http://localhost`, `http://127.0.0.1` and `http://[::1]`
    /// (for local emulators; Upvest itself requires https).
    pub allow_http_loopback: bool,
}

/// Validates a create body: `title` and `url` required; `type`, `config`,
/// `exclude_type` optional; nothing else.
pub fn check_create(body: &Value) -> Result<Value> {
    check_create_with(body, UrlPolicy::default())
}

/// [`check_create`] with a URL policy.
pub fn check_create_with(body: &Value, urls: UrlPolicy) -> Result<Value> {
    let object = as_object("body", body)?;
    only_fields(object, &["title", "url", "type", "config", "exclude_type"])?;
    for required in ["title", "url"] {
        if !object.contains_key(required) {
            return Err(ValidationError::new(
                required,
                "required",
                format!("{required} is required to create a webhook"),
            ));
        }
    }
    check_fields(object, urls)?;
    Ok(body.clone())
}

/// Validates an update body: any of `title`, `url`, `enabled`, `type`,
/// `config`, `exclude_type`, at least one.
pub fn check_update(body: &Value) -> Result<Value> {
    check_update_with(body, UrlPolicy::default())
}

/// [`check_update`] with a URL policy.
pub fn check_update_with(body: &Value, urls: UrlPolicy) -> Result<Value> {
    let object = as_object("body", body)?;
    only_fields(
        object,
        &["title", "url", "enabled", "type", "config", "exclude_type"],
    )?;
    if object.is_empty() {
        return Err(ValidationError::new(
            "body",
            "non_empty",
            "an update needs at least one of title, url, enabled, type, config",
        ));
    }
    if let Some(enabled) = object.get("enabled")
        && !enabled.is_boolean()
    {
        return Err(ValidationError::new(
            "enabled",
            "type",
            "enabled must be true or false",
        ));
    }
    check_fields(object, urls)?;
    Ok(body.clone())
}

fn check_fields(object: &Map<String, Value>, urls: UrlPolicy) -> Result<()> {
    if let Some(title) = object.get("title") {
        let title = string("title", title)?;
        if title.chars().count() > TITLE_MAX {
            return Err(ValidationError::new(
                "title",
                "max_length",
                format!("title must be at most {TITLE_MAX} characters"),
            ));
        }
    }
    if let Some(url) = object.get("url") {
        let url = string("url", url)?;
        if url.chars().count() > URL_MAX {
            return Err(ValidationError::new(
                "url",
                "max_length",
                format!("url must be at most {URL_MAX} characters"),
            ));
        }
        let authority = |rest: &'_ str| {
            rest.split(['/', '?', '#'])
                .next()
                .unwrap_or_default()
                .to_owned()
        };
        let https = url
            .strip_prefix("https://")
            .map(authority)
            .filter(|host| !host.is_empty());
        let loopback = url
            .strip_prefix("http://")
            .map(authority)
            .filter(|_| urls.allow_http_loopback)
            .filter(|host| {
                let name = host
                    .rsplit_once(':')
                    .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
                    .map_or(host.as_str(), |(name, _)| name);
                matches!(name, "localhost" | "127.0.0.1" | "[::1]")
            });
        if https.is_none() && loopback.is_none() {
            return Err(ValidationError::new(
                "url",
                "https",
                "url must be an https:// URL with a host (Upvest delivers over HTTPS only)",
            ));
        }
    }
    for field in ["type", "exclude_type"] {
        if let Some(list) = object.get(field) {
            let items = list.as_array().ok_or_else(|| {
                ValidationError::new(
                    field,
                    "type",
                    format!("{field} must be an array of event categories such as [\"ORDER\"]"),
                )
            })?;
            if field == "type" && items.is_empty() {
                return Err(ValidationError::new(
                    field,
                    "non_empty",
                    "type must list at least one category, or [\"ALL\"]",
                ));
            }
            if items
                .iter()
                .any(|item| item.as_str().is_none_or(str::is_empty))
            {
                return Err(ValidationError::new(
                    field,
                    "type",
                    format!("{field} must contain non-empty strings"),
                ));
            }
        }
    }
    if let Some(config) = object.get("config") {
        let config = as_object("config", config)?;
        only_fields_in("config", config, &["delay", "max_package_size"])?;
        if let Some(delay) = config.get("delay") {
            let delay = string("config.delay", delay)?;
            if !is_delay(delay) {
                return Err(ValidationError::new(
                    "config.delay",
                    "pattern",
                    "config.delay must match ^[1-9][0-9]?[sm]$, for example \"5s\" or \"1m\"",
                ));
            }
        }
        if let Some(size) = config.get("max_package_size") {
            let (min, max) = PACKAGE_SIZE;
            integer_in("config.max_package_size", size, min, max)?;
        }
    }
    Ok(())
}

/// `^[1-9][0-9]?[sm]$`
fn is_delay(delay: &str) -> bool {
    let bytes = delay.as_bytes();
    let (digits, unit) = match bytes.split_last() {
        Some((unit, digits)) => (digits, *unit),
        None => return false,
    };
    matches!(unit, b's' | b'm')
        && matches!(digits, [first] | [first, _] if (b'1'..=b'9').contains(first))
        && digits.iter().all(u8::is_ascii_digit)
}

/// Parameters of `GET /webhooks`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListParams {
    /// Page size, 0…1000.
    pub limit: Option<i64>,
    /// Items to skip.
    pub offset: Option<i64>,
    /// Sort field.
    pub sort: Option<String>,
    /// `ASC` or `DESC`.
    pub order: Option<String>,
}

impl ListParams {
    /// The query pairs, in a fixed order, omitting unset values.
    pub fn query(&self) -> Vec<(String, String)> {
        let mut query = Vec::new();
        if let Some(limit) = self.limit {
            query.push(("limit".to_owned(), limit.to_string()));
        }
        if let Some(offset) = self.offset {
            query.push(("offset".to_owned(), offset.to_string()));
        }
        if let Some(sort) = &self.sort {
            query.push(("sort".to_owned(), sort.clone()));
        }
        if let Some(order) = &self.order {
            query.push(("order".to_owned(), order.clone()));
        }
        query
    }
}

/// Validates list parameters; `extra` names fields the caller may add (such as `pageSize`).
pub fn check_list(params: &Value, extra: &[&str]) -> Result<ListParams> {
    if params.is_null() {
        return Ok(ListParams::default());
    }
    let object = as_object("params", params)?;
    let mut allowed = vec!["limit", "offset", "sort", "order"];
    allowed.extend_from_slice(extra);
    only_fields(object, &allowed)?;
    let integer = |field: &str, min: i64, max: i64| -> Result<Option<i64>> {
        match object.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => integer_in(field, value, min, max).map(Some),
        }
    };
    let choice = |field: &str, choices: &[&str]| -> Result<Option<String>> {
        match object.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if choices.contains(&s.as_str()) => Ok(Some(s.clone())),
            Some(_) => Err(ValidationError::new(
                field,
                "enum",
                format!("{field} must be one of {}", choices.join(", ")),
            )),
        }
    };
    Ok(ListParams {
        limit: integer("limit", LIMIT.0, LIMIT.1)?,
        offset: integer("offset", 0, i64::from(i32::MAX))?,
        sort: choice("sort", SORT_FIELDS)?,
        order: choice("order", ORDERS)?,
    })
}

/// An integer within `min..=max`: a non-number breaks rule `type`, anything
/// else outside (fractions included) rule `range`.
fn integer_in(field: &str, value: &Value, min: i64, max: i64) -> Result<i64> {
    if !value.is_number() {
        return Err(ValidationError::new(
            field,
            "type",
            format!("{field} must be a number"),
        ));
    }
    value
        .as_i64()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            ValidationError::new(
                field,
                "range",
                format!("{field} must be an integer from {min} to {max}"),
            )
        })
}

fn as_object<'a>(field: &str, value: &'a Value) -> Result<&'a Map<String, Value>> {
    value
        .as_object()
        .ok_or_else(|| ValidationError::new(field, "type", format!("{field} must be an object")))
}

fn string<'a>(field: &str, value: &'a Value) -> Result<&'a str> {
    value
        .as_str()
        .ok_or_else(|| ValidationError::new(field, "type", format!("{field} must be a string")))
}

fn only_fields(object: &Map<String, Value>, allowed: &[&str]) -> Result<()> {
    only_fields_in("", object, allowed)
}

fn only_fields_in(prefix: &str, object: &Map<String, Value>, allowed: &[&str]) -> Result<()> {
    match object.keys().find(|key| !allowed.contains(&key.as_str())) {
        Some(unknown) => {
            let field = if prefix.is_empty() {
                unknown.clone()
            } else {
                format!("{prefix}.{unknown}")
            };
            Err(ValidationError::new(
                &field,
                "unknown_field",
                format!(
                    "{field} is not a field the API accepts here (allowed: {})",
                    allowed.join(", ")
                ),
            ))
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(result: Result<Value>) -> (String, &'static str) {
        let err = result.unwrap_err();
        (err.field, err.rule)
    }

    #[test]
    fn accepts_the_documented_create_example() {
        let body = json!({"title":"User webhook","url":"https://tenant.tld/webhooks/users","type":["USER"],"config":{"delay":"5s","max_package_size":10240}});
        assert_eq!(check_create(&body).unwrap(), body);
    }

    #[test]
    fn enforces_title_and_url_rules() {
        let long = "x".repeat(101);
        assert_eq!(
            rule(check_create(&json!({"url":"https://a.b"}))),
            ("title".into(), "required")
        );
        assert_eq!(
            rule(check_create(&json!({"title":long,"url":"https://a.b"}))),
            ("title".into(), "max_length")
        );
        assert!(check_create(&json!({"title":"é".repeat(100),"url":"https://a.b"})).is_ok());
        assert_eq!(
            rule(check_create(&json!({"title":"t","url":"http://a.b"}))),
            ("url".into(), "https")
        );
        assert_eq!(
            rule(check_create(&json!({"title":"t","url":"https://"}))),
            ("url".into(), "https")
        );
        let long_url = format!("https://a.b/{}", "x".repeat(1000));
        assert_eq!(
            rule(check_create(&json!({"title":"t","url":long_url}))),
            ("url".into(), "max_length")
        );
    }

    #[test]
    fn allows_http_only_to_loopback_and_only_when_asked() {
        let body = |url: &str| json!({"title":"t","url":url});
        let local = UrlPolicy {
            allow_http_loopback: true,
        };
        for url in [
            "http://localhost:8080/hooks",
            "http://127.0.0.1/x",
            "http://[::1]:9/",
        ] {
            assert!(check_create_with(&body(url), local).is_ok(), "{url}");
            assert_eq!(rule(check_create(&body(url))), ("url".into(), "https"));
        }
        for url in [
            "http://example.com/",
            "http://localhost.evil.com/",
            "http://127.0.0.1.nip.io/",
        ] {
            assert_eq!(
                rule(check_create_with(&body(url), local)),
                ("url".into(), "https"),
                "{url}"
            );
        }
    }

    #[test]
    fn enforces_delay_pattern_and_package_size_range() {
        for ok in ["1s", "5s", "99m", "30s"] {
            assert!(is_delay(ok), "{ok}");
        }
        for bad in ["0s", "100s", "5h", "s", "", "05s", "5", "1.5s", "５s"] {
            assert!(!is_delay(bad), "{bad}");
        }
        let with =
            |config: Value| check_create(&json!({"title":"t","url":"https://a.b","config":config}));
        assert_eq!(
            rule(with(json!({"delay":"0s"}))),
            ("config.delay".into(), "pattern")
        );
        assert_eq!(
            rule(with(json!({"max_package_size":99}))),
            ("config.max_package_size".into(), "range")
        );
        assert_eq!(
            rule(with(json!({"max_package_size":1_048_577}))),
            ("config.max_package_size".into(), "range")
        );
        assert!(with(json!({"max_package_size":100})).is_ok());
        assert!(with(json!({"max_package_size":1_048_576})).is_ok());
        assert_eq!(
            rule(with(json!({"retries":1}))),
            ("config.retries".into(), "unknown_field")
        );
    }

    #[test]
    fn enforces_type_lists() {
        let with = |t: Value| check_create(&json!({"title":"t","url":"https://a.b","type":t}));
        assert_eq!(rule(with(json!([]))), ("type".into(), "non_empty"));
        assert_eq!(rule(with(json!("ORDER"))), ("type".into(), "type"));
        assert_eq!(rule(with(json!([1]))), ("type".into(), "type"));
        assert!(with(json!(["ORDER", "FUTURE_CATEGORY"])).is_ok());
    }

    #[test]
    fn update_needs_a_known_field_and_a_boolean_enabled() {
        assert!(check_update(&json!({"enabled": true})).is_ok());
        assert_eq!(rule(check_update(&json!({}))), ("body".into(), "non_empty"));
        assert_eq!(
            rule(check_update(&json!({"enabled": "yes"}))),
            ("enabled".into(), "type")
        );
        assert_eq!(
            rule(check_update(&json!({"id": "x"}))),
            ("id".into(), "unknown_field")
        );
    }

    #[test]
    fn checks_list_parameters() {
        let params = check_list(
            &json!({"limit":1000,"offset":0,"sort":"title","order":"DESC"}),
            &[],
        )
        .unwrap();
        assert_eq!(
            params.query(),
            vec![
                ("limit".into(), "1000".into()),
                ("offset".into(), "0".into()),
                ("sort".into(), "title".into()),
                ("order".into(), "DESC".into())
            ]
        );
        assert_eq!(
            check_list(&json!({"limit":1001}), &[]).unwrap_err().rule,
            "range"
        );
        assert_eq!(
            check_list(&json!({"limit":-1}), &[]).unwrap_err().rule,
            "range"
        );
        assert_eq!(
            check_list(&json!({"offset":-1}), &[]).unwrap_err().rule,
            "range"
        );
        assert_eq!(
            check_list(&json!({"sort":"id"}), &[]).unwrap_err().rule,
            "enum"
        );
        assert_eq!(
            check_list(&json!({"order":"asc"}), &[]).unwrap_err().rule,
            "enum"
        );
        assert_eq!(
            check_list(&json!({"pageSize":5}), &[]).unwrap_err().rule,
            "unknown_field"
        );
        assert!(check_list(&json!({"pageSize":5}), &["pageSize"]).is_ok());
        assert_eq!(
            check_list(&Value::Null, &[]).unwrap(),
            ListParams::default()
        );
    }

    #[test]
    fn ids_must_be_uuids() {
        assert!(check_id("webhook_id", "9df39835-be87-4243-9018-f2500b39cee6").is_ok());
        for bad in [
            "",
            "9df39835be874243901 8f2500b39cee6",
            "../auth/token",
            "9df39835-be87-4243-9018-f2500b39cee6x",
        ] {
            assert_eq!(check_id("webhook_id", bad).unwrap_err().rule, "uuid");
        }
    }
}
