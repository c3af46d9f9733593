//! The operations of webhooks-api.md §1: paths, methods, bodies, validation.

use super::request::{ApiRequest, FORM, JSON};
use super::validate::{
    ListParams, UrlPolicy, ValidationError, check_create_with, check_id, check_update_with,
};
use serde_json::Value;

/// One API operation, validated.
#[derive(Debug, Clone, PartialEq)]
pub enum Operation {
    /// `POST /auth/token` with a form body.
    Token(Vec<u8>),
    /// `GET /auth/verify_keys`.
    VerificationKeys,
    /// `GET /webhooks`.
    List(ListParams),
    /// `POST /webhooks`.
    Create(Value),
    /// `GET /webhooks/{id}`.
    Retrieve(String),
    /// `PATCH /webhooks/{id}`.
    Update(String, Value),
    /// `DELETE /webhooks/{id}`.
    Delete(String),
    /// `POST /webhooks/{id}/test`.
    Test(String),
}

impl Operation {
    /// `create` with a validated body.
    pub fn create(body: &Value, urls: UrlPolicy) -> Result<Self, ValidationError> {
        Ok(Operation::Create(check_create_with(body, urls)?))
    }

    /// `update` with a validated id and body.
    pub fn update(id: &str, body: &Value, urls: UrlPolicy) -> Result<Self, ValidationError> {
        check_id("webhook_id", id)?;
        Ok(Operation::Update(
            id.to_owned(),
            check_update_with(body, urls)?,
        ))
    }

    /// `retrieve`, `delete` or `test` with a validated id.
    pub fn by_id(kind: fn(String) -> Operation, id: &str) -> Result<Self, ValidationError> {
        check_id("webhook_id", id)?;
        Ok(kind(id.to_owned()))
    }

    /// A short name for messages, such as `create webhook`.
    pub fn name(&self) -> &'static str {
        match self {
            Operation::Token(_) => "get access token",
            Operation::VerificationKeys => "get verification keys",
            Operation::List(_) => "list webhooks",
            Operation::Create(_) => "create webhook",
            Operation::Retrieve(_) => "retrieve webhook",
            Operation::Update(..) => "update webhook",
            Operation::Delete(_) => "delete webhook",
            Operation::Test(_) => "test webhook",
        }
    }

    /// The documented success status (any 2xx is accepted).
    pub fn success_status(&self) -> u16 {
        match self {
            Operation::Create(_) => 201,
            Operation::Delete(_) => 204,
            Operation::Test(_) => 202,
            _ => 200,
        }
    }

    /// Whether the call carries a bearer token (all but the token request).
    pub fn needs_token(&self) -> bool {
        !matches!(self, Operation::Token(_))
    }

    /// Whether the call gets an `idempotency-key` (POST and PATCH, except the token request).
    pub fn needs_idempotency_key(&self) -> bool {
        matches!(
            self,
            Operation::Create(_) | Operation::Update(..) | Operation::Test(_)
        )
    }

    /// The unsigned request.
    pub fn request(&self) -> ApiRequest {
        let json = |body: &Value| Some((JSON, serde_json::to_vec(body).unwrap_or_default()));
        let (method, path, query, body) = match self {
            Operation::Token(form) => (
                "POST",
                "/auth/token".to_owned(),
                vec![],
                Some((FORM, form.clone())),
            ),
            Operation::VerificationKeys => ("GET", "/auth/verify_keys".to_owned(), vec![], None),
            Operation::List(params) => ("GET", "/webhooks".to_owned(), params.query(), None),
            Operation::Create(body) => ("POST", "/webhooks".to_owned(), vec![], json(body)),
            Operation::Retrieve(id) => ("GET", format!("/webhooks/{id}"), vec![], None),
            Operation::Update(id, body) => ("PATCH", format!("/webhooks/{id}"), vec![], json(body)),
            Operation::Delete(id) => ("DELETE", format!("/webhooks/{id}"), vec![], None),
            Operation::Test(id) => ("POST", format!("/webhooks/{id}/test"), vec![], None),
        };
        ApiRequest {
            method,
            path,
            query,
            body,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ID: &str = "9df39835-be87-4243-9018-f2500b39cee6";

    #[test]
    fn maps_each_operation_to_its_documented_method_path_and_status() {
        let cases = [
            (Operation::Token(b"x".to_vec()), "POST", "/auth/token", 200),
            (Operation::VerificationKeys, "GET", "/auth/verify_keys", 200),
            (
                Operation::List(ListParams::default()),
                "GET",
                "/webhooks",
                200,
            ),
            (
                Operation::create(
                    &json!({"title":"t","url":"https://a.b"}),
                    UrlPolicy::default(),
                )
                .unwrap(),
                "POST",
                "/webhooks",
                201,
            ),
            (
                Operation::by_id(Operation::Retrieve, ID).unwrap(),
                "GET",
                "/webhooks/9df39835-be87-4243-9018-f2500b39cee6",
                200,
            ),
            (
                Operation::update(ID, &json!({"enabled":true}), UrlPolicy::default()).unwrap(),
                "PATCH",
                "/webhooks/9df39835-be87-4243-9018-f2500b39cee6",
                200,
            ),
            (
                Operation::by_id(Operation::Delete, ID).unwrap(),
                "DELETE",
                "/webhooks/9df39835-be87-4243-9018-f2500b39cee6",
                204,
            ),
            (
                Operation::by_id(Operation::Test, ID).unwrap(),
                "POST",
                "/webhooks/9df39835-be87-4243-9018-f2500b39cee6/test",
                202,
            ),
        ];
        for (operation, method, path, status) in cases {
            let request = operation.request();
            assert_eq!(
                (
                    request.method,
                    request.path.as_str(),
                    operation.success_status()
                ),
                (method, path, status)
            );
        }
    }

    #[test]
    fn only_the_token_request_goes_without_a_token_and_only_writes_get_idempotency_keys() {
        assert!(!Operation::Token(vec![]).needs_token());
        assert!(Operation::VerificationKeys.needs_token());
        assert!(!Operation::Token(vec![]).needs_idempotency_key());
        assert!(
            !Operation::by_id(Operation::Delete, ID)
                .unwrap()
                .needs_idempotency_key()
        );
        assert!(
            Operation::by_id(Operation::Test, ID)
                .unwrap()
                .needs_idempotency_key()
        );
    }

    #[test]
    fn test_requests_have_no_body_and_json_bodies_keep_field_order() {
        assert_eq!(
            Operation::by_id(Operation::Test, ID)
                .unwrap()
                .request()
                .body,
            None
        );
        let create = Operation::create(
            &json!({"url":"https://a.b","title":"t"}),
            UrlPolicy::default(),
        )
        .unwrap()
        .request();
        assert_eq!(
            create.body.unwrap().1,
            br#"{"url":"https://a.b","title":"t"}"#.to_vec()
        );
    }

    #[test]
    fn rejects_ids_that_are_not_uuids_before_building_a_path() {
        assert_eq!(
            Operation::by_id(Operation::Delete, "../auth/token")
                .unwrap_err()
                .rule,
            "uuid"
        );
        assert_eq!(
            Operation::update("x", &json!({"enabled":true}), UrlPolicy::default())
                .unwrap_err()
                .field,
            "webhook_id"
        );
    }
}
