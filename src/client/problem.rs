//! Error responses: `application/problem+json` (RFC 7807) as Upvest sends
//! them, mapped to stable codes by HTTP status.

use crate::error::{Error, ErrorCode};
use serde::Deserialize;

/// An unsuccessful API response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The stable code, chosen by status (never by the body's `type`).
    pub code: ErrorCode,
    /// The HTTP status.
    pub status: u16,
    /// The problem `type` (a URL or a short code; opaque).
    pub problem_type: Option<String>,
    /// The problem `title`.
    pub title: Option<String>,
    /// The problem `detail`.
    pub detail: Option<String>,
    /// The problem `instance`.
    pub instance: Option<String>,
    /// The problem `request_id`.
    pub request_id: Option<String>,
    /// The `upvest-request-id` response header.
    pub upvest_request_id: Option<String>,
    /// The message.
    pub message: String,
}

#[derive(Deserialize, Default)]
struct Problem {
    #[serde(rename = "type")]
    problem_type: Option<serde_json::Value>,
    title: Option<serde_json::Value>,
    detail: Option<serde_json::Value>,
    instance: Option<serde_json::Value>,
    request_id: Option<serde_json::Value>,
}

fn text(value: Option<serde_json::Value>) -> Option<String> {
    match value? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// The code for an unsuccessful status.
pub fn code_for_status(status: u16) -> ErrorCode {
    match status {
        400 => ErrorCode::ApiBadRequest,
        401 => ErrorCode::ApiUnauthorized,
        403 => ErrorCode::ApiForbidden,
        404 => ErrorCode::ApiNotFound,
        406 => ErrorCode::ApiNotAcceptable,
        429 => ErrorCode::ApiRateLimited,
        500..=599 => ErrorCode::ApiServerError,
        _ => ErrorCode::ApiUnexpectedStatus,
    }
}

impl ApiError {
    /// Builds the error for `status` from a response body of any kind (JSON
    /// problem, other JSON, HTML, nothing). `operation` names the call.
    pub fn from_response(
        operation: &str,
        status: u16,
        body: &[u8],
        upvest_request_id: Option<String>,
    ) -> Self {
        let problem: Problem = serde_json::from_slice(body).unwrap_or_default();
        let (problem_type, title, detail, instance, request_id) = (
            text(problem.problem_type),
            text(problem.title),
            text(problem.detail),
            text(problem.instance),
            text(problem.request_id),
        );
        let code = code_for_status(status);
        let mut message = format!("{operation} failed: Upvest answered HTTP {status}");
        match (&title, &detail) {
            (Some(title), Some(detail)) => message.push_str(&format!(" ({title}: {detail})")),
            (Some(one), None) | (None, Some(one)) => message.push_str(&format!(" ({one})")),
            (None, None) => {
                if let Some(kind) = &problem_type {
                    message.push_str(&format!(" ({kind})"));
                }
            }
        }
        message.push_str(match code {
            ErrorCode::ApiUnauthorized => {
                "; check the client id, client secret, key id and private key"
            }
            ErrorCode::ApiForbidden => {
                "; the token lacks a scope for this call (webhooks:read or webhooks:admin)"
            }
            ErrorCode::ApiRateLimited => "; retries were exhausted, slow down",
            _ => "",
        });
        if let Some(id) = upvest_request_id.as_ref().or(request_id.as_ref()) {
            message.push_str(&format!(" [upvest-request-id {id}]"));
        }
        ApiError {
            code,
            status,
            problem_type,
            title,
            detail,
            instance,
            request_id,
            upvest_request_id,
            message,
        }
    }
}

impl From<ApiError> for Error {
    fn from(err: ApiError) -> Self {
        Error::new(err.code, err.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_upvests_documented_problem_body() {
        let body = br#"{"type":"https://docs.upvest.co/errors/missing_idempotency_key","status":400,"title":"Missing idempotency key","request_id":"e7378103-7d45-4052-a049-7c9ac88d041c"}"#;
        let err = ApiError::from_response(
            "create webhook",
            400,
            body,
            Some("e7378103-7d45-4052-a049-7c9ac88d041c".into()),
        );
        assert_eq!(err.code, ErrorCode::ApiBadRequest);
        assert_eq!(
            err.problem_type.as_deref(),
            Some("https://docs.upvest.co/errors/missing_idempotency_key")
        );
        assert_eq!(err.title.as_deref(), Some("Missing idempotency key"));
        assert_eq!(
            err.request_id.as_deref(),
            Some("e7378103-7d45-4052-a049-7c9ac88d041c")
        );
        assert!(err.message.contains("HTTP 400 (Missing idempotency key)"));
    }

    #[test]
    fn classifies_by_status_not_by_type() {
        // The OAS 503 example carries the 405 type (webhooks-api.md §6 #1).
        let err = ApiError::from_response(
            "list webhooks",
            503,
            br#"{"status":503,"type":"method_not_allowed"}"#,
            None,
        );
        assert_eq!(err.code, ErrorCode::ApiServerError);
        assert_eq!(
            ApiError::from_response("x", 302, b"", None).code,
            ErrorCode::ApiUnexpectedStatus
        );
    }

    #[test]
    fn survives_bodies_that_are_not_problems() {
        let err = ApiError::from_response(
            "retrieve webhook",
            502,
            b"<html><body>Bad gateway</body></html>",
            Some("r-1".into()),
        );
        assert_eq!(
            (err.status, err.title, err.upvest_request_id.as_deref()),
            (502, None, Some("r-1"))
        );
        let err = ApiError::from_response("x", 404, br#"{"title":7,"detail":null}"#, None);
        assert_eq!(err.title.as_deref(), Some("7"));
    }
}
