//! Builders shared by the unit tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};

use crate::format::CredentialFormat;
use crate::matching::{CompiledDefinition, Credential};

/// Compiles a definition, panicking on refusal.
pub(crate) fn compiled(pd: Value) -> CompiledDefinition {
    CompiledDefinition::from_value(&pd).unwrap_or_else(|e| panic!("{e}"))
}

/// A definition with one input descriptor per `(descriptor id, credential type)`, each asking for
/// the type with nuts-node's string filter on `$.type` and naming the subject's `name` as claim
/// `<descriptor id>_name`.
pub(crate) fn type_pd(id: &str, descriptors: &[(&str, &str)]) -> Value {
    let descriptors: Vec<Value> = descriptors
        .iter()
        .map(|(descriptor, kind)| {
            json!({
                "id": descriptor,
                "constraints": {"fields": [
                    {"path": ["$.type"], "filter": {"type": "string", "const": kind}},
                    {"id": format!("{descriptor}_name"), "path": ["$.credentialSubject.name"],
                     "filter": {"type": "string"}}
                ]}
            })
        })
        .collect();
    json!({"id": id, "input_descriptors": descriptors})
}

/// A W3C credential of `kind` whose subject has `name` (and `city`).
pub(crate) fn vc(id: &str, kind: &str, name: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "id": id,
        "type": ["VerifiableCredential", kind],
        "issuer": "did:web:issuer.example",
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:web:holder.example", "name": name, "city": "IJbergen"}
    })
}

/// An `ldp_vc` with a JsonWebSignature2020 proof.
pub(crate) fn ldp<'a>(id: &'a str, issued_at: i64, json: &'a Value) -> Credential<'a> {
    Credential::new(
        id,
        CredentialFormat::LdpVc,
        "JsonWebSignature2020",
        issued_at,
        json,
    )
}

/// A `jwt_vc` signed with `alg`.
pub(crate) fn jwt<'a>(
    id: &'a str,
    alg: &'a str,
    issued_at: i64,
    json: &'a Value,
) -> Credential<'a> {
    Credential::new(id, CredentialFormat::JwtVc, alg, issued_at, json)
}
