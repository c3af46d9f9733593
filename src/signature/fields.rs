//! The `Signature-Input` and `Signature` headers as RFC 8941 dictionaries.
//!
//! Parsing and validation are done by the `sfv` crate. The one thing `sfv`
//! cannot give back is each member's text *exactly as received*, which the
//! `@signature-params` line of the signature base needs, so [`member_texts`]
//! finds those spans in input that `sfv` has already accepted.

use crate::error::{Error, ErrorCode, Result};
use sfv::{Dictionary, Parser};

/// Parses a dictionary field, mapping syntax errors to `code`.
pub(crate) fn parse_dictionary(header: &str, field: &str, code: ErrorCode) -> Result<Dictionary> {
    Parser::new(header).parse::<Dictionary>().map_err(|err| {
        Error::new(
            code,
            format!("the {field} header is not a valid structured-field dictionary ({err})"),
        )
    })
}

/// Returns `(key, value text)` for each dictionary member, in order, with the
/// value text exactly as received (surrounding whitespace removed).
///
/// `input` must already have been accepted by [`parse_dictionary`]: then only
/// strings (and display strings) can hide a top-level comma, and keys are
/// plain `[a-z0-9_.*-]` runs.
pub(crate) fn member_texts(input: &str) -> Vec<(&str, &str)> {
    let bytes = input.as_bytes();
    let mut members = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        pos = skip_whitespace(bytes, pos);
        let key_start = pos;
        while bytes.get(pos).copied().is_some_and(is_key_char) {
            pos += 1;
        }
        let key = input.get(key_start..pos).unwrap_or_default();
        let value_start = if bytes.get(pos) == Some(&b'=') {
            pos + 1
        } else {
            pos
        };
        let value_end = scan_member_end(bytes, value_start);
        members.push((
            key,
            input
                .get(value_start..value_end)
                .unwrap_or_default()
                .trim_matches([' ', '\t']),
        ));
        pos = value_end + 1; // past the comma (or the end)
    }
    members
}

fn is_key_char(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.' | b'*')
}

fn skip_whitespace(bytes: &[u8], mut pos: usize) -> usize {
    while matches!(bytes.get(pos), Some(b' ' | b'\t')) {
        pos += 1;
    }
    pos
}

/// The index of the comma ending the member that starts at `pos`, or the input length.
fn scan_member_end(bytes: &[u8], mut pos: usize) -> usize {
    let mut in_string = false;
    while let Some(&b) = bytes.get(pos) {
        match (in_string, b) {
            (true, b'\\') => pos += 1, // skip the escaped character
            (true, b'"') => in_string = false,
            (false, b'"') => in_string = true,
            (false, b',') => return pos,
            _ => {}
        }
        pos += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_member_text_verbatim_including_odd_spacing_and_escapes() {
        let input =
            r#"sig1=("@method"  "digest");keyid="a,b\"c";created=1 ,  sig2=("x");alg="ed25519""#;
        parse_dictionary(input, "Signature-Input", ErrorCode::SignatureInputMalformed).unwrap();
        let members = member_texts(input);
        assert_eq!(
            members,
            vec![
                ("sig1", r#"("@method"  "digest");keyid="a,b\"c";created=1"#),
                ("sig2", r#"("x");alg="ed25519""#),
            ]
        );
    }

    #[test]
    fn bare_members_have_empty_or_parameter_text() {
        let input = "a, b;x=1, c=:AAAA:";
        parse_dictionary(input, "Signature", ErrorCode::SignatureMalformed).unwrap();
        assert_eq!(
            member_texts(input),
            vec![("a", ""), ("b", ";x=1"), ("c", ":AAAA:")]
        );
    }

    #[test]
    fn rejects_non_dictionaries() {
        for bad in [
            "sig1=(",
            "SIG1=1",
            "sig1=\"unterminated",
            "sig1=:not base64!:",
            "=x",
        ] {
            let err =
                parse_dictionary(bad, "Signature", ErrorCode::SignatureMalformed).unwrap_err();
            assert_eq!(err.code(), ErrorCode::SignatureMalformed, "{bad}");
        }
    }
}
