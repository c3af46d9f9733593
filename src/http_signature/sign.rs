//! Producing `Signature-Input` and `Signature` headers.

use super::base::{BaseForm, SignatureBase};
use crate::error::{Error, ErrorCode, Result};
use crate::signer::MessageSigner;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sfv::{DictSerializer, KeyRef, StringRef};

/// What to sign: the covered components with their values, and the parameters.
#[derive(Debug, Clone)]
pub struct SignatureSpec<'a> {
    /// The dictionary label; Upvest uses `sig1`.
    pub label: &'a str,
    /// Covered components with their values, in order.
    pub components: Vec<(&'a str, String)>,
    /// The signer's key id.
    pub keyid: &'a str,
    /// Creation time, UNIX seconds.
    pub created: i64,
    /// Expiry time, UNIX seconds.
    pub expires: Option<i64>,
    /// A nonce.
    pub nonce: Option<&'a str>,
    /// The base form.
    pub form: BaseForm,
}

/// The result of signing.
#[derive(Debug, Clone)]
pub struct SignedHeaders {
    /// The `Signature-Input` header value, `label=(…);…`.
    pub signature_input: String,
    /// The `Signature` header value, `label=:<base64>:`.
    pub signature: String,
    /// The base that was signed.
    pub base: SignatureBase,
}

/// Serializes the parameters, builds the base and signs it.
pub fn sign(spec: &SignatureSpec<'_>, signer: &dyn MessageSigner) -> Result<SignedHeaders> {
    let invalid = |what: &str| {
        Error::new(
            ErrorCode::InvalidArgument,
            format!("cannot sign: {what} is not a valid structured-field value"),
        )
    };
    let label = KeyRef::from_str(spec.label).map_err(|_| invalid("the label"))?;
    let mut dict = DictSerializer::new();
    {
        let mut list = dict.inner_list(label);
        for (name, _) in &spec.components {
            list.bare_item(StringRef::from_str(name).map_err(|_| invalid("a component name"))?);
        }
        let mut params = list.finish().parameter(
            KeyRef::constant("keyid"),
            StringRef::from_str(spec.keyid).map_err(|_| invalid("the key id"))?,
        );
        params = params.parameter(KeyRef::constant("created"), integer(spec.created)?);
        if let Some(expires) = spec.expires {
            params = params.parameter(KeyRef::constant("expires"), integer(expires)?);
        }
        if let Some(nonce) = spec.nonce {
            params.parameter(
                KeyRef::constant("nonce"),
                StringRef::from_str(nonce).map_err(|_| invalid("the nonce"))?,
            );
        }
    }
    let signature_input = dict
        .finish()
        .ok_or_else(|| invalid("the signature input"))?;
    let params_text = signature_input
        .get(spec.label.len() + 1..)
        .unwrap_or_default();
    let base = SignatureBase::from_lines(
        spec.components
            .iter()
            .map(|(name, value)| Ok((*name, value.clone()))),
        params_text,
        spec.form,
    )?;
    let signature_bytes = signer.sign(base.as_bytes())?;
    let signature = format!("{}=:{}:", spec.label, STANDARD.encode(signature_bytes));
    Ok(SignedHeaders {
        signature_input,
        signature,
        base,
    })
}

fn integer(value: i64) -> Result<sfv::Integer> {
    sfv::Integer::try_from(value).map_err(|_| {
        Error::new(
            ErrorCode::InvalidArgument,
            format!("time {value} is out of range for a signature parameter"),
        )
    })
}
