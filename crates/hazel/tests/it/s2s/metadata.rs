//! What each authorization server publishes (checklists/metadata-and-pd.md): RFC 8414 metadata,
//! the entity statement clients are bound through, and the client metadata.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

use super::{issuer, served};
use crate::support::{self, call, subject};

#[tokio::test]
async fn rfc8414_3_metadata_entity_statement_and_client_metadata() {
    let served = served(|_, _| {}).await;
    subject(&served.api, "verifier").await;
    let issuer = issuer(&served, "verifier");
    // M1, M4
    let (status, metadata, _) = call(
        &served.public,
        Method::GET,
        "/.well-known/oauth-authorization-server/oauth2/verifier",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(metadata["issuer"], issuer.as_str());
    assert_eq!(metadata["token_endpoint"], format!("{issuer}/token"));
    assert_eq!(
        metadata["grant_types_supported"],
        json!(["authorization_code", "vp_token-bearer"])
    );
    assert_eq!(metadata["require_signed_request_object"], true);
    assert!(
        metadata["did_methods_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("web"))
    );
    let (status, _, _) = call(
        &served.public,
        Method::GET,
        "/.well-known/oauth-authorization-server/oauth2/nobody",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The entity statement verifies against the subject's DID and names its keys.
    let response = served
        .public
        .clone()
        .oneshot(
            Request::builder()
                .uri("/.well-known/openid-configuration/oauth2/verifier")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/entity-statement+jwt"
    );
    let jwt = String::from_utf8(
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    let now = served.node.now();
    let statement = oauth::federation::verify(&jwt, &issuer, now, 5).unwrap();
    // It lists the subject's assertion key, by its DID URL and thumbprint.
    let did = served.node.subjects().active("verifier").await.unwrap().did;
    let (_, document, _) = call(
        &served.api,
        Method::GET,
        &format!("/internal/vdr/v2/did/{}", support::encoded(did.as_str())),
        None,
    )
    .await;
    let method = &document["document"]["verificationMethod"][0];
    let thumbprint = jose::Jwk::from_json(&method["publicKeyJwk"])
        .unwrap()
        .thumbprint();
    assert!(statement.lists(method["id"].as_str().unwrap(), &thumbprint));
    // A statement about someone else, or an expired one, is refused.
    assert!(oauth::federation::verify(&jwt, "https://other/oauth2/x", now, 5).is_err());
    assert!(oauth::federation::verify(&jwt, &issuer, now + 7200, 5).is_err());
    // Client metadata.
    let (status, client, _) = call(
        &served.public,
        Method::GET,
        "/oauth2/verifier/oauth-client",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(client["token_endpoint_auth_method"], "none");
    let (status, error, _) = call(
        &served.public,
        Method::GET,
        "/oauth2/nobody/oauth-client",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["error_description"], "subject not found");
}
