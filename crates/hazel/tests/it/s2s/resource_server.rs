//! What a resource server asks this node (checklists/introspection.md, dpop.md): RFC 7662
//! introspection, and RFC 9449 proofs made for the EHR (`/dpop/{kid}`) and checked for the
//! resource server (`/dpop/validate`).

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use oauth::dpop;
use serde_json::json;
use tower::ServiceExt;

use super::{SCOPE, introspect, issuer, organizations, post_form, request_token, served};
use crate::support::{self, call};

/// C1–C5, V1–V12: a proof for a resource request with the token's key, checked by the resource
/// server once; every refusal burns nothing.
#[tokio::test]
async fn rfc9449_7_1_resource_server_validates_a_proof_once() {
    let served = served(|_, _| {}).await;
    organizations(&served).await;
    let body = json!({"authorization_server": issuer(&served, "verifier"), "scope": SCOPE});
    let (status, token) = request_token(&served, "client", body, false).await;
    assert_eq!(status, StatusCode::OK, "{token}");
    let kid = token["dpop_kid"].as_str().unwrap().to_owned();
    let access_token = token["access_token"].as_str().unwrap().to_owned();
    let introspected = introspect(&served, &access_token, false).await;
    let jkt = introspected["cnf"]["jkt"].as_str().unwrap().to_owned();

    // C1: a resource proof with the token's key; V1 the resource server accepts it once (V6).
    let resource = "https://fhir.example/Patient/1?x=y";
    let (status, created, _) = call(
        &served.api,
        Method::POST,
        &format!("/internal/auth/v2/dpop/{}", support::encoded(&kid)),
        Some(json!({"htm": "GET", "htu": resource, "token": access_token})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let resource_proof = created["dpop"].as_str().unwrap().to_owned();
    let parsed = dpop::Proof::parse(&resource_proof).unwrap();
    assert_eq!(parsed.jkt(), jkt);
    assert_eq!(
        parsed.ath(),
        Some(dpop::access_token_hash(&access_token).as_str())
    );
    let validate = |proof: &str, method: &str, url: &str, token: &str, thumbprint: &str| json!({"dpop_proof": proof, "method": method, "url": url, "token": token, "thumbprint": thumbprint});
    let cases = [
        (
            "V2",
            validate(&resource_proof, "POST", resource, &access_token, &jkt),
            Some("method mismatch, token: GET, given: POST"),
        ),
        (
            "V4",
            validate("invalid", "GET", resource, &access_token, &jkt),
            Some("failed to parse DPoP header: invalid DPoP token"),
        ),
        (
            "V5",
            validate(&resource_proof, "GET", resource, "invalid", &jkt),
            Some("ath/token claim mismatch"),
        ),
        (
            "V7",
            validate(&resource_proof, "GET", resource, &access_token, "other"),
            Some("jkt mismatch"),
        ),
        (
            "V8",
            validate(
                &resource_proof,
                "GET",
                "https://fhir.example/Patient/2",
                &access_token,
                &jkt,
            ),
            Some("url mismatch"),
        ),
        // V9 + V12: query and fragment are ignored, and the failures above burned nothing.
        (
            "V1",
            validate(
                &resource_proof,
                "GET",
                "https://fhir.example/Patient/1#f",
                &access_token,
                &jkt,
            ),
            None,
        ),
        (
            "V6",
            validate(&resource_proof, "GET", resource, &access_token, &jkt),
            Some("jti already used"),
        ),
    ];
    for (row, request, reason) in cases {
        let (status, verdict, _) = call(
            &served.api,
            Method::POST,
            "/internal/auth/v2/dpop/validate",
            Some(request),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{row}: {verdict}");
        match reason {
            None => assert_eq!(verdict, json!({"valid": true}), "{row}"),
            Some(reason) => {
                assert_eq!(verdict["valid"], false, "{row}");
                assert!(
                    verdict["reason"].as_str().unwrap().starts_with(reason),
                    "{row}: {verdict}"
                );
            }
        }
    }

    // C2–C4, C6
    for (row, request, detail) in [
        (
            "C2",
            json!({"htm": "", "htu": resource, "token": "t"}),
            "missing method",
        ),
        (
            "C3",
            json!({"htm": "GET", "htu": "", "token": "t"}),
            "missing url",
        ),
        (
            "C4",
            json!({"htm": "GET", "htu": resource, "token": ""}),
            "missing token",
        ),
        (
            "C5",
            json!({"htm": "\\", "htu": resource, "token": "t"}),
            "invalid method",
        ),
    ] {
        let (status, problem, _) = call(
            &served.api,
            Method::POST,
            &format!("/internal/auth/v2/dpop/{}", support::encoded(&kid)),
            Some(request),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{row}");
        assert_eq!(problem["title"], "CreateDPoPProof failed");
        assert!(
            problem["detail"].as_str().unwrap().contains(detail),
            "{row}: {problem}"
        );
    }
    let (status, _, _) = call(
        &served.api,
        Method::POST,
        &format!(
            "/internal/auth/v2/dpop/{}",
            support::encoded("did:web:elsewhere.example#0")
        ),
        Some(json!({"htm": "GET", "htu": resource, "token": "t"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn rfc7662_2_1_introspection_is_form_encoded_and_inactive_tokens_reveal_nothing() {
    let served = served(|_, _| {}).await;
    for (row, content_type, body, status) in [
        (
            "I1",
            Some("application/json"),
            r#"{"token":"x"}"#,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        ("I1c", None, "token=x", StatusCode::UNSUPPORTED_MEDIA_TYPE),
        (
            "I1b",
            Some("application/x-www-form-urlencoded; charset=utf-8"),
            "token=x",
            StatusCode::OK,
        ),
    ] {
        for path in [
            "/internal/auth/v2/accesstoken/introspect",
            "/internal/auth/v2/accesstoken/introspect_extended",
        ] {
            let mut request = Request::builder().method(Method::POST).uri(path);
            if let Some(content_type) = content_type {
                request = request.header(header::CONTENT_TYPE, content_type);
            }
            let response = served
                .api
                .clone()
                .oneshot(request.body(Body::from(body)).unwrap())
                .await
                .unwrap();
            assert_eq!(response.status(), status, "{row} {path}");
        }
    }
    // I2, I3, I5
    for token in ["", "does not exist"] {
        for extended in [false, true] {
            assert_eq!(
                introspect(&served, token, extended).await,
                json!({"active": false})
            );
        }
    }
    // I17
    let get = Request::builder()
        .uri("/internal/auth/v2/accesstoken/introspect")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        served.api.clone().oneshot(get).await.unwrap().status(),
        StatusCode::METHOD_NOT_ALLOWED
    );
}

/// I6: a token record the store cannot read fails introspection closed.
#[tokio::test]
async fn rfc7662_i6_an_unreadable_token_record_is_a_server_error_not_inactive() {
    let served = served(|_, _| {}).await;
    served
        .node
        .runtime()
        .sessions
        .put(
            &hazel::services::tokens::token_key(&oauth::types::AccessToken::new("corrupt")),
            b"{not json",
            std::time::Duration::from_secs(60),
        )
        .await
        .unwrap();
    let answer = post_form(
        &served.api,
        "/internal/auth/v2/accesstoken/introspect",
        &[("token", "corrupt")],
        &[],
    )
    .await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(answer.body.get("active").is_none());
}
