//! Parsed signature inputs: which components a signature covers, and its
//! parameters.

use super::component::{ComponentNameError, CoveredComponent};
use super::fields::parse_members;
use super::params::{SignatureParams, parse_params};
use super::policy::Limits;
use crate::error::{Error, ErrorCode, Result};
use sfv::ListEntry;

/// One member of the `Signature-Input` dictionary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureInput {
    label: String,
    components: Vec<CoveredComponent>,
    params: SignatureParams,
    raw: String,
}

impl SignatureInput {
    /// The dictionary key, for example `sig1`.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The covered components, in signing order.
    pub fn components(&self) -> &[CoveredComponent] {
        &self.components
    }

    /// The signature parameters.
    pub fn params(&self) -> &SignatureParams {
        &self.params
    }

    /// The member's value exactly as received: the `@signature-params` value.
    pub fn raw_params(&self) -> &str {
        &self.raw
    }

    /// Whether the named component is covered (names compare case-insensitively).
    pub fn covers(&self, name: &str) -> bool {
        self.components
            .iter()
            .any(|c| c.name().eq_ignore_ascii_case(name))
    }
}

/// Parses a `Signature-Input` header into its members, in header order.
pub fn parse_signature_input(header: &str, limits: &Limits) -> Result<Vec<SignatureInput>> {
    let malformed = |msg: String| Error::new(ErrorCode::SignatureInputMalformed, msg);
    let members = parse_members(
        header,
        "Signature-Input",
        ErrorCode::SignatureInputMalformed,
    )?;
    if members.len() > limits.max_signatures {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!(
                "Signature-Input has {} members; the limit is {}",
                members.len(),
                limits.max_signatures
            ),
        )
        .with_setting(crate::error::Setting::MaxSignatures));
    }
    let mut inputs = Vec::with_capacity(members.len());
    for member in &members {
        let label = member.key.as_str();
        let ListEntry::InnerList(list) = &member.entry else {
            return Err(malformed(format!(
                "member {label:?} must be an inner list of component names, like (\"@method\" \"@path\")"
            )));
        };
        if list.items.len() > limits.max_components {
            return Err(Error::new(
                ErrorCode::LimitExceeded,
                format!(
                    "signature {label:?} covers {} components; the limit is {}",
                    list.items.len(),
                    limits.max_components
                ),
            )
            .with_setting(crate::error::Setting::MaxComponents));
        }
        let mut components: Vec<CoveredComponent> = Vec::with_capacity(list.items.len());
        // Names seen so far: duplicate detection stays linear when
        // limits.maxComponents is raised (a scan of `components` was quadratic).
        let mut seen = std::collections::HashSet::with_capacity(list.items.len());
        for item in &list.items {
            let Some(name) = item.bare_item.as_string() else {
                return Err(malformed(format!(
                    "signature {label:?}: every covered component must be a quoted string"
                )));
            };
            let name = name.as_str();
            if let Some((param, _)) = item.params.first() {
                return Err(malformed(format!(
                    "signature {label:?}: component parameter ;{} on {name:?} is not supported",
                    param.as_str()
                )));
            }
            let component = CoveredComponent::from_name(name).map_err(|problem| {
                malformed(match problem {
                    ComponentNameError::UnsupportedDerived => {
                        format!("signature {label:?}: derived component {name:?} is not supported")
                    }
                    ComponentNameError::UppercaseField => {
                        format!("signature {label:?}: header component {name:?} must be lowercase")
                    }
                    ComponentNameError::Empty => {
                        format!("signature {label:?}: empty component name")
                    }
                })
            })?;
            if !seen.insert(name) {
                return Err(malformed(format!(
                    "signature {label:?} covers {name:?} twice"
                )));
            }
            components.push(component);
        }
        let params = parse_params(label, &list.params)?;
        inputs.push(SignatureInput {
            label: label.to_owned(),
            components,
            params,
            raw: member.text.to_owned(),
        });
    }
    Ok(inputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(header: &str) -> Result<Vec<SignatureInput>> {
        parse_signature_input(header, &Limits::default())
    }

    #[test]
    fn parses_upvest_style_input_with_params_in_any_order() {
        let header = r#"sig1=("@method" "@path" "digest");nonce="n1";expires=1700000005;keyid="k";created=1700000000;tag="x""#;
        let inputs = parse(header).unwrap();
        assert_eq!(inputs.len(), 1);
        let input = &inputs[0];
        assert_eq!(input.label(), "sig1");
        let names: Vec<_> = input
            .components()
            .iter()
            .map(CoveredComponent::name)
            .collect();
        assert_eq!(names, ["@method", "@path", "digest"]);
        assert_eq!(input.params().keyid, "k");
        assert_eq!(input.params().created, 1_700_000_000);
        assert_eq!(input.params().expires, Some(1_700_000_005));
        assert_eq!(input.params().nonce.as_deref(), Some("n1"));
        assert_eq!(
            input.params().other,
            vec![("tag".to_owned(), "x".to_owned())]
        );
        assert_eq!(input.raw_params(), &header[5..]);
    }

    #[test]
    fn keeps_several_members_in_order() {
        let inputs =
            parse(r#"a=("@method");keyid="1";created=1, b=("@path");keyid="2";created=2"#).unwrap();
        let labels: Vec<_> = inputs.iter().map(SignatureInput::label).collect();
        assert_eq!(labels, ["a", "b"]);
        assert_eq!(inputs[1].raw_params(), r#"("@path");keyid="2";created=2"#);
    }

    #[test]
    fn rejects_missing_keyid_or_created() {
        for header in [
            r#"sig1=("@method");created=1"#,
            r#"sig1=("@method");keyid="k""#,
        ] {
            assert_eq!(
                parse(header).unwrap_err().code(),
                ErrorCode::SignatureInputMalformed,
                "{header}"
            );
        }
    }

    #[test]
    fn rejects_wrong_parameter_types() {
        for header in [
            r#"sig1=("@method");keyid=k;created=1"#,
            r#"sig1=("@method");keyid="k";created="1""#,
            r#"sig1=("@method");keyid="k";created=1;expires=1.5"#,
        ] {
            assert_eq!(
                parse(header).unwrap_err().code(),
                ErrorCode::SignatureInputMalformed,
                "{header}"
            );
        }
    }

    #[test]
    fn rejects_members_that_are_not_inner_lists_of_strings() {
        for header in [
            r#"sig1="@method";keyid="k""#,
            r#"sig1=(@method);keyid="k";created=1"#,
            r#"sig1=(1);keyid="k";created=1"#,
        ] {
            assert_eq!(
                parse(header).unwrap_err().code(),
                ErrorCode::SignatureInputMalformed,
                "{header}"
            );
        }
    }

    #[test]
    fn rejects_duplicate_unknown_or_parameterised_components() {
        for header in [
            r#"sig1=("@method" "@method");keyid="k";created=1"#,
            r#"sig1=("@status");keyid="k";created=1"#,
            r#"sig1=("@signature-params");keyid="k";created=1"#,
            r#"sig1=("content-digest";sf);keyid="k";created=1"#,
            r#"sig1=("Digest");keyid="k";created=1"#,
            r#"sig1=("");keyid="k";created=1"#,
        ] {
            assert_eq!(
                parse(header).unwrap_err().code(),
                ErrorCode::SignatureInputMalformed,
                "{header}"
            );
        }
    }

    #[test]
    fn rejects_expiry_before_creation() {
        let err = parse(r#"sig1=("@method");keyid="k";created=10;expires=9"#).unwrap_err();
        assert_eq!(err.code(), ErrorCode::SignatureInputMalformed);
    }

    #[test]
    fn accepts_only_p521_algorithm_names() {
        assert!(parse(r#"sig1=("@method");keyid="k";created=1;alg="ES512""#).is_ok());
        assert!(parse(r#"sig1=("@method");keyid="k";created=1;alg="ecdsa-p521-sha512""#).is_ok());
        let err = parse(r#"sig1=("@method");keyid="k";created=1;alg="hmac-sha256""#).unwrap_err();
        assert_eq!(err.code(), ErrorCode::UnsupportedAlgorithm);
    }

    #[test]
    fn enforces_count_limits() {
        let limits = Limits {
            max_signatures: 1,
            max_components: 2,
            ..Limits::default()
        };
        let two = r#"a=("@method");keyid="1";created=1, b=("@path");keyid="2";created=2"#;
        assert_eq!(
            parse_signature_input(two, &limits).unwrap_err().code(),
            ErrorCode::LimitExceeded
        );
        let three = r#"a=("@method" "@path" "@query");keyid="1";created=1"#;
        assert_eq!(
            parse_signature_input(three, &limits).unwrap_err().code(),
            ErrorCode::LimitExceeded
        );
    }
}
