//! The service-to-service flow on served nodes: AS metadata, the `vp_token-bearer` token endpoint
//! with DPoP, introspection, `/dpop/validate`, and the client's `request-service-access-token`.
//! Rows of `checklists/{s2s-token,dpop,introspection,metadata-and-pd}.md` are named in the tests.

use std::path::Path;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use hazel::config::Config;
use hazel::credentials::PresentationRequest;
use hazel::http::{internal_router, public_router};
use hazel::node::Node;
use http_body_util::BodyExt;
use jose::{KeyKind, Signer, SigningKey};
use oauth::dpop::{self, ProofClaims};
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
    let (status, vc, _) = call(
        &served.api,
        Method::POST,
        "/internal/vcr/v2/issuer/vc",
        Some(json!({
            "@context": ["https://www.w3.org/2018/credentials/v1", "https://nuts.nl/credentials/v1"],
            "type": ["VerifiableCredential", "NutsOrganizationCredential"],
            "issuer": issuer,
            "expirationDate": "2099-01-01T00:00:00Z",
            "credentialSubject": {"id": client, "organization": {"name": "Zorggroep", "city": "Amandelmere"}},
            "format": format
        })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{vc}");
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
    let record = node.subjects.active("client").await.unwrap();
    let wallet = node.credentials.wallet(&record, node.now()).await.unwrap();
    let vp = node
        .credentials
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
    dpop::create(
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
fn form<'a>(
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

async fn introspect(served: &Served, token: &str, extended: bool) -> Value {
    let path = if extended {
        "/internal/auth/v2/accesstoken/introspect_extended"
    } else {
        "/internal/auth/v2/accesstoken/introspect"
    };
    let answer = post_form(&served.api, path, &[("token", token)], &[]).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body
}

#[tokio::test]
async fn s2s_dpop_token_is_issued_bound_and_introspected_with_claims() {
    let served = served(|_, _| {}).await;
    let client = organizations(&served).await;
    let issuer = format!("{}/oauth2/verifier", served.base);
    let endpoint = format!("{issuer}/token");
    let presented = present(&served, &client, &issuer, Some("nonce-1"), 5).await;
    let submission = presented.submission.to_string();
    let key = SigningKey::generate(KeyKind::P256).unwrap();
    let now = served.node.now();
    let dpop_proof = proof(&key, "POST", &endpoint, now, "jti-1");

    // A2 / H14 / H15
    let answer = post_form(
        &served.public,
        "/oauth2/verifier/token",
        &form(&presented, &submission, &client),
        &[("DPoP", &dpop_proof)],
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["token_type"], "DPoP");
    assert_eq!(answer.body["expires_in"], 900);
    assert_eq!(answer.body["scope"], SCOPE);
    assert_eq!(answer.headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(answer.headers[header::PRAGMA], "no-cache");
    let token = answer.body["access_token"].as_str().unwrap().to_owned();
    assert!(jose::base64url::decode(&token, "token").unwrap().len() >= 16);

    // I7, I10, I15
    let introspected = introspect(&served, &token, false).await;
    assert_eq!(introspected["active"], true);
    assert_eq!(introspected["iss"], issuer.as_str());
    assert_eq!(introspected["client_id"], client.as_str());
    assert_eq!(introspected["scope"], SCOPE);
    assert_eq!(
        introspected["cnf"]["jkt"],
        key.public_jwk().thumbprint().as_str()
    );
    assert_eq!(introspected["organization_name"], "Zorggroep");
    assert_eq!(introspected["organization_city"], "Amandelmere");
    assert_eq!(
        introspected["exp"].as_i64().unwrap() - introspected["iat"].as_i64().unwrap(),
        900
    );
    assert!(introspected.get("vps").is_none());
    // I8
    let extended = introspect(&served, &token, true).await;
    assert_eq!(extended["vps"], json!([presented.assertion]));
    assert_eq!(
        extended["presentation_definitions"]["organization"]["id"],
        "pd_eoverdracht"
    );
    assert_eq!(
        extended["presentation_submissions"]["pd_eoverdracht"],
        presented.submission
    );

    // A19: the same presentation again, with a fresh proof.
    let again = post_form(
        &served.public,
        "/oauth2/verifier/token",
        &form(&presented, &submission, &client),
        &[("DPoP", &proof(&key, "POST", &endpoint, now, "jti-2"))],
    )
    .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(again.body["error"], "invalid_request");
    assert_eq!(
        again.body["error_description"],
        "presentation nonce has already been used"
    );
    // H4: a new presentation with the used proof.
    let fresh = present(&served, &client, &issuer, Some("nonce-2"), 5).await;
    let replayed = post_form(
        &served.public,
        "/oauth2/verifier/token",
        &form(&fresh, &submission, &client),
        &[("DPoP", &dpop_proof)],
    )
    .await;
    assert_eq!(
        replayed.body["error"], "invalid_dpop_proof",
        "{}",
        replayed.body
    );
    assert!(
        replayed.body["error_description"]
            .as_str()
            .unwrap()
            .contains("jti already used")
    );
    // H20: each outcome is in the audit trail, never the token.
    let events: Vec<(String, String)> = served
        .node
        .audit
        .for_subject("verifier", 0, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "token.vp_token-bearer")
        .map(|e| (format!("{:?}", e.outcome), e.detail.to_string()))
        .collect();
    let outcomes: Vec<&str> = events.iter().map(|(o, _)| o.as_str()).collect();
    assert_eq!(outcomes, ["Success", "Failure", "Failure"]);
    assert!(events.iter().all(|(_, detail)| !detail.contains(&token)));
    assert!(events[1].1.contains("invalid_request"));
}

#[tokio::test]
async fn s2s_without_dpop_is_a_bearer_token_without_cnf() {
    let served = served(|_, _| {}).await;
    let client = organizations(&served).await;
    let issuer = format!("{}/oauth2/verifier", served.base);
    let presented = present(&served, &client, &issuer, Some("n"), 5).await;
    let submission = presented.submission.to_string();
    let answer = post_form(
        &served.public,
        "/oauth2/verifier/token",
        &form(&presented, &submission, &client),
        &[],
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["token_type"], "Bearer");
    let introspected = introspect(
        &served,
        answer.body["access_token"].as_str().unwrap(),
        false,
    )
    .await;
    assert_eq!(introspected["active"], true);
    assert!(introspected.get("cnf").is_none());

    // A deactivated authorization server refuses at once (its subject is not served from a
    // stale cache).
    let (status, _, _) = call(
        &served.api,
        Method::DELETE,
        "/internal/vdr/v2/subject/verifier",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let again = present(&served, &client, &issuer, Some("n2"), 5).await;
    let answer = post_form(
        &served.public,
        "/oauth2/verifier/token",
        &form(&again, &submission, &client),
        &[],
    )
    .await;
    assert_eq!(answer.body["error_description"], "subject not found");
}

/// Every refusal of checklists/s2s-token.md: the right error, and no state changed (the valid
/// request with the same presentation and nonce succeeds afterwards).
#[tokio::test]
async fn s2s_refusals_have_their_oauth_error_and_change_nothing() {
    let served = served(|_, _| {}).await;
    let client = organizations(&served).await;
    let issuer_did = served
        .node
        .subjects
        .active("issuer")
        .await
        .unwrap()
        .did
        .to_string();
    let issuer = format!("{}/oauth2/verifier", served.base);
    let endpoint = format!("{issuer}/token");
    let presented = present(&served, &client, &issuer, Some("kept"), 5).await;
    let submission = presented.submission.to_string();
    let key = SigningKey::generate(KeyKind::P256).unwrap();
    let now = served.node.now();
    let good_proof = proof(&key, "POST", &endpoint, now, "jti-good");

    let other_audience = present(
        &served,
        &client,
        "https://other.example/oauth2/x",
        Some("a"),
        5,
    )
    .await;
    let too_long = present(&served, &client, &issuer, Some("b"), 3600).await;
    let no_nonce = present(&served, &client, &issuer, None, 5).await;
    let mut tampered = presented.assertion.clone();
    tampered.replace_range(tampered.len() - 4.., "AAAA");
    let other_definition =
        json!({"id": "s", "definition_id": "pd_other", "descriptor_map": []}).to_string();
    let empty_map =
        json!({"id": "s", "definition_id": "pd_eoverdracht", "descriptor_map": []}).to_string();

    let base = form(&presented, &submission, &client);
    let owned = |f: Vec<(&'static str, &str)>| -> Vec<(&'static str, String)> {
        f.into_iter().map(|(k, v)| (k, v.to_owned())).collect()
    };
    let without = |name: &str| -> Vec<(&'static str, String)> {
        base.iter()
            .filter(|(k, _)| *k != name)
            .map(|(k, v)| (*k, (*v).to_owned()))
            .collect()
    };
    let replace = |name: &'static str, value: &str| {
        let mut f = without(name);
        f.push((name, value.to_owned()));
        f
    };
    let with = |name: &'static str, value: &str| replace(name, value);
    let htm_get = proof(&key, "GET", &endpoint, now, "j1");
    let other_htu = proof(&key, "POST", &format!("{issuer}/other"), now, "j2");
    let old_iat = proof(&key, "POST", &endpoint, now - 600, "j3");
    let future_iat = proof(&key, "POST", &endpoint, now + 60, "j4");

    type Case<'a> = (
        &'a str,
        &'a str,
        Vec<(&'a str, String)>,
        Vec<(&'a str, &'a str)>,
        StatusCode,
        &'a str,
        &'a str,
    );
    let cases: Vec<Case<'_>> = vec![
        (
            "A4",
            "/oauth2/nobody/token",
            owned(base.clone()),
            vec![],
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "subject not found",
        ),
        (
            "A5",
            "/oauth2/verifier/token",
            with("grant_type", "unsupported"),
            vec![],
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type 'unsupported' is not supported",
        ),
        (
            "A5b",
            "/oauth2/verifier/token",
            without("grant_type"),
            vec![],
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type '' is not supported",
        ),
        (
            "A5c",
            "/oauth2/verifier/token",
            with(
                "grant_type",
                "urn:ietf:params:oauth:grant-type:pre-authorized_code",
            ),
            vec![],
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "not implemented yet",
        ),
        (
            "A6 client_id",
            "/oauth2/verifier/token",
            without("client_id"),
            vec![],
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "missing required parameters",
        ),
        (
            "A6 assertion",
            "/oauth2/verifier/token",
            without("assertion"),
            vec![],
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "missing required parameters",
        ),
        (
            "A6 submission",
            "/oauth2/verifier/token",
            without("presentation_submission"),
            vec![],
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "missing required parameters",
        ),
        (
            "A6 scope",
            "/oauth2/verifier/token",
            without("scope"),
            vec![],
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "missing required parameters",
        ),
        (
            "H10",
            "/oauth2/verifier/token",
            with("client_id", ""),
            vec![],
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "missing required parameters",
        ),
        (
            "H9",
            "/oauth2/verifier/token",
            {
                let mut f = owned(base.clone());
                f.push(("scope", SCOPE.to_owned()));
                f
            },
            vec![],
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "included more than once",
        ),
        (
            "A7",
            "/oauth2/verifier/token",
            with("assertion", "[true, false]"),
            vec![],
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "assertion parameter is invalid: unable to parse PEX envelope as verifiable presentation: invalid JWT",
        ),
        (
            "A8",
            "/oauth2/verifier/token",
            with("presentation_submission", "not-a-valid-submission"),
            vec![],
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "invalid presentation submission: ",
        ),
        (
            "A16",
            "/oauth2/verifier/token",
            replace("assertion", &other_audience.assertion),
            vec![],
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "presentation audience/domain is missing or does not match",
        ),
        (
            "A11",
            "/oauth2/verifier/token",
            replace("assertion", &too_long.assertion),
            vec![],
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "presentation is valid for too long (max 5s)",
        ),
        (
            "A22",
            "/oauth2/verifier/token",
            replace("assertion", &no_nonce.assertion),
            vec![],
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "presentation has invalid/missing nonce",
        ),
        (
            "A26",
            "/oauth2/verifier/token",
            replace("assertion", &tampered),
            vec![],
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "presentation(s) or credential(s) verification failed",
        ),
        (
            "A17",
            "/oauth2/verifier/token",
            with("scope", "everything"),
            vec![],
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "everything",
        ),
        (
            "profile-only",
            "/oauth2/verifier/token",
            replace("scope", &format!("{SCOPE} patient/Observation.read")),
            vec![],
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "profile-only",
        ),
        (
            "scope characters",
            "/oauth2/verifier/token",
            replace("scope", &format!("{SCOPE} caf\u{e9}")),
            vec![],
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "RFC 6749",
        ),
        (
            "too many scopes",
            "/oauth2/verifier/token",
            replace(
                "scope",
                &(0..25)
                    .map(|i| format!("s{i}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            vec![],
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "more than 20 scopes",
        ),
        (
            "A18b",
            "/oauth2/verifier/token",
            replace("presentation_submission", &other_definition),
            vec![],
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "presentation definition being fulfilled is not required: pd_other",
        ),
        (
            "A18",
            "/oauth2/verifier/token",
            replace("presentation_submission", &empty_map),
            vec![],
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "presentation submission does not conform to presentation definition (id=pd_eoverdracht)",
        ),
        (
            "H7",
            "/oauth2/verifier/token",
            replace("client_id", &issuer_did),
            vec![],
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "client_id does not match presentation signer",
        ),
        (
            "A27",
            "/oauth2/verifier/token",
            owned(base.clone()),
            vec![("DPoP", "invalid")],
            StatusCode::BAD_REQUEST,
            "invalid_dpop_proof",
            "DPoP header is invalid",
        ),
        (
            "H1",
            "/oauth2/verifier/token",
            owned(base.clone()),
            vec![("DPoP", htm_get.as_str())],
            StatusCode::BAD_REQUEST,
            "invalid_dpop_proof",
            "method mismatch",
        ),
        (
            "H2",
            "/oauth2/verifier/token",
            owned(base.clone()),
            vec![("DPoP", other_htu.as_str())],
            StatusCode::BAD_REQUEST,
            "invalid_dpop_proof",
            "url mismatch",
        ),
        (
            "H3 old",
            "/oauth2/verifier/token",
            owned(base.clone()),
            vec![("DPoP", old_iat.as_str())],
            StatusCode::BAD_REQUEST,
            "invalid_dpop_proof",
            "iat",
        ),
        (
            "H3 future",
            "/oauth2/verifier/token",
            owned(base.clone()),
            vec![("DPoP", future_iat.as_str())],
            StatusCode::BAD_REQUEST,
            "invalid_dpop_proof",
            "iat",
        ),
        (
            "H5",
            "/oauth2/verifier/token",
            owned(base.clone()),
            vec![("DPoP", good_proof.as_str()), ("DPoP", good_proof.as_str())],
            StatusCode::BAD_REQUEST,
            "invalid_dpop_proof",
            "more than one DPoP header",
        ),
    ];
    for (row, path, form, headers, status, error, description) in &cases {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let answer = post_form(&served.public, path, &pairs, headers).await;
        assert_eq!(answer.status, *status, "{row}: {}", answer.body);
        assert_eq!(answer.body["error"], *error, "{row}: {}", answer.body);
        let text = answer.body["error_description"]
            .as_str()
            .unwrap_or_default();
        assert!(text.contains(description), "{row}: {text}");
        assert_eq!(
            answer.headers[header::CONTENT_TYPE],
            "application/json",
            "{row}"
        );
        assert_eq!(answer.headers[header::CACHE_CONTROL], "no-store", "{row}");
    }

    // H12: JSON is not the token endpoint's media type; H11: the query string is ignored.
    let json_body = Request::builder()
        .method(Method::POST)
        .uri("/oauth2/verifier/token")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{}"))
        .unwrap();
    let response = served.public.clone().oneshot(json_body).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let query_only = post_form(
        &served.public,
        &format!(
            "/oauth2/verifier/token?client_id={}",
            client.replace('%', "%25")
        ),
        &without("client_id")
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect::<Vec<_>>(),
        &[],
    )
    .await;
    assert_eq!(
        query_only.body["error_description"],
        "missing required parameters"
    );
    let get = Request::builder()
        .uri("/oauth2/verifier/token")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        served.public.clone().oneshot(get).await.unwrap().status(),
        StatusCode::METHOD_NOT_ALLOWED
    );

    // H20: refusals before the grant is evaluated are audited too.
    let early: Vec<String> = served
        .node
        .audit
        .for_subject("verifier", 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "token.request")
        .map(|e| e.detail["error"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        early.contains(&"unsupported_grant_type".to_owned()),
        "{early:?}"
    );
    assert!(
        early.contains(&"invalid_dpop_proof".to_owned()),
        "{early:?}"
    );

    // H18: nothing above burned the nonce or the proof.
    let answer = post_form(
        &served.public,
        "/oauth2/verifier/token",
        &base,
        &[("DPoP", &good_proof)],
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

#[tokio::test]
async fn passthrough_and_dynamic_scope_policies_grant_extra_scopes() {
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
    let issuer = format!("{}/oauth2/verifier", served.base);
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
async fn dynamic_scopes_can_be_decided_by_an_external_authzen_pdp() {
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
    let issuer = format!("{}/oauth2/verifier", served.base);
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

async fn request_token(
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

/// The EHR's path on one served node: `client` asks `verifier` for a token through its own node
/// (metadata, definition, wallet, presentation, DPoP, token endpoint, client_id bound through the
/// entity statement), then makes a resource proof, and the resource server validates it.
#[tokio::test]
async fn client_obtains_a_dpop_token_and_the_resource_server_validates_its_proof() {
    let served = served(|_, _| {}).await;
    organizations(&served).await;
    let authorization_server = format!("{}/oauth2/verifier", served.base);
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
    let jkt = introspected["cnf"]["jkt"].as_str().unwrap().to_owned();

    // S2: cached; S3: bypassed with Cache-Control: no-cache.
    let (_, cached) = request_token(&served, "client", body.clone(), false).await;
    assert_eq!(cached["access_token"], access_token.as_str());
    let (_, fresh) = request_token(&served, "client", body.clone(), true).await;
    assert_ne!(fresh["access_token"], access_token.as_str());

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
    assert_eq!(parsed.jkt, jkt);
    assert_eq!(
        parsed.ath.as_deref(),
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

#[tokio::test]
async fn client_errors_carry_the_status_nuts_documents() {
    let served = served(|_, _| {}).await;
    organizations(&served).await;
    subject(&served.api, "empty-wallet").await;
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed_url = format!("http://{}/oauth2/x", closed.local_addr().unwrap());
    drop(closed);
    let server = format!("{}/oauth2/verifier", served.base);
    for (row, subject, body, status, detail) in [
        (
            "S7",
            "nobody",
            json!({"authorization_server": server, "scope": SCOPE}),
            StatusCode::BAD_REQUEST,
            "subject not found",
        ),
        (
            "S20",
            "client",
            json!({"authorization_server": server}),
            StatusCode::BAD_REQUEST,
            "scope",
        ),
        (
            "S8",
            "client",
            json!({"authorization_server": server, "scope": SCOPE, "credentials": [{"issuer": "did:x:y"}]}),
            StatusCode::BAD_REQUEST,
            "MUST NOT contain an 'issuer'",
        ),
        (
            "S9",
            "client",
            json!({"authorization_server": server, "scope": SCOPE, "credentials": [{"credentialSubject": {"id": "did:x:y"}}]}),
            StatusCode::BAD_REQUEST,
            "MUST NOT contain a 'credentialSubject.id'",
        ),
        (
            "S11",
            "empty-wallet",
            json!({"authorization_server": server, "scope": SCOPE}),
            StatusCode::PRECONDITION_FAILED,
            "wallet does not contain the required credentials",
        ),
        (
            "S13",
            "client",
            json!({"authorization_server": format!("{}/oauth2/nobody", served.base), "scope": SCOPE}),
            StatusCode::BAD_REQUEST,
            "HTTP 404",
        ),
        (
            "S15",
            "client",
            json!({"authorization_server": server, "scope": "everything"}),
            StatusCode::BAD_REQUEST,
            "invalid_scope",
        ),
        (
            "S19",
            "client",
            json!({"authorization_server": closed_url, "scope": SCOPE}),
            StatusCode::SERVICE_UNAVAILABLE,
            "failed to retrieve",
        ),
    ] {
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

#[tokio::test]
async fn introspection_is_form_encoded_and_inactive_tokens_reveal_nothing() {
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

#[tokio::test]
async fn metadata_entity_statement_and_client_metadata() {
    let served = served(|_, _| {}).await;
    subject(&served.api, "verifier").await;
    let issuer = format!("{}/oauth2/verifier", served.base);
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
    let statement = hazel::authserver::entity::verify(&jwt, &issuer, now, 5).unwrap();
    let did = served.node.subjects.active("verifier").await.unwrap().did;
    assert_eq!(statement.signer.did(), &did);
    assert!(!statement.keys.is_empty());
    // A statement about someone else, or an expired one, is refused.
    assert!(hazel::authserver::entity::verify(&jwt, "https://other/oauth2/x", now, 5).is_err());
    assert!(hazel::authserver::entity::verify(&jwt, &issuer, now + 7200, 5).is_err());
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

/// RFC 9449 §8 with `auth.dpop.requirenonce`: a proof without the server's nonce gets
/// `use_dpop_nonce` and a `DPoP-Nonce` header; with it, a token. Hazel's client retries by itself.
#[tokio::test]
async fn dpop_nonces_when_the_server_requires_them() {
    let served = served(|config, _| config.auth.dpop.requirenonce = true).await;
    let client = organizations(&served).await;
    let issuer = format!("{}/oauth2/verifier", served.base);
    let endpoint = format!("{issuer}/token");
    let presented = present(&served, &client, &issuer, Some("nonce-n"), 5).await;
    let submission = presented.submission.to_string();
    let key = SigningKey::generate(KeyKind::P256).unwrap();
    let now = served.node.now();
    let request = form(&presented, &submission, &client);

    let first = post_form(
        &served.public,
        "/oauth2/verifier/token",
        &request,
        &[("DPoP", &proof(&key, "POST", &endpoint, now, "n1"))],
    )
    .await;
    assert_eq!(first.status, StatusCode::BAD_REQUEST);
    assert_eq!(first.body["error"], "use_dpop_nonce");
    let nonce = first.headers["dpop-nonce"].to_str().unwrap().to_owned();

    let with_nonce = |jti: &str, nonce: &str| {
        dpop::create(
            &key,
            &ProofClaims {
                jti,
                htm: "POST",
                htu: &endpoint,
                iat: now,
                ath: None,
                nonce: Some(nonce),
            },
        )
        .unwrap()
    };
    let made_up = post_form(
        &served.public,
        "/oauth2/verifier/token",
        &request,
        &[("DPoP", &with_nonce("n2", "made-up"))],
    )
    .await;
    assert_eq!(made_up.body["error"], "use_dpop_nonce");
    let granted = post_form(
        &served.public,
        "/oauth2/verifier/token",
        &request,
        &[("DPoP", &with_nonce("n3", &nonce))],
    )
    .await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);
    assert!(granted.headers.contains_key("dpop-nonce"));

    // The client learns the nonce from the first refusal and retries once.
    let (status, token) = request_token(
        &served,
        "client",
        json!({"authorization_server": issuer, "scope": SCOPE}),
        true,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{token}");
    assert_eq!(token["token_type"], "DPoP");
}

/// A client that is not a node: a did:jwk holder whose presentations the test signs itself, so
/// that each claim can be left out or bent (s2s-token.md A9–A16, A24, H16, H7 for a DID client).
#[tokio::test]
async fn presentation_claims_of_a_did_jwk_client() {
    use jose::jwt::{Audience, Claims};
    let served = served(|_, _| {}).await;
    organizations(&served).await;
    let issuer_did = served
        .node
        .subjects
        .active("issuer")
        .await
        .unwrap()
        .did
        .to_string();
    let holder_key = SigningKey::generate(KeyKind::P256).unwrap();
    let holder = did::methods::jwk::did_for(holder_key.public_jwk())
        .unwrap()
        .to_string();
    let other_key = SigningKey::generate(KeyKind::P256).unwrap();
    let other = did::methods::jwk::did_for(other_key.public_jwk())
        .unwrap()
        .to_string();
    let issue = |subject: String| {
        let api = served.api.clone();
        let issuer_did = issuer_did.clone();
        async move {
            let (status, vc, _) = call(
                &api,
                Method::POST,
                "/internal/vcr/v2/issuer/vc",
                Some(json!({
                    "@context": ["https://www.w3.org/2018/credentials/v1", "https://nuts.nl/credentials/v1"],
                    "type": ["VerifiableCredential", "NutsOrganizationCredential"],
                    "issuer": issuer_did,
                    "expirationDate": "2099-01-01T00:00:00Z",
                    "credentialSubject": {"id": subject, "organization": {"name": "Apotheek", "city": "Loadtown"}},
                    "format": "jwt_vc"
                })),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{vc}");
            vc
        }
    };
    let credential = issue(holder.clone()).await;
    let others_credential = issue(other.clone()).await;
    let audience = format!("{}/oauth2/verifier", served.base);
    let now = served.node.now();
    let claims = |nonce: &str, credential: &Value| {
        vc::jwt::presentation_claims(
            &vc::Presentation::new(&holder, vec![credential.clone()]),
            &vc::jwt::PresentationParameters {
                audience: Some(audience.clone()),
                nonce: Some(nonce.to_owned()),
                jti: Some(nonce.to_owned()),
                issued_at: now,
                expires: Some(now + 5),
            },
        )
        .unwrap()
    };
    let sign = |claims: &Claims, key: &SigningKey, did: &str| {
        let mut header = jose::jws::Header::new(key.algorithm());
        header.kid = Some(format!("{did}#0"));
        header.typ = Some("JWT".into());
        jose::jwt::sign(header, claims, key).unwrap()
    };
    let submission = json!({"id": "s", "definition_id": "pd_eoverdracht", "descriptor_map": [
        {"id": "organization_credential", "format": "jwt_vc", "path": "$.verifiableCredential"}]})
    .to_string();
    let array_submission = json!({"id": "s", "definition_id": "pd_eoverdracht", "descriptor_map": [
        {"id": "organization_credential", "format": "jwt_vp", "path": "$[0]",
         "path_nested": {"id": "organization_credential", "format": "jwt_vc", "path": "$.verifiableCredential"}}]})
    .to_string();
    let send = |assertion: String, submission: String, client_id: String| {
        let public = served.public.clone();
        async move {
            post_form(
                &public,
                "/oauth2/verifier/token",
                &[
                    ("grant_type", "vp_token-bearer"),
                    ("assertion", &assertion),
                    ("presentation_submission", &submission),
                    ("scope", SCOPE),
                    ("client_id", &client_id),
                ],
                &[],
            )
            .await
        }
    };

    let mut no_exp = claims("a9", &credential);
    no_exp.exp = None;
    let mut no_start = claims("a10", &credential);
    no_start.nbf = None;
    no_start.iat = None;
    let mut exactly_five = claims("five", &credential);
    exactly_five.nbf = None;
    let mut expired = claims("h16", &credential);
    expired.iat = Some(now - 120);
    expired.nbf = Some(now - 120);
    expired.exp = Some(now - 116);
    // Signed by the wrong key and for another audience: refused for the audience, before any
    // signature check (nuts-node's order; no verification work for a hopeless request).
    let mut forged_elsewhere = claims("forged", &credential);
    forged_elsewhere.aud = Some(Audience::One("https://elsewhere.example".into()));
    let mut overflow = claims("a11-overflow", &credential);
    overflow.iat = None;
    overflow.nbf = Some(i64::MIN);
    overflow.exp = Some(i64::MAX);
    let mut nonce_not_string = claims("a24", &credential);
    nonce_not_string.other.insert("nonce".into(), json!(true));
    let mut audience_array = claims("a16", &credential);
    audience_array.aud = Some(Audience::Many(vec![
        "https://x.example".into(),
        audience.clone(),
    ]));
    let mut trailing_slash = claims("a16b", &credential);
    trailing_slash.aud = Some(Audience::One(format!("{audience}/")));
    let mut not_subject = claims("a14", &others_credential);
    not_subject.iss = Some(holder.clone());
    let second = {
        let mut c = claims("a12-2", &others_credential);
        c.iss = Some(other.clone());
        c.sub = Some(other.clone());
        c.other.insert(
            "vp".into(),
            serde_json::to_value(vc::Presentation::new(
                &other,
                vec![others_credential.clone()],
            ))
            .unwrap(),
        );
        sign(&c, &other_key, &other)
    };

    let cases: Vec<(&str, String, String, String, Option<&str>)> = vec![
        (
            "A9",
            sign(&no_exp, &holder_key, &holder),
            submission.clone(),
            holder.clone(),
            Some("presentation is missing creation or expiration date"),
        ),
        (
            "A10",
            sign(&no_start, &holder_key, &holder),
            submission.clone(),
            holder.clone(),
            Some("presentation is missing creation or expiration date"),
        ),
        (
            "H16",
            sign(&expired, &holder_key, &holder),
            submission.clone(),
            holder.clone(),
            Some("verification failed"),
        ),
        (
            "cheap checks first",
            sign(&forged_elsewhere, &other_key, &holder),
            submission.clone(),
            holder.clone(),
            Some("presentation audience/domain is missing or does not match"),
        ),
        (
            "A11 overflow",
            sign(&overflow, &holder_key, &holder),
            submission.clone(),
            holder.clone(),
            Some("presentation is valid for too long"),
        ),
        (
            "A24",
            sign(&nonce_not_string, &holder_key, &holder),
            submission.clone(),
            holder.clone(),
            Some("presentation has invalid/missing nonce"),
        ),
        (
            "A16 exact",
            sign(&trailing_slash, &holder_key, &holder),
            submission.clone(),
            holder.clone(),
            Some("presentation audience/domain is missing or does not match"),
        ),
        (
            "A14",
            sign(&not_subject, &holder_key, &holder),
            submission.clone(),
            holder.clone(),
            Some("verification failed"),
        ),
        (
            "A12",
            serde_json::to_string(&json!([
                sign(&claims("a12-1", &credential), &holder_key, &holder),
                second
            ]))
            .unwrap(),
            array_submission.clone(),
            holder.clone(),
            Some("not all presentations have the same credential subject ID"),
        ),
        (
            "H7 other DID",
            sign(&claims("h7", &credential), &holder_key, &holder),
            submission.clone(),
            other.clone(),
            Some("client_id does not match presentation signer"),
        ),
        (
            "A11 exactly 5 s",
            sign(&exactly_five, &holder_key, &holder),
            submission.clone(),
            holder.clone(),
            None,
        ),
        (
            "A16 array",
            sign(&audience_array, &holder_key, &holder),
            submission.clone(),
            holder.clone(),
            None,
        ),
        (
            "envelope of one",
            serde_json::to_string(&json!([sign(
                &claims("env", &credential),
                &holder_key,
                &holder
            )]))
            .unwrap(),
            array_submission.clone(),
            holder.clone(),
            None,
        ),
    ];
    for (row, assertion, submission, client_id, refusal) in cases {
        let answer = send(assertion, submission, client_id).await;
        match refusal {
            None => assert_eq!(answer.status, StatusCode::OK, "{row}: {}", answer.body),
            Some(description) => {
                assert_eq!(
                    answer.body["error"], "invalid_request",
                    "{row}: {}",
                    answer.body
                );
                let text = answer.body["error_description"].as_str().unwrap();
                assert!(text.contains(description), "{row}: {text}");
            }
        }
    }
}

/// I6: a token record the store cannot read fails introspection closed.
#[tokio::test]
async fn an_unreadable_token_record_is_a_server_error_not_inactive() {
    let served = served(|_, _| {}).await;
    served
        .node
        .sessions
        .put(
            &hazel::tokens::token_key("corrupt"),
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

/// nuts-node signs its entity statement with typ `JWT` (its JWT library's default) and lists
/// keys without `alg`; such a statement verifies. One signed by a key outside its jwks does not.
#[test]
fn nuts_shaped_entity_statements_verify() {
    let key = SigningKey::generate(KeyKind::P256).unwrap();
    let intruder = SigningKey::generate(KeyKind::P256).unwrap();
    let kid = "did:web:nuts.example:iam:1#key-1";
    let identifier = "https://nuts.example/oauth2/clinic";
    let mut jwk = key.public_jwk().to_json();
    jwk["kid"] = json!(kid);
    jwk.as_object_mut().unwrap().remove("alg");
    let claims = json!({"iss": identifier, "sub": identifier, "iat": 1000, "exp": 4600,
                        "jwks": {"keys": [jwk]}, "metadata": {}});
    let sign = |signer: &SigningKey, typ: Option<&str>| {
        let mut header = jose::jws::Header::new(signer.algorithm());
        header.kid = Some(kid.into());
        header.typ = typ.map(str::to_owned);
        jose::jws::sign(header, claims.to_string().as_bytes(), signer).unwrap()
    };
    for typ in [Some("JWT"), None, Some("entity-statement+jwt")] {
        let statement =
            hazel::authserver::entity::verify(&sign(&key, typ), identifier, 2000, 5).unwrap();
        assert_eq!(
            statement.keys,
            vec![(kid.to_owned(), key.public_jwk().thumbprint())]
        );
    }
    assert!(
        hazel::authserver::entity::verify(&sign(&key, Some("dpop+jwt")), identifier, 2000, 5)
            .is_err()
    );
    assert!(
        hazel::authserver::entity::verify(&sign(&intruder, Some("JWT")), identifier, 2000, 5)
            .is_err()
    );
}

/// I12/I12b: a definition whose field id is an introspection member is refused when the
/// policy loads, naming the field.
#[test]
fn reserved_field_ids_are_refused_when_policies_load() {
    for reserved in hazel::policy::RESERVED_CLAIMS {
        let document = json!({"scope": {"organization": {
            "id": "pd",
            "input_descriptors": [{"id": "o", "constraints": {"fields": [
                {"id": reserved, "path": ["$.issuer"]}
            ]}}]
        }}});
        let error = hazel::policy::parse_mapping("policy.json", &document).unwrap_err();
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
    assert!(hazel::policy::parse_mapping("policy.json", &fine).is_ok());
}

/// The grant with JSON-LD, as Nuts nodes send it: an `ldp_vp` (challenge = nonce, domain =
/// audience) of an `ldp_vc`.
#[tokio::test]
async fn s2s_accepts_an_ldp_vp_of_an_ldp_vc() {
    let served = served(|_, _| {}).await;
    let issuer_did = subject(&served.api, "issuer").await;
    subject(&served.api, "verifier").await;
    let client = subject(&served.api, "client").await;
    let (status, vc, _) = call(
        &served.api,
        Method::POST,
        "/internal/vcr/v2/issuer/vc",
        Some(json!({
            "@context": ["https://www.w3.org/2018/credentials/v1", "https://nuts.nl/credentials/v1"],
            "type": ["VerifiableCredential", "NutsOrganizationCredential"],
            "issuer": issuer_did,
            "expirationDate": "2099-01-01T00:00:00Z",
            "credentialSubject": {"id": client, "organization": {"name": "Zorggroep", "city": "Amandelmere"}}
        })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{vc}");
    assert_eq!(vc["proof"]["type"], "JsonWebSignature2020");
    let (status, body, _) = call(
        &served.api,
        Method::POST,
        "/internal/vcr/v2/holder/client/vc",
        Some(vc.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    let issuer = format!("{}/oauth2/verifier", served.base);
    let node = &served.node;
    let ldp_vp = |audience: String, nonce: &'static str| {
        node.credentials.create_presentation(
            PresentationRequest {
                signer: Some(client.clone()),
                credentials: vec![vc.clone()],
                audience: Some(audience),
                nonce: Some(nonce.to_owned()),
                expires: Some(node.now() + 5),
                format: vc::Format::LdpVp,
            },
            node.now(),
        )
    };
    let submission = json!({
        "id": "submission",
        "definition_id": "pd_eoverdracht",
        "descriptor_map": [{"id": "organization_credential", "format": "ldp_vc", "path": "$.verifiableCredential"}]
    })
    .to_string();
    let grant = |vp: &Value| Presented {
        assertion: vp.to_string(),
        submission: Value::Null,
    };

    let vp = ldp_vp(issuer.clone(), "ld-nonce-1").await.unwrap();
    assert_eq!(vp["proof"]["challenge"], "ld-nonce-1");
    let presented = grant(&vp);
    let answer = post_form(
        &served.public,
        "/oauth2/verifier/token",
        &form(&presented, &submission, &client),
        &[],
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["token_type"], "Bearer");
    let token = answer.body["access_token"].as_str().unwrap().to_owned();
    let introspected = introspect(&served, &token, true).await;
    assert_eq!(introspected["active"], true);
    assert_eq!(introspected["client_id"], client.as_str());
    assert_eq!(introspected["organization_name"], "Zorggroep");
    assert_eq!(introspected["vps"], json!([vp]));

    // The same presentation again: its challenge is a used nonce.
    let answer = post_form(
        &served.public,
        "/oauth2/verifier/token",
        &form(&presented, &submission, &client),
        &[],
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer.body["error_description"],
        "presentation nonce has already been used"
    );

    // For another authorization server: the domain does not match.
    let elsewhere = grant(
        &ldp_vp(format!("{}/oauth2/client", served.base), "ld-nonce-2")
            .await
            .unwrap(),
    );
    let answer = post_form(
        &served.public,
        "/oauth2/verifier/token",
        &form(&elsewhere, &submission, &client),
        &[],
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.body["error"], "invalid_request");
    assert_eq!(
        answer.body["error_description"],
        "presentation audience/domain is missing or does not match"
    );

    // A claim changed after signing fails verification.
    let mut tampered = ldp_vp(issuer.clone(), "ld-nonce-3").await.unwrap();
    tampered["verifiableCredential"]["credentialSubject"]["organization"]["name"] =
        json!("Someone else");
    let answer = post_form(
        &served.public,
        "/oauth2/verifier/token",
        &form(&grant(&tampered), &submission, &client),
        &[],
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(
        answer.body["error_description"]
            .as_str()
            .unwrap()
            .contains("verification failed"),
        "{}",
        answer.body
    );
}

/// The client flow with a JSON-LD credential in the wallet: it is presented (inside the client's
/// presentation) and the token carries its claims.
#[tokio::test]
async fn client_presents_a_json_ld_credential_from_its_wallet() {
    let served = served(|_, _| {}).await;
    organizations_with(&served, "ldp_vc").await;
    let authorization_server = format!("{}/oauth2/verifier", served.base);
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
