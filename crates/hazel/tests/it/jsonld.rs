//! JSON-LD contexts from configuration: `jsonld.contexts.localmapping` files and
//! `jsonld.contexts.remoteallowlist` URLs fetched at start-up; anything else is refused.

use std::path::Path;

use axum::Router;
use axum::http::{Method, StatusCode};
use hazel::config::Config;
use hazel::http::internal_router;
use hazel::node::Node;
use serde_json::{Value, json};

use crate::support::{self, call, subject};
use crate::vcr::verify_vc;

const RATING_CONTEXT: &str = r#"{"@context": {"rating": "https://example.org/rating#rating"}}"#;

fn rated_credential(issuer: &str, holder: &str, context: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://nuts.nl/credentials/v1", context],
        "type": ["VerifiableCredential", "NutsOrganizationCredential"],
        "issuer": issuer,
        "expirationDate": "2099-01-01T00:00:00Z",
        "credentialSubject": {
            "id": holder,
            "organization": {"name": "Zorggroep", "city": "Amandelmere"},
            "rating": "A"
        }
    })
}

async fn node_with(tweak: impl FnOnce(&mut Config, &Path)) -> (Node, Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = support::config_in(dir.path());
    config.strictmode = false;
    tweak(&mut config, dir.path());
    let node = Node::open(config).await.unwrap();
    let api = internal_router(&node);
    (node, api, dir)
}

/// Issues with `context` and returns the status and body.
async fn issue_with(api: &Router, context: &str) -> (StatusCode, Value) {
    let (status, listed, _) = call(api, Method::GET, "/internal/vdr/v2/subject", None).await;
    assert_eq!(status, StatusCode::OK);
    let (issuer, holder) = match listed.get("issuer").and_then(|dids| dids[0].as_str()) {
        Some(issuer) => (
            issuer.to_owned(),
            listed["holder"][0].as_str().unwrap().to_owned(),
        ),
        None => (subject(api, "issuer").await, subject(api, "holder").await),
    };
    let (status, body, _) = call(
        api,
        Method::POST,
        "/internal/vcr/v2/issuer/vc",
        Some(rated_credential(&issuer, &holder, context)),
    )
    .await;
    (status, body)
}

#[tokio::test]
async fn a_locally_mapped_context_signs_and_verifies() {
    let url = "https://contexts.example/rating/v1";
    let (_node, api, _dir) = node_with(|config, dir| {
        let file = dir.join("rating.jsonld");
        std::fs::write(&file, RATING_CONTEXT).unwrap();
        config
            .jsonld
            .contexts
            .localmapping
            .insert(url.into(), file.display().to_string());
        // nuts-node's own mapping entries name the built-in copies.
        config.jsonld.contexts.localmapping.insert(
            "https://nuts.nl/credentials/v1".into(),
            "assets/contexts/nuts.ldjson".into(),
        );
    })
    .await;
    let (status, vc) = issue_with(&api, url).await;
    assert_eq!(status, StatusCode::OK, "{vc}");
    assert_eq!(vc["credentialSubject"]["rating"], "A");
    let result = verify_vc(&api, &vc).await;
    assert_eq!(result["validity"], true, "{result}");
}

#[tokio::test]
async fn an_unknown_context_is_refused_by_its_url() {
    let (_node, api, _dir) = node_with(|_, _| {}).await;
    let (status, problem) = issue_with(&api, "https://contexts.example/rating/v1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        problem["detail"].as_str().unwrap().contains(
            "JSON-LD context https://contexts.example/rating/v1 is not known to this node"
        ),
        "{problem}"
    );
}

#[tokio::test]
async fn a_broken_mapping_stops_the_start_naming_the_key() {
    for content in [None, Some("{\"name\": \"not a context\"}")] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("context.jsonld");
        if let Some(content) = content {
            std::fs::write(&file, content).unwrap();
        }
        let mut config = support::config_in(dir.path());
        config.jsonld.contexts.localmapping.insert(
            "https://contexts.example/v1".into(),
            file.display().to_string(),
        );
        let error = Node::open(config).await.err().unwrap().to_string();
        assert!(
            error.contains("jsonld.contexts.localmapping https://contexts.example/v1"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn allow_listed_remote_contexts_are_fetched_once_at_start_up() {
    let served = Router::new().route(
        "/rating/v1",
        axum::routing::get(|| async {
            ([("content-type", "application/ld+json")], RATING_CONTEXT)
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(axum::serve(listener, served).into_future());
    let url = format!("http://{address}/rating/v1");
    let unreachable = "http://127.0.0.1:9/rating/v1".to_owned();
    let (_node, api, _dir) = node_with(|config, _| {
        config.jsonld.contexts.remoteallowlist = vec![url.clone(), unreachable.clone()];
    })
    .await;
    // The context server is gone: verification never fetches.
    server.abort();
    let (status, vc) = issue_with(&api, &url).await;
    assert_eq!(status, StatusCode::OK, "{vc}");
    let result = verify_vc(&api, &vc).await;
    assert_eq!(result["validity"], true, "{result}");
    // An allow-listed context that could not be fetched stays unknown.
    let (status, problem) = issue_with(&api, &unreachable).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("is not known"));
}

/// nuts-node serves its StatusList2021Credential as an `ldp_vc`: Hazel verifies that list and
/// reads the bits of credentials it revokes.
#[tokio::test]
async fn a_json_ld_status_list_from_another_issuer_is_verified_and_read() {
    use jose::{KeyKind, Signer, SigningKey};
    use vc::ldp::{ASSERTION_METHOD, LdProcessing, LdProof};

    let contexts = jsonld::Contexts::builtin();
    let ld = LdProcessing::new(&contexts);
    let key = SigningKey::generate(KeyKind::P256).unwrap();
    let issuer = did::methods::jwk::did_for(key.public_jwk())
        .unwrap()
        .to_string();
    let kid = format!("{issuer}#0");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let list_url = format!("http://{}/statuslist/1", listener.local_addr().unwrap());
    let created = vc::model::format_date(1_700_000_000);

    let list = ld
        .sign(
            json!({
                "@context": ["https://www.w3.org/2018/credentials/v1", vc::status::STATUS_LIST_2021_CONTEXT],
                "id": list_url,
                "type": ["VerifiableCredential", "StatusList2021Credential"],
                "issuer": issuer,
                "issuanceDate": created,
                "credentialSubject": {
                    "id": list_url,
                    "type": "StatusList2021",
                    "statusPurpose": "revocation",
                    "encodedList": vc::status::encode(&[7]).unwrap()
                }
            }),
            LdProof::new(&kid, ASSERTION_METHOD, created.clone()),
            &key,
        )
        .unwrap();
    let served = Router::new().route(
        "/statuslist/1",
        axum::routing::get(move || {
            let list = list.clone();
            async move { axum::Json(list) }
        }),
    );
    tokio::spawn(axum::serve(listener, served).into_future());

    let credential_at = |index: u64| {
        ld.sign(
            json!({
                "@context": [
                    "https://www.w3.org/2018/credentials/v1",
                    "https://nuts.nl/credentials/v1",
                    vc::status::STATUS_LIST_2021_CONTEXT
                ],
                "id": format!("{issuer}#credential-{index}"),
                "type": ["VerifiableCredential", "NutsOrganizationCredential"],
                "issuer": issuer,
                "issuanceDate": created,
                "credentialSubject": {"id": "did:web:holder.example", "organization": {"name": "Zorg", "city": "Ede"}},
                "credentialStatus": {
                    "id": format!("{list_url}#{index}"),
                    "type": "StatusList2021Entry",
                    "statusPurpose": "revocation",
                    "statusListIndex": index.to_string(),
                    "statusListCredential": list_url
                }
            }),
            LdProof::new(&kid, ASSERTION_METHOD, created.clone()),
            &key,
        )
        .unwrap()
    };

    let (_node, api, _dir) = node_with(|_, _| {}).await;
    let verify = |credential: Value| {
        let api = api.clone();
        async move { verify_vc(&api, &credential).await }
    };
    let result = verify(credential_at(6)).await;
    assert_eq!(result["validity"], true, "{result}");
    let result = verify(credential_at(7)).await;
    assert_eq!(result["validity"], false, "{result}");
    assert!(
        result["message"].as_str().unwrap().contains("revoked"),
        "{result}"
    );
}

/// JSON-LD expansion recurses per level of nesting: a deeply nested credential with a forged
/// proof (canonicalization comes before the signature check) is refused, and the node lives on.
#[tokio::test]
async fn a_deeply_nested_credential_is_refused_without_harm() {
    use jose::{KeyKind, Signer, SigningKey};

    let key = SigningKey::generate(KeyKind::P256).unwrap();
    let issuer = did::methods::jwk::did_for(key.public_jwk())
        .unwrap()
        .to_string();
    let jws = jose::jws::sign_detached_unencoded(
        jose::jws::Header::new(jose::Algorithm::ES256),
        b"anything",
        &key,
    )
    .unwrap();
    let mut organization = json!({"name": "deep"});
    for _ in 0..100 {
        organization = json!({"name": "level", "organization": organization});
    }
    let credential = json!({
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://nuts.nl/credentials/v1",
                     "https://w3c-ccg.github.io/lds-jws2020/contexts/lds-jws2020-v1.json"],
        "id": format!("{issuer}#deep"),
        "type": ["VerifiableCredential", "NutsOrganizationCredential"],
        "issuer": issuer,
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:web:holder.example", "organization": organization},
        "proof": {
            "type": "JsonWebSignature2020", "created": "2024-01-01T00:00:00Z",
            "proofPurpose": "assertionMethod", "verificationMethod": format!("{issuer}#0"), "jws": jws
        }
    });
    let (_node, api, _dir) = node_with(|_, _| {}).await;
    let result = verify_vc(&api, &credential).await;
    assert_eq!(result["validity"], false);
    assert!(
        result["message"].as_str().unwrap().contains("nested"),
        "{result}"
    );
    let (status, _, _) = call(&api, Method::GET, "/internal/vdr/v2/subject", None).await;
    assert_eq!(status, StatusCode::OK);
}
