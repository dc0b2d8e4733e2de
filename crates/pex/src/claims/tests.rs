#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;

use super::*;
use crate::test_support::{compiled, ldp};

#[test]
fn claims_insert_accepts_the_same_value_twice() {
    let mut claims = Claims::new();
    claims.insert("a", json!("x")).unwrap();
    claims.insert("a", json!("x")).unwrap();
    assert_eq!(claims.len(), 1);
    assert_eq!(claims.get("a"), Some(&json!("x")));
}

#[test]
fn claims_conflicting_values_are_refused() {
    let mut claims = Claims::new();
    claims.insert("a", json!("x")).unwrap();
    assert_eq!(
        claims.insert("a", json!("y")).unwrap_err(),
        Error::ConflictingClaim { id: "a".into() }
    );
}

#[test]
fn claims_merge_applies_the_conflict_rule() {
    let mut left = Claims::new();
    left.insert("a", json!(1)).unwrap();
    let mut right = Claims::new();
    right.insert("a", json!(1)).unwrap();
    right.insert("b", json!(2)).unwrap();
    left.merge(right).unwrap();
    assert_eq!(left.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["a", "b"]);
    let mut conflicting = Claims::new();
    conflicting.insert("b", json!(3)).unwrap();
    assert!(left.merge(conflicting).is_err());
}

#[test]
fn claims_serialize_as_an_object() {
    let mut claims = Claims::new();
    claims.insert("organization_name", json!("Care")).unwrap();
    assert_eq!(
        serde_json::to_value(&claims).unwrap(),
        json!({"organization_name": "Care"})
    );
    assert_eq!(claims.into_map().len(), 1);
}

#[test]
fn nuts_claim_of_type_is_the_whole_array() {
    let definition = compiled(
        json!({"id": "pd", "input_descriptors": [{"id": "d", "constraints": {"fields": [
            {"id": "types", "path": ["$.type"], "filter": {"type": "string", "const": "X"}}
        ]}}]}),
    );
    let credential = json!({"type": ["VerifiableCredential", "X"]});
    let claims = definition.check("d", &ldp("1", 0, &credential)).unwrap();
    assert_eq!(
        claims.get("types"),
        Some(&json!(["VerifiableCredential", "X"]))
    );
}

#[test]
fn hazel_pattern_with_one_capture_group_gives_the_group() {
    // The URA number inside a did:x509 credential's otherName (e2e-tests/oauth-flow/didx509).
    let definition = compiled(
        json!({"id": "pd", "input_descriptors": [{"id": "d", "constraints": {"fields": [
            {"id": "organization_ura", "path": ["$.credentialSubject[0].san.otherName"],
             "filter": {"type": "string", "pattern": "^[0-9.]+-\\d+-\\d+-S-(\\d+)-00\\.000-\\d+$"}}
        ]}}]}),
    );
    let credential = json!({"credentialSubject": [{"san": {"otherName": "2.16.528.1.1007.99.2110-1-1-S-87654321-00.000-12345678"}}]});
    let claims = definition.check("d", &ldp("1", 0, &credential)).unwrap();
    assert_eq!(claims.get("organization_ura"), Some(&json!("87654321")));
}

#[test]
fn hazel_pattern_without_a_capture_group_gives_the_whole_value() {
    // nuts-node v6 would return only the matched part ("care"); Hazel keeps the value.
    let definition = compiled(
        json!({"id": "pd", "input_descriptors": [{"id": "d", "constraints": {"fields": [
            {"id": "name", "path": ["$.name"], "filter": {"type": "string", "pattern": "care"}}
        ]}}]}),
    );
    let credential = json!({"name": "Because we care B.V."});
    let claims = definition.check("d", &ldp("1", 0, &credential)).unwrap();
    assert_eq!(claims.get("name"), Some(&json!("Because we care B.V.")));
}

#[test]
fn hazel_pattern_with_two_capture_groups_gives_the_whole_value() {
    let definition = compiled(
        json!({"id": "pd", "input_descriptors": [{"id": "d", "constraints": {"fields": [
            {"id": "v", "path": ["$.v"], "filter": {"type": "string", "pattern": "^(a)(b)$"}}
        ]}}]}),
    );
    let credential = json!({"v": "ab"});
    let claims = definition.check("d", &ldp("1", 0, &credential)).unwrap();
    assert_eq!(claims.get("v"), Some(&json!("ab")));
}

#[test]
fn hazel_capture_applies_to_string_values_only() {
    let definition = compiled(
        json!({"id": "pd", "input_descriptors": [{"id": "d", "constraints": {"fields": [
            {"id": "v", "path": ["$.v"], "filter": {"type": ["string", "array"], "pattern": "^x(\\d)$"}}
        ]}}]}),
    );
    let credential = json!({"v": ["x1"]});
    let claims = definition.check("d", &ldp("1", 0, &credential)).unwrap();
    assert_eq!(claims.get("v"), Some(&json!(["x1"])));
}

#[test]
fn pe_5_1_1_two_fields_with_the_same_id_and_different_values_conflict() {
    let definition = compiled(
        json!({"id": "pd", "input_descriptors": [{"id": "d", "constraints": {"fields": [
            {"id": "n", "path": ["$.a"]}, {"id": "n", "path": ["$.b"]}
        ]}}]}),
    );
    let same = json!({"a": 1, "b": 1});
    assert!(definition.check("d", &ldp("1", 0, &same)).is_ok());
    let different = json!({"a": 1, "b": 2});
    assert_eq!(
        definition.check("d", &ldp("1", 0, &different)).unwrap_err(),
        Error::ConflictingClaim { id: "n".into() }
    );
}
