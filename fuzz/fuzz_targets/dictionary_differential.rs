//! The member-text scanner against `sfv`, on dictionaries built to confuse
//! it: display strings holding `\` and `%xx`, dates, strings with escaped
//! quotes and commas, nested inner lists, parameters on everything, odd
//! whitespace and repeated keys (security round 2, finding 1).
//!
//! Whenever `sfv` accepts the text as a dictionary (RFC 9651 or RFC 8941),
//! the scanner must find exactly its keys, in order, repeats included; and
//! when no key repeats, each member text the scanner returns, parsed again
//! on its own, must equal the member `sfv` returned. `Signature-Input`
//! itself must then accept only what RFC 8941 accepts without repeats.
//!
//! Input: a selector byte; 0 reads the rest as the header text, anything
//! else builds a dictionary from it (see `Gen`).
#![no_main]
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use sfv::visitor::{DictionaryVisitor, EntryVisitor, Ignored};
use sfv::{Dictionary, KeyRef, List, ListEntry, Parser, Version};
use upvest_webhooks::Limits;
use upvest_webhooks::http_signature::{member_texts, parse_signature_input};
use upvest_webhooks_fuzz::selector;

fuzz_target!(|data: &[u8]| {
    let (mode, rest) = selector(data);
    let text = if mode == 0 {
        match std::str::from_utf8(rest) {
            Ok(text) => text.to_owned(),
            Err(_) => return,
        }
    } else {
        match Gen(Unstructured::new(rest)).dictionary() {
            Ok(text) => text,
            Err(_) => return,
        }
    };
    check(&text);
});

fn check(text: &str) {
    let mut strict_ok = false;
    for version in [Version::Rfc9651, Version::Rfc8941] {
        let Ok(dict) = Parser::new(text)
            .with_version(version)
            .parse::<Dictionary>()
        else {
            continue;
        };
        let mut keys = Keys(Vec::new());
        Parser::new(text)
            .with_version(version)
            .parse_dictionary_with_visitor(&mut keys)
            .expect("same input, same verdict");
        let scanned = member_texts(text);
        let scanned_keys: Vec<&str> = scanned.iter().map(|(key, _)| *key).collect();
        assert_eq!(
            scanned_keys, keys.0,
            "{version:?}: the scanner splits {text:?} differently"
        );
        let repeats = dict.len() != keys.0.len();
        if !repeats {
            for ((key, member), (dict_key, entry)) in scanned.iter().zip(&dict) {
                assert_eq!(*key, dict_key.as_str());
                assert_eq!(
                    reparse(member, version).as_ref(),
                    Some(entry),
                    "{version:?}: member {key:?} of {text:?} reads {member:?}"
                );
            }
        }
        if version == Version::Rfc8941 && !repeats {
            strict_ok = true;
        }
    }
    // Signature-Input reads exactly RFC 8941 without repeats (it may refuse
    // more, for its own rules, but never accept anything else).
    if parse_signature_input(text, &Limits::default()).is_ok() {
        assert!(
            strict_ok,
            "Signature-Input accepted {text:?}, which is not a repeat-free RFC 8941 dictionary"
        );
    }
}

fn reparse(text: &str, version: Version) -> Option<ListEntry> {
    let text = if text.is_empty() || text.starts_with(';') {
        format!("?1{text}")
    } else {
        text.to_owned()
    };
    let mut list: List = Parser::new(&text).with_version(version).parse().ok()?;
    if list.len() == 1 { list.pop() } else { None }
}

/// Every key in order, repeats included.
struct Keys(Vec<String>);

impl<'de> DictionaryVisitor<'de> for &mut Keys {
    type Out = ();
    type Error = std::convert::Infallible;
    fn entry(
        &mut self,
        key: &'de KeyRef,
    ) -> std::result::Result<impl EntryVisitor<'de>, Self::Error> {
        self.0.push(key.as_str().to_owned());
        Ok(Ignored)
    }
    fn finish(self) -> std::result::Result<(), Self::Error> {
        Ok(())
    }
}

/// Builds dictionary text from fuzz bytes.
struct Gen<'a>(Unstructured<'a>);

impl Gen<'_> {
    fn pick<'s>(&mut self, choices: &[&'s str]) -> Result<&'s str> {
        Ok(*self.0.choose(choices)?)
    }

    fn key(&mut self) -> Result<String> {
        // A small pool, so keys repeat often.
        Ok(self
            .pick(&["sig1", "sig2", "a", "*x", "k.y-z_1"])?
            .to_owned())
    }

    fn chars(&mut self, pool: &[&str]) -> Result<String> {
        let n = self.0.int_in_range(0..=6)?;
        let mut out = String::new();
        for _ in 0..n {
            out.push_str(self.pick(pool)?);
        }
        Ok(out)
    }

    fn bare_item(&mut self) -> Result<String> {
        Ok(match self.0.int_in_range(0..=8)? {
            0 => self
                .0
                .int_in_range(-999_999_999_999_999i64..=999_999_999_999_999)?
                .to_string(),
            1 => format!(
                "{}.{}",
                self.0.int_in_range(-99i64..=99)?,
                self.0.int_in_range(0u16..=999)?
            ),
            2 => format!(
                "\"{}\"",
                self.chars(&["a", " ", ",", "\\\"", "\\\\", ";", "(", ")", "%", "="])?
            ),
            3 => self
                .pick(&["tok", "*t/x:y", "a%b", "T!#$&'*+-.^_`|~"])?
                .to_owned(),
            4 => format!(":{}:", self.pick(&["", "AAAA", "aGk=", "/+/+"])?),
            5 => self.pick(&["?0", "?1"])?.to_owned(),
            6 => format!(
                "@{}",
                self.0.int_in_range(-9_999_999_999i64..=9_999_999_999)?
            ),
            // RFC 9651 display strings: `\` is a plain character there.
            _ => format!(
                "%\"{}\"",
                self.chars(&["a", " ", ",", "\\", "%22", "%c3%a9", ";", "(", "\\\\"])?
            ),
        })
    }

    fn params(&mut self) -> Result<String> {
        let n = self.0.int_in_range(0..=3)?;
        let mut out = String::new();
        for _ in 0..n {
            out.push(';');
            out.push_str(self.pick(&["", " "])?); // sfv allows SP after ';'
            out.push_str(&self.key()?);
            if self.0.arbitrary()? {
                out.push('=');
                out.push_str(&self.bare_item()?);
            }
        }
        Ok(out)
    }

    fn member_value(&mut self) -> Result<String> {
        if self.0.arbitrary()? {
            return Ok(format!("{}{}", self.bare_item()?, self.params()?));
        }
        let n = self.0.int_in_range(0..=3)?;
        let mut items = Vec::new();
        for _ in 0..n {
            items.push(format!("{}{}", self.bare_item()?, self.params()?));
        }
        let sep = self.pick(&[" ", "  "])?;
        let (open, close) = (self.pick(&["(", "( "])?, self.pick(&[")", " )"])?);
        Ok(format!(
            "{open}{}{close}{}",
            items.join(sep),
            self.params()?
        ))
    }

    fn dictionary(&mut self) -> Result<String> {
        let n = self.0.int_in_range(1..=5)?;
        let mut out = String::new();
        for i in 0..n {
            if i > 0 {
                out.push_str(self.pick(&["", " ", "\t", "  "])?);
                out.push(',');
                out.push_str(self.pick(&["", " ", "\t "])?);
            }
            out.push_str(&self.key()?);
            match self.0.int_in_range(0..=4)? {
                0 => out.push_str(&self.params()?), // bare key: true with parameters
                _ => {
                    out.push('=');
                    out.push_str(&self.member_value()?);
                }
            }
        }
        Ok(out)
    }
}
