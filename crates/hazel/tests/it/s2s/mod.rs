//! The service-to-service flow on served nodes, one file per part of the flow: the token
//! endpoint's grant ([`token`]), DPoP at the token endpoint ([`dpop`]), scope policies
//! ([`scopes`]), the published metadata ([`metadata`]), the client side ([`client`]) and what
//! resource servers ask ([`resource_server`]). Rows of
//! `checklists/{s2s-token,dpop,introspection,metadata-and-pd}.md` are named in the tests.
//!
//! This module holds the fixtures they share: a node served on a real port with a policy, the
//! organizations and the credential the client holds, presentations, proofs and requests.

mod claims;
mod client;
mod dpop;
pub mod hostile;
mod metadata;
mod resource_server;
mod scopes;
mod token;

use std::path::Path;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use hazel::config::Config;
use hazel::http::{internal_router, public_router};
use hazel::node::Node;
use hazel::services::credentials::PresentationRequest;
use http_body_util::BodyExt;
use jose::SigningKey;
use oauth::dpop::ProofClaims;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::support::{self, call, subject};

pub const SCOPE: &str = "eoverdracht-sender";

/// A policy mapping `eoverdracht-sender` (and a passthrough and a dynamic profile) to a definition
/// that asks for a NutsOrganizationCredential and maps the organization's name and city.
pub fn policy() -> Value {
    let definition = |id: &str| {
        json!({
            "id": id,
            "format": {
                "jwt_vc": {"alg": ["ES256", "EdDSA"]}, "jwt_vp": {"alg": ["ES256", "EdDSA"]},
                "ldp_vc": {"proof_type": ["JsonWebSignature2020"]},
                "ldp_vp": {"proof_type": ["JsonWebSignature2020"]}
            },
            "input_descriptors": [{
                "id": "organization_credential",
                "constraints": {"fields": [
                    {"path": ["$.type"], "filter": {"type": "string", "const": "NutsOrganizationCredential"}},
                    {"id": "organization_name", "path": ["$.credentialSubject.organization.name"]},
                    {"id": "organization_city", "path": ["$.credentialSubject.organization.city"]}
                ]}
            }]
        })
    };
    json!({
        SCOPE: {"organization": definition("pd_eoverdracht")},
        "fhir-passthrough": {"organization": definition("pd_passthrough"), "scope_policy": "passthrough"},
        "fhir-dynamic": {"organization": definition("pd_dynamic"), "scope_policy": "dynamic"}
    })
}

/// A node whose public listener serves on a real port (so that its `url` is reachable for
/// metadata, entity statements and did:web), with the policy above.
pub struct Served {
    pub node: Node,
    pub api: Router,
    pub public: Router,
    pub base: String,
    _dir: tempfile::TempDir,
}

pub async fn served(tweak: impl FnOnce(&mut Config, &Path)) -> Served {
    let dir = tempfile::tempdir().unwrap();
    let policies = dir.path().join("policies");
    std::fs::create_dir(&policies).unwrap();
    std::fs::write(policies.join("s2s.json"), policy().to_string()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut config = support::config_in(dir.path());
    config.url = base.clone();
    config.strictmode = false;
    config.policy.directory = Some(policies);
    tweak(&mut config, dir.path());
    let node = Node::open(config).await.unwrap();
    let public = public_router(&node);
    tokio::spawn(axum::serve(listener, public.clone()).into_future());
    Served {
        api: internal_router(&node),
        public,
        node,
        base,
        _dir: dir,
    }
}

/// Creates `issuer`, `verifier` and `client` and puts an organization credential issued by
/// `issuer` in `client`'s wallet. Returns the client's DID.
pub async fn organizations(served: &Served) -> String {
    organizations_with(served, "jwt_vc").await
}

/// As [`organizations`], with the credential in `format` (`jwt_vc` or `ldp_vc`).
pub async fn organizations_with(served: &Served, format: &str) -> String {
    let issuer = subject(&served.api, "issuer").await;
    subject(&served.api, "verifier").await;
    let client = subject(&served.api, "client").await;
    let vc = issue_organization_credential(served, &issuer, &client, format).await;
    let (status, body, _) = call(
        &served.api,
        Method::POST,
        "/internal/vcr/v2/holder/client/vc",
        Some(vc),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    client
}

/// A `NutsOrganizationCredential` for Zorggroep in Amandelmere, issued by `issuer` (a subject of
/// `served`) to `holder`, in `format` (`jwt_vc` or `ldp_vc`).
pub async fn issue_organization_credential(
    served: &Served,
    issuer: &str,
    holder: &str,
    format: &str,
) -> Value {
    let (status, vc, _) = call(
        &served.api,
        Method::POST,
        "/internal/vcr/v2/issuer/vc",
        Some(json!({
            "@context": ["https://www.w3.org/2018/credentials/v1", "https://nuts.nl/credentials/v1"],
            "type": ["VerifiableCredential", "NutsOrganizationCredential"],
            "issuer": issuer,
            "expirationDate": "2099-01-01T00:00:00Z",
            "credentialSubject": {"id": holder, "organization": {"name": "Zorggroep", "city": "Amandelmere"}},
            "format": format
        })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{vc}");
    vc
}

/// What a client sends: a presentation and its parts.
pub struct Presented {
    pub assertion: String,
    pub submission: Value,
}

/// A JWT presentation of the client's wallet, for `audience`, valid `validity` seconds.
pub async fn present(
    served: &Served,
    client: &str,
    audience: &str,
    nonce: Option<&str>,
    validity: i64,
) -> Presented {
    let node = &served.node;
    let record = node.subjects().active("client").await.unwrap();
    let wallet = node
        .credentials()
        .wallet(&record, node.now())
        .await
        .unwrap();
    let vp = node
        .credentials()
        .create_presentation(
            PresentationRequest {
                signer: Some(client.to_owned()),
                credentials: wallet.iter().map(|c| c.raw.clone()).collect(),
                audience: Some(audience.to_owned()),
                nonce: nonce.map(str::to_owned),
                expires: Some(node.now() + validity),
                format: vc::Format::JwtVp,
            },
            node.now(),
        )
        .await
        .unwrap();
    Presented {
        assertion: vp.as_str().unwrap().to_owned(),
        submission: json!({
            "id": "submission",
            "definition_id": "pd_eoverdracht",
            "descriptor_map": [{"id": "organization_credential", "format": "jwt_vc", "path": "$.verifiableCredential"}]
        }),
    }
}

/// A DPoP proof for the token endpoint of `verifier`.
pub fn proof(key: &SigningKey, htm: &str, htu: &str, iat: i64, jti: &str) -> String {
    oauth::dpop::create(
        key,
        &ProofClaims {
            jti,
            htm,
            htu,
            iat,
            ath: None,
            nonce: None,
        },
    )
    .unwrap()
}

pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub headers: axum::http::HeaderMap,
}

/// POSTs a form to a router with extra headers.
pub async fn post_form(
    router: &Router,
    path: &str,
    form: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> Answer {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        headers,
    }
}

/// The form of a valid token request.
pub fn form<'a>(
    presented: &'a Presented,
    submission: &'a str,
    client_id: &'a str,
) -> Vec<(&'static str, &'a str)> {
    vec![
        ("grant_type", "vp_token-bearer"),
        ("assertion", presented.assertion.as_str()),
        ("presentation_submission", submission),
        ("scope", SCOPE),
        ("client_id", client_id),
    ]
}

/// The introspection answer for `token`, asserting the 200 every introspection gets.
pub async fn introspect(served: &Served, token: &str, extended: bool) -> Value {
    let path = if extended {
        "/internal/auth/v2/accesstoken/introspect_extended"
    } else {
        "/internal/auth/v2/accesstoken/introspect"
    };
    let answer = post_form(&served.api, path, &[("token", token)], &[]).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body
}

/// Asks `subject`'s node for a service access token (`request-service-access-token`).
pub async fn request_token(
    served: &Served,
    subject: &str,
    body: Value,
    no_cache: bool,
) -> (StatusCode, Value) {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(format!(
            "/internal/auth/v2/{subject}/request-service-access-token"
        ))
        .header(header::CONTENT_TYPE, "application/json");
    if no_cache {
        request = request.header(header::CACHE_CONTROL, "no-cache");
    }
    let response = served
        .api
        .clone()
        .oneshot(request.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// The DID of `subject`, an active subject of `served`.
pub async fn did_of(served: &Served, subject: &str) -> String {
    served
        .node
        .subjects()
        .active(subject)
        .await
        .unwrap()
        .did
        .to_string()
}

/// The issuer URL of `subject`'s authorization server on `served`.
pub fn issuer(served: &Served, subject: &str) -> String {
    format!("{}/oauth2/{subject}", served.base)
}
