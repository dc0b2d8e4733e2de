//! JWS compact serialization (RFC 7515 §3.1, §5.1, §5.2).
//!
//! A parsed JWS is [`Unverified`]: its header may be read to find the key (`kid`, `jwk`), and its
//! payload may be peeked at under an `unverified_` name for cheap rejection, but only
//! [`Unverified::verify`] produces a [`Verified`] value that the rest of Hazel acts on.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::key::{Signer, VerifyingKey};
use crate::{Algorithm, Error, Jwk, base64url};

/// A JOSE header (RFC 7515 §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// `alg`: always one of [`Algorithm`]; `none` and HMAC never parse.
    pub alg: Algorithm,
    /// `kid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// `typ` (RFC 7515 §4.1.9; RFC 8725 §3.11 explicit typing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
    /// `jwk`: the public key embedded in the header (DPoP, RFC 9449 §4.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwk: Option<Jwk>,
    /// `crit` (RFC 7515 §4.1.11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crit: Option<Vec<String>>,
    /// Every other member.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Header {
    /// A header with only `alg`.
    pub fn new(alg: Algorithm) -> Self {
        Self {
            alg,
            kid: None,
            typ: None,
            jwk: None,
            crit: None,
            other: Map::new(),
        }
    }

    /// Parses a decoded header, naming the rule broken. `crit` is refused: the compact form
    /// understands no extension.
    fn parse(bytes: &[u8]) -> Result<Self, Error> {
        Self::parse_understanding(bytes, &[])
    }

    /// Parses a decoded header whose `crit` may list only the extensions in `understood`.
    fn parse_understanding(bytes: &[u8], understood: &[&str]) -> Result<Self, Error> {
        let members: Map<String, Value> = serde_json::from_slice(bytes)
            .map_err(|_| Error::Header("not a JSON object".to_owned()))?;
        // The algorithm is checked first and on its own, so that `none` or `HS256` give the
        // precise error rather than a generic parse failure.
        match members.get("alg") {
            Some(Value::String(alg)) => {
                Algorithm::parse(alg)?;
            }
            Some(_) => return Err(Error::Header("`alg` must be a string".to_owned())),
            None => return Err(Error::Header("`alg` is missing".to_owned())),
        }
        let header: Header = serde_json::from_value(Value::Object(members))
            .map_err(|e| Error::Header(e.to_string()))?;
        // RFC 7515 §4.1.11: a recipient MUST reject a JWS whose `crit` lists an extension it does
        // not understand. An empty list is itself invalid.
        if let Some(crit) = &header.crit {
            if crit.is_empty() {
                return Err(Error::CriticalHeader("(empty list)".to_owned()));
            }
            if let Some(unknown) = crit
                .iter()
                .find(|name| !understood.contains(&name.as_str()))
            {
                return Err(Error::CriticalHeader(unknown.clone()));
            }
        }
        Ok(header)
    }
}

/// A JWS whose signature has not been checked.
#[derive(Debug, Clone)]
pub struct Unverified {
    header: Header,
    payload: Vec<u8>,
    signature: Vec<u8>,
    signing_input: String,
}

impl Unverified {
    /// Splits and decodes a compact JWS (RFC 7515 §5.2 steps 1–7).
    pub fn parse(compact: &str) -> Result<Self, Error> {
        let mut parts = compact.split('.');
        let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::Malformed);
        };
        let header = Header::parse(&base64url::decode(header_b64, "JWS header")?)?;
        let payload = base64url::decode(payload_b64, "JWS payload")?;
        let signature = base64url::decode(signature_b64, "JWS signature")?;
        let signing_input = compact[..header_b64.len() + 1 + payload_b64.len()].to_owned();
        Ok(Self {
            header,
            payload,
            signature,
            signing_input,
        })
    }

    /// The header, to find the key; nothing in it is trustworthy yet.
    pub fn unverified_header(&self) -> &Header {
        &self.header
    }

    /// The payload before verification, for cheap rejection only.
    pub fn unverified_payload(&self) -> &[u8] {
        &self.payload
    }

    /// Verifies the signature with `key`; the key decides which algorithms are acceptable
    /// (RFC 8725 §3.1), so a header cannot switch an ES256 key to anything else.
    pub fn verify(self, key: &VerifyingKey) -> Result<Verified, Error> {
        key.verify(
            self.header.alg,
            self.signing_input.as_bytes(),
            &self.signature,
        )?;
        Ok(Verified {
            header: self.header,
            payload: self.payload,
        })
    }
}

/// A JWS whose signature verified.
#[derive(Debug, Clone)]
pub struct Verified {
    header: Header,
    payload: Vec<u8>,
}

impl Verified {
    /// The protected header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The payload bytes.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The payload parsed as JSON into `T`.
    pub fn claims<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.payload).map_err(|e| Error::Payload(e.to_string()))
    }
}

/// Signs `payload` into a compact JWS (RFC 7515 §5.1). The header's `alg` is set from the signer,
/// and its `kid` from the signer's key when the header has none.
pub fn sign(mut header: Header, payload: &[u8], signer: &dyn Signer) -> Result<String, Error> {
    header.alg = signer.algorithm();
    if !header.alg.can_sign() {
        return Err(Error::CannotSign(header.alg.as_str()));
    }
    if header.kid.is_none() && header.jwk.is_none() {
        header.kid.clone_from(&signer.public_jwk().kid);
    }
    let header_json = serde_json::to_vec(&header).map_err(|e| Error::Header(e.to_string()))?;
    let mut compact = base64url::encode(header_json);
    compact.push('.');
    compact.push_str(&base64url::encode(payload));
    let signature = signer.sign(compact.as_bytes())?;
    compact.push('.');
    compact.push_str(&base64url::encode(signature));
    Ok(compact)
}

/// The RFC 7797 header parameter that switches off payload encoding.
const B64: &str = "b64";

/// A JWS with a detached, unencoded payload (RFC 7797 §5 with RFC 7515 Appendix F): `header..sig`,
/// signed over `BASE64URL(header) || '.' || payload`. Linked-data proofs (JsonWebSignature2020)
/// carry their signature this way.
#[derive(Debug, Clone)]
pub struct DetachedUnencoded {
    header: Header,
    header_b64: String,
    signature: Vec<u8>,
}

impl DetachedUnencoded {
    /// Parses `header..signature`. The header must set `b64` to false and list it in `crit`
    /// (RFC 7797 §6); a detached JWS with an encoded payload is not what this form verifies.
    pub fn parse(jws: &str) -> Result<Self, Error> {
        let mut parts = jws.split('.');
        let (Some(header_b64), Some(""), Some(signature_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::Malformed);
        };
        let header =
            Header::parse_understanding(&base64url::decode(header_b64, "JWS header")?, &[B64])?;
        let unencoded = header.other.get(B64) == Some(&Value::Bool(false));
        let critical = header
            .crit
            .as_ref()
            .is_some_and(|crit| crit.iter().any(|name| name == B64));
        if !unencoded || !critical {
            return Err(Error::Header(
                "a detached payload must be unencoded: `b64` false and listed in `crit`".to_owned(),
            ));
        }
        let signature = base64url::decode(signature_b64, "JWS signature")?;
        Ok(Self {
            header,
            header_b64: header_b64.to_owned(),
            signature,
        })
    }

    /// The header; nothing in it is trustworthy before [`Self::verify`].
    pub fn unverified_header(&self) -> &Header {
        &self.header
    }

    /// Verifies the signature over `payload` with `key`, which decides the acceptable algorithms.
    pub fn verify(&self, key: &VerifyingKey, payload: &[u8]) -> Result<(), Error> {
        key.verify(
            self.header.alg,
            &signing_input(&self.header_b64, payload),
            &self.signature,
        )
    }
}

fn signing_input(header_b64: &str, payload: &[u8]) -> Vec<u8> {
    let mut input = Vec::with_capacity(header_b64.len() + 1 + payload.len());
    input.extend_from_slice(header_b64.as_bytes());
    input.push(b'.');
    input.extend_from_slice(payload);
    input
}

/// Signs `payload` as a detached, unencoded JWS (`header..signature`, RFC 7797). `alg`, `b64`
/// and `crit` are set here; `kid` comes from the signer when the header has none.
pub fn sign_detached_unencoded(
    mut header: Header,
    payload: &[u8],
    signer: &dyn Signer,
) -> Result<String, Error> {
    header.alg = signer.algorithm();
    if !header.alg.can_sign() {
        return Err(Error::CannotSign(header.alg.as_str()));
    }
    if header.kid.is_none() {
        header.kid.clone_from(&signer.public_jwk().kid);
    }
    header.other.insert(B64.to_owned(), Value::Bool(false));
    header.crit = Some(vec![B64.to_owned()]);
    let header_json = serde_json::to_vec(&header).map_err(|e| Error::Header(e.to_string()))?;
    let header_b64 = base64url::encode(header_json);
    let signature = signer.sign(&signing_input(&header_b64, payload))?;
    Ok(format!("{header_b64}..{}", base64url::encode(signature)))
}

#[cfg(test)]
mod tests;
