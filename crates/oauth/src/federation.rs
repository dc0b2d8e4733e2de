//! Entity statements as nuts-node v6 publishes them at
//! `/.well-known/openid-configuration/oauth2/<subject>`: a JWT whose `iss` and `sub` are the
//! entity's identifier (its authorization server URL), whose `jwks` lists its keys, and whose
//! `metadata.openid_provider` is its authorization server metadata. It is self-signed; what
//! vouches for it is the https origin it is fetched from (OpenID Federation 1.0 §3, entity
//! configuration, in the subset nuts-node uses).

use jose::jws::{Header, Unverified};
use jose::{Jwk, Signer, VerifyingKey};
use serde_json::{Value, json};

use crate::metadata::AuthorizationServerMetadata;

/// The media type of an entity statement.
pub const MEDIA_TYPE: &str = "application/entity-statement+jwt";

/// The `typ` Hazel signs with. nuts-node signs without one of its own (its JWT library writes
/// `JWT`), so verification takes absent, `JWT` and this.
pub const TYP: &str = "entity-statement+jwt";

/// How long a statement is valid, as nuts-node (one hour).
pub const VALIDITY: i64 = 3600;

/// Why a statement is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatementError {
    /// Not a compact JWS with a JSON payload.
    #[error("malformed statement: {0}")]
    Malformed(String),
    /// A `typ` other than `JWT` or `entity-statement+jwt`.
    #[error("unexpected typ {0}")]
    Type(String),
    /// No `kid`, or a `kid` its own `jwks` does not list.
    #[error("the statement's kid is missing or not in its jwks")]
    UnknownKey,
    /// The signature does not verify with the listed key.
    #[error("the statement's signature does not verify")]
    Signature,
    /// `iss` or `sub` is not the identifier it was fetched for.
    #[error("iss and sub must both be {0}")]
    Identifier(String),
    /// Expired, without `exp`, or issued in the future.
    #[error("the statement has expired, has no exp, or is issued in the future")]
    Time,
    /// It could not be signed.
    #[error("the statement could not be signed: {0}")]
    Signing(String),
}

/// A verified statement: its keys, by `kid`, with their RFC 7638 thumbprints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    keys: Vec<(String, String)>,
}

impl Statement {
    /// Whether its `jwks` lists a key with this `kid` and this thumbprint.
    pub fn lists(&self, kid: &str, thumbprint: &str) -> bool {
        self.keys
            .iter()
            .any(|(listed, print)| listed == kid && print == thumbprint)
    }
}

/// Signs the statement of `identifier` at `now`: `keys` are its public keys, each with its `kid`.
pub fn sign(
    identifier: &str,
    keys: Vec<Value>,
    metadata: &AuthorizationServerMetadata,
    kid: &str,
    signer: &dyn Signer,
    now: i64,
) -> Result<String, StatementError> {
    let mut header = Header::new(signer.algorithm());
    header.kid = Some(kid.to_owned());
    header.typ = Some(TYP.to_owned());
    let claims = json!({
        "iss": identifier,
        "sub": identifier,
        "iat": now,
        "exp": now.saturating_add(VALIDITY),
        "jwks": {"keys": keys},
        "metadata": {"openid_provider": metadata},
    });
    let payload =
        serde_json::to_vec(&claims).map_err(|e| StatementError::Signing(e.to_string()))?;
    jose::jws::sign(header, &payload, signer).map_err(|e| StatementError::Signing(e.to_string()))
}

/// Verifies a statement fetched for `identifier` at `now`: signed by the `jwks` key its `kid`
/// names, `iss` = `sub` = `identifier`, `exp` not past and `iat` not ahead (with `skew`).
pub fn verify(
    jwt: &str,
    identifier: &str,
    now: i64,
    skew: i64,
) -> Result<Statement, StatementError> {
    let parsed = Unverified::parse(jwt).map_err(|e| StatementError::Malformed(e.to_string()))?;
    let header = parsed.unverified_header();
    if let Some(typ) = &header.typ
        && !typ.eq_ignore_ascii_case("JWT")
        && !typ.eq_ignore_ascii_case(TYP)
    {
        return Err(StatementError::Type(typ.clone()));
    }
    let kid = header.kid.clone().ok_or(StatementError::UnknownKey)?;
    let claims: Value = serde_json::from_slice(parsed.unverified_payload())
        .map_err(|e| StatementError::Malformed(e.to_string()))?;
    let listed = listed_keys(&claims);
    let signing_key = listed
        .iter()
        .find(|(listed_kid, _)| *listed_kid == kid)
        .map(|(_, jwk)| jwk)
        .ok_or(StatementError::UnknownKey)?;
    let key = VerifyingKey::from_jwk(signing_key).map_err(|_| StatementError::UnknownKey)?;
    parsed.verify(&key).map_err(|_| StatementError::Signature)?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    if text("iss") != Some(identifier) || text("sub") != Some(identifier) {
        return Err(StatementError::Identifier(identifier.to_owned()));
    }
    let number = |name: &str| claims.get(name).and_then(Value::as_i64);
    if number("exp").is_none_or(|exp| exp < now.saturating_sub(skew))
        || number("iat").is_some_and(|iat| iat > now.saturating_add(skew))
    {
        return Err(StatementError::Time);
    }
    Ok(Statement {
        keys: listed
            .into_iter()
            .map(|(kid, jwk)| (kid, jwk.thumbprint()))
            .collect(),
    })
}

/// The public keys of `jwks` that have a `kid`; private keys are never taken.
fn listed_keys(claims: &Value) -> Vec<(String, Jwk)> {
    claims
        .pointer("/jwks/keys")
        .and_then(Value::as_array)
        .map(|keys| {
            keys.iter()
                .filter_map(|key| {
                    let kid = key.get("kid")?.as_str()?.to_owned();
                    let jwk = Jwk::from_json(key).ok()?;
                    (!jwk.is_private()).then_some((kid, jwk))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
