//! The entity statement each subject publishes at
//! `/.well-known/openid-configuration/oauth2/{subject}` (nuts-node v6): a JWT signed with the
//! subject's assertion key, whose `iss` and `sub` are the subject's OAuth identifier
//! (`<url>/oauth2/<subject>`) and whose `jwks` lists the subject's DID keys. nuts-node uses it to
//! bind a signed request object to its client; Hazel also uses it to bind a token request's
//! `client_id` to the key that signed the presentation.

use did::{DidUrl, Relationship};
use jose::jws::Header;
use serde_json::{Value, json};

use crate::node::Node;
use crate::subjects::{SubjectError, SubjectRecord};

/// The media type of an entity statement.
pub const MEDIA_TYPE: &str = "application/entity-statement+jwt";

/// How long a statement is valid, as nuts-node (one hour).
const VALIDITY: i64 = 3600;

/// Signs `record`'s entity statement at `now`.
pub async fn create(node: &Node, record: &SubjectRecord, now: i64) -> Result<String, SubjectError> {
    let public_url = node.config.public_url();
    let identifier = super::issuer_url(public_url, &record.id);
    let document = node.subjects.document(record).await?;
    let keys: Vec<Value> = document
        .verification_method
        .iter()
        .filter_map(|method| {
            let mut jwk = method.jwk().ok()?.to_json();
            jwk.as_object_mut()?
                .insert("kid".into(), Value::String(method.id.clone()));
            Some(jwk)
        })
        .collect();
    let (kid, signer) = node
        .subjects
        .signer(record, Relationship::AssertionMethod)
        .await?;
    let mut header = Header::new(signer.algorithm());
    header.kid = Some(kid.to_string());
    header.typ = Some("entity-statement+jwt".to_owned());
    let claims = json!({
        "iss": identifier,
        "sub": identifier,
        "iat": now,
        "exp": now + VALIDITY,
        "jwks": {"keys": keys},
        "metadata": {"openid_provider": super::metadata::authorization_server(public_url, &record.id)},
    });
    let payload = serde_json::to_vec(&claims)
        .map_err(|e| SubjectError::Storage(crate::storage::StorageError::Corrupt(e.to_string())))?;
    jose::jws::sign(header, &payload, signer.as_ref())
        .map_err(|e| SubjectError::Storage(crate::storage::StorageError::Corrupt(e.to_string())))
}

/// A verified statement: who it is about and which DID keys it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// `iss` = `sub`.
    pub identifier: String,
    /// The DID URL of the key that signed it.
    pub signer: DidUrl,
    /// The `kid`s of its `jwks` with their RFC 7638 thumbprints.
    pub keys: Vec<(String, String)>,
}

/// Verifies a fetched statement about `identifier` at `now`: a signature by the `jwks` key its
/// `kid` names, `iss` = `sub` = `identifier`, `iat`/`exp`. The statement is self-signed: what
/// makes it the client's is the (https) origin it was fetched from. nuts-node signs it without a
/// `typ` of its own (its JWT library writes `JWT`), so `typ` may be absent, `JWT` or
/// `entity-statement+jwt`.
pub fn verify(jwt: &str, identifier: &str, now: i64, skew: i64) -> Result<Statement, String> {
    let parsed = jose::jws::Unverified::parse(jwt).map_err(|e| e.to_string())?;
    let header = parsed.unverified_header().clone();
    if let Some(typ) = &header.typ
        && !typ.eq_ignore_ascii_case("JWT")
        && !typ.eq_ignore_ascii_case("entity-statement+jwt")
    {
        return Err(format!("unexpected typ {typ}"));
    }
    let kid = header.kid.as_deref().ok_or("the statement has no kid")?;
    let signer = DidUrl::parse(kid).map_err(|e| format!("kid: {e}"))?;
    let claims: Value =
        serde_json::from_slice(parsed.unverified_payload()).map_err(|e| e.to_string())?;
    let listed: Vec<(String, jose::Jwk)> = claims
        .pointer("/jwks/keys")
        .and_then(Value::as_array)
        .map(|keys| {
            keys.iter()
                .filter_map(|key| {
                    let kid = key.get("kid")?.as_str()?.to_owned();
                    let jwk = jose::Jwk::from_json(key).ok()?;
                    (!jwk.is_private()).then_some((kid, jwk))
                })
                .collect()
        })
        .unwrap_or_default();
    let signing_key = listed
        .iter()
        .find(|(listed_kid, _)| listed_kid == kid)
        .map(|(_, jwk)| jwk)
        .ok_or("the statement's kid is not in its jwks")?;
    let key = jose::VerifyingKey::from_jwk(signing_key).map_err(|e| e.to_string())?;
    parsed.verify(&key).map_err(|e| e.to_string())?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    if text("iss") != Some(identifier) || text("sub") != Some(identifier) {
        return Err(format!("iss and sub must both be {identifier}"));
    }
    let number = |name: &str| claims.get(name).and_then(Value::as_i64);
    if number("exp").is_none_or(|exp| exp < now.saturating_sub(skew)) {
        return Err("the statement has expired or has no exp".into());
    }
    if number("iat").is_some_and(|iat| iat > now.saturating_add(skew)) {
        return Err("the statement is issued in the future".into());
    }
    Ok(Statement {
        identifier: identifier.to_owned(),
        signer,
        keys: listed
            .into_iter()
            .map(|(kid, jwk)| (kid, jwk.thumbprint()))
            .collect(),
    })
}
