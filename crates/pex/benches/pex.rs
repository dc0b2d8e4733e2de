//! Benchmarks of the two hot paths: (a) the verifier checking a 2-descriptor definition against
//! a 2-credential presentation (the token endpoint), (b) the wallet choosing 1 matching credential
//! among 10,000; and, for reference, (c) compiling a definition.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use pex::{
    CompiledDefinition, Credential, CredentialFormat, CredentialSelection, Envelope, Presentation,
    PresentationFormat,
};
use serde_json::{Value, json};

/// The shape of nuts-node's rfc021 e2e definition: an organization and an employee credential.
fn definition() -> Value {
    json!({
        "id": "pd_any_care_organization_with_employee",
        "format": {
            "ldp_vp": {"proof_type": ["JsonWebSignature2020"]},
            "ldp_vc": {"proof_type": ["JsonWebSignature2020"]}
        },
        "input_descriptors": [
            {"id": "id_nuts_care_organization_cred", "constraints": {"fields": [
                {"path": ["$.type"], "filter": {"type": "string", "const": "NutsOrganizationCredential"}},
                {"id": "organization_name", "path": ["$.credentialSubject.organization.name"], "filter": {"type": "string"}},
                {"id": "organization_city", "path": ["$.credentialSubject.organization.city"], "filter": {"type": "string"}}
            ]}},
            {"id": "id_employee_credential_cred", "constraints": {"fields": [
                {"path": ["$.type"], "filter": {"type": "string", "const": "NutsEmployeeCredential"}},
                {"id": "employee_identifier", "path": ["$.credentialSubject.identifier", "$.credentialSubject[0].identifier"], "filter": {"type": "string"}},
                {"id": "employee_name", "path": ["$.credentialSubject.name", "$.credentialSubject[0].name"], "filter": {"type": "string"}},
                {"id": "employee_role", "path": ["$.credentialSubject.roleName", "$.credentialSubject[0].roleName"], "filter": {"type": "string"}}
            ]}}
        ]
    })
}

fn organization(n: usize) -> Value {
    json!({
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://nuts.nl/credentials/v1"],
        "id": format!("did:web:example.com:iam:{n}#org"),
        "type": ["NutsOrganizationCredential", "VerifiableCredential"],
        "issuer": "did:web:example.com:iam:issuer",
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": format!("did:web:example.com:iam:{n}"),
                              "organization": {"name": "Because we care B.V.", "city": "IJbergen"}},
        "proof": {"type": "JsonWebSignature2020", "jws": "eyJ..sig"}
    })
}

fn employee() -> Value {
    json!({
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://nuts.nl/credentials/2024"],
        "id": "did:web:example.com:iam:org#employee",
        "type": ["NutsEmployeeCredential", "VerifiableCredential"],
        "issuer": "did:web:example.com:iam:org",
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:web:example.com:iam:user", "identifier": "alice@example.com",
                              "name": "Alice", "roleName": "Verpleegkundige"},
        "proof": {"type": "JsonWebSignature2020", "jws": "eyJ..sig"}
    })
}

fn other(n: usize) -> Value {
    json!({
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "id": format!("urn:uuid:{n}"),
        "type": ["VerifiableCredential", format!("OtherCredential{}", n % 7)],
        "issuer": "did:web:example.com:iam:issuer",
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:web:example.com:iam:org", "value": n},
        "proof": {"type": "JsonWebSignature2020", "jws": "eyJ..sig"}
    })
}

fn verifier(c: &mut Criterion) {
    let definition = CompiledDefinition::from_value(&definition()).unwrap();
    let org = organization(0);
    let emp = employee();
    let wallet = [
        Credential::new(
            "org",
            CredentialFormat::LdpVc,
            "JsonWebSignature2020",
            1,
            &org,
        ),
        Credential::new(
            "emp",
            CredentialFormat::LdpVc,
            "JsonWebSignature2020",
            1,
            &emp,
        ),
    ];
    let selection = definition
        .select(&wallet, &CredentialSelection::new(), "submission")
        .unwrap();
    let presented: Vec<Credential<'_>> = selection.credentials.iter().map(|&i| wallet[i]).collect();
    let vp = json!({
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": "VerifiablePresentation",
        "verifiableCredential": presented.iter().map(|c| c.json.clone()).collect::<Vec<_>>()
    });
    let presentation = Presentation {
        format: PresentationFormat::LdpVp,
        proof: "JsonWebSignature2020",
        json: &vp,
        credentials: &presented,
    };
    let submission = selection.submission;
    definition
        .evaluate(&submission, Envelope::Single(&presentation))
        .unwrap();
    c.bench_function("verifier: 2 descriptors, 2-credential VP", |b| {
        b.iter(|| {
            black_box(&definition)
                .evaluate(
                    black_box(&submission),
                    Envelope::Single(black_box(&presentation)),
                )
                .unwrap()
        });
    });
}

fn wallet(c: &mut Criterion) {
    let mut pd = definition();
    pd["input_descriptors"].as_array_mut().unwrap().truncate(1);
    let definition = CompiledDefinition::from_value(&pd).unwrap();
    let mut documents: Vec<Value> = (0..9_999).map(other).collect();
    documents.insert(5_000, organization(1));
    let ids: Vec<String> = (0..documents.len()).map(|i| format!("vc-{i}")).collect();
    let credentials: Vec<Credential<'_>> = documents
        .iter()
        .zip(&ids)
        .enumerate()
        .map(|(i, (json, id))| {
            Credential::new(
                id,
                CredentialFormat::LdpVc,
                "JsonWebSignature2020",
                1_700_000_000 + i as i64,
                json,
            )
        })
        .collect();
    let selection = CredentialSelection::new();
    assert_eq!(
        definition
            .select(&credentials, &selection, "s")
            .unwrap()
            .credentials,
        [5_000]
    );
    c.bench_function("wallet: 1 match among 10,000 credentials", |b| {
        b.iter(|| {
            black_box(&definition)
                .select(black_box(&credentials), &selection, "s")
                .unwrap()
        });
    });
}

fn compile(c: &mut Criterion) {
    let pd = definition();
    c.bench_function("compile: 2-descriptor definition", |b| {
        b.iter(|| CompiledDefinition::from_value(black_box(&pd)).unwrap());
    });
}

criterion_group!(benches, verifier, wallet, compile);
criterion_main!(benches);
