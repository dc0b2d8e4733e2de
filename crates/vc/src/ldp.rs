//! JsonWebSignature2020 linked-data proofs (W3C CCG "JSON Web Signature 2020"), as nuts-node makes
//! and checks them, for `ldp_vc` and `ldp_vp`.
//!
//! The signed bytes are `SHA-256(canonical proof options) || SHA-256(canonical document)`, each the
//! RDFC-1.0 canonical N-Quads of its JSON-LD; the document is taken without its `proof`, and the
//! proof options are the proof without `jws`, with `@context` set to the JWS 2020 context and
//! `@type` to the proof type. The signature is a detached JWS with an unencoded payload
//! (RFC 7797). Only the members nuts-node's proof model knows are part of the proof options;
//! others are dropped before hashing, as there.

use jose::jws::{DetachedUnencoded, Header};
use jose::{Signer, VerifyingKey};
use jsonld::contexts::JWS_2020_V1;
use std::sync::Arc;

use jsonld::{Contexts, Limits, Remembered, Strictness, canonicalize, canonicalize_remembered};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Error;

/// The proof type.
pub const JSON_WEB_SIGNATURE_2020: &str = "JsonWebSignature2020";
/// Proof purpose of an issuer's proof on a credential.
pub const ASSERTION_METHOD: &str = "assertionMethod";
/// Proof purpose of a holder's proof on a presentation.
pub const AUTHENTICATION: &str = "authentication";

/// A JsonWebSignature2020 proof (the members nuts-node's `LDProof` has).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LdProof {
    /// `type`: always [`JSON_WEB_SIGNATURE_2020`] once parsed.
    #[serde(rename = "type")]
    pub proof_type: String,
    /// `created`, RFC 3339.
    pub created: String,
    /// `proofPurpose`.
    #[serde(rename = "proofPurpose")]
    pub proof_purpose: String,
    /// `verificationMethod`: the DID URL of the signing key.
    #[serde(rename = "verificationMethod")]
    pub verification_method: String,
    /// `challenge`: the verifier's nonce on a presentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge: Option<String>,
    /// `domain`: the audience of a presentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// `nonce`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// `expires`, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// `jws`: the detached signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jws: Option<String>,
}

impl LdProof {
    /// Proof options for a new proof, signed by `verification_method`.
    pub fn new(verification_method: &str, purpose: &str, created: String) -> Self {
        Self {
            proof_type: JSON_WEB_SIGNATURE_2020.to_owned(),
            created,
            proof_purpose: purpose.to_owned(),
            verification_method: verification_method.to_owned(),
            challenge: None,
            domain: None,
            nonce: None,
            expires: None,
            jws: None,
        }
    }

    /// The `proof` member of a signed document. One JsonWebSignature2020 proof object is
    /// accepted; proof sets and chains are not (nuts-node makes neither).
    pub fn of(document: &Value, what: &'static str) -> Result<Self, Error> {
        let proof = document.get("proof").ok_or(Error::Missing("proof"))?;
        let Value::Object(members) = proof else {
            return Err(Error::UnsupportedProof(
                "proof must be a single object".to_owned(),
            ));
        };
        match members.get("type").and_then(Value::as_str) {
            Some(JSON_WEB_SIGNATURE_2020) => {}
            Some(other) => return Err(Error::UnsupportedProof(other.to_owned())),
            None => return Err(Error::Missing("proof type")),
        }
        let proof: LdProof =
            serde_json::from_value(proof.clone()).map_err(|e| Error::Malformed {
                what,
                reason: format!("proof: {e}"),
            })?;
        if proof.jws.is_none() {
            return Err(Error::Missing("proof jws"));
        }
        Ok(proof)
    }

    /// The proof options as the JSON-LD document that is canonicalized.
    pub fn options_document(&self) -> Value {
        let mut options = self.clone();
        options.jws = None;
        let mut document = match serde_json::to_value(options) {
            Ok(Value::Object(members)) => members,
            _ => Map::new(),
        };
        document.insert("@context".to_owned(), Value::from(vec![JWS_2020_V1]));
        document.insert("@type".to_owned(), Value::from(self.proof_type.clone()));
        Value::Object(document)
    }
}

/// Where contexts come from and how much work one document may cause.
#[derive(Debug, Clone, Copy)]
pub struct LdProcessing<'a> {
    /// The contexts the node holds.
    pub contexts: &'a Contexts,
    /// Canonicalization bounds.
    pub limits: Limits,
    /// Remember canonical forms (for credentials, which are verified again and again).
    pub remember: bool,
}

impl<'a> LdProcessing<'a> {
    /// With the default limits, remembering nothing.
    pub fn new(contexts: &'a Contexts) -> Self {
        Self {
            contexts,
            limits: Limits::default(),
            remember: false,
        }
    }

    /// The same, remembering canonical forms: a credential presented again costs no
    /// canonicalization, only its signature check.
    pub fn remembering(self) -> Self {
        Self {
            remember: true,
            ..self
        }
    }

    fn canonical(&self, document: &Value, strictness: Strictness) -> Result<Remembered, Error> {
        Ok(if self.remember {
            canonicalize_remembered(document, self.contexts, &self.limits, strictness)?
        } else {
            let canonical: Arc<str> =
                canonicalize(document, self.contexts, &self.limits, strictness)?.into();
            Remembered::transient(canonical)
        })
    }

    /// The bytes a JsonWebSignature2020 signature covers, and the canonical forms they come
    /// from (to be kept once the signature verified).
    fn signed_bytes(
        &self,
        document: &Value,
        proof: &LdProof,
    ) -> Result<(Vec<u8>, [Remembered; 2]), Error> {
        let mut unsigned = document.clone();
        if let Value::Object(members) = &mut unsigned {
            members.remove("proof");
        }
        let canonical_proof = self.canonical(
            &proof.options_document(),
            // Built from known members only; a relative verificationMethod (nuts-node's own test
            // vectors have one) is dropped as json-gold drops it, and the verifier refuses any
            // verificationMethod that is not a DID URL before it gets here.
            Strictness::Lenient,
        )?;
        let canonical_document = self.canonical(&unsigned, Strictness::Strict)?;
        let mut bytes = Vec::with_capacity(64);
        bytes.extend_from_slice(&jose::sha256(canonical_proof.as_str().as_bytes()));
        bytes.extend_from_slice(&jose::sha256(canonical_document.as_str().as_bytes()));
        Ok((bytes, [canonical_proof, canonical_document]))
    }

    /// Signs `document` (without `proof`) with `proof`'s options. The JWS 2020 context is added
    /// to the document's `@context` before signing, so what is signed is what is sent.
    pub fn sign(
        &self,
        mut document: Value,
        mut proof: LdProof,
        signer: &dyn Signer,
    ) -> Result<Value, Error> {
        let Value::Object(members) = &mut document else {
            return Err(Error::Malformed {
                what: "document",
                reason: "not a JSON object".to_owned(),
            });
        };
        members.remove("proof");
        add_context(members, JWS_2020_V1);
        proof.proof_type = JSON_WEB_SIGNATURE_2020.to_owned();
        proof.jws = None;
        let (bytes, _) = self.signed_bytes(&document, &proof)?;
        let mut header = Header::new(signer.algorithm());
        header.kid = Some(proof.verification_method.clone());
        proof.jws = Some(jose::jws::sign_detached_unencoded(header, &bytes, signer)?);
        let proof = serde_json::to_value(&proof).map_err(|e| Error::Malformed {
            what: "proof",
            reason: e.to_string(),
        })?;
        if let Value::Object(members) = &mut document {
            members.insert("proof".to_owned(), proof);
        }
        Ok(document)
    }

    /// Checks `proof`'s signature over `document` with `key`. Which key, purpose and time are
    /// acceptable is the caller's decision.
    pub fn verify(
        &self,
        document: &Value,
        proof: &LdProof,
        key: &VerifyingKey,
    ) -> Result<(), Error> {
        let jws = proof.jws.as_deref().ok_or(Error::Missing("proof jws"))?;
        let signature = DetachedUnencoded::parse(jws)?;
        let (bytes, canonicals) = self.signed_bytes(document, proof)?;
        signature.verify(key, &bytes)?;
        // Only now: a form is never remembered for a document whose proof did not verify.
        for canonical in &canonicals {
            canonical.keep(self.contexts);
        }
        Ok(())
    }
}

/// Appends `context` to `@context` unless it is there.
fn add_context(members: &mut Map<String, Value>, context: &str) {
    let entry = members
        .entry("@context".to_owned())
        .or_insert_with(|| Value::Array(Vec::new()));
    match entry {
        Value::Array(contexts) => {
            if !contexts.iter().any(|c| c.as_str() == Some(context)) {
                contexts.push(Value::from(context));
            }
        }
        Value::String(single) if single == context => {}
        other => {
            let existing = other.take();
            *other = Value::from(vec![existing, Value::from(context)]);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;

    #[test]
    fn add_context_appends_once_to_every_shape() {
        let mut members = Map::new();
        add_context(&mut members, JWS_2020_V1);
        assert_eq!(members["@context"], json!([JWS_2020_V1]));
        add_context(&mut members, JWS_2020_V1);
        assert_eq!(members["@context"], json!([JWS_2020_V1]));
        let mut single = json!({"@context": "https://www.w3.org/2018/credentials/v1"});
        add_context(single.as_object_mut().unwrap(), JWS_2020_V1);
        assert_eq!(
            single["@context"],
            json!(["https://www.w3.org/2018/credentials/v1", JWS_2020_V1])
        );
    }

    #[test]
    fn proof_options_carry_the_suite_context_and_type_but_not_the_signature() {
        let mut proof = LdProof::new(
            "did:web:a#0",
            ASSERTION_METHOD,
            "2024-01-01T00:00:00Z".into(),
        );
        proof.jws = Some("x..y".into());
        let options = proof.options_document();
        assert_eq!(options["@context"], json!([JWS_2020_V1]));
        assert_eq!(options["@type"], json!(JSON_WEB_SIGNATURE_2020));
        assert!(options.get("jws").is_none());
    }

    #[test]
    fn only_single_json_web_signature_2020_proofs_are_read() {
        let proof = json!({
            "type": "JsonWebSignature2020", "created": "2024-01-01T00:00:00Z",
            "proofPurpose": "assertionMethod", "verificationMethod": "did:web:a#0", "jws": "a..b"
        });
        assert!(LdProof::of(&json!({"proof": proof}), "credential").is_ok());
        assert_eq!(
            LdProof::of(&json!({"proof": [proof]}), "credential").unwrap_err(),
            Error::UnsupportedProof("proof must be a single object".into())
        );
        let mut other = proof.clone();
        other["type"] = json!("Ed25519Signature2018");
        assert_eq!(
            LdProof::of(&json!({"proof": other}), "credential").unwrap_err(),
            Error::UnsupportedProof("Ed25519Signature2018".into())
        );
        let mut unsigned = proof.clone();
        unsigned.as_object_mut().unwrap().remove("jws");
        assert_eq!(
            LdProof::of(&json!({"proof": unsigned}), "credential").unwrap_err(),
            Error::Missing("proof jws")
        );
        assert_eq!(
            LdProof::of(&json!({}), "credential").unwrap_err(),
            Error::Missing("proof")
        );
    }
}
