//! Checks arguments against the API's documented rules before anything is
//! sent (webhooks-api.md §1.3–§2). The webhook body rules are the table of
//! `tests/fixtures/webhook-validation.json`, which the emulator
//! (`pkg/emulator/validation.mjs`) passes too; the tests below run it.

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
#[cfg(test)]
fn check_create(body: &Value) -> Result<Value> {
    check_create_with(body, UrlPolicy::default())
}

/// Validates a create body: `title` and `url` required; `type`, `config`,
/// `exclude_type` optional; nothing else. `urls` says which URLs are allowed.
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
#[cfg(test)]
fn check_update(body: &Value) -> Result<Value> {
    check_update_with(body, UrlPolicy::default())
}

/// Validates an update body: any of `title`, `url`, `enabled`, `type`,
/// `config`, `exclude_type`, at least one. `urls` says which URLs are allowed.
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
        let (scheme, host) = url_host(url);
        let loopback = urls.allow_http_loopback && is_loopback(&host);
        if host.is_empty() || !(scheme == "https" || (scheme == "http" && loopback)) {
            return Err(ValidationError::new(
                "url",
                "https",
                "url must be an https:// URL with a host (Upvest delivers over HTTPS only)",
            ));
        }
        if !loopback && is_ip_host(&host) {
            return Err(ValidationError::new(
                "url",
                "https",
                "url must name its host by a DNS name, not an IP address (Upvest's rule)",
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
            if field == "exclude_type"
                && items
                    .iter()
                    .any(|item| !item.as_str().is_some_and(is_event_type))
            {
                return Err(ValidationError::new(
                    field,
                    "pattern",
                    "exclude_type must list event types such as \"ORDER.NEW\"",
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

/// The scheme (lowercase) and host of an absolute URL: the host lowercase,
/// without userinfo or port, IPv6 literals with their brackets; an empty
/// host when there is none.
fn url_host(url: &str) -> (String, String) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (String::new(), String::new());
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        host_port
            .find(']')
            .map_or(host_port, |end| &host_port[..=end])
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    (scheme.to_ascii_lowercase(), host.to_ascii_lowercase())
}

/// `localhost`, `127.0.0.1` or `[::1]`.
fn is_loopback(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

/// Whether a host is an IP address: an IPv6 literal, or a host whose last
/// label is numeric (decimal or `0x` hex), which URL parsers read as IPv4.
fn is_ip_host(host: &str) -> bool {
    if host.starts_with('[') {
        return true;
    }
    let last = host
        .strip_suffix('.')
        .unwrap_or(host)
        .rsplit('.')
        .next()
        .unwrap_or_default();
    let hex = last.strip_prefix("0x").unwrap_or(last);
    !last.is_empty()
        && (last.bytes().all(|b| b.is_ascii_digit())
            || (last.starts_with("0x") && hex.bytes().all(|b| b.is_ascii_hexdigit())))
}

/// `CATEGORY.ACTION`: `^[A-Z][A-Z0-9_]*\.[A-Z][A-Z0-9_]*$`.
fn is_event_type(s: &str) -> bool {
    let word = |w: &str| {
        w.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
            && w.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    };
    s.split_once('.')
        .is_some_and(|(category, action)| word(category) && word(action))
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
#[path = "validate_tests.rs"]
mod tests;
