//! The HTTP request a signature is checked against, and how each covered
//! component's value is derived from it.

use super::component::CoveredComponent;
use crate::error::{Error, ErrorCode, Result};
use std::collections::HashMap;

/// Header fields with case-insensitive lookup.
///
/// Names are stored lowercased. Repeated fields are kept in order and joined
/// with `", "` when read, as RFC 9421 §2.1 prescribes. Lookups go through an
/// index by name, so reading a component costs the size of that field, not
/// the number of fields: a request of 60,000 tiny headers and signatures
/// covering hundreds of components stays linear in its size.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers {
    entries: Vec<(String, String)>,
    /// Lowercased name → positions in `entries`, in order.
    index: HashMap<String, Vec<usize>>,
}

impl std::fmt::Debug for Headers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Header values may hold bearer tokens: show names only.
        f.debug_list()
            .entries(self.entries.iter().map(|(name, _)| name))
            .finish()
    }
}

impl Headers {
    /// An empty header map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a field; the name is lowercased.
    pub fn append(&mut self, name: &str, value: impl Into<String>) {
        let name = name.to_ascii_lowercase();
        self.index
            .entry(name.clone())
            .or_default()
            .push(self.entries.len());
        self.entries.push((name, value.into()));
    }

    /// The positions of a field's occurrences.
    fn positions(&self, name: &str) -> &[usize] {
        let found = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            self.index.get(&name.to_ascii_lowercase())
        } else {
            self.index.get(name)
        };
        found.map_or(&[], Vec::as_slice)
    }

    /// The combined value of a field: each occurrence trimmed, joined with `", "`.
    pub fn get(&self, name: &str) -> Option<String> {
        let mut values = self
            .positions(name)
            .iter()
            .filter_map(|&at| self.entries.get(at))
            .map(|(_, v)| v.trim_matches([' ', '\t']));
        let first = values.next()?;
        let mut combined = first.to_owned();
        for value in values {
            combined.push_str(", ");
            combined.push_str(value);
        }
        Some(combined)
    }

    /// Whether the field is present at all.
    pub fn contains(&self, name: &str) -> bool {
        !self.positions(name).is_empty()
    }

    /// Total bytes of names and values, for size limits.
    pub fn byte_len(&self) -> usize {
        self.entries.iter().map(|(n, v)| n.len() + v.len()).sum()
    }

    /// All fields, names lowercased, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

impl<N: AsRef<str>, V: Into<String>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        let mut headers = Headers::new();
        for (name, value) in iter {
            headers.append(name.as_ref(), value);
        }
        headers
    }
}

/// A request URL split into the parts derived components need, without any
/// normalisation: `@path` and `@query` are signed as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestTarget {
    scheme: Option<String>,
    authority: Option<String>,
    path: String,
    query: Option<String>,
}

impl RequestTarget {
    /// Parses an absolute URL (`https://host/path?query`) or an origin-form
    /// target (`/path?query`, as Node's `req.url` gives). A fragment is dropped.
    pub fn parse(url: &str) -> Result<Self> {
        let invalid = |why: &str| {
            Error::new(
                ErrorCode::InvalidArgument,
                format!(
                    "url {why}; pass the full request URL (https://host/path?query) or the path and query (/path?query)"
                ),
            )
        };
        let url = url.split('#').next().unwrap_or_default();
        if url.bytes().any(|b| b.is_ascii_control() || b == b' ') {
            return Err(invalid("contains spaces or control characters"));
        }
        let (scheme, authority, rest) = if url.starts_with('/') {
            (None, None, url)
        } else {
            let (scheme, after) = url
                .split_once("://")
                .ok_or_else(|| invalid("is neither absolute nor a path"))?;
            if scheme.is_empty()
                || !scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
            {
                return Err(invalid("has an invalid scheme"));
            }
            let split = after.find(['/', '?']).unwrap_or(after.len());
            let (authority, rest) = after.split_at(split);
            if authority.is_empty() {
                return Err(invalid("has no host"));
            }
            (
                Some(scheme.to_ascii_lowercase()),
                Some(authority.to_ascii_lowercase()),
                rest,
            )
        };
        let (path, query) = match rest.split_once('?') {
            Some((path, query)) => (path, Some(query.to_owned())),
            None => (rest, None),
        };
        let path = if path.is_empty() { "/" } else { path };
        Ok(RequestTarget {
            scheme,
            authority,
            path: path.to_owned(),
            query,
        })
    }

    /// The path, `/` when empty.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query without the leading `?`, if the URL has one.
    pub fn query(&self) -> Option<&str> {
        self.query.as_deref()
    }
}

/// Anything a signature base can be built from (RFC 9421's message).
pub trait ComponentSource {
    /// The value of a covered component, or `None` when the message lacks it.
    fn value(&self, component: &CoveredComponent) -> Option<String>;

    /// The value of the component written `name`: a derived component
    /// (`@method`) or a header field (any case). `None` for an `@` name this
    /// library does not compute.
    fn component(&self, name: &str) -> Option<String> {
        if name.starts_with('@') {
            self.value(&CoveredComponent::derived(name)?)
        } else {
            self.value(&CoveredComponent::Field(name.to_owned()))
        }
    }
}

/// A request as received: method, URL, header fields and raw body bytes.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// The method, for example `POST`.
    pub method: String,
    /// The request target.
    pub target: RequestTarget,
    /// The header fields.
    pub headers: Headers,
    /// The raw body bytes, exactly as received.
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// Builds a request, parsing `url` with [`RequestTarget::parse`].
    pub fn new(method: &str, url: &str, headers: Headers, body: Vec<u8>) -> Result<Self> {
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                "method must be a non-empty HTTP token such as POST",
            ));
        }
        Ok(HttpRequest {
            method: method.to_owned(),
            target: RequestTarget::parse(url)?,
            headers,
            body,
        })
    }

    fn authority(&self) -> Option<String> {
        self.target
            .authority
            .clone()
            .or_else(|| self.headers.get("host").map(|h| h.to_ascii_lowercase()))
    }
}

impl ComponentSource for HttpRequest {
    fn value(&self, component: &CoveredComponent) -> Option<String> {
        let query = || format!("?{}", self.target.query.as_deref().unwrap_or(""));
        match component {
            CoveredComponent::Method => Some(self.method.to_ascii_uppercase()),
            CoveredComponent::Path => Some(self.target.path.clone()),
            // RFC 9421 §2.2.7: an absent query is signed as "?".
            CoveredComponent::Query => Some(query()),
            CoveredComponent::Authority => self.authority(),
            CoveredComponent::Scheme => self.target.scheme.clone(),
            CoveredComponent::RequestTarget => Some(match &self.target.query {
                Some(q) => format!("{}?{q}", self.target.path),
                None => self.target.path.clone(),
            }),
            CoveredComponent::TargetUri => {
                let scheme = self.target.scheme.as_ref()?;
                let authority = self.authority()?;
                let query = self
                    .target
                    .query
                    .as_ref()
                    .map(|_| query())
                    .unwrap_or_default();
                Some(format!("{scheme}://{authority}{}{query}", self.target.path))
            }
            CoveredComponent::Field(name) => self.headers.get(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(url: &str) -> HttpRequest {
        let headers: Headers = [
            ("Host", "Tenant.Example"),
            ("X-Multi", " a "),
            ("x-multi", "b\t"),
        ]
        .into_iter()
        .collect();
        HttpRequest::new("post", url, headers, Vec::new()).unwrap()
    }

    #[test]
    fn derives_components_from_an_absolute_url() {
        let r = request("https://API.example:8443/hooks/up%2Fvest?b=2&a=1#frag");
        assert_eq!(r.component("@method").as_deref(), Some("POST"));
        assert_eq!(r.component("@path").as_deref(), Some("/hooks/up%2Fvest"));
        assert_eq!(r.component("@query").as_deref(), Some("?b=2&a=1"));
        assert_eq!(
            r.component("@authority").as_deref(),
            Some("api.example:8443")
        );
        assert_eq!(r.component("@scheme").as_deref(), Some("https"));
        assert_eq!(
            r.component("@request-target").as_deref(),
            Some("/hooks/up%2Fvest?b=2&a=1")
        );
        assert_eq!(
            r.component("@target-uri").as_deref(),
            Some("https://api.example:8443/hooks/up%2Fvest?b=2&a=1")
        );
    }

    #[test]
    fn origin_form_takes_authority_from_host_and_has_no_scheme() {
        let r = request("/hooks");
        assert_eq!(r.component("@authority").as_deref(), Some("tenant.example"));
        assert_eq!(r.component("@scheme"), None);
        assert_eq!(r.component("@target-uri"), None);
        assert_eq!(r.component("@query").as_deref(), Some("?"));
        assert_eq!(r.component("@request-target").as_deref(), Some("/hooks"));
    }

    #[test]
    fn joins_repeated_headers_trimmed_and_matches_names_case_insensitively() {
        let r = request("/");
        assert_eq!(r.component("x-multi").as_deref(), Some("a, b"));
        assert_eq!(r.component("X-MULTI").as_deref(), Some("a, b"));
        assert_eq!(r.component("absent"), None);
        assert_eq!(r.component("@unknown"), None);
    }

    #[test]
    fn empty_path_is_slash() {
        assert_eq!(request("https://h").target.path(), "/");
        assert_eq!(
            request("https://h?x").component("@path").as_deref(),
            Some("/")
        );
    }

    #[test]
    fn rejects_unusable_urls_and_methods() {
        for url in ["hooks", "https://", "://x/", "https://h/a b", "ht tp://h/"] {
            assert_eq!(
                RequestTarget::parse(url).unwrap_err().code(),
                ErrorCode::InvalidArgument,
                "{url}"
            );
        }
        assert!(HttpRequest::new("", "/", Headers::new(), vec![]).is_err());
        assert!(HttpRequest::new("PO ST", "/", Headers::new(), vec![]).is_err());
    }

    #[test]
    fn debug_output_hides_header_values() {
        let headers: Headers = [("authorization", "Bearer secret-token")]
            .into_iter()
            .collect();
        assert!(!format!("{headers:?}").contains("secret"));
    }
}
