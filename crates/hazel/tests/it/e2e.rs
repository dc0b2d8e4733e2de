//! Two Hazel nodes as separate processes, talking over HTTP as two organizations would: node B
//! (the hospital, the authorization server) issues an organization credential to node A's clinic;
//! A's EHR obtains a DPoP-bound token at B through its own node, and B's resource server
//! introspects it and validates a DPoP proof. Run on SQLite with in-memory sessions and on
//! PostgreSQL with Redis. Refusals: wrong scope, missing credential, replayed presentation, wrong
//! DPoP `htu`.

use std::path::Path;

use jose::{KeyKind, SigningKey};
use oauth::dpop::{self, ProofClaims};
use serde_json::{Value, json};

use crate::cli::{Running, start_on, terminate};
use crate::support;

struct Peer {
    running: Running,
    public: String,
    internal: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_peer(dir: &Path, storage: &[String]) -> Peer {
    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    let policies = dir.join("policies");
    std::fs::create_dir_all(&policies).unwrap();
    std::fs::write(policies.join("s2s.json"), crate::s2s::policy().to_string()).unwrap();
    let mut args: Vec<String> = vec![
        "--url".into(),
        public.clone(),
        "--strictmode".into(),
        "false".into(),
        "--policy.directory".into(),
        policies.display().to_string(),
    ];
    args.extend(storage.iter().cloned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let running = start_on(dir, &format!("127.0.0.1:{port}"), &args);
    let internal = format!("http://{}", running.internal);
    Peer {
        running,
        public,
        internal,
    }
}

async fn send(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = client.request(method, url);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn form(
    client: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
    dpop: Option<&str>,
) -> (u16, Value) {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let mut request = client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some(dpop) = dpop {
        request = request.header("DPoP", dpop);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn subject(client: &reqwest::Client, peer: &Peer, id: &str) -> String {
    let (status, created) = send(
        client,
        reqwest::Method::POST,
        &format!("{}/internal/vdr/v2/subject", peer.internal),
        Some(json!({"subject": id})),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    created["documents"][0]["id"].as_str().unwrap().to_owned()
}

#[allow(clippy::disallowed_methods)] // the test's own clock, for a presentation's expiry
fn in_seconds(seconds: i64) -> String {
    let at = time::OffsetDateTime::now_utc() + time::Duration::seconds(seconds);
    at.replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

async fn flow(a: &Peer, b: &Peer) {
    let http = reqwest::Client::new();
    let clinic = subject(&http, a, "clinic").await;
    subject(&http, a, "no-credentials").await;
    let hospital = subject(&http, b, "hospital").await;

    // B issues, A verifies it (resolving B's did:web over HTTP) and stores it.
    let (status, credential) = send(
        &http,
        reqwest::Method::POST,
        &format!("{}/internal/vcr/v2/issuer/vc", b.internal),
        Some(json!({
            "@context": ["https://www.w3.org/2018/credentials/v1", "https://nuts.nl/credentials/v1"],
            "type": ["VerifiableCredential", "NutsOrganizationCredential"],
            "issuer": hospital,
            "expirationDate": "2099-01-01T00:00:00Z",
            "credentialSubject": {"id": clinic, "organization": {"name": "Huisartsenpraktijk", "city": "Amandelmere"}},
            "format": "jwt_vc"
        })),
    )
    .await;
    assert_eq!(status, 200, "{credential}");
    let (status, body) = send(
        &http,
        reqwest::Method::POST,
        &format!("{}/internal/vcr/v2/holder/clinic/vc", a.internal),
        Some(credential.clone()),
    )
    .await;
    assert_eq!(status, 204, "{body}");

    // A's EHR asks its node for a token at B.
    let authorization_server = format!("{}/oauth2/hospital", b.public);
    let request =
        |scope: &str| json!({"authorization_server": authorization_server, "scope": scope});
    let token_url = format!(
        "{}/internal/auth/v2/clinic/request-service-access-token",
        a.internal
    );
    let (status, token) = send(
        &http,
        reqwest::Method::POST,
        &token_url,
        Some(request(crate::s2s::SCOPE)),
    )
    .await;
    assert_eq!(status, 200, "{token}");
    assert_eq!(token["token_type"], "DPoP");
    let access_token = token["access_token"].as_str().unwrap();

    // B's resource server introspects: the claims of the definition are there.
    let (status, introspected) = form(
        &http,
        &format!("{}/internal/auth/v2/accesstoken/introspect", b.internal),
        &[("token", access_token)],
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(introspected["active"], true, "{introspected}");
    assert_eq!(introspected["organization_name"], "Huisartsenpraktijk");
    assert_eq!(
        introspected["client_id"],
        format!("{}/oauth2/clinic", a.public)
    );
    let jkt = introspected["cnf"]["jkt"].as_str().unwrap();

    // The EHR makes a resource proof at A; B's resource server validates it.
    let kid = token["dpop_kid"].as_str().unwrap();
    let (status, created) = send(
        &http,
        reqwest::Method::POST,
        &format!(
            "{}/internal/auth/v2/dpop/{}",
            a.internal,
            support::encoded(kid)
        ),
        Some(json!({"htm": "GET", "htu": format!("{}/fhir/Patient", b.public), "token": access_token})),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let (status, verdict) = send(
        &http,
        reqwest::Method::POST,
        &format!("{}/internal/auth/v2/dpop/validate", b.internal),
        Some(json!({"dpop_proof": created["dpop"], "method": "GET",
                    "url": format!("{}/fhir/Patient", b.public), "token": access_token,
                    "thumbprint": jkt})),
    )
    .await;
    assert_eq!((status, verdict), (200, json!({"valid": true})));

    // Wrong scope: B's OAuth error comes back with its code.
    let (status, problem) = send(
        &http,
        reqwest::Method::POST,
        &token_url,
        Some(request("everything")),
    )
    .await;
    assert_eq!(status, 400, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("invalid_scope")
    );
    // Missing credential.
    let (status, problem) = send(
        &http,
        reqwest::Method::POST,
        &format!(
            "{}/internal/auth/v2/no-credentials/request-service-access-token",
            a.internal
        ),
        Some(request(crate::s2s::SCOPE)),
    )
    .await;
    assert_eq!(status, 412, "{problem}");

    // Replayed presentation and wrong DPoP htu, sent to B's token endpoint directly.
    let (status, vp) = send(
        &http,
        reqwest::Method::POST,
        &format!("{}/internal/vcr/v2/holder/vp", a.internal),
        Some(
            json!({"verifiableCredentials": [credential], "signerDID": clinic,
                    "domain": authorization_server, "challenge": "e2e-nonce",
                    "expires": in_seconds(4), "format": "jwt_vp"}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{vp}");
    let submission = json!({"id": "s", "definition_id": "pd_eoverdracht", "descriptor_map": [
        {"id": "organization_credential", "format": "jwt_vc", "path": "$.verifiableCredential"}]})
    .to_string();
    let endpoint = format!("{authorization_server}/token");
    let params = [
        ("grant_type", "vp_token-bearer"),
        ("assertion", vp.as_str().unwrap()),
        ("presentation_submission", submission.as_str()),
        ("scope", crate::s2s::SCOPE),
        ("client_id", clinic.as_str()),
    ];
    let key = SigningKey::generate(KeyKind::P256).unwrap();
    let proof = |htu: &str, jti: &str, iat: i64| {
        dpop::create(
            &key,
            &ProofClaims {
                jti,
                htm: "POST",
                htu,
                iat,
                ath: None,
                nonce: None,
            },
        )
        .unwrap()
    };
    #[allow(clippy::disallowed_methods)]
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let (status, refused) = form(
        &http,
        &endpoint,
        &params,
        Some(&proof(
            &format!("{}/oauth2/other/token", b.public),
            "j1",
            now,
        )),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(refused["error"], "invalid_dpop_proof", "{refused}");
    let (status, issued) = form(
        &http,
        &endpoint,
        &params,
        Some(&proof(&endpoint, "j2", now)),
    )
    .await;
    assert_eq!(status, 200, "{issued}");
    let (status, replayed) = form(
        &http,
        &endpoint,
        &params,
        Some(&proof(&endpoint, "j3", now)),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        replayed["error_description"],
        "presentation nonce has already been used"
    );
}

fn run(storage_a: &[String], storage_b: &[String]) {
    let dir_a = tempfile::tempdir().unwrap();
    let dir_b = tempfile::tempdir().unwrap();
    let mut a = start_peer(dir_a.path(), storage_a);
    let mut b = start_peer(dir_b.path(), storage_b);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(flow(&a, &b));
    assert!(terminate(&mut a.running).success());
    assert!(terminate(&mut b.running).success());
}

#[test]
fn two_nodes_sqlite_and_memory() {
    run(&[], &[]);
}

#[test]
fn two_nodes_postgres_and_redis() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (Some(pg_a), Some(pg_b), Some(redis)) = runtime.block_on(async {
        (
            support::postgres().await,
            support::postgres().await,
            support::redis().await,
        )
    }) else {
        return;
    };
    let storage = |pg: &support::PostgresSchema, prefix: &str| {
        vec![
            "--storage.sql.connection".to_owned(),
            pg.connection.clone(),
            "--storage.session.redis.address".to_owned(),
            redis.address.expose().to_owned(),
            "--storage.session.redis.database".to_owned(),
            format!("{}-{prefix}", redis.database),
        ]
    };
    run(&storage(&pg_a, "a"), &storage(&pg_b, "b"));
    runtime.block_on(async {
        pg_a.drop().await;
        pg_b.drop().await;
    });
}
