//! JWT claims (RFC 7519 §4.1) and their checks against an explicit `now` and clock skew.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::jws::{Header, Unverified};
use crate::key::{Signer, VerifyingKey};
use crate::{Error, jws};

/// `aud`: one string or an array of strings (RFC 7519 §4.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// A single audience.
    One(String),
    /// Several audiences.
    Many(Vec<String>),
}

impl Audience {
    /// Whether `audience` is one of them (exact comparison, RFC 7519 §4.1.3).
    pub fn contains(&self, audience: &str) -> bool {
        match self {
            Audience::One(one) => one == audience,
            Audience::Many(many) => many.iter().any(|a| a == audience),
        }
    }
}

/// The registered claims plus every other claim.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    /// `iss`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// `sub`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// `aud`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    /// `exp`, seconds since the epoch.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "numeric_date"
    )]
    pub exp: Option<i64>,
    /// `nbf`, seconds since the epoch.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "numeric_date"
    )]
    pub nbf: Option<i64>,
    /// `iat`, seconds since the epoch.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "numeric_date"
    )]
    pub iat: Option<i64>,
    /// `jti`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// Every other claim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// RFC 7519 §2: a NumericDate may have a fraction; it is truncated to whole seconds.
fn numeric_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    let value = Option::<serde_json::Number>::deserialize(deserializer)?;
    value
        .map(|number| {
            number
                .as_i64()
                .or_else(|| number.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
                .ok_or_else(|| serde::de::Error::custom("NumericDate out of range"))
        })
        .transpose()
}

/// What a caller requires of a token's claims.
#[derive(Debug, Clone)]
pub struct Validation<'a> {
    /// The current time, seconds since the epoch.
    pub now: i64,
    /// Allowed clock difference between issuer and us, in seconds.
    pub leeway: i64,
    /// When set, `aud` must contain it.
    pub audience: Option<&'a str>,
    /// When set, `iss` must equal it.
    pub issuer: Option<&'a str>,
    /// When set, the header `typ` must equal it (RFC 8725 §3.11).
    pub typ: Option<&'a str>,
    /// Whether `exp` must be present.
    pub require_exp: bool,
}

impl<'a> Validation<'a> {
    /// Defaults: `exp` required, no audience, issuer or `typ` check.
    pub fn new(now: i64, leeway: i64) -> Self {
        Self {
            now,
            leeway,
            audience: None,
            issuer: None,
            typ: None,
            require_exp: true,
        }
    }
}

/// Checks the claims against `validation` (RFC 7519 §4.1.1–§4.1.6).
pub fn check_claims(claims: &Claims, validation: &Validation<'_>) -> Result<(), Error> {
    let now = validation.now;
    let leeway = validation.leeway;
    match claims.exp {
        Some(exp) if now - leeway >= exp => return Err(Error::Expired),
        None if validation.require_exp => return Err(Error::MissingClaim("exp")),
        _ => {}
    }
    if claims.nbf.is_some_and(|nbf| nbf > now + leeway) {
        return Err(Error::NotYetValid);
    }
    if claims.iat.is_some_and(|iat| iat > now + leeway) {
        return Err(Error::IssuedInFuture);
    }
    if let Some(expected) = validation.audience
        && !claims
            .aud
            .as_ref()
            .is_some_and(|aud| aud.contains(expected))
    {
        return Err(Error::WrongAudience);
    }
    if let Some(expected) = validation.issuer
        && claims.iss.as_deref() != Some(expected)
    {
        return Err(Error::WrongIssuer);
    }
    Ok(())
}

/// Checks the header's `typ` (case-insensitively, RFC 7515 §4.1.9).
pub fn check_typ(header: &Header, expected: &str) -> Result<(), Error> {
    match &header.typ {
        Some(typ) if typ.eq_ignore_ascii_case(expected) => Ok(()),
        _ => Err(Error::WrongType {
            expected: expected.to_owned(),
        }),
    }
}

/// Verifies a compact JWT with `key` and checks its claims.
pub fn verify(
    compact: &str,
    key: &VerifyingKey,
    validation: &Validation<'_>,
) -> Result<(Header, Claims), Error> {
    let verified = Unverified::parse(compact)?.verify(key)?;
    if let Some(typ) = validation.typ {
        check_typ(verified.header(), typ)?;
    }
    let claims: Claims = verified.claims()?;
    check_claims(&claims, validation)?;
    Ok((verified.header().clone(), claims))
}

/// Signs claims into a compact JWT.
pub fn sign(header: Header, claims: &Claims, signer: &dyn Signer) -> Result<String, Error> {
    let payload = serde_json::to_vec(claims).map_err(|e| Error::Payload(e.to_string()))?;
    jws::sign(header, &payload, signer)
}

#[cfg(test)]
mod tests;
