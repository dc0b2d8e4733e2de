//! Usage-time authorization with the shipped example Rego policies: each use case allowing and
//! denying, through Hazel's endpoint and AuthZEN.

use std::path::PathBuf;

use axum::http::{Method, StatusCode};
use hazel::http::internal_router;
use hazel::node::Node;
use hazel::services::authorization::AuthorizationEngine;
use serde_json::{Value, json};

use crate::support;

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../policies/authorization")
}

fn token(scope: &str) -> Value {
    json!({
        "active": true, "iss": "https://hazel.example/oauth2/b", "client_id": "https://a.example/oauth2/a",
        "scope": scope, "organization_ura": "87654321", "employee_identifier": "uzi:12345",
        "employee_role": "huisarts"
    })
}

/// (use case, token, request that its policy allows, a claim or member whose absence denies).
fn cases() -> Vec<(&'static str, Value, Value, &'static str)> {
    vec![
        (
            "eoverdracht",
            token("eOverdracht-receiver"),
            json!({"method": "GET", "resource_type": "Task"}),
            "organization_ura",
        ),
        (
            "ha_inzage",
            token("ha-inzage"),
            json!({"method": "GET", "resource_type": "Observation", "purpose_of_use": "treatment"}),
            "employee_identifier",
        ),
        (
            "anw",
            token("anw"),
            json!({"method": "POST", "resource_type": "Encounter"}),
            "employee_role",
        ),
        (
            "bgz",
            token("bgz"),
            json!({"method": "GET", "resource_type": "Patient", "patient_id": "p-1"}),
            "patient_id",
        ),
        (
            "mo",
            token("medicatieoverdracht"),
            json!({"method": "GET", "resource_type": "MedicationRequest"}),
            "employee_identifier",
        ),
    ]
}

#[test]
fn each_example_policy_allows_its_use_case_and_denies_without_its_identities() {
    let engine = AuthorizationEngine::load(&examples()).unwrap();
    assert_eq!(engine.policies().len(), 5);
    for (name, token, request, needed) in cases() {
        let decision = engine
            .evaluate(&json!({"token": token, "request": request}))
            .unwrap();
        assert!(decision.allowed, "{name}");
        assert_eq!(
            decision.policies,
            vec![format!("hazel.authz.{name}")],
            "only {name} allows"
        );

        let (mut token, mut request) = (token, request);
        if token.get(needed).is_some() {
            token.as_object_mut().unwrap().remove(needed);
        } else {
            request.as_object_mut().unwrap().remove(needed);
        }
        let decision = engine
            .evaluate(&json!({"token": token, "request": request}))
            .unwrap();
        assert!(!decision.allowed, "{name} without {needed}");
        assert!(decision.policies.is_empty());
    }
    let inactive = engine
        .evaluate(
            &json!({"token": {"active": false, "scope": "bgz", "organization_ura": "1"},
                          "request": {"method": "GET", "patient_id": "p"}}),
        )
        .unwrap();
    assert!(!inactive.allowed, "an inactive token is never allowed");
}

#[test]
fn invalid_rego_and_missing_allow_are_refused_at_load() {
    for (source, needle) in [
        ("package x\nallow if {", "x.rego"),
        ("package x\nimport rego.v1\ndeny := true", "allow"),
    ] {
        let error =
            AuthorizationEngine::from_sources(vec![("x.rego".into(), source.into())]).unwrap_err();
        assert!(error.to_string().contains(needle), "{error}");
    }
}

async fn node() -> (Node, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = support::config_in(dir.path());
    config.policy.authorization.directory = Some(examples());
    (Node::open(config).await.unwrap(), dir)
}

async fn post(node: &Node, path: &str, body: Value) -> (StatusCode, Value) {
    let (status, value, _) =
        support::call(&internal_router(node), Method::POST, path, Some(body)).await;
    (status, value)
}

#[tokio::test]
async fn authorized_endpoint_and_authzen_give_the_same_decisions() {
    let (node, _dir) = node().await;
    let (status, decision) = post(
        &node,
        "/internal/auth/v2/authorized",
        json!({"token": token("bgz"), "request": {"method": "GET", "patient_id": "p-1"}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        decision,
        json!({"allowed": true, "policies": ["hazel.authz.bgz"]})
    );
    let (_, decision) = post(
        &node,
        "/internal/auth/v2/authorized",
        json!({"token": token("bgz"), "request": {"method": "DELETE", "patient_id": "p-1"}}),
    )
    .await;
    assert_eq!(decision["allowed"], false);

    let evaluation = json!({
        "subject": {"type": "organization", "id": "https://a.example/oauth2/a", "properties": token("eOverdracht-receiver")},
        "action": {"name": "GET"},
        "resource": {"type": "Task", "id": "/fhir/Task/1"}
    });
    let (status, answer) = post(&node, "/access/v1/evaluation", evaluation.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["decision"], true);
    assert_eq!(
        answer["context"]["policies"],
        json!(["hazel.authz.eoverdracht"])
    );

    let (_, batch) = post(
        &node,
        "/access/v1/evaluations",
        json!({
            "subject": evaluation["subject"], "action": {"name": "GET"},
            "evaluations": [{"resource": {"type": "Task"}}, {"resource": {"type": "Observation"}}]
        }),
    )
    .await;
    assert_eq!(
        batch,
        json!({"evaluations": [
            {"decision": true, "context": {"policies": ["hazel.authz.eoverdracht"]}},
            {"decision": false, "context": {"policies": []}}
        ]})
    );

    let (status, problem) = post(&node, "/access/v1/evaluation", json!({"subject": {}})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(
        post(&node, "/internal/auth/v2/authorized", json!({"token": {}}))
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn without_policies_the_endpoints_say_so() {
    let (node, _dir) = support::embedded_node().await;
    let (status, problem) = post(
        &node,
        "/internal/auth/v2/authorized",
        json!({"token": {}, "request": {}}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_IMPLEMENTED, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("policy.authorization.directory")
    );
}
