//! OAuth2 client-credentials tokens: the form body and the cache rule.

use crate::error::{Error, ErrorCode, Result};
use serde::Deserialize;

/// The form body of `POST /auth/token`.
pub fn token_request_body(client_id: &str, client_secret: &str, scopes: &[String]) -> Vec<u8> {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", client_id)
        .append_pair("client_secret", client_secret)
        .append_pair("grant_type", "client_credentials")
        .append_pair("scope", &scopes.join(" "))
        .finish()
        .into_bytes()
}

/// A bearer token and when to stop using it. `Debug` hides the token.
#[derive(Clone, PartialEq)]
pub struct AccessToken {
    value: String,
    refresh_at_ms: f64,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("value", &"[redacted]")
            .field("refresh_at_ms", &self.refresh_at_ms)
            .finish()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: f64,
    #[serde(default)]
    token_type: Option<String>,
}

impl AccessToken {
    /// Parses a token response received at `now_ms`. The token is used until
    /// `expires_in` minus a margin of 10 % (at most 60 s), so a request never
    /// leaves with a token about to expire.
    pub fn from_response(body: &[u8], now_ms: f64) -> Result<Self> {
        let invalid = |why: &str| {
            Error::new(
                ErrorCode::ApiInvalidResponse,
                format!("the token response {why}"),
            )
        };
        let response: TokenResponse = serde_json::from_slice(body)
            .map_err(|_| invalid("is not JSON with access_token and expires_in"))?;
        if let Some(kind) = &response.token_type
            && !kind.eq_ignore_ascii_case("bearer")
        {
            return Err(invalid("is not a bearer token"));
        }
        if response.access_token.is_empty()
            || !response.expires_in.is_finite()
            || response.expires_in <= 0.0
        {
            return Err(invalid("has an empty token or a non-positive expires_in"));
        }
        let margin = (response.expires_in * 0.1).min(60.0);
        Ok(AccessToken {
            value: response.access_token,
            refresh_at_ms: now_ms + (response.expires_in - margin) * 1000.0,
        })
    }

    /// Whether the token may still be used at `now_ms`.
    pub fn is_fresh(&self, now_ms: f64) -> bool {
        now_ms < self.refresh_at_ms
    }

    /// The `authorization` header value.
    pub fn authorization(&self) -> String {
        format!("Bearer {}", self.value)
    }
}

/// The client's current token. Concurrent calls share it: a call that got
/// a 401 drops the token it sent, unless another call has replaced it since.
#[derive(Debug, Default)]
pub struct TokenCache {
    token: Option<AccessToken>,
}

impl TokenCache {
    /// The `authorization` header of the cached token, if it is fresh at `now_ms`.
    pub fn fresh(&self, now_ms: f64) -> Option<String> {
        self.token
            .as_ref()
            .filter(|token| token.is_fresh(now_ms))
            .map(AccessToken::authorization)
    }

    /// The `authorization` header of the cached token, fresh or not.
    pub fn current(&self) -> Option<String> {
        self.token.as_ref().map(AccessToken::authorization)
    }

    /// Keeps a newly fetched token.
    pub fn store(&mut self, token: AccessToken) {
        self.token = Some(token);
    }

    /// Drops the token whose header was `authorization` (refused with 401);
    /// a newer token that another call stored meanwhile stays.
    pub fn refused(&mut self, authorization: &str) {
        if self.current().as_deref() == Some(authorization) {
            self.token = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_the_form_with_space_separated_scopes() {
        let body = token_request_body(
            "id",
            "s&cret",
            &["webhooks:read".into(), "webhooks:admin".into()],
        );
        assert_eq!(
            String::from_utf8(body).unwrap(),
            "client_id=id&client_secret=s%26cret&grant_type=client_credentials&scope=webhooks%3Aread+webhooks%3Aadmin"
        );
    }

    #[test]
    fn refreshes_before_expiry_with_a_margin() {
        let token = AccessToken::from_response(br#"{"access_token":"ory_at_x","expires_in":1799,"token_type":"bearer","scope":"webhooks:read"}"#, 0.0).unwrap();
        assert!(token.is_fresh(1_738_999.0));
        assert!(!token.is_fresh(1_739_000.0)); // 1799 s - 60 s
        let short =
            AccessToken::from_response(br#"{"access_token":"t","expires_in":10}"#, 0.0).unwrap();
        assert!(short.is_fresh(8_999.0) && !short.is_fresh(9_000.0));
        assert_eq!(short.authorization(), "Bearer t");
    }

    #[test]
    fn rejects_unusable_token_responses_and_hides_the_token() {
        for body in [
            &b"{}"[..],
            br#"{"access_token":"","expires_in":10}"#,
            br#"{"access_token":"t","expires_in":0}"#,
            br#"{"access_token":"t","expires_in":10,"token_type":"mac"}"#,
            b"<html>",
        ] {
            assert_eq!(
                AccessToken::from_response(body, 0.0).unwrap_err().code(),
                ErrorCode::ApiInvalidResponse
            );
        }
        let token =
            AccessToken::from_response(br#"{"access_token":"secret-token","expires_in":10}"#, 0.0)
                .unwrap();
        assert!(!format!("{token:?}").contains("secret-token"));
    }

    fn token(value: &str, expires_in: u32, now_ms: f64) -> AccessToken {
        let body = format!(r#"{{"access_token":"{value}","expires_in":{expires_in}}}"#);
        AccessToken::from_response(body.as_bytes(), now_ms).unwrap()
    }

    #[test]
    fn the_cache_serves_a_fresh_token_only() {
        let mut cache = TokenCache::default();
        assert_eq!(cache.fresh(0.0), None);
        assert_eq!(cache.current(), None);
        cache.store(token("a", 10, 0.0));
        assert_eq!(cache.fresh(8_999.0).as_deref(), Some("Bearer a"));
        assert_eq!(
            cache.fresh(9_000.0),
            None,
            "stale at expiry minus the margin"
        );
        assert_eq!(cache.current().as_deref(), Some("Bearer a"));
    }

    #[test]
    fn a_refused_token_is_dropped_unless_replaced_meanwhile() {
        let mut cache = TokenCache::default();
        cache.store(token("a", 10, 0.0));
        cache.refused("Bearer a");
        assert_eq!(cache.current(), None);
        cache.store(token("b", 10, 0.0));
        cache.refused("Bearer a");
        assert_eq!(cache.current().as_deref(), Some("Bearer b"));
        assert!(!format!("{cache:?}").contains("Bearer b"));
    }
}
