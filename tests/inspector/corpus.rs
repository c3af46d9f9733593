//! The signed deliveries the mutations start from: a scenario per random
//! choice of base form, encoding, URL, body and expiry, signed as Upvest
//! signs (or re-signed with one thing changed).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use upvest_webhooks::ecdsa::{EcdsaSignature, EcdsaSigningKey};
use upvest_webhooks::http_signature::digest::{content_digest_sha512, digest_sha256};
use upvest_webhooks::http_signature::{BaseForm, SIGNATURE_VERSION_HEADER, SignatureSpec, sign};

/// The verification time of every case.
pub const NOW: i64 = 1_800_000_000;

/// The deterministic generator of the cases, so a failing case reproduces.
pub use upvest_webhooks::testing::xorshift::XorShift as Rng;

/// A delivery as a receiver gets it.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Delivery {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// With `name` set to `value` (appended if absent), or removed (`None`).
    pub fn with(&self, name: &str, value: Option<String>) -> Delivery {
        let mut out = self.clone();
        out.headers.retain(|(n, _)| n != name);
        if let Some(value) = value {
            out.headers.push((name.to_owned(), value));
        }
        out
    }

    pub fn edit(&self, name: &str, change: impl FnOnce(&str) -> String) -> Delivery {
        self.with(name, Some(change(self.header(name))))
    }

    pub fn with_body(&self, body: Vec<u8>) -> Delivery {
        Delivery {
            body,
            ..self.clone()
        }
    }

    pub fn signature_bytes(&self) -> Vec<u8> {
        let value = self.header("signature");
        let b64 = value.split(':').nth(1).unwrap();
        STANDARD.decode(b64).unwrap()
    }

    /// With the signature bytes replaced, under the same label.
    pub fn with_signature(&self, bytes: &[u8]) -> Delivery {
        let label = self.header("signature").split('=').next().unwrap_or("sig1");
        let value = format!("{label}=:{}:", STANDARD.encode(bytes));
        self.with("signature", Some(value))
    }
}

/// How a scenario's delivery is signed; mutations re-sign with changes.
#[derive(Debug, Clone)]
pub struct Signing {
    pub form: BaseForm,
    pub version_header: bool,
    pub raw: bool,
    pub url: String,
    pub body: Vec<u8>,
    pub created: i64,
    pub expires: Option<i64>,
    /// Which of the two keys signs, and under which `keyid`.
    pub key: usize,
    pub keyid: &'static str,
    pub digest_header: bool,
    pub cover_digest: bool,
    pub label: &'static str,
}

pub const KIDS: [&str; 2] = ["key-a", "key-b"];

pub fn signed(s: &Signing, keys: &[EcdsaSigningKey; 2]) -> Delivery {
    let target = upvest_webhooks::http_signature::message::RequestTarget::parse(&s.url).unwrap();
    let (digest_name, digest_value) = match s.form {
        BaseForm::UpvestV6 => ("digest", digest_sha256(&s.body)),
        BaseForm::Quoted => ("content-digest", content_digest_sha512(&s.body)),
    };
    let mut components = upvest_webhooks::testing::delivery_components(&target, s.body.len());
    if s.digest_header && s.cover_digest {
        components.push((digest_name, digest_value.clone()));
    }
    let spec = SignatureSpec {
        label: s.label,
        components,
        keyid: s.keyid,
        created: s.created,
        expires: s.expires,
        nonce: Some("n0nce"),
        form: s.form,
    };
    let headers_signed = sign(&spec, &keys[s.key]).unwrap();
    let mut headers = vec![
        ("content-type".to_owned(), "application/json".to_owned()),
        ("content-length".to_owned(), s.body.len().to_string()),
    ];
    if s.digest_header {
        headers.push((digest_name.to_owned(), digest_value));
    }
    if s.version_header {
        headers.push((SIGNATURE_VERSION_HEADER.to_owned(), "15".to_owned()));
    }
    headers.push(("signature-input".to_owned(), headers_signed.signature_input));
    headers.push(("signature".to_owned(), headers_signed.signature));
    let delivery = Delivery {
        method: "POST".to_owned(),
        url: s.url.clone(),
        headers,
        body: s.body.clone(),
    };
    if s.raw {
        let raw = EcdsaSignature::decode(&delivery.signature_bytes())
            .unwrap()
            .to_raw();
        delivery.with_signature(&raw)
    } else {
        delivery
    }
}

pub fn scenario(r: &mut Rng) -> Signing {
    let form = if r.chance() {
        BaseForm::UpvestV6
    } else {
        BaseForm::Quoted
    };
    let events = 1 + r.below(3);
    let payload: Vec<String> = (0..events)
        .map(|i| format!(r#"{{"id":"e{i}","created_at":"2021-07-21T14:10:00.00Z","type":"ORDER.FILLED","object":{{"pad":"{}"}},"webhook_id":"w"}}"#, "x".repeat(r.below(2_000))))
        .collect();
    let query = if r.chance() {
        format!("?limit={}&cursor=c{}", r.below(100), r.next_u64())
    } else {
        String::new()
    };
    let url = if r.below(5) == 0 {
        format!("/webhooks/upvest{query}")
    } else {
        format!("https://tenant.example/webhooks/upvest{query}")
    };
    Signing {
        form,
        version_header: form == BaseForm::Quoted,
        raw: r.chance(),
        url,
        body: format!(r#"{{"payload":[{}]}}"#, payload.join(",")).into_bytes(),
        created: NOW,
        expires: (r.below(5) != 0).then_some(NOW + 60),
        key: 0,
        keyid: KIDS[0],
        digest_header: true,
        cover_digest: true,
        label: "sig1",
    }
}
