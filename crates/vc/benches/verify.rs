//! Verification of one JWT presentation holding two JWT credentials, with DID documents already
//! resolved (did:jwk, resolved from the identifier): the per-request work of the token endpoint
//! minus policy. Three ES256 signatures are checked per presentation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

/// The allocator the `hazel` binary uses, so that the figures are the node's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use async_trait::async_trait;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use did::{Did, Resolved, Resolver};
use jose::jws::Header;
use jose::{KeyKind, Signer, SigningKey};
use serde_json::{Value, json};
use vc::jwt::{PresentationParameters, credential_claims, presentation_claims};
use vc::verify::Verifier;
use vc::{Credential, Presentation};

#[derive(Debug)]
struct Local;

#[async_trait]
impl Resolver for Local {
    async fn resolve(&self, did: &Did) -> Result<Resolved, did::Error> {
        did::resolver::resolve_locally(did)
            .unwrap_or(Err(did::Error::NotFound))
            .map(Resolved::document)
    }
}

fn signed(claims: &jose::jwt::Claims, key: &SigningKey, kid: &str) -> String {
    let mut header = Header::new(key.algorithm());
    header.kid = Some(kid.to_owned());
    jose::jwt::sign(header, claims, key).unwrap()
}

fn presentation() -> String {
    let issuer = SigningKey::generate(KeyKind::P256).unwrap();
    let holder = SigningKey::generate(KeyKind::P256).unwrap();
    let issuer_did = did::methods::jwk::did_for(issuer.public_jwk())
        .unwrap()
        .to_string();
    let holder_did = did::methods::jwk::did_for(holder.public_jwk())
        .unwrap()
        .to_string();
    let vcs: Vec<Value> = (0..2)
        .map(|i| {
            let credential = Credential::from_json(json!({
                "@context": ["https://www.w3.org/2018/credentials/v1"],
                "id": format!("{issuer_did}#{i}"),
                "type": ["VerifiableCredential", "NutsOrganizationCredential"],
                "issuer": issuer_did,
                "issuanceDate": "2026-01-01T00:00:00Z",
                "expirationDate": "2030-01-01T00:00:00Z",
                "credentialSubject": {"id": holder_did, "organization": {"name": "Care", "city": "Utrecht"}}
            }))
            .unwrap();
            Value::from(signed(&credential_claims(&credential).unwrap(), &issuer, &format!("{issuer_did}#0")))
        })
        .collect();
    let claims = presentation_claims(
        &Presentation::new(&holder_did, vcs),
        &PresentationParameters {
            audience: Some("https://as.example/oauth2/b".into()),
            nonce: Some("n".into()),
            jti: Some("j".into()),
            issued_at: 1_800_000_000,
            expires: Some(1_800_000_005),
        },
    )
    .unwrap();
    signed(&claims, &holder, &format!("{holder_did}#0"))
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let jwt = presentation();
    let contexts = jsonld::Contexts::builtin();
    let verifier = Verifier {
        resolver: &Local,
        now: 1_800_000_001,
        skew: 5,
        contexts: &contexts,
    };
    let mut group = c.benchmark_group("jwt_vp");
    group.throughput(Throughput::Elements(1));
    group.bench_function("verify 1 VP with 2 VCs (3 x ES256)", |b| {
        b.to_async(&runtime)
            .iter(|| async { verifier.presentation_jwt(black_box(&jwt)).await.unwrap() })
    });
    group.finish();

    // Hazel's ldp_vp fixture: two credentials from two did:jwk issuers, one holder; each proof
    // costs two canonicalizations and one ES256 check.
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/hazel-ldp.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let presentation = fixture["presentation"].clone();
    let ld_verifier = Verifier {
        now: vc::model::parse_date("2026-11-24T10:00:02Z", "now").unwrap(),
        ..verifier
    };
    let mut group = c.benchmark_group("ldp_vp");
    group.throughput(Throughput::Elements(1));
    // A running node: its contexts processed and the two credentials seen before (a client
    // presents the same credentials with every token request); the presentation is new each time.
    group.bench_function(
        "verify 1 VP with 2 VCs (JsonWebSignature2020), credentials seen before",
        |b| {
            b.to_async(&runtime).iter(|| async {
                ld_verifier
                    .presentation_ldp(black_box(&presentation))
                    .await
                    .unwrap()
            })
        },
    );
    // Nothing remembered: a fresh context store for every verification.
    group.bench_function("verify 1 VP with 2 VCs (JsonWebSignature2020), cold", |b| {
        b.to_async(&runtime).iter_batched(
            jsonld::Contexts::builtin,
            |fresh| {
                let presentation = &presentation;
                async move {
                    let cold = Verifier {
                        contexts: &fresh,
                        ..ld_verifier
                    };
                    cold.presentation_ldp(black_box(presentation))
                        .await
                        .unwrap();
                }
            },
            criterion::BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
