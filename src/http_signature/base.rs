//! Signature bases: the exact bytes a signature is computed over.

use super::input::SignatureInput;
use super::message::ComponentSource;
use crate::error::{Error, ErrorCode, Result};

/// How component names are written in the base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BaseForm {
    /// Upvest's webhook form (draft-06 as Upvest implements it): names
    /// unquoted, `name: value`, ending `@signature-params: …`.
    UpvestV6,
    /// draft-ietf-httpbis-message-signatures-15 / RFC 9421: `"name": value`,
    /// ending `"@signature-params": …`.
    Quoted,
}

impl BaseForm {
    /// The value reported to users as `signatureVersion`: `6` or `15`.
    pub fn version(self) -> u8 {
        match self {
            BaseForm::UpvestV6 => 6,
            BaseForm::Quoted => 15,
        }
    }
}

/// A complete signature base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureBase {
    form: BaseForm,
    text: String,
}

impl SignatureBase {
    /// Builds the base for `input` over `message`.
    ///
    /// Fails with [`ErrorCode::ComponentMissing`] when a covered component is
    /// absent, and [`ErrorCode::ComponentInvalid`] when a value contains a
    /// line break or other control character, which could forge base lines.
    pub fn build(
        input: &SignatureInput,
        message: &impl ComponentSource,
        form: BaseForm,
    ) -> Result<Self> {
        Self::from_lines(
            input.components().iter().map(|component| {
                let name = component.name();
                let value = message.value(component).ok_or_else(|| missing(name))?;
                Ok((name, value))
            }),
            input.raw_params(),
            form,
        )
    }

    /// Builds a base from `(name, value)` pairs and the serialized
    /// `@signature-params` value; used by signers.
    pub fn from_lines<'a>(
        lines: impl IntoIterator<Item = Result<(&'a str, String)>>,
        signature_params: &str,
        form: BaseForm,
    ) -> Result<Self> {
        let mut text = String::new();
        for line in lines {
            let (name, value) = line?;
            if value.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
                return Err(Error::new(
                    ErrorCode::ComponentInvalid,
                    format!(
                        "covered component {name:?} contains a line break or control character"
                    ),
                ));
            }
            push_line(&mut text, form, name, &value);
            text.push('\n');
        }
        push_line(&mut text, form, "@signature-params", signature_params);
        Ok(SignatureBase { form, text })
    }

    /// The base's form.
    pub fn form(&self) -> BaseForm {
        self.form
    }

    /// The base as text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The base as the bytes that are signed.
    pub fn as_bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }
}

fn push_line(text: &mut String, form: BaseForm, name: &str, value: &str) {
    match form {
        BaseForm::UpvestV6 => text.push_str(name),
        BaseForm::Quoted => {
            text.push('"');
            text.push_str(name);
            text.push('"');
        }
    }
    text.push_str(": ");
    text.push_str(value);
}

fn missing(name: &str) -> Error {
    let hint = match name {
        "@scheme" | "@target-uri" => " (pass the full URL, including https://host)",
        "@authority" => " (pass the full URL or a Host header)",
        _ => "",
    };
    Error::new(
        ErrorCode::ComponentMissing,
        format!("the signature covers {name:?}, but the request has no such component{hint}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http_signature::input::parse_signature_input;
    use crate::http_signature::message::{Headers, HttpRequest};
    use crate::http_signature::policy::Limits;
    use crate::testing::vectors::{SPEC_BODY, V6_INPUT, v6_request};

    #[test]
    fn builds_the_upvest_v6_base_from_shared_vector_11_7() {
        let input = &parse_signature_input(V6_INPUT, &Limits::default()).unwrap()[0];
        let base = SignatureBase::build(input, &v6_request(SPEC_BODY).unwrap(), BaseForm::UpvestV6)
            .unwrap();
        let expected = "@method: POST\n@path: /webhooks/upvest\ncontent-length: 16\ncontent-type: application/json\ndigest: SHA-256=lyTB4g5uPk1/V+0l+dTvsAblCFkNUoyQ2ll/andcE+U=\n@signature-params: (\"@method\" \"@path\" \"content-length\" \"content-type\" \"digest\");keyid=\"11111111-2222-3333-4444-555555555555\";created=1700000000;expires=1700000005;nonce=\"o085M4cMgpbicuOL\"";
        assert_eq!(base.as_str(), expected);
        assert_eq!(base.form().version(), 6);
    }

    #[test]
    fn builds_the_quoted_form_with_quoted_names_and_no_trailing_newline() {
        let input = &parse_signature_input(V6_INPUT, &Limits::default()).unwrap()[0];
        let base =
            SignatureBase::build(input, &v6_request(SPEC_BODY).unwrap(), BaseForm::Quoted).unwrap();
        assert!(
            base.as_str()
                .starts_with("\"@method\": POST\n\"@path\": /webhooks/upvest\n")
        );
        assert!(
            base.as_str()
                .contains("\n\"@signature-params\": (\"@method\"")
        );
        assert!(!base.as_str().ends_with('\n'));
    }

    #[test]
    fn rejects_a_covered_component_missing_from_the_message() {
        let input = &parse_signature_input(
            r#"sig1=("idempotency-key");keyid="k";created=1"#,
            &Limits::default(),
        )
        .unwrap()[0];
        let err = SignatureBase::build(input, &v6_request(SPEC_BODY).unwrap(), BaseForm::UpvestV6)
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::ComponentMissing);
    }

    #[test]
    fn rejects_values_that_would_inject_base_lines() {
        let headers: Headers = [("x-evil", "a\n@method: GET")].into_iter().collect();
        let request = HttpRequest::new("POST", "/", headers, vec![]).unwrap();
        let input =
            &parse_signature_input(r#"sig1=("x-evil");keyid="k";created=1"#, &Limits::default())
                .unwrap()[0];
        assert_eq!(
            SignatureBase::build(input, &request, BaseForm::UpvestV6)
                .unwrap_err()
                .code(),
            ErrorCode::ComponentInvalid
        );
    }
}
