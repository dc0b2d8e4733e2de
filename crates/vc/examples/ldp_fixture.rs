//! Writes the Hazel-issued `ldp_vc`/`ldp_vp` fixture (tests/fixtures/hazel-ldp.json) that the
//! cross-check test compares with an independent canonicalization: two credentials from two
//! did:jwk issuers, presented by a did:jwk holder. Run with `cargo run -p vc --example ldp_fixture`
//! and then `python3 tests/fixtures/generate.py`.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use jose::{KeyKind, Signer, SigningKey};
use serde_json::{Value, json};
use vc::Presentation;
use vc::ldp::{ASSERTION_METHOD, AUTHENTICATION, LdProcessing, LdProof};

fn did_of(key: &SigningKey) -> String {
    did::methods::jwk::did_for(key.public_jwk())
        .unwrap()
        .to_string()
}

fn main() {
    let contexts = jsonld::Contexts::builtin();
    let ld = LdProcessing::new(&contexts);
    let (organization_issuer, employee_issuer, holder) = (
        SigningKey::generate(KeyKind::P256).unwrap(),
        SigningKey::generate(KeyKind::P256).unwrap(),
        SigningKey::generate(KeyKind::P256).unwrap(),
    );
    let holder_did = did_of(&holder);
    let issue = |issuer: &SigningKey, id: &str, subject: Value, kind: &str| {
        let issuer_did = did_of(issuer);
        let credential = json!({
            "@context": ["https://www.w3.org/2018/credentials/v1", "https://nuts.nl/credentials/v1"],
            "id": format!("{issuer_did}#{id}"),
            "type": ["VerifiableCredential", kind],
            "issuer": issuer_did,
            "issuanceDate": "2026-11-01T09:00:00Z",
            "credentialSubject": subject
        });
        let proof = LdProof::new(
            &format!("{issuer_did}#0"),
            ASSERTION_METHOD,
            "2026-11-01T09:00:00Z".into(),
        );
        ld.sign(credential, proof, issuer).unwrap()
    };
    let organization = issue(
        &organization_issuer,
        "6c1ab0b0-8d6e-4bd0-a5c5-0b4a3cfa1c01",
        json!({"id": holder_did, "organization": {"name": "Zorginstelling De Linde", "city": "Utrecht"}}),
        "NutsOrganizationCredential",
    );
    let employee = issue(
        &employee_issuer,
        "0d8c3e2c-5e5f-4a43-9a0e-7b0f3c1d2e02",
        json!({"id": holder_did, "type": "Organization", "member": {
            "identifier": "jdevries@delinde.example", "roleName": "Verpleegkundige",
            "type": "EmployeeRole",
            "member": {"familyName": "de Vries", "initials": "J", "type": "Person"}}}),
        "NutsEmployeeCredential",
    );
    let presentation = Presentation::new(&holder_did, vec![organization.clone(), employee.clone()]);
    let mut proof = LdProof::new(
        &format!("{holder_did}#0"),
        AUTHENTICATION,
        "2026-11-24T10:00:00Z".into(),
    );
    proof.challenge = Some("3bqjW3h5Sq2nQyNCPzFuJg".into());
    proof.domain = Some("https://verifier.example/oauth2/care".into());
    proof.expires = Some("2026-11-24T10:00:05Z".into());
    let presentation = ld
        .sign(serde_json::to_value(&presentation).unwrap(), proof, &holder)
        .unwrap();
    let fixture = json!({"credentials": [organization, employee], "presentation": presentation});
    println!("{}", serde_json::to_string_pretty(&fixture).unwrap());
}
