//! The components a signature can cover (RFC 9421 §2): the derived
//! components this library computes, and header fields. Parsing
//! `Signature-Input` yields them and the message's lookup matches on them,
//! so "which components exist" is written down once, here.

/// A component named in a signature input's inner list, such as `@method`
/// or `content-digest`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CoveredComponent {
    /// `@method`: the request method, uppercased.
    Method,
    /// `@path`: the path as sent, `/` when empty.
    Path,
    /// `@query`: `?` and the query as sent; `?` alone when there is none.
    Query,
    /// `@authority`: the URL's host and port, or else the `Host` header, lowercased.
    Authority,
    /// `@scheme`: the URL's scheme, lowercased.
    Scheme,
    /// `@target-uri`: the absolute URL without fragment.
    TargetUri,
    /// `@request-target`: path and query.
    RequestTarget,
    /// A header field, by its lowercase name.
    Field(String),
}

/// Every derived component this library computes.
pub const DERIVED: [CoveredComponent; 7] = [
    CoveredComponent::Method,
    CoveredComponent::Path,
    CoveredComponent::Query,
    CoveredComponent::Authority,
    CoveredComponent::Scheme,
    CoveredComponent::TargetUri,
    CoveredComponent::RequestTarget,
];

/// Why a name in an inner list is not a component this library can cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComponentNameError {
    /// An `@` name this library does not compute.
    UnsupportedDerived,
    /// A header field name with uppercase letters (RFC 9421 §2.1 wants lowercase).
    UppercaseField,
    /// An empty name.
    Empty,
}

impl CoveredComponent {
    /// Reads a name as written in `Signature-Input` (without the quotes).
    pub fn from_name(name: &str) -> Result<Self, ComponentNameError> {
        if name.starts_with('@') {
            Self::derived(name).ok_or(ComponentNameError::UnsupportedDerived)
        } else if name.bytes().any(|b| b.is_ascii_uppercase()) {
            Err(ComponentNameError::UppercaseField)
        } else if name.is_empty() {
            Err(ComponentNameError::Empty)
        } else {
            Ok(CoveredComponent::Field(name.to_owned()))
        }
    }

    /// The derived component written `name` (`@method`, …), if this library computes it.
    pub fn derived(name: &str) -> Option<Self> {
        DERIVED.into_iter().find(|c| c.name() == name)
    }

    /// The component name as it appears in the inner list (without quotes).
    pub fn name(&self) -> &str {
        match self {
            CoveredComponent::Method => "@method",
            CoveredComponent::Path => "@path",
            CoveredComponent::Query => "@query",
            CoveredComponent::Authority => "@authority",
            CoveredComponent::Scheme => "@scheme",
            CoveredComponent::TargetUri => "@target-uri",
            CoveredComponent::RequestTarget => "@request-target",
            CoveredComponent::Field(name) => name,
        }
    }

    /// Whether this is a derived component (`@method`, `@path`, …).
    pub fn is_derived(&self) -> bool {
        !matches!(self, CoveredComponent::Field(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_derived_name_reads_back_as_its_component() {
        for component in DERIVED {
            assert!(component.is_derived());
            assert_eq!(CoveredComponent::from_name(component.name()), Ok(component));
        }
    }

    #[test]
    fn reads_lowercase_field_names_and_refuses_the_rest() {
        assert_eq!(
            CoveredComponent::from_name("content-digest"),
            Ok(CoveredComponent::Field("content-digest".into()))
        );
        assert!(!CoveredComponent::Field("digest".into()).is_derived());
        assert_eq!(
            CoveredComponent::from_name("@status"),
            Err(ComponentNameError::UnsupportedDerived)
        );
        assert_eq!(
            CoveredComponent::from_name("Digest"),
            Err(ComponentNameError::UppercaseField)
        );
        assert_eq!(
            CoveredComponent::from_name(""),
            Err(ComponentNameError::Empty)
        );
    }
}
