//! Scope → Presentation Definition: the policy directory, a policy backend started by the test,
//! scope policies, and `GET /oauth2/{subject}/presentation_definition`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use hazel::http::public_router;
use hazel::node::Node;
use hazel::services::policy::{PolicyDirectory, PolicyError};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::support;

fn vectors(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/vectors")
        .join(path)
}

/// A temporary directory holding copies of the given vector files (the vectors stay untouched).
fn directory_with(files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (i, file) in files.iter().enumerate() {
        let name = format!(
            "{i}-{}",
            Path::new(file).file_name().unwrap().to_string_lossy()
        );
        std::fs::copy(vectors(file), dir.path().join(name)).unwrap();
    }
    dir
}

fn load_error(dir: &Path) -> String {
    match PolicyDirectory::load(dir) {
        Err(PolicyError::Invalid {
            source_name,
            reason,
        }) => format!("{source_name}: {reason}"),
        other => panic!("expected an invalid policy, got {other:?}"),
    }
}

#[test]
fn nuts_node_policy_files_load_and_two_files_combine() {
    let dir = directory_with(&[
        "nuts-node/policy/test/2_files/1and2.json",
        "nuts-node/policy/test/2_files/3.json",
    ]);
    std::fs::write(dir.path().join("README.txt"), "not a policy").unwrap();
    let loaded = PolicyDirectory::load(dir.path()).unwrap();
    assert!(
        loaded.scopes().count() >= 3,
        "{:?}",
        loaded.scopes().collect::<Vec<_>>()
    );

    for file in [
        "nuts-node/policy/test/definition_mapping.json",
        "nuts-node/e2e-tests/oauth-flow/rfc021/node-A/presentationexchangemapping.json",
        "nuts-node-master/policy/test/scope_policy/dynamic.json",
        "nuts-node-master/policy/test/scope_policy/passthrough.json",
        "nuts-node-master/policy/test/service_provider/with_org_sp_user.json",
    ] {
        let dir = directory_with(&[file]);
        PolicyDirectory::load(dir.path()).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
}

#[test]
fn duplicate_scopes_across_files_name_both_files() {
    let dir = directory_with(&[
        "nuts-node/policy/test/2_files_duplicate/1.json",
        "nuts-node/policy/test/2_files_duplicate/2.json",
    ]);
    let error = load_error(dir.path());
    assert!(
        error.contains("1-2.json") && error.contains("0-1.json"),
        "{error}"
    );
    assert!(error.contains("already defined"), "{error}");
}

#[test]
fn invalid_definitions_and_broken_files_name_the_file_and_the_reason() {
    for (file, needle) in [
        (
            "nuts-node/policy/test/invalid/invalid_definition_mapping.json",
            "input_descriptors",
        ),
        (
            "nuts-node-master/policy/test/invalid/no_pds.json",
            "no presentation definition",
        ),
        (
            "nuts-node-master/policy/test/scope_policy_invalid/invalid.json",
            "scope_policy",
        ),
    ] {
        let dir = directory_with(&[file]);
        let error = load_error(dir.path());
        assert!(error.contains(needle), "{file}: {error}");
        assert!(error.contains(".json"), "{error}");
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("broken.json"), "{ not json").unwrap();
    let error = load_error(dir.path());
    assert!(
        error.contains("broken.json") && error.contains("not valid JSON"),
        "{error}"
    );
}

#[test]
fn a_broken_policy_directory_stops_the_server_start_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let policies = dir.path().join("policies");
    std::fs::create_dir(&policies).unwrap();
    std::fs::write(
        policies.join("bad.json"),
        r#"{"s": {"organization": {"id": "x"}}}"#,
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_hazel"))
        .env_clear()
        .current_dir(dir.path())
        .args([
            "server",
            "--http.public.address",
            "127.0.0.1:0",
            "--http.internal.address",
            "127.0.0.1:0",
        ])
        .arg("--policy.directory")
        .arg(&policies)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(
        log.contains("bad.json") && log.contains("policy.directory"),
        "{log}"
    );
}

async fn node_with_policy(
    directory: Option<&Path>,
    address: Option<String>,
) -> (Node, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = support::config_in(dir.path());
    config.policy.directory = directory.map(Path::to_path_buf);
    config.policy.address = address;
    config.http.client.timeout = Duration::from_secs(1);
    let node = Node::open(config).await.unwrap();
    node.subjects()
        .create(Some("verifier".into()), false, 1)
        .await
        .unwrap();
    (node, dir)
}

async fn get_pd(node: &Node, query: &str) -> (StatusCode, Value, Option<String>) {
    let request = Request::get(format!("/oauth2/verifier/presentation_definition{query}"))
        .body(Body::empty())
        .unwrap();
    let response = public_router(node).oneshot(request).await.unwrap();
    let status = response.status();
    let cache = response
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
        cache,
    )
}

fn policy_file(dir: &Path) {
    std::fs::write(
        dir.join("policy.json"),
        json!({
            "eOverdracht-sender": {
                "organization": {"id": "pd_org", "input_descriptors": [{"id": "org", "constraints": {"fields": [
                    {"path": ["$.type"], "filter": {"type": "string", "const": "NutsOrganizationCredential"}}]}}]},
                "user": {"id": "pd_user", "input_descriptors": [{"id": "emp", "constraints": {"fields": [
                    {"path": ["$.type"], "filter": {"type": "string", "const": "EmployeeCredential"}}]}}]}
            },
            "bgz": {
                "organization": {"id": "pd_bgz", "input_descriptors": [{"id": "org", "constraints": {"fields": [
                    {"path": ["$.type"], "filter": {"type": "string", "const": "NutsOrganizationCredential"}}]}}]},
                "scope_policy": "passthrough"
            },
            "dyn": {
                "organization": {"id": "pd_dyn", "input_descriptors": []},
                "scope_policy": "dynamic"
            }
        })
        .to_string(),
    )
    .unwrap();
}

#[tokio::test]
async fn presentation_definition_endpoint_answers_as_nuts_node_and_refuses_clearly() {
    let policies = tempfile::tempdir().unwrap();
    policy_file(policies.path());
    let (node, _dir) = node_with_policy(Some(policies.path()), None).await;

    let (status, pd, cache) = get_pd(&node, "?scope=eOverdracht-sender").await;
    assert_eq!(status, StatusCode::OK, "{pd}");
    assert_eq!(pd["id"], "pd_org");
    assert_eq!(cache.as_deref(), Some("max-age=300"));
    assert_eq!(
        get_pd(&node, "?scope=eOverdracht-sender&wallet_owner_type=user")
            .await
            .1["id"],
        "pd_user"
    );

    for (query, code, needle) in [
        (
            "?scope=bgz&wallet_owner_type=user",
            "invalid_request",
            "no presentation definition found for 'user' wallet",
        ),
        (
            "?scope=eOverdracht-sender&wallet_owner_type=robot",
            "invalid_request",
            "'robot' wallet",
        ),
        ("?scope=everything", "invalid_scope", "unsupported scope"),
        ("", "invalid_request", "scope is required"),
        ("?scope=", "invalid_scope", "empty"),
        ("?scope=a&scope=b", "invalid_request", "more than once"),
        (
            "?scope=eOverdracht-sender%20patient/Observation.read",
            "invalid_scope",
            "profile-only",
        ),
        (
            "?scope=eOverdracht-sender%20bgz",
            "invalid_scope",
            "several",
        ),
        (
            "?scope=dyn%20patient/*.rs",
            "invalid_scope",
            "authorization policy",
        ),
    ] {
        let (status, error, _) = get_pd(&node, query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {error}");
        assert_eq!(error["error"], code, "{query}: {error}");
        assert!(
            error["error_description"]
                .as_str()
                .unwrap()
                .contains(needle),
            "{query}: {error}"
        );
    }

    let (status, pd, _) = get_pd(&node, "?scope=bgz%20patient/Observation.read").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "passthrough allows extra scopes: {pd}"
    );
    assert_eq!(pd["id"], "pd_bgz");

    let request = Request::get("/oauth2/nobody/presentation_definition?scope=bgz")
        .body(Body::empty())
        .unwrap();
    let response = public_router(&node).oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value =
        serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(
        body,
        json!({"error": "invalid_request", "error_description": "subject not found"})
    );
}

struct Backend {
    hits: AtomicUsize,
}

async fn start_backend() -> (String, Arc<Backend>) {
    let backend = Arc::new(Backend {
        hits: AtomicUsize::new(0),
    });
    let state = backend.clone();
    let router = Router::new().route(
        "/policy/presentation_definitions",
        get(
            move |axum::extract::Query(query): axum::extract::Query<
                std::collections::HashMap<String, String>,
            >| {
                let state = state.clone();
                async move {
                    state.hits.fetch_add(1, Ordering::SeqCst);
                    assert!(
                        query
                            .get("authorizer")
                            .is_some_and(|a| a.starts_with("did:web:"))
                    );
                    match query.get("scope").map(String::as_str) {
                        Some("remote-scope") => (
                            StatusCode::OK,
                            json!({"organization": {"id": "pd_remote", "input_descriptors": []}})
                                .to_string(),
                        ),
                        Some("slow") => {
                            tokio::time::sleep(Duration::from_secs(3)).await;
                            (StatusCode::OK, "{}".to_owned())
                        }
                        Some("garbage") => (StatusCode::OK, "[1, 2".to_owned()),
                        Some("broken") => (StatusCode::INTERNAL_SERVER_ERROR, "boom".to_owned()),
                        _ => (StatusCode::CREATED, String::new()),
                    }
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{address}/policy"), backend)
}

#[tokio::test]
async fn policy_backend_answers_are_cached_and_failures_are_server_errors() {
    let (address, backend) = start_backend().await;
    let (node, _dir) = node_with_policy(None, Some(address)).await;

    let (status, pd, _) = get_pd(&node, "?scope=remote-scope").await;
    assert_eq!(status, StatusCode::OK, "{pd}");
    assert_eq!(pd["id"], "pd_remote");
    get_pd(&node, "?scope=remote-scope").await;
    assert_eq!(
        backend.hits.load(Ordering::SeqCst),
        1,
        "the second answer comes from the cache"
    );

    let (status, error, _) = get_pd(&node, "?scope=unknown").await;
    assert_eq!(
        (status, error["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_scope"))
    );

    for scope in ["slow", "garbage", "broken"] {
        let (status, error, _) = get_pd(&node, &format!("?scope={scope}")).await;
        assert_eq!(
            status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{scope}: {error}"
        );
        assert_eq!(error["error"], "server_error");
        assert!(
            !error.to_string().contains("boom"),
            "the backend's body is not passed on"
        );
    }
    let metrics = node.runtime().metrics.render().unwrap();
    let line = |outcome: &str| {
        metrics
            .lines()
            .find(|l| {
                l.starts_with("hazel_policy_backend_requests_total")
                    && l.contains(&format!("outcome=\"{outcome}\""))
            })
            .map(str::to_owned)
    };
    assert!(
        line("error").is_some_and(|l| l.ends_with(" 3")),
        "{metrics}"
    );
    assert!(
        line("cached").is_some_and(|l| l.ends_with(" 1")),
        "{metrics}"
    );
}

/// Defect of a8a2f86: the backend's answers were cached in a map keyed by the scope a client
/// sends, without a bound, so made-up scopes grew the node's memory without limit. The cache
/// now holds at most `PolicyBackend`'s bound, and says so in the metrics.
#[tokio::test]
async fn regression_15_made_up_scopes_do_not_grow_the_backend_cache() {
    let (address, backend) = start_backend().await;
    let (node, _dir) = node_with_policy(None, Some(address)).await;
    let bound = hazel::services::policy::BACKEND_CACHE_ENTRIES;
    for i in 0..bound + 100 {
        let (status, _, _) = get_pd(&node, &format!("?scope=made-up-{i}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    assert_eq!(backend.hits.load(Ordering::SeqCst), bound + 100);
    let metrics = node.runtime().metrics.render().unwrap();
    let reading = |name: &str| -> u64 {
        metrics
            .lines()
            .find(|l| l.starts_with(name) && l.contains("cache=\"policy_backend\""))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} missing: {metrics}"))
    };
    let entries = reading("hazel_cache_entries");
    assert!(entries <= bound as u64, "{entries} entries");
    assert!(reading("hazel_cache_evictions_total") >= 100);
    assert_eq!(
        reading("hazel_cache_insertions_total"),
        (bound + 100) as u64
    );
}

#[tokio::test]
async fn without_a_policy_every_scope_is_unsupported() {
    let (node, _dir) = node_with_policy(None, None).await;
    let (status, error, _) = get_pd(&node, "?scope=anything").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["error"], "invalid_scope");
}
