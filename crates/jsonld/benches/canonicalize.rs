//! Canonicalization cost of a real presentation: nuts-node's self-signed VP vector (one VP holding
//! one credential), the document a verifier canonicalizes twice per proof.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

/// The allocator the `hazel` binary uses, so that the figures are the node's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{Criterion, criterion_group, criterion_main};
use jsonld::{Contexts, Limits, Strictness, canonicalize};

fn vector() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/vectors/nuts-node/auth/services/selfsigned/test/vp.json"
    );
    let mut vp: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    vp.as_object_mut().unwrap().remove("proof");
    vp
}

fn canonicalization(c: &mut Criterion) {
    let contexts = Contexts::builtin();
    let limits = Limits::default();
    let vp = vector();
    let credential = vp["verifiableCredential"][0].clone();
    c.bench_function("canonicalize nuts credential", |b| {
        b.iter(|| {
            canonicalize(
                black_box(&credential),
                &contexts,
                &limits,
                Strictness::Strict,
            )
            .unwrap()
        })
    });
    c.bench_function("canonicalize nuts presentation (1 credential)", |b| {
        b.iter(|| canonicalize(black_box(&vp), &contexts, &limits, Strictness::Strict).unwrap())
    });
}

criterion_group!(benches, canonicalization);
criterion_main!(benches);
