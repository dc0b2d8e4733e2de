//! Scopes beyond nuts-node (seeds/001): a credential profile scope with others, granted as its
//! scope policy says; and the definitions a policy may hold.

use axum::Router;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{form, introspect, issuer, organizations, post_form, present, served};

#[tokio::test]
async fn seed001_passthrough_and_dynamic_scope_policies_grant_extra_scopes() {
    let served = served(|config, dir| {
        let policies = dir.join("authz");
        std::fs::create_dir(&policies).unwrap();
        std::fs::write(
            policies.join("grant.rego"),
            r#"package hazel.authz.grant
import rego.v1
default allow := false
allow if {
    input.request.method == "grant"
    input.request.scope == "patient/Observation.read"
    input.token.organization_city == "Amandelmere"
}
"#,
        )
        .unwrap();
        config.policy.authorization.directory = Some(policies);
    })
    .await;
    let client = organizations(&served).await;
    let issuer = issuer(&served, "verifier");
    let mut granted = Vec::new();
    for (nonce, profile, definition) in [
        ("p", "fhir-passthrough", "pd_passthrough"),
        ("d", "fhir-dynamic", "pd_dynamic"),
    ] {
        let presented = present(&served, &client, &issuer, Some(nonce), 5).await;
        let mut submission = presented.submission.clone();
        submission["definition_id"] = json!(definition);
        let submission = submission.to_string();
        let scope = format!("{profile} patient/Observation.read user/*.rs");
        let mut request = form(&presented, &submission, &client);
        request.retain(|(k, _)| *k != "scope");
        request.push(("scope", &scope));
        let answer = post_form(&served.public, "/oauth2/verifier/token", &request, &[]).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let token = answer.body["access_token"].as_str().unwrap();
        assert_eq!(
            introspect(&served, token, false).await["scope"],
            answer.body["scope"]
        );
        granted.push(answer.body["scope"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        granted,
        [
            "fhir-passthrough patient/Observation.read user/*.rs",
            "fhir-dynamic patient/Observation.read"
        ]
    );
}

#[tokio::test]
async fn seed001_dynamic_scopes_can_be_decided_by_an_external_authzen_pdp() {
    use axum::routing::post;
    let pdp = Router::new().route(
        "/access/v1/evaluation",
        post(|axum::Json(request): axum::Json<Value>| async move {
            let allowed = request["action"]["name"] == "grant"
                && request["resource"]["id"] == "user/*.rs"
                && request["subject"]["properties"]["organization_name"] == "Zorggroep";
            axum::Json(json!({"decision": allowed}))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let pdp_url = format!(
        "http://{}/access/v1/evaluation",
        listener.local_addr().unwrap()
    );
    tokio::spawn(axum::serve(listener, pdp).into_future());
    let served = served(|config, _| config.policy.authzen.endpoint = Some(pdp_url)).await;
    let client = organizations(&served).await;
    let issuer = issuer(&served, "verifier");
    let presented = present(&served, &client, &issuer, Some("z"), 5).await;
    let mut submission = presented.submission.clone();
    submission["definition_id"] = json!("pd_dynamic");
    let submission = submission.to_string();
    let mut request = form(&presented, &submission, &client);
    request.retain(|(k, _)| *k != "scope");
    request.push(("scope", "fhir-dynamic patient/Observation.read user/*.rs"));
    let answer = post_form(&served.public, "/oauth2/verifier/token", &request, &[]).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["scope"], "fhir-dynamic user/*.rs");
}

/// I12/I12b: a definition whose field id is an introspection member is refused when the
/// policy loads, naming the field.
#[test]
fn i12_reserved_field_ids_are_refused_when_policies_load() {
    for reserved in oauth::introspection::RESERVED_CLAIMS {
        let document = json!({"scope": {"organization": {
            "id": "pd",
            "input_descriptors": [{"id": "o", "constraints": {"fields": [
                {"id": reserved, "path": ["$.issuer"]}
            ]}}]
        }}});
        let error = hazel::services::policy::parse_mapping("policy.json", &document).unwrap_err();
        assert!(
            error.to_string().contains(&format!("`{reserved}`")),
            "{error}"
        );
    }
    let fine = json!({"scope": {"organization": {
        "id": "pd",
        "input_descriptors": [{"id": "o", "constraints": {"fields": [
            {"id": "organization_name", "path": ["$.issuer"]}
        ]}}]
    }}});
    assert!(hazel::services::policy::parse_mapping("policy.json", &fine).is_ok());
}
