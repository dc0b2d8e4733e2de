//! Issuer, wallet, holder and verifier through the internal API, with revocation, on one node and
//! across two.

use axum::Router;
use axum::http::{Method, StatusCode};
use hazel::config::Secret;
use hazel::http::{internal_router, public_router};
use hazel::node::Node;
use serde_json::{Value, json};

use crate::support::{self, call, encoded, subject};

/// The verifier endpoint's answer for a credential (`{"validity": …, "message": …}`).
pub async fn verify_vc(api: &Router, credential: &Value) -> Value {
    verdict(api, "vc", json!({"verifiableCredential": credential})).await
}

/// The verifier endpoint's answer for a presentation.
pub async fn verify_vp(api: &Router, presentation: &Value) -> Value {
    verdict(api, "vp", json!({"verifiablePresentation": presentation})).await
}

async fn verdict(api: &Router, kind: &str, body: Value) -> Value {
    let path = format!("/internal/vcr/v2/verifier/{kind}");
    let (status, result, _) = call(api, Method::POST, &path, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{result}");
    result
}

fn issue_request(issuer: &str, holder: &str, revocable: bool) -> Value {
    json!({
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://nuts.nl/credentials/v1"],
        "type": ["VerifiableCredential", "NutsOrganizationCredential"],
        "issuer": issuer,
        "expirationDate": "2099-01-01T00:00:00Z",
        "credentialSubject": {"id": holder, "organization": {"name": "Zorggroep", "city": "Amandelmere"}},
        "withStatusList2021Revocation": revocable,
        "format": "jwt_vc"
    })
}

fn claims_of(jwt: &Value) -> Value {
    let jwt = jwt.as_str().unwrap();
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&jose::base64url::decode(payload, "payload").unwrap()).unwrap()
}

#[tokio::test]
async fn issue_store_present_verify_then_revoke() {
    let (node, _dir) = support::embedded_node().await;
    let api = internal_router(&node);
    let issuer = subject(&api, "issuer").await;
    let holder = subject(&api, "holder").await;

    let (status, vc, _) = call(
        &api,
        Method::POST,
        "/internal/vcr/v2/issuer/vc",
        Some(issue_request(&issuer, &holder, true)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{vc}");
    let claims = claims_of(&vc);
    assert_eq!(claims["iss"], issuer.as_str());
    assert_eq!(claims["sub"], holder.as_str());
    let entry = &claims["vc"]["credentialStatus"][0];
    assert_eq!(entry["type"], "StatusList2021Entry");
    assert_eq!(entry["statusListIndex"], "0");
    assert_eq!(
        entry["statusListCredential"],
        format!("http://localhost:8080/statuslist/{issuer}/1")
    );
    assert!(
        claims["vc"]["@context"]
            .as_array()
            .unwrap()
            .contains(&json!("https://w3id.org/vc/status-list/2021/v1"))
    );
    let id = claims["jti"].as_str().unwrap().to_owned();

    assert_eq!(
        call(
            &api,
            Method::POST,
            "/internal/vcr/v2/holder/holder/vc",
            Some(vc.clone())
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let (_, wallet, _) = call(&api, Method::GET, "/internal/vcr/v2/holder/holder/vc", None).await;
    assert_eq!(wallet, json!([vc]));
    let (_, found, _) = call(&api, Method::POST, "/internal/vcr/v2/holder/holder/vc/search",
        Some(json!({"query": {"type": "NutsOrganizationCredential", "credentialSubject": {"organization": {"city": "Amandelmere"}}}}))).await;
    assert_eq!(
        found["verifiableCredentials"][0]["verifiableCredential"],
        vc
    );

    let (status, vp, _) = call(
        &api,
        Method::POST,
        "/internal/vcr/v2/holder/vp",
        Some(json!({
            "verifiableCredentials": [vc], "domain": "https://verifier.example/oauth2/x",
            "challenge": "nonce-123", "expires": "2099-01-01T00:00:00Z", "format": "jwt_vp"
        })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{vp}");
    let vp_claims = claims_of(&vp);
    assert_eq!(vp_claims["iss"], holder.as_str());
    assert_eq!(vp_claims["aud"], "https://verifier.example/oauth2/x");
    assert_eq!(vp_claims["nonce"], "nonce-123");
    let result = verify_vp(&api, &vp).await;
    assert_eq!(result["validity"], true, "{result}");
    assert_eq!(result["credentials"], json!([vc]));

    assert_eq!(
        call(
            &api,
            Method::DELETE,
            &format!("/internal/vcr/v2/issuer/vc/{}", encoded(&id)),
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let result = verify_vc(&api, &vc).await;
    assert_eq!(result["validity"], false);
    assert!(
        result["message"].as_str().unwrap().contains("revoked"),
        "{result}"
    );
    let result = verify_vp(&api, &vp).await;
    assert_eq!(result["validity"], false);
    assert!(
        result["message"].as_str().unwrap().contains("revoked"),
        "{result}"
    );
    assert_eq!(
        call(
            &api,
            Method::DELETE,
            &format!("/internal/vcr/v2/issuer/vc/{}", encoded(&id)),
            None
        )
        .await
        .0,
        StatusCode::CONFLICT
    );

    call(
        &api,
        Method::DELETE,
        &format!("/internal/vcr/v2/holder/holder/vc/{}", encoded(&id)),
        None,
    )
    .await;
    let (status, problem, _) = call(
        &api,
        Method::POST,
        "/internal/vcr/v2/holder/holder/vc",
        Some(vc),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        problem["detail"].as_str().unwrap().contains("revoked"),
        "{problem}"
    );
}

/// The same life cycle with JSON-LD: nuts-node's default format, `ldp_vc`, then an `ldp_vp`.
#[tokio::test]
async fn ldp_issue_store_present_verify_then_revoke() {
    let (node, _dir) = support::embedded_node().await;
    let api = internal_router(&node);
    let issuer = subject(&api, "issuer").await;
    let holder = subject(&api, "holder").await;

    let mut request = issue_request(&issuer, &holder, true);
    request.as_object_mut().unwrap().remove("format");
    let (status, vc, _) = call(
        &api,
        Method::POST,
        "/internal/vcr/v2/issuer/vc",
        Some(request),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{vc}");
    assert_eq!(vc["issuer"], issuer.as_str());
    assert_eq!(vc["proof"]["type"], "JsonWebSignature2020");
    assert_eq!(vc["proof"]["proofPurpose"], "assertionMethod");
    assert!(
        vc["proof"]["verificationMethod"]
            .as_str()
            .unwrap()
            .starts_with(&issuer)
    );
    assert_eq!(vc["credentialStatus"][0]["type"], "StatusList2021Entry");
    let contexts = vc["@context"].as_array().unwrap();
    for context in [
        "https://w3id.org/vc/status-list/2021/v1",
        "https://w3c-ccg.github.io/lds-jws2020/contexts/lds-jws2020-v1.json",
    ] {
        assert!(contexts.contains(&json!(context)), "{context}");
    }
    let id = vc["id"].as_str().unwrap().to_owned();

    let result = verify_vc(&api, &vc).await;
    assert_eq!(result["validity"], true, "{result}");
    let mut tampered = vc.clone();
    tampered["credentialSubject"]["organization"]["city"] = json!("Elders");
    let result = verify_vc(&api, &tampered).await;
    assert_eq!(result["validity"], false, "{result}");

    assert_eq!(
        call(
            &api,
            Method::POST,
            "/internal/vcr/v2/holder/holder/vc",
            Some(vc.clone())
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let (_, wallet, _) = call(&api, Method::GET, "/internal/vcr/v2/holder/holder/vc", None).await;
    assert_eq!(wallet, json!([vc]));

    let (status, vp, _) = call(
        &api,
        Method::POST,
        "/internal/vcr/v2/holder/vp",
        Some(json!({
            "verifiableCredentials": [vc], "domain": "https://verifier.example/oauth2/x",
            "challenge": "nonce-123", "expires": "2099-01-01T00:00:00Z"
        })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{vp}");
    assert_eq!(vp["holder"], holder.as_str());
    assert_eq!(vp["proof"]["proofPurpose"], "authentication");
    assert_eq!(vp["proof"]["challenge"], "nonce-123");
    assert_eq!(vp["proof"]["domain"], "https://verifier.example/oauth2/x");
    assert_eq!(vp["verifiableCredential"], vc);
    let result = verify_vp(&api, &vp).await;
    assert_eq!(result["validity"], true, "{result}");
    assert_eq!(result["credentials"], json!([vc]));

    assert_eq!(
        call(
            &api,
            Method::DELETE,
            &format!("/internal/vcr/v2/issuer/vc/{}", encoded(&id)),
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let result = verify_vp(&api, &vp).await;
    assert_eq!(result["validity"], false);
    assert!(
        result["message"].as_str().unwrap().contains("revoked"),
        "{result}"
    );
}

#[tokio::test]
async fn the_served_status_list_is_a_signed_list_with_the_revoked_bit_set() {
    let (node, _dir) = support::embedded_node().await;
    let api = internal_router(&node);
    let public = public_router(&node);
    let issuer = subject(&api, "issuer").await;
    let holder = subject(&api, "holder").await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (_, vc, _) = call(
            &api,
            Method::POST,
            "/internal/vcr/v2/issuer/vc",
            Some(issue_request(&issuer, &holder, true)),
        )
        .await;
        ids.push(claims_of(&vc)["jti"].as_str().unwrap().to_owned());
    }
    call(
        &api,
        Method::DELETE,
        &format!("/internal/vcr/v2/issuer/vc/{}", encoded(&ids[1])),
        None,
    )
    .await;

    let (status, list, _) = call(
        &public,
        Method::GET,
        &format!("/statuslist/{issuer}/1"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let verified = node
        .credentials()
        .verify_credential(&list, node.runtime().clock.now().unix_timestamp())
        .await;
    let credential = verified.unwrap().credential().clone();
    assert!(credential.has_type("StatusList2021Credential"));
    let subject = &credential.credential_subject.as_slice()[0];
    assert_eq!(
        subject["id"],
        format!("http://localhost:8080/statuslist/{issuer}/1")
    );
    let bits = vc::status::decode(subject["encodedList"].as_str().unwrap()).unwrap();
    assert_eq!(bits.len(), 16 * 1024);
    assert_eq!(bits[0], 0b0100_0000, "only index 1 is revoked");

    assert_eq!(
        call(
            &public,
            Method::GET,
            &format!("/statuslist/{issuer}/2"),
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(
            &public,
            Method::GET,
            "/statuslist/did:web:unknown.example/1",
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(
            &public,
            Method::GET,
            &format!("/statuslist/{issuer}/zero"),
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn another_node_checks_revocation_over_http() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let mut config = support::config_in(dir.path());
    config.strictmode = false;
    config.url = format!("http://127.0.0.1:{port}");
    let issuing = Node::open(config).await.unwrap();
    let router = public_router(&issuing);
    tokio::spawn(async move { axum::serve(listener, router).await });
    let api = internal_router(&issuing);
    let issuer = subject(&api, "issuer").await;
    let (_, vc, _) = call(
        &api,
        Method::POST,
        "/internal/vcr/v2/issuer/vc",
        Some(issue_request(&issuer, "did:web:holder.example", true)),
    )
    .await;

    let verifier_node = |_: ()| async {
        let dir = tempfile::tempdir().unwrap();
        let mut config = support::config_in(dir.path());
        config.strictmode = false;
        (Node::open(config).await.unwrap(), dir)
    };
    let (before, _b) = verifier_node(()).await;
    let result = verify_vc(&internal_router(&before), &vc).await;
    assert_eq!(result["validity"], true, "{result}");

    let id = claims_of(&vc)["jti"].as_str().unwrap().to_owned();
    call(
        &api,
        Method::DELETE,
        &format!("/internal/vcr/v2/issuer/vc/{}", encoded(&id)),
        None,
    )
    .await;
    let (after, _c) = verifier_node(()).await;
    let result = verify_vc(&internal_router(&after), &vc).await;
    assert_eq!(result["validity"], false);
    assert!(
        result["message"].as_str().unwrap().contains("revoked"),
        "{result}"
    );
}

#[tokio::test]
async fn refused_issuance_and_wallet_loads_store_nothing() {
    let (node, _dir) = support::embedded_node().await;
    let api = internal_router(&node);
    let issuer = subject(&api, "issuer").await;
    let holder = subject(&api, "holder").await;
    let other = subject(&api, "other").await;

    let mut neither = issue_request(&issuer, &holder, false);
    neither.as_object_mut().unwrap().remove("expirationDate");
    for (request, needle) in [
        (neither, "expirationDate"),
        (
            {
                let mut r = issue_request(&issuer, &holder, true);
                r["format"] = json!("ldp_vp");
                r
            },
            "not a credential format",
        ),
        (
            {
                // Signing an ldp_vc would leave this claim out of the signed data.
                let mut r = issue_request(&issuer, &holder, true);
                r["format"] = json!("ldp_vc");
                r["credentialSubject"]["rating"] = json!("A");
                r
            },
            "term `rating` is not defined",
        ),
        (
            issue_request("did:web:stranger.example", &holder, true),
            "issuer",
        ),
        (
            {
                let mut r = issue_request(&issuer, &holder, true);
                r["publishToNetwork"] = json!(true);
                r
            },
            "publishToNetwork",
        ),
        (
            {
                let mut r = issue_request(&issuer, &holder, true);
                r["expirationDate"] = json!("2001-01-01T00:00:00Z");
                r
            },
            "expirationDate",
        ),
        (json!({"type": "x"}), "invalid request body"),
    ] {
        let (status, problem, _) = call(
            &api,
            Method::POST,
            "/internal/vcr/v2/issuer/vc",
            Some(request),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(needle),
            "{needle}: {problem}"
        );
    }
    let (_, issued, _) = call(
        &api,
        Method::GET,
        &format!(
            "/internal/vcr/v2/issuer/vc/search?credentialType=NutsOrganizationCredential&issuer={}",
            encoded(&issuer)
        ),
        None,
    )
    .await;
    assert_eq!(issued["verifiableCredentials"], json!([]));

    let (_, vc, _) = call(
        &api,
        Method::POST,
        "/internal/vcr/v2/issuer/vc",
        Some(issue_request(&issuer, &other, false)),
    )
    .await;
    let (status, problem, _) = call(
        &api,
        Method::POST,
        "/internal/vcr/v2/holder/holder/vc",
        Some(vc.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        problem["detail"].as_str().unwrap().contains("wallet owner"),
        "{problem}"
    );
    let tampered = {
        let jwt = vc.as_str().unwrap();
        let mut parts: Vec<&str> = jwt.split('.').collect();
        let sig = parts[2].chars().rev().collect::<String>();
        parts[2] = &sig;
        Value::from(parts.join("."))
    };
    let (status, problem, _) = call(
        &api,
        Method::POST,
        "/internal/vcr/v2/holder/other/vc",
        Some(tampered),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(
        call(
            &api,
            Method::POST,
            "/internal/vcr/v2/holder/other/vc",
            Some(json!(12))
        )
        .await
        .0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        call(&api, Method::GET, "/internal/vcr/v2/holder/holder/vc", None)
            .await
            .1,
        json!([])
    );
    assert_eq!(
        call(&api, Method::GET, "/internal/vcr/v2/holder/other/vc", None)
            .await
            .1,
        json!([])
    );
    assert_eq!(
        call(&api, Method::GET, "/internal/vcr/v2/holder/nobody/vc", None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    let id = claims_of(&vc)["jti"].as_str().unwrap().to_owned();
    let (status, problem, _) = call(
        &api,
        Method::DELETE,
        &format!("/internal/vcr/v2/issuer/vc/{}", encoded(&id)),
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "no credentialStatus: {problem}"
    );
    assert_eq!(
        call(
            &api,
            Method::DELETE,
            "/internal/vcr/v2/issuer/vc/urn:nothing",
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(
            &api,
            Method::POST,
            "/internal/vcr/v2/verifier/vp",
            Some(json!({}))
        )
        .await
        .0,
        StatusCode::BAD_REQUEST
    );
}

/// Defect of a8a2f86: what is not a credential at all was answered 200 `{"validity": false}`.
/// nuts-node refuses it with 400; a credential that reads but does not verify stays a verdict.
#[tokio::test]
async fn regression_15_an_unparseable_credential_is_a_400_an_invalid_one_a_verdict() {
    let (node, _dir) = support::embedded_node().await;
    let api = internal_router(&node);
    let issuer = subject(&api, "issuer").await;
    let (_, vc, _) = call(
        &api,
        Method::POST,
        "/internal/vcr/v2/issuer/vc",
        Some(issue_request(&issuer, "did:web:holder.example", false)),
    )
    .await;
    let mut without_context = vc_document();
    without_context.as_object_mut().unwrap().remove("@context");
    for (kind, member, value) in [
        ("vc", "verifiableCredential", json!("not.a.jwt")),
        ("vc", "verifiableCredential", json!("x.y.z")),
        ("vc", "verifiableCredential", without_context),
        ("vc", "verifiableCredential", json!(42)),
        ("vp", "verifiablePresentation", json!("not.a.jwt")),
        ("vp", "verifiablePresentation", json!([vc.clone()])),
    ] {
        let (status, problem, content_type) = call(
            &api,
            Method::POST,
            &format!("/internal/vcr/v2/verifier/{kind}"),
            Some(json!({ member: value })),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{kind} {value}: {problem}");
        assert_eq!(content_type, "application/problem+json");
        assert!(
            problem["title"].as_str().unwrap().ends_with("failed"),
            "{problem}"
        );
    }
    // A credential whose signature is broken reads, and is a verdict.
    let mut tampered = vc.as_str().unwrap().to_owned();
    tampered.replace_range(tampered.len() - 4.., "AAAA");
    let result = verify_vc(&api, &json!(tampered)).await;
    assert_eq!(result["validity"], false);
    assert!(
        result["message"].as_str().unwrap().contains("signature"),
        "{result}"
    );
    assert_eq!(verify_vc(&api, &vc).await["validity"], true);
}

/// A credential document as JSON-LD, without a proof: reads as a credential's structure.
fn vc_document() -> Value {
    json!({
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": "did:web:issuer.example",
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:web:holder.example"},
        "proof": {"type": "JsonWebSignature2020"}
    })
}

async fn concurrent_issuance_and_revocation(node: Node) {
    let api = internal_router(&node);
    let issuers = [
        subject(&api, "issuer-a").await,
        subject(&api, "issuer-b").await,
    ];
    let holder = "did:web:holder.example".to_owned();
    let issue = |issuer: String| {
        let api = api.clone();
        let holder = holder.clone();
        tokio::spawn(async move {
            let (status, vc, _) = call(
                &api,
                Method::POST,
                "/internal/vcr/v2/issuer/vc",
                Some(issue_request(&issuer, &holder, true)),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{vc}");
            claims_of(&vc)
        })
    };
    let tasks: Vec<_> = (0..24).map(|i| issue(issuers[i % 2].clone())).collect();
    let claims: Vec<Value> = futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    for issuer in &issuers {
        let mut indices: Vec<u64> = claims
            .iter()
            .filter(|c| c["iss"] == issuer.as_str())
            .map(|c| {
                c["vc"]["credentialStatus"][0]["statusListIndex"]
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect();
        indices.sort_unstable();
        assert_eq!(
            indices,
            (0..12).collect::<Vec<u64>>(),
            "indices are unique and dense per issuer"
        );
    }
    let revokes: Vec<_> = claims
        .iter()
        .filter(|c| {
            c["vc"]["credentialStatus"][0]["statusListIndex"]
                .as_str()
                .unwrap()
                .parse::<u64>()
                .unwrap()
                % 3
                == 0
        })
        .map(|c| {
            let api = api.clone();
            let id = c["jti"].as_str().unwrap().to_owned();
            tokio::spawn(async move {
                call(
                    &api,
                    Method::DELETE,
                    &format!("/internal/vcr/v2/issuer/vc/{}", encoded(&id)),
                    None,
                )
                .await
                .0
            })
        })
        .collect();
    for status in futures::future::join_all(revokes).await {
        assert_eq!(status.unwrap(), StatusCode::NO_CONTENT);
    }
    for issuer in &issuers {
        let list = node
            .credentials()
            .status_list(issuer, 1, 2_000_000_000)
            .await
            .unwrap();
        let claims = claims_of(&Value::from(list));
        let bits = vc::status::decode(
            claims["vc"]["credentialSubject"]["encodedList"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        let revoked: Vec<u64> = (0..12)
            .filter(|i| vc::status::is_set(&bits, *i).unwrap())
            .collect();
        assert_eq!(revoked, vec![0, 3, 6, 9], "{issuer}");
    }
}

#[tokio::test]
async fn concurrent_issuers_get_unique_indices_and_consistent_lists() {
    let (node, _dir) = support::embedded_node().await;
    concurrent_issuance_and_revocation(node).await;
    if let Some(schema) = support::postgres().await {
        let dir = tempfile::tempdir().unwrap();
        let mut config = support::config_in(dir.path());
        config.storage.sql.connection = Secret::new(schema.connection.clone());
        let node = Node::open(config).await.unwrap();
        concurrent_issuance_and_revocation(node.clone()).await;
        node.runtime().database.close().await;
        schema.drop().await;
    }
}
