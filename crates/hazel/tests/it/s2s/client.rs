//! The client side: this node's EHR asks for a service access token at another authorization
//! server (`request-service-access-token`, checklists/s2s-token.md S rows).

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{SCOPE, introspect, issuer, organizations, organizations_with, request_token, served};
use crate::support::subject;

/// S1–S3, S6: the EHR's path on one served node: `client` asks `verifier` for a token through
/// its own node (metadata, definition, wallet, presentation, DPoP, token endpoint, client_id
/// bound through the entity statement); the token is cached until asked otherwise.
#[tokio::test]
async fn nuts_s1_client_obtains_caches_and_refreshes_a_dpop_token() {
    let served = served(|_, _| {}).await;
    organizations(&served).await;
    let authorization_server = issuer(&served, "verifier");
    let body = json!({"authorization_server": authorization_server, "scope": SCOPE});

    // S1
    let (status, token) = request_token(&served, "client", body.clone(), false).await;
    assert_eq!(status, StatusCode::OK, "{token}");
    assert_eq!(token["token_type"], "DPoP");
    assert_eq!(token["scope"], SCOPE);
    let kid = token["dpop_kid"].as_str().unwrap().to_owned();
    assert!(kid.starts_with("did:web:127.0.0.1"), "{kid}");
    assert_eq!(
        token["expires_at"].as_i64().unwrap() - token["expires_in"].as_i64().unwrap(),
        served.node.now()
    );
    let access_token = token["access_token"].as_str().unwrap().to_owned();
    let introspected = introspect(&served, &access_token, false).await;
    assert_eq!(introspected["active"], true);
    assert_eq!(
        introspected["client_id"],
        format!("{}/oauth2/client", served.base)
    );
    assert_eq!(introspected["organization_name"], "Zorggroep");
    assert!(introspected["cnf"]["jkt"].is_string());

    // S2: cached; S3: bypassed with Cache-Control: no-cache.
    let (_, cached) = request_token(&served, "client", body.clone(), false).await;
    assert_eq!(cached["access_token"], access_token.as_str());
    let (_, fresh) = request_token(&served, "client", body.clone(), true).await;
    assert_ne!(fresh["access_token"], access_token.as_str());

    // S6: Bearer on request.
    let (status, bearer) = request_token(
        &served,
        "client",
        json!({"authorization_server": authorization_server, "scope": SCOPE, "token_type": "bearer"}),
        false,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{bearer}");
    assert_eq!(bearer["token_type"], "Bearer");
    assert!(bearer.get("dpop_kid").is_none());
}

/// A request the client side refuses, and the problem it answers.
struct ClientRefusal<'a> {
    row: &'a str,
    subject: &'a str,
    body: Value,
    status: StatusCode,
    detail: &'a str,
}

#[tokio::test]
async fn nuts_s7_to_s20_client_errors_carry_the_status_nuts_documents() {
    let served = served(|_, _| {}).await;
    organizations(&served).await;
    subject(&served.api, "empty-wallet").await;
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed_url = format!("http://{}/oauth2/x", closed.local_addr().unwrap());
    drop(closed);
    let server = issuer(&served, "verifier");
    let cases = [
        ClientRefusal {
            row: "S7",
            subject: "nobody",
            body: json!({"authorization_server": server, "scope": SCOPE}),
            status: StatusCode::BAD_REQUEST,
            detail: "subject not found",
        },
        ClientRefusal {
            row: "S20",
            subject: "client",
            body: json!({"authorization_server": server}),
            status: StatusCode::BAD_REQUEST,
            detail: "scope",
        },
        ClientRefusal {
            row: "S8",
            subject: "client",
            body: json!({"authorization_server": server, "scope": SCOPE, "credentials": [{"issuer": "did:x:y"}]}),
            status: StatusCode::BAD_REQUEST,
            detail: "MUST NOT contain an 'issuer'",
        },
        ClientRefusal {
            row: "S9",
            subject: "client",
            body: json!({"authorization_server": server, "scope": SCOPE, "credentials": [{"credentialSubject": {"id": "did:x:y"}}]}),
            status: StatusCode::BAD_REQUEST,
            detail: "MUST NOT contain a 'credentialSubject.id'",
        },
        ClientRefusal {
            row: "S11",
            subject: "empty-wallet",
            body: json!({"authorization_server": server, "scope": SCOPE}),
            status: StatusCode::PRECONDITION_FAILED,
            detail: "wallet does not contain the required credentials",
        },
        ClientRefusal {
            row: "S13",
            subject: "client",
            body: json!({"authorization_server": format!("{}/oauth2/nobody", served.base), "scope": SCOPE}),
            status: StatusCode::BAD_REQUEST,
            detail: "HTTP 404",
        },
        ClientRefusal {
            row: "S15",
            subject: "client",
            body: json!({"authorization_server": server, "scope": "everything"}),
            status: StatusCode::BAD_REQUEST,
            detail: "invalid_scope",
        },
        ClientRefusal {
            row: "S19",
            subject: "client",
            body: json!({"authorization_server": closed_url, "scope": SCOPE}),
            status: StatusCode::SERVICE_UNAVAILABLE,
            detail: "failed to retrieve",
        },
    ];
    for ClientRefusal {
        row,
        subject,
        body,
        status,
        detail,
    } in cases
    {
        let (answer_status, problem) = request_token(&served, subject, body, false).await;
        assert_eq!(answer_status, status, "{row}: {problem}");
        assert_eq!(
            problem["title"], "RequestServiceAccessToken failed",
            "{row}"
        );
        assert!(
            problem["detail"].as_str().unwrap().contains(detail),
            "{row}: {problem}"
        );
    }
}

/// The client flow with a JSON-LD credential in the wallet: it is presented (inside the client's
/// presentation) and the token carries its claims.
#[tokio::test]
async fn nuts_s1_client_presents_a_json_ld_credential_from_its_wallet() {
    let served = served(|_, _| {}).await;
    organizations_with(&served, "ldp_vc").await;
    let authorization_server = issuer(&served, "verifier");
    let body = json!({"authorization_server": authorization_server, "scope": SCOPE});
    let (status, token) = request_token(&served, "client", body, false).await;
    assert_eq!(status, StatusCode::OK, "{token}");
    let introspected = introspect(&served, token["access_token"].as_str().unwrap(), true).await;
    assert_eq!(introspected["active"], true);
    assert_eq!(introspected["organization_city"], "Amandelmere");
    assert_eq!(
        introspected["presentation_submissions"]["pd_eoverdracht"]["descriptor_map"][0]["format"],
        "ldp_vc",
        "{introspected}"
    );
}
