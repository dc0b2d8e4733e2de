//! One usage-time evaluation against the five example Rego policies (all five are evaluated).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use hazel::services::authorization::AuthorizationEngine;
use serde_json::json;

fn bench(c: &mut Criterion) {
    let directory = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../policies/authorization");
    let engine = AuthorizationEngine::load(&directory).unwrap();
    let input = json!({
        "token": {"active": true, "scope": "bgz", "organization_ura": "87654321",
                  "employee_identifier": "uzi:1", "employee_role": "huisarts"},
        "request": {"method": "GET", "resource_type": "Patient", "patient_id": "p-1",
                    "purpose_of_use": "treatment"}
    });
    assert!(engine.evaluate(&input).unwrap().allowed);
    c.bench_function("authorization: 5 example policies, one request", |b| {
        b.iter(|| engine.evaluate(black_box(&input)).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
