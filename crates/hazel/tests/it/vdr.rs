//! Subjects and their DIDs through the internal API, and the did.json the public listener serves.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use hazel::http::{internal_router, public_router};
use hazel::node::Node;
use serde_json::json;
use tower::ServiceExt;

use crate::support::{self, call, encoded};

struct Api {
    node: Node,
    internal: Router,
    public: Router,
    _dir: tempfile::TempDir,
}

async fn api() -> Api {
    let (node, dir) = support::embedded_node().await;
    Api {
        internal: internal_router(&node),
        public: public_router(&node),
        node,
        _dir: dir,
    }
}

fn tenant_path(did: &str) -> String {
    // did:web:localhost%3A8080:iam:<uuid> → /iam/<uuid>/did.json
    let uuid = did.rsplit(':').next().unwrap();
    format!("/iam/{uuid}/did.json")
}

#[tokio::test]
async fn create_subject_serves_its_did_web_document() {
    let api = api().await;
    let (status, created, _) = call(
        &api.internal,
        Method::POST,
        "/internal/vdr/v2/subject",
        Some(json!({"subject": "care-org_1.a"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(created["subject"], "care-org_1.a");
    let document = &created["documents"][0];
    let did = document["id"].as_str().unwrap();
    assert!(did.starts_with("did:web:localhost%3A8080:iam:"), "{did}");
    let method = &document["verificationMethod"][0];
    assert_eq!(method["type"], "JsonWebKey2020");
    assert_eq!(method["publicKeyJwk"]["crv"], "P-256");
    assert!(method["publicKeyJwk"].get("d").is_none());
    for relationship in [
        "assertionMethod",
        "authentication",
        "capabilityInvocation",
        "capabilityDelegation",
    ] {
        assert_eq!(document[relationship][0], method["id"], "{relationship}");
    }

    let (status, served, content_type) =
        call(&api.public, Method::GET, &tenant_path(did), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/did+json");
    assert_eq!(&served, document);

    let (status, listed, _) =
        call(&api.internal, Method::GET, "/internal/vdr/v2/subject", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed, json!({"care-org_1.a": [did]}));
    let (_, dids, _) = call(
        &api.internal,
        Method::GET,
        "/internal/vdr/v2/subject/care-org_1.a",
        None,
    )
    .await;
    assert_eq!(dids, json!([did]));
}

#[tokio::test]
async fn subject_without_body_gets_a_uuid_and_optional_encryption_key() {
    let api = api().await;
    let (status, created, _) = call(
        &api.internal,
        Method::POST,
        "/internal/vdr/v2/subject",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(uuid::Uuid::parse_str(created["subject"].as_str().unwrap()).is_ok());

    let (_, created, _) = call(
        &api.internal,
        Method::POST,
        "/internal/vdr/v2/subject",
        Some(json!({"keys": {"assertionKey": true, "encryptionKey": true}})),
    )
    .await;
    let document = &created["documents"][0];
    assert_eq!(document["verificationMethod"].as_array().unwrap().len(), 2);
    assert_eq!(document["keyAgreement"].as_array().unwrap().len(), 1);
    assert_eq!(document["assertionMethod"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn invalid_and_duplicate_subjects_are_refused() {
    let api = api().await;
    let (status, problem, content_type) = call(
        &api.internal,
        Method::POST,
        "/internal/vdr/v2/subject",
        Some(json!({"subject": "no spaces/or slashes"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(problem["title"], "CreateSubject failed");

    let body = Some(json!({"subject": "twice"}));
    assert_eq!(
        call(
            &api.internal,
            Method::POST,
            "/internal/vdr/v2/subject",
            body.clone()
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        call(
            &api.internal,
            Method::POST,
            "/internal/vdr/v2/subject",
            body
        )
        .await
        .0,
        StatusCode::CONFLICT
    );

    let (status, _, _) = call(
        &api.internal,
        Method::POST,
        "/internal/vdr/v2/subject",
        Some(json!({"subject": "x", "unexpected": 1})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "unknown members are refused"
    );
    assert_eq!(
        call(&api.internal, Method::GET, "/internal/vdr/v2/subject", None)
            .await
            .1,
        json!({"twice": [call(&api.internal, Method::GET, "/internal/vdr/v2/subject/twice", None).await.1[0]]}),
        "refused requests stored nothing"
    );
}

/// Defects of a8a2f86: the subject ids `.` and `..` were taken (they make every URL of the
/// subject's authorization server a dot-segment: `/oauth2/../token`), and a body without
/// `Content-Type` was read as JSON. Both are 400 and store nothing; an empty body needs no type.
#[tokio::test]
async fn regression_15_dot_segment_subjects_and_untyped_bodies_are_refused() {
    let api = api().await;
    for id in [".", "..", "", &"a".repeat(101)] {
        let (status, problem, content_type) = call(
            &api.internal,
            Method::POST,
            "/internal/vdr/v2/subject",
            Some(json!({ "subject": id })),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{id:?}: {problem}");
        assert_eq!(content_type, "application/problem+json");
        assert!(
            problem["detail"].as_str().unwrap().contains("not . or .."),
            "{problem}"
        );
    }
    for fine in ["...", ".a", "a..b", "_-.", &"a".repeat(100)] {
        let (status, created, _) = call(
            &api.internal,
            Method::POST,
            "/internal/vdr/v2/subject",
            Some(json!({ "subject": fine })),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{fine:?}: {created}");
    }

    let untyped = |body: &'static str| {
        Request::builder()
            .method(Method::POST)
            .uri("/internal/vdr/v2/subject")
            .body(Body::from(body))
            .unwrap()
    };
    let response = api
        .internal
        .clone()
        .oneshot(untyped(r#"{"subject": "untyped"}"#))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = api.internal.clone().oneshot(untyped("")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "no body, no type needed");
    let (_, subjects, _) = call(&api.internal, Method::GET, "/internal/vdr/v2/subject", None).await;
    assert!(
        subjects.get("untyped").is_none() && subjects.get(".").is_none(),
        "{subjects}"
    );
}

#[tokio::test]
async fn deactivated_subjects_disappear_and_cannot_be_deactivated_twice() {
    let api = api().await;
    let (_, created, _) = call(
        &api.internal,
        Method::POST,
        "/internal/vdr/v2/subject",
        Some(json!({"subject": "gone"})),
    )
    .await;
    let did = created["documents"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        call(
            &api.internal,
            Method::DELETE,
            "/internal/vdr/v2/subject/gone",
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&api.public, Method::GET, &tenant_path(&did), None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(
            &api.internal,
            Method::DELETE,
            "/internal/vdr/v2/subject/gone",
            None
        )
        .await
        .0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        call(
            &api.internal,
            Method::DELETE,
            "/internal/vdr/v2/subject/never",
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(&api.internal, Method::GET, "/internal/vdr/v2/subject", None)
            .await
            .1,
        json!({})
    );

    let (status, resolved, _) = call(
        &api.internal,
        Method::GET,
        &format!("/internal/vdr/v2/did/{}", encoded(&did)),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resolved["documentMetadata"]["deactivated"], true);
    assert_eq!(
        call(&api.public, Method::GET, "/iam/not-a-tenant/did.json", None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn services_are_added_found_filtered_updated_and_deleted() {
    let api = api().await;
    call(
        &api.internal,
        Method::POST,
        "/internal/vdr/v2/subject",
        Some(json!({"subject": "s"})),
    )
    .await;
    let base = "/internal/vdr/v2/subject/s/service";
    let (status, added, _) = call(
        &api.internal,
        Method::POST,
        base,
        Some(json!({"type": "fhir", "serviceEndpoint": "https://fhir.example/r4"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let id = added[0]["id"].as_str().unwrap().to_owned();
    let (_, again, _) = call(
        &api.internal,
        Method::POST,
        base,
        Some(json!({"type": "fhir", "serviceEndpoint": "https://fhir.example/r4"})),
    )
    .await;
    assert_eq!(again[0]["id"], id.as_str(), "duplicates are ignored");
    call(
        &api.internal,
        Method::POST,
        base,
        Some(json!({"type": "multi", "serviceEndpoint": {"a": "https://a.example"}})),
    )
    .await;

    let (_, all, _) = call(&api.internal, Method::GET, base, None).await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    let (_, strings, _) = call(
        &api.internal,
        Method::GET,
        &format!("{base}?endpointType=string"),
        None,
    )
    .await;
    assert_eq!(strings.as_array().unwrap().len(), 1);
    let (_, typed, _) = call(
        &api.internal,
        Method::GET,
        &format!("{base}?type=multi"),
        None,
    )
    .await;
    assert_eq!(
        typed[0]["serviceEndpoint"],
        json!({"a": "https://a.example"})
    );
    assert_eq!(
        call(
            &api.internal,
            Method::GET,
            &format!("{base}?endpointType=number"),
            None
        )
        .await
        .0,
        StatusCode::BAD_REQUEST
    );

    let fragment = id.split('#').nth(1).unwrap();
    let (status, updated, _) = call(
        &api.internal,
        Method::POST,
        &format!("{base}/%23{fragment}"),
        Some(json!({"type": "fhir", "serviceEndpoint": "https://fhir.example/r5"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(updated[0]["id"], id.as_str(), "an update gets a new id");
    let (status, _, _) = call(
        &api.internal,
        Method::POST,
        &format!("{base}/%23{fragment}"),
        Some(json!({"type": "x", "serviceEndpoint": "https://x"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the old id is gone");

    let new_id = encoded(updated[0]["id"].as_str().unwrap());
    assert_eq!(
        call(
            &api.internal,
            Method::DELETE,
            &format!("{base}/{new_id}"),
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(
            &api.internal,
            Method::DELETE,
            &format!("{base}/{new_id}"),
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(
            &api.internal,
            Method::POST,
            base,
            Some(json!({"type": "", "serviceEndpoint": 5}))
        )
        .await
        .0,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn key_rotation_keeps_the_old_key_until_it_is_removed() {
    let api = api().await;
    let (_, created, _) = call(
        &api.internal,
        Method::POST,
        "/internal/vdr/v2/subject",
        Some(json!({"subject": "r"})),
    )
    .await;
    let old_id = created["documents"][0]["verificationMethod"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let did = created["documents"][0]["id"].as_str().unwrap().to_owned();
    let base = "/internal/vdr/v2/subject/r/verificationmethod";
    assert_eq!(
        call(
            &api.internal,
            Method::POST,
            base,
            Some(json!({"assertionKey": false, "encryptionKey": false}))
        )
        .await
        .0,
        StatusCode::BAD_REQUEST
    );
    let (status, added, _) = call(
        &api.internal,
        Method::POST,
        base,
        Some(json!({"assertionKey": true, "encryptionKey": false})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let new_id = added[0]["id"].as_str().unwrap().to_owned();

    let (_, document, _) = call(&api.public, Method::GET, &tenant_path(&did), None).await;
    assert_eq!(document["assertionMethod"], json!([old_id, new_id]));

    // The newest key signs; the old one still verifies.
    let record = api.node.subjects().active("r").await.unwrap();
    let (kid, _) = api
        .node
        .subjects()
        .signer(&record, did::Relationship::AssertionMethod)
        .await
        .unwrap();
    assert_eq!(kid.as_str(), new_id);

    assert_eq!(
        call(
            &api.internal,
            Method::DELETE,
            &format!("{base}/{}", encoded(&old_id)),
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let (_, document, _) = call(&api.public, Method::GET, &tenant_path(&did), None).await;
    assert_eq!(document["assertionMethod"], json!([new_id]));
    assert_eq!(
        call(
            &api.internal,
            Method::DELETE,
            &format!("{base}/{}", encoded(&new_id)),
            None
        )
        .await
        .0,
        StatusCode::CONFLICT,
        "the last assertion key stays"
    );
}

#[tokio::test]
async fn resolve_did_api_covers_local_methods_and_malformed_input() {
    let api = api().await;
    let signer = jose::SigningKey::generate(jose::KeyKind::Ed25519).unwrap();
    let did = did::methods::jwk::did_for(jose::Signer::public_jwk(&signer)).unwrap();
    let (status, resolved, _) = call(
        &api.internal,
        Method::GET,
        &format!("/internal/vdr/v2/did/{did}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resolved["document"]["id"], did.as_str());
    assert_eq!(resolved["documentMetadata"]["deactivated"], false);

    let key = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp";
    assert_eq!(
        call(
            &api.internal,
            Method::GET,
            &format!("/internal/vdr/v2/did/{key}"),
            None
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        call(
            &api.internal,
            Method::GET,
            "/internal/vdr/v2/did/not-a-did",
            None
        )
        .await
        .0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        call(
            &api.internal,
            Method::GET,
            "/internal/vdr/v2/did/did:example:123",
            None
        )
        .await
        .0,
        StatusCode::BAD_REQUEST
    );
}
