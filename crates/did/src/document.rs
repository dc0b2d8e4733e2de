//! DID documents (DID Core 1.0 §5) and the lookup of a verification method under a verification
//! relationship (§5.3): a key may only be used for what the document says it is for.

use jose::Jwk;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{DidUrl, Error, heap, multikey};

/// The default `@context` of documents Hazel writes: DID Core and JsonWebKey2020.
pub const DEFAULT_CONTEXT: [&str; 2] = [
    "https://www.w3.org/ns/did/v1",
    "https://w3c-ccg.github.io/lds-jws2020/contexts/v1/",
];

/// A verification method (DID Core §5.2). The key stays as given until asked for, so that a
/// document with a key type Hazel does not use (X25519 for key agreement, say) still parses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerificationMethod {
    /// DID URL of the method; may be relative (`#key-1`) in the document.
    pub id: String,
    /// `JsonWebKey2020`, `Multikey`, `Ed25519VerificationKey2020`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The DID that controls the key.
    pub controller: String,
    /// The key as a JWK.
    #[serde(
        rename = "publicKeyJwk",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub public_key_jwk: Option<Value>,
    /// The key as a multibase multikey.
    #[serde(
        rename = "publicKeyMultibase",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub public_key_multibase: Option<String>,
    /// Every other member.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The members of a JWK that Hazel reads (RFC 7517 §4, RFC 7518 §6); a key from someone else's
/// document keeps only these. `d` stays so that a document publishing a private key is still
/// refused when the key is used.
const JWK_MEMBERS: [&str; 10] = ["kty", "crv", "x", "y", "n", "e", "d", "alg", "use", "kid"];

impl VerificationMethod {
    /// Drops the members Hazel does not read, of the method and of its JWK.
    fn trim(&mut self) {
        self.other = Map::new();
        if let Some(Value::Object(jwk)) = &mut self.public_key_jwk {
            jwk.retain(|name, _| JWK_MEMBERS.contains(&name.as_str()));
        }
    }

    /// The heap behind the method.
    fn heap_size(&self) -> usize {
        heap::string(&self.id)
            + heap::string(&self.kind)
            + heap::string(&self.controller)
            + self.public_key_jwk.as_ref().map_or(0, heap::value)
            + self.public_key_multibase.as_deref().map_or(0, heap::string)
            + heap::map(&self.other)
    }

    /// A JsonWebKey2020 method for a public JWK.
    pub fn json_web_key(id: String, controller: String, jwk: &Jwk) -> Self {
        Self {
            id,
            kind: "JsonWebKey2020".to_owned(),
            controller,
            public_key_jwk: Some(jwk.to_public().to_json()),
            public_key_multibase: None,
            other: Map::new(),
        }
    }

    /// The public key as a JWK, from `publicKeyJwk` or `publicKeyMultibase`.
    pub fn jwk(&self) -> Result<Jwk, Error> {
        let invalid = |reason: String| Error::InvalidKey {
            kid: self.id.clone(),
            reason,
        };
        let jwk = match (&self.public_key_jwk, &self.public_key_multibase) {
            (Some(value), _) => Jwk::from_json(value).map_err(|e| invalid(e.to_string()))?,
            (None, Some(multibase)) => {
                multikey::decode_multikey(multibase).map_err(|e| invalid(e.to_string()))?
            }
            (None, None) => return Err(invalid("no publicKeyJwk or publicKeyMultibase".into())),
        };
        if jwk.is_private() {
            // A document that publishes a private key is broken; never use it.
            return Err(invalid("the document publishes a private key".into()));
        }
        Ok(jwk)
    }
}

/// An entry of a verification relationship: a reference to a method or an embedded one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MethodRef {
    /// A DID URL (absolute or relative) of a method in `verificationMethod`.
    Reference(String),
    /// A method defined only for this relationship.
    Embedded(VerificationMethod),
}

/// A service (DID Core §5.4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    /// DID URL of the service.
    pub id: String,
    /// The service type.
    #[serde(rename = "type")]
    pub kind: Value,
    /// A URI, a map or a list.
    #[serde(rename = "serviceEndpoint")]
    pub service_endpoint: Value,
    /// Every other member.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl MethodRef {
    /// The heap behind the entry.
    fn heap_size(&self) -> usize {
        match self {
            MethodRef::Reference(id) => heap::string(id),
            MethodRef::Embedded(method) => method.heap_size(),
        }
    }
}

impl Service {
    /// The heap behind the service.
    fn heap_size(&self) -> usize {
        heap::string(&self.id)
            + heap::value(&self.kind)
            + heap::value(&self.service_endpoint)
            + heap::map(&self.other)
    }
}

/// Verification relationships (DID Core §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relationship {
    /// Proving control of the DID (signing presentations, DPoP in some profiles).
    Authentication,
    /// Issuing claims (signing credentials).
    AssertionMethod,
    /// Key agreement (encryption).
    KeyAgreement,
    /// Invoking capabilities (updating the DID document).
    CapabilityInvocation,
    /// Delegating capabilities.
    CapabilityDelegation,
}

impl Relationship {
    /// The document member name.
    pub fn as_str(self) -> &'static str {
        match self {
            Relationship::Authentication => "authentication",
            Relationship::AssertionMethod => "assertionMethod",
            Relationship::KeyAgreement => "keyAgreement",
            Relationship::CapabilityInvocation => "capabilityInvocation",
            Relationship::CapabilityDelegation => "capabilityDelegation",
        }
    }
}

/// A DID document. Members Hazel does not interpret are kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// `@context`.
    #[serde(rename = "@context", default, skip_serializing_if = "Value::is_null")]
    pub context: Value,
    /// The DID.
    pub id: String,
    /// `controller`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<Value>,
    /// `verificationMethod`.
    #[serde(
        rename = "verificationMethod",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub verification_method: Vec<VerificationMethod>,
    /// `authentication`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authentication: Vec<MethodRef>,
    /// `assertionMethod`.
    #[serde(
        rename = "assertionMethod",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub assertion_method: Vec<MethodRef>,
    /// `keyAgreement`.
    #[serde(
        rename = "keyAgreement",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub key_agreement: Vec<MethodRef>,
    /// `capabilityInvocation`.
    #[serde(
        rename = "capabilityInvocation",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub capability_invocation: Vec<MethodRef>,
    /// `capabilityDelegation`.
    #[serde(
        rename = "capabilityDelegation",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub capability_delegation: Vec<MethodRef>,
    /// `service`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service: Vec<Service>,
    /// Every other member.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Document {
    /// An empty document for `did` with Hazel's default context.
    pub fn new(did: &str) -> Self {
        Self {
            context: Value::from(DEFAULT_CONTEXT.to_vec()),
            id: did.to_owned(),
            controller: None,
            verification_method: Vec::new(),
            authentication: Vec::new(),
            assertion_method: Vec::new(),
            key_agreement: Vec::new(),
            capability_invocation: Vec::new(),
            capability_delegation: Vec::new(),
            service: Vec::new(),
            other: Map::new(),
        }
    }

    /// The document without the members Hazel does not read: unknown members of the document,
    /// its verification methods and its services. What a resolver keeps of a document someone
    /// else serves is then bounded by what it uses.
    pub fn without_unknown_members(mut self) -> Self {
        self.other = Map::new();
        let embedded = [
            &mut self.authentication,
            &mut self.assertion_method,
            &mut self.key_agreement,
            &mut self.capability_invocation,
            &mut self.capability_delegation,
        ]
        .into_iter()
        .flatten()
        .filter_map(|entry| match entry {
            MethodRef::Embedded(method) => Some(method),
            MethodRef::Reference(_) => None,
        });
        for method in self.verification_method.iter_mut().chain(embedded) {
            method.trim();
        }
        for service in &mut self.service {
            service.other = Map::new();
        }
        self
    }

    /// About how many bytes the document takes in memory, itself and what it owns
    /// ([`crate::heap`]).
    pub fn heap_size(&self) -> usize {
        size_of::<Self>()
            + heap::value(&self.context)
            + heap::string(&self.id)
            + self.controller.as_ref().map_or(0, heap::value)
            + heap::vec(&self.verification_method, VerificationMethod::heap_size)
            + [
                &self.authentication,
                &self.assertion_method,
                &self.key_agreement,
                &self.capability_invocation,
                &self.capability_delegation,
            ]
            .into_iter()
            .map(|entries| heap::vec(entries, MethodRef::heap_size))
            .sum::<usize>()
            + heap::vec(&self.service, Service::heap_size)
            + heap::map(&self.other)
    }

    /// The entries of a relationship.
    pub fn relationship(&self, relationship: Relationship) -> &[MethodRef] {
        match relationship {
            Relationship::Authentication => &self.authentication,
            Relationship::AssertionMethod => &self.assertion_method,
            Relationship::KeyAgreement => &self.key_agreement,
            Relationship::CapabilityInvocation => &self.capability_invocation,
            Relationship::CapabilityDelegation => &self.capability_delegation,
        }
    }

    /// The entries of a relationship, to add to.
    pub fn relationship_mut(&mut self, relationship: Relationship) -> &mut Vec<MethodRef> {
        match relationship {
            Relationship::Authentication => &mut self.authentication,
            Relationship::AssertionMethod => &mut self.assertion_method,
            Relationship::KeyAgreement => &mut self.key_agreement,
            Relationship::CapabilityInvocation => &mut self.capability_invocation,
            Relationship::CapabilityDelegation => &mut self.capability_delegation,
        }
    }

    /// A relative DID URL (`#key-1`) made absolute against this document's id.
    fn absolute(&self, id: &str) -> String {
        if id.starts_with('#') {
            format!("{}{id}", self.id)
        } else {
            id.to_owned()
        }
    }

    /// The verification method `kid`, if the document lists it under `relationship`
    /// (DID Core §5.3: a method is only usable for the relationships that reference it).
    pub fn method_for(
        &self,
        kid: &DidUrl,
        relationship: Relationship,
    ) -> Result<&VerificationMethod, Error> {
        if kid.did().as_str() != self.id || kid.fragment().is_none() {
            return Err(Error::KeyNotFound(kid.to_string()));
        }
        let wanted = kid.as_str();
        for entry in self.relationship(relationship) {
            match entry {
                MethodRef::Embedded(method) if self.absolute(&method.id) == wanted => {
                    return Ok(method);
                }
                MethodRef::Reference(reference) if self.absolute(reference) == wanted => {
                    return self
                        .verification_method
                        .iter()
                        .find(|method| self.absolute(&method.id) == wanted)
                        .ok_or_else(|| Error::KeyNotFound(kid.to_string()));
                }
                _ => {}
            }
        }
        let exists = self
            .verification_method
            .iter()
            .any(|method| self.absolute(&method.id) == wanted);
        if exists {
            Err(Error::NotAuthorized {
                kid: kid.to_string(),
                relationship: relationship.as_str(),
            })
        } else {
            Err(Error::KeyNotFound(kid.to_string()))
        }
    }

    /// The key of `kid` under `relationship`, as a JWK whose `kid` is the absolute DID URL.
    pub fn key_for(&self, kid: &DidUrl, relationship: Relationship) -> Result<Jwk, Error> {
        let method = self.method_for(kid, relationship)?;
        Ok(method.jwk()?.with_kid(kid.as_str()))
    }

    /// Checks a fetched document: valid JSON for a document, and for the DID that was asked for
    /// (DID Core §7.1.2: the resolved document's `id` MUST match the DID).
    pub fn parse_for(did: &crate::Did, bytes: &[u8]) -> Result<Self, Error> {
        let document: Document = serde_json::from_slice(bytes)
            .map_err(|e| Error::InvalidDocument(format!("not a DID document: {e}")))?;
        if document.id != did.as_str() {
            return Err(Error::InvalidDocument(format!(
                "document is for `{}`, not for the DID resolved",
                document.id
            )));
        }
        Ok(document)
    }
}

#[cfg(test)]
mod tests;
