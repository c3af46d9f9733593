//! Dictionary header fields (`Signature-Input`, `Signature`,
//! `Content-Digest`) parsed once, strictly, with each member's text.
//!
//! Parsing and validation are done by the `sfv` crate, as RFC 8941 (the
//! version RFC 9421 and RFC 9530 reference: no display strings, no dates).
//! The one thing `sfv` cannot give back is each member's text *exactly as
//! received*, which the `@signature-params` line of the signature base
//! needs. [`member_texts`] finds those spans, and [`parse_members`] proves
//! them: every member's text, parsed again on its own, must equal the member
//! `sfv` parsed, and the keys must match one for one, in order. A text that
//! two readers could split differently is rejected, so the parameters that
//! are checked and the text that is signed come from one parse.
//!
//! A key that appears twice is rejected too: RFC 8941 keeps the last
//! value, but a sender of one signature per label never repeats one, and a
//! repeated key is how a second reading gets smuggled in.

use crate::error::{Error, ErrorCode, Result};
use sfv::visitor::{DictionaryVisitor, EntryVisitor};
use sfv::{Dictionary, KeyRef, List, ListEntry, Parser, Version};
use std::collections::HashSet;

/// One dictionary member: its key, its parsed value, and its value's text as received.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Member<'a> {
    pub key: String,
    pub entry: ListEntry,
    pub text: &'a str,
}

/// Parses a dictionary field strictly (see the module docs). Syntax errors,
/// repeated keys and texts that do not parse back to their member are all
/// `code`; `field` names the header in messages.
pub(crate) fn parse_members<'a>(
    header: &'a str,
    field: &str,
    code: ErrorCode,
) -> Result<Vec<Member<'a>>> {
    let malformed = |why: String| Error::new(code, format!("the {field} header {why}"));
    let mut visitor = StrictDictionary::default();
    let parsed = Parser::new(header)
        .with_version(Version::Rfc8941)
        .parse_dictionary_with_visitor(&mut visitor);
    if let Some(key) = visitor.repeated {
        return Err(malformed(format!(
            "names {key:?} twice; each label (or algorithm) may appear once"
        )));
    }
    parsed.map_err(|err| {
        malformed(format!(
            "is not a valid structured-field dictionary ({err})"
        ))
    })?;
    let texts = member_texts(header);
    if texts.len() != visitor.dict.len() {
        return Err(malformed(
            "could not be split into its members unambiguously".to_owned(),
        ));
    }
    texts
        .into_iter()
        .zip(visitor.dict)
        .map(|((text_key, text), (key, entry))| {
            if text_key != key.as_str() || reparse(text).as_ref() != Some(&entry) {
                return Err(malformed(format!(
                    "member {:?} does not read the same on its own; it is rejected rather than guessed at",
                    key.as_str()
                )));
            }
            Ok(Member {
                key: key.as_str().to_owned(),
                entry,
                text,
            })
        })
        .collect()
}

/// A member value's text parsed on its own, as RFC 8941.
fn reparse(text: &str) -> Option<ListEntry> {
    // A bare key (`a` or `a;p=1`) is the boolean true with parameters.
    let owned;
    let text = if text.is_empty() || text.starts_with(';') {
        owned = format!("?1{text}");
        owned.as_str()
    } else {
        text
    };
    let mut list: List = Parser::new(text)
        .with_version(Version::Rfc8941)
        .parse()
        .ok()?;
    match list.len() {
        1 => list.pop(),
        _ => None,
    }
}

/// `sfv`'s own dictionary, plus the first key that appeared twice.
#[derive(Default)]
struct StrictDictionary {
    dict: Dictionary,
    seen: HashSet<String>,
    repeated: Option<String>,
}

/// The error a [`StrictDictionary`] stops parsing with; the key is kept in
/// [`StrictDictionary::repeated`].
#[derive(Debug)]
struct RepeatedKey;

impl std::fmt::Display for RepeatedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("repeated dictionary key")
    }
}

impl std::error::Error for RepeatedKey {}

impl<'de> DictionaryVisitor<'de> for &mut StrictDictionary {
    type Out = ();
    type Error = RepeatedKey;

    fn entry(&mut self, key: &'de KeyRef) -> Result<impl EntryVisitor<'de>, Self::Error> {
        if !self.seen.insert(key.as_str().to_owned()) {
            self.repeated = Some(key.as_str().to_owned());
            return Err(RepeatedKey);
        }
        Ok(DictionaryVisitor::entry(&mut self.dict, key)
            .unwrap_or_else(|never: std::convert::Infallible| match never {}))
    }

    fn finish(self) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// Returns `(key, value text)` for each dictionary member, in order, with the
/// value text exactly as received (surrounding whitespace removed).
///
/// Meant for input that `sfv` has accepted as a dictionary (RFC 8941 or
/// RFC 9651): there, only strings and display strings can hide a top-level
/// comma, and keys are plain `[a-z0-9_.*-]` runs. On other input it still
/// returns something without panicking, which [`parse_members`] then
/// refuses. Public (hidden) for the differential fuzz target.
#[doc(hidden)]
pub fn member_texts(input: &str) -> Vec<(&str, &str)> {
    let bytes = input.as_bytes();
    let mut members = Vec::new();
    let mut pos = 0;
    loop {
        pos = skip_whitespace(bytes, pos);
        if pos >= bytes.len() {
            break; // trailing whitespace (or none at all) holds no member
        }
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

/// Where the scanner is inside a member value.
#[derive(Clone, Copy, PartialEq)]
enum Scan {
    Outside,
    /// In a `"…"` string, where `\` escapes the next character.
    String,
    /// In an RFC 9651 `%"…"` display string, where `\` is an ordinary
    /// character and escapes are `%xx`.
    DisplayString,
}

/// The index of the comma ending the member that starts at `pos`, or the input length.
fn scan_member_end(bytes: &[u8], mut pos: usize) -> usize {
    let mut state = Scan::Outside;
    while let Some(&b) = bytes.get(pos) {
        state = match (state, b) {
            (Scan::Outside, b',') => return pos,
            (Scan::Outside, b'"') if pos > 0 && bytes.get(pos - 1) == Some(&b'%') => {
                Scan::DisplayString
            }
            (Scan::Outside, b'"') => Scan::String,
            (Scan::String, b'\\') => {
                pos += 1; // skip the escaped character
                Scan::String
            }
            (Scan::String | Scan::DisplayString, b'"') => Scan::Outside,
            (state, _) => state,
        };
        pos += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(input: &str) -> Result<Vec<Member<'_>>> {
        parse_members(input, "Signature-Input", ErrorCode::SignatureInputMalformed)
    }

    fn texts(input: &str) -> Vec<(String, &str)> {
        members(input)
            .unwrap()
            .into_iter()
            .map(|m| (m.key, m.text))
            .collect()
    }

    #[test]
    fn keeps_member_text_verbatim_including_odd_spacing_and_escapes() {
        let input =
            r#"sig1=("@method"  "digest");keyid="a,b\"c";created=1 ,  sig2=("x");alg="ed25519""#;
        assert_eq!(
            texts(input),
            vec![
                (
                    "sig1".to_owned(),
                    r#"("@method"  "digest");keyid="a,b\"c";created=1"#
                ),
                ("sig2".to_owned(), r#"("x");alg="ed25519""#),
            ]
        );
    }

    #[test]
    fn bare_members_have_empty_or_parameter_text() {
        assert_eq!(
            texts("a, b;x=1, c=:AAAA:"),
            vec![
                ("a".to_owned(), ""),
                ("b".to_owned(), ";x=1"),
                ("c".to_owned(), ":AAAA:")
            ]
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
            let err = members(bad).unwrap_err();
            assert_eq!(err.code(), ErrorCode::SignatureInputMalformed, "{bad}");
        }
    }

    #[test]
    fn rejects_repeated_keys_wherever_they_are() {
        for bad in [
            "a=1, a=1",
            "a=1, b=2, a=3",
            "a, a",
            "a=(\"x\");k=1, b=2, a=(\"x\");k=1",
        ] {
            let err = members(bad).unwrap_err();
            assert_eq!(err.code(), ErrorCode::SignatureInputMalformed, "{bad}");
            assert!(err.message().contains("twice"), "{bad}: {}", err.message());
        }
    }

    #[test]
    fn rejects_rfc_9651_only_types() {
        // Display strings and dates are RFC 9651; the signature fields are RFC 8941.
        for bad in [
            r#"a=("@method");keyid="x";created=1;p=%"\", sig1=("@method");keyid="k";created=2"#,
            r#"a=%"x""#,
            "a=@1700000000",
            r#"a=("x");p=%"%c3%a9""#,
        ] {
            let err = members(bad).unwrap_err();
            assert_eq!(err.code(), ErrorCode::SignatureInputMalformed, "{bad}");
        }
    }

    #[test]
    fn whitespace_alone_holds_no_member() {
        // Found by the dictionary_differential fuzz target: `sfv` reads "   "
        // as the empty dictionary; the scanner returned one empty member.
        for input in ["", " ", "   ", "\t"] {
            assert_eq!(member_texts(input), Vec::<(&str, &str)>::new(), "{input:?}");
        }
        assert_eq!(member_texts("a=1  "), vec![("a", "1")]);
    }

    #[test]
    fn the_scanner_reads_display_strings_as_rfc_9651_does() {
        // `\` is not an escape inside a display string.
        let input = r#"a=%"\", b=("x");c=%"\\", d=1"#;
        let dict: Dictionary = Parser::new(input).parse().unwrap();
        let scanned = member_texts(input);
        assert_eq!(
            scanned.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            dict.keys().map(|k| k.as_str()).collect::<Vec<_>>()
        );
        assert_eq!(scanned[0].1, r#"%"\""#);
        assert_eq!(scanned[1].1, r#"("x");c=%"\\""#);
    }

    #[test]
    fn member_texts_never_panics_on_arbitrary_input() {
        for input in [
            "",
            " ",
            "\t ",
            ",",
            "\"",
            "a=\"\\",
            "%\"",
            "a=%\"\\\"",
            "é=1",
            ",,,a",
            "a, ",
        ] {
            let _ = member_texts(input);
            let _ = members(input);
        }
    }
}
