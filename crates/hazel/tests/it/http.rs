//! Both listeners driven in-process (tower `oneshot`) and over real sockets.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use hazel::config::Secret;
use hazel::http::{self, Listener, Listeners, internal_router, public_router, with_layers};
use hazel::node::Node;
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::support;

async fn send(
    router: &Router,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, headers, body)
}

fn get_request(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(body)))
}

#[tokio::test]
async fn health_reports_each_component_up() {
    let (node, _dir) = support::embedded_node().await;
    let (status, _, body) = send(&internal_router(&node), get_request("/health")).await;
    assert_eq!(status, StatusCode::OK);
    let body = json(&body);
    assert_eq!(body["status"], "UP");
    assert_eq!(body["details"]["sql"]["status"], "UP");
    assert_eq!(body["details"]["sql"]["details"], "sqlite");
    assert_eq!(body["details"]["sessions"]["status"], "UP");
    assert_eq!(body["details"]["sessions"]["details"], "memory");
}

#[tokio::test]
async fn health_is_503_when_the_database_is_down() {
    let (node, _dir) = support::embedded_node().await;
    node.runtime().database.close().await;
    let (status, _, body) = send(&internal_router(&node), get_request("/health")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let body = json(&body);
    assert_eq!(body["status"], "DOWN");
    assert_eq!(body["details"]["sql"]["status"], "DOWN");
    assert_eq!(body["details"]["sessions"]["status"], "UP");
}

#[tokio::test]
async fn health_covers_postgres_and_redis_when_configured() {
    let (Some(schema), Some(redis)) = (support::postgres().await, support::redis().await) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut config = support::config_in(dir.path());
    config.storage.sql.connection = Secret::new(schema.connection.clone());
    config.storage.session.redis = redis;
    let node = Node::open(config).await.unwrap();
    let (status, _, body) = send(&internal_router(&node), get_request("/health")).await;
    assert_eq!(status, StatusCode::OK);
    let body = json(&body);
    assert_eq!(body["details"]["sql"]["details"], "postgres");
    assert_eq!(body["details"]["sessions"]["details"], "redis");
    node.runtime().database.close().await;
    schema.drop().await;
}

#[tokio::test]
async fn status_is_ok_as_text_and_diagnostics_as_json() {
    let (node, _dir) = support::embedded_node().await;
    let router = internal_router(&node);
    let (status, headers, body) = send(&router, get_request("/status")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(body, b"OK");

    let request = Request::get("/status")
        .header(header::ACCEPT, "application/json")
        .body(Body::empty())
        .unwrap();
    let (_, _, body) = send(&router, request).await;
    let body = json(&body);
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert!(body["uptime_seconds"].is_u64());

    let (status, _, body) = send(&router, get_request("/status/diagnostics")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json(&body)["software"], "hazel");
}

#[tokio::test]
async fn metrics_count_requests_per_route_and_status() {
    let (node, _dir) = support::embedded_node().await;
    let internal = internal_router(&node);
    let public = public_router(&node);
    send(&internal, get_request("/status")).await;
    send(&internal, get_request("/status")).await;
    send(&public, get_request("/no/such/route")).await;
    let (status, headers, body) = send(&internal, get_request("/metrics")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("openmetrics")
    );
    let text = String::from_utf8(body).unwrap();
    let status_line = text
        .lines()
        .find(|line| {
            line.starts_with("hazel_http_requests_total{")
                && line.contains("route=\"/status\"")
                && line.contains("status=\"200\"")
        })
        .unwrap_or_else(|| panic!("no counter for /status in\n{text}"));
    assert!(status_line.ends_with(" 2"), "{status_line}");
    assert!(
        text.lines().any(|line| line.contains("route=\"unmatched\"")
            && line.contains("listener=\"public\"")
            && line.contains("status=\"404\"")),
        "unmatched routes are counted under one label:\n{text}"
    );
    assert!(
        text.contains("hazel_http_request_duration_seconds_bucket{"),
        "{text}"
    );
    assert!(
        !text.contains("/no/such/route"),
        "raw paths never become labels"
    );
}

#[tokio::test]
async fn each_listener_serves_its_openapi_document_and_routes_every_operation() {
    let (node, _dir) = support::embedded_node().await;
    for (router, listener) in [
        (public_router(&node), Listener::Public),
        (internal_router(&node), Listener::Internal),
    ] {
        let (status, headers, body) = send(&router, get_request("/openapi.json")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_TYPE], "application/json");
        let served = json(&body);
        let written: serde_json::Value =
            serde_yaml::from_str(http::openapi::yaml(listener)).unwrap();
        assert_eq!(served, written);
        assert!(served["openapi"].as_str().unwrap().starts_with("3."));
        for (path, operations) in served["paths"].as_object().unwrap() {
            let methods = operations.as_object().unwrap().keys().filter(|key| {
                matches!(
                    key.as_str(),
                    "get" | "put" | "post" | "delete" | "patch" | "head" | "options"
                )
            });
            for method in methods {
                let request = Request::builder()
                    .method(method.to_uppercase().as_str())
                    .uri(path.as_str())
                    .body(Body::empty())
                    .unwrap();
                let (status, _, body) = send(&router, request).await;
                // A handler's own 404 (unknown subject) is titled after its operation; only the
                // fallback answers the bare "Not Found".
                let unrouted = status == StatusCode::METHOD_NOT_ALLOWED
                    || (status == StatusCode::NOT_FOUND && json(&body)["title"] == "Not Found");
                assert!(
                    !unrouted,
                    "{listener:?} documents {method} {path} but answers {status}"
                );
            }
        }
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_problem_details() {
    let (node, _dir) = support::embedded_node().await;
    let (status, headers, body) = send(&public_router(&node), get_request("/nothing")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
    assert_eq!(json(&body)["status"], 404);

    let request = Request::post("/health").body(Body::empty()).unwrap();
    let (status, headers, body) = send(&internal_router(&node), request).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
    assert!(
        headers.contains_key(header::ALLOW),
        "the Allow header survives"
    );
    assert_eq!(json(&body)["status"], 405);
}

#[tokio::test]
async fn request_ids_are_set_kept_or_replaced() {
    let (node, _dir) = support::embedded_node().await;
    let router = internal_router(&node);
    let (_, headers, _) = send(&router, get_request("/status")).await;
    let generated = headers["x-request-id"].to_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&generated).is_ok(), "{generated}");

    let request = Request::get("/status")
        .header("x-request-id", "caller-chosen-42")
        .body(Body::empty())
        .unwrap();
    let (_, headers, _) = send(&router, request).await;
    assert_eq!(headers["x-request-id"], "caller-chosen-42");

    let request = Request::get("/status")
        .header("x-request-id", "x".repeat(500))
        .body(Body::empty())
        .unwrap();
    let (_, headers, _) = send(&router, request).await;
    assert!(
        headers["x-request-id"].len() <= 128,
        "an oversized id is replaced"
    );
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_with_413() {
    let (node, _dir) = support::embedded_node().await;
    let routes = Router::new().route(
        "/echo",
        axum::routing::post(|body: String| async move { body }),
    );
    let router = with_layers(routes, &node, Listener::Public);
    let limit = node.config().http.bodylimit;

    let request = Request::post("/echo")
        .body(Body::from("x".repeat(limit)))
        .unwrap();
    let (status, _, _) = send(&router, request).await;
    assert_eq!(status, StatusCode::OK, "exactly the limit is accepted");

    let request = Request::post("/echo")
        .body(Body::from("x".repeat(limit + 1)))
        .unwrap();
    let (status, headers, _) = send(&router, request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
}

#[tokio::test]
async fn slow_requests_time_out_with_408() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = support::config_in(dir.path());
    config.http.timeout = Duration::from_secs(1);
    let node = Node::open(config).await.unwrap();
    let routes = Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "late"
        }),
    );
    let (status, headers, _) = send(
        &with_layers(routes, &node, Listener::Public),
        get_request("/slow"),
    )
    .await;
    assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
    assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
}

async fn node_with_token(token: &str) -> (Node, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{token}\n")).unwrap();
    let mut config = support::config_in(dir.path());
    config.http.internal.auth.kind = hazel::config::InternalAuthType::Token;
    config.http.internal.auth.tokenfile = Some(token_file);
    (Node::open(config).await.unwrap(), dir)
}

#[tokio::test]
async fn internal_api_requires_the_bearer_token_when_configured() {
    let token = "s3cret-token-0123456789";
    let (node, _dir) = node_with_token(token).await;
    let router = internal_router(&node);

    let (status, headers, body) = send(&router, get_request("/internal/vdr/v2/subject")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
    assert_eq!(json(&body)["status"], 401);

    let wrong = Request::get("/internal/vdr/v2/subject")
        .header(header::AUTHORIZATION, "Bearer s3cret-token-0123456780")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&router, wrong).await.0, StatusCode::UNAUTHORIZED);

    let right = Request::get("/internal/vdr/v2/subject")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&router, right).await.0, StatusCode::OK);
    let unknown = Request::get("/internal/no/such/api")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(&router, unknown).await.0,
        StatusCode::UNAUTHORIZED,
        "unknown internal paths are guarded too and reveal nothing"
    );

    let authzen = Request::post("/access/v1/evaluation")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(&router, authzen).await.0,
        StatusCode::UNAUTHORIZED,
        "AuthZEN is guarded"
    );

    for open in ["/health", "/status", "/metrics", "/openapi.json"] {
        assert_eq!(
            send(&router, get_request(open)).await.0,
            StatusCode::OK,
            "{open}"
        );
    }
}

#[tokio::test]
async fn graceful_shutdown_finishes_requests_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = support::config_in(dir.path());
    config.http.public.address = "127.0.0.1:0".parse().unwrap();
    config.http.internal.address = "127.0.0.1:0".parse().unwrap();
    let node = Node::open(config).await.unwrap();
    let listeners = Listeners::bind(&node).await.unwrap();
    let public_address = listeners.public.local_addr().unwrap();
    let internal_address = listeners.internal.local_addr().unwrap();
    let slow = Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_millis(500)).await;
            "finished"
        }),
    );
    let shutdown = tokio_util::sync::CancellationToken::new();
    let server = tokio::spawn(http::serve(
        listeners,
        with_layers(slow, &node, Listener::Public),
        internal_router(&node),
        shutdown.clone(),
    ));
    assert_eq!(
        support::http_get(internal_address, "/status")
            .await
            .unwrap()
            .0,
        200
    );

    let in_flight = tokio::spawn(support::http_get(public_address, "/slow"));
    tokio::time::sleep(Duration::from_millis(100)).await;
    shutdown.cancel();
    let (status, body) = in_flight.await.unwrap().unwrap();
    assert_eq!((status, body.as_str()), (200, "finished"));
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("server stops after the last request")
        .unwrap()
        .unwrap();
    assert!(
        tokio::net::TcpStream::connect(public_address)
            .await
            .is_err(),
        "no new connections after shutdown"
    );
}

#[tokio::test]
async fn health_follows_a_postgres_outage_down_and_back_up() {
    let Some(schema) = support::postgres().await else {
        return;
    };
    let target = url::Url::parse(&support::postgres_url()).unwrap();
    let target = format!(
        "{}:{}",
        target.host_str().unwrap(),
        target.port().unwrap_or(5432)
    );
    let proxy = support::Proxy::start(&target).await;
    let through_proxy = schema
        .connection
        .replacen(&target, &proxy.address.to_string(), 1);
    assert_ne!(through_proxy, schema.connection);

    let dir = tempfile::tempdir().unwrap();
    let mut config = support::config_in(dir.path());
    config.storage.sql.connection = Secret::new(through_proxy);
    let node = Node::open(config).await.unwrap();
    let router = internal_router(&node);
    assert_eq!(
        send(&router, get_request("/health")).await.0,
        StatusCode::OK
    );

    proxy.cut();
    let (status, _, body) = send(&router, get_request("/health")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json(&body)["details"]["sql"]["status"], "DOWN");

    let restored = proxy.restore().await;
    let mut recovered = false;
    for _ in 0..50 {
        if send(&router, get_request("/health")).await.0 == StatusCode::OK {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(recovered, "/health returns to 200 once PostgreSQL is back");
    restored.cut();
    node.runtime().database.close().await;
    schema.drop().await;
}

/// Issue 23, finding 3: a8a2f86 labelled metrics with the raw method, so odd methods made a new
/// series each (3,000 made 48,000). Every label now comes from a closed set.
#[tokio::test]
async fn regression_23_odd_methods_and_paths_do_not_grow_the_metrics() {
    let (node, _dir) = support::embedded_node().await;
    let public = public_router(&node);
    let series = |node: &Node| {
        node.runtime()
            .metrics
            .render()
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("hazel_http_requests_total{"))
            .count()
    };
    let hostile = |i: usize| {
        let method = axum::http::Method::from_bytes(format!("X{i:0>40x}").as_bytes()).unwrap();
        Request::builder()
            .method(method)
            .uri(format!("/oauth2/acme-{i}/token?{i}"))
            .body(Body::empty())
            .unwrap()
    };
    for i in 0..300 {
        public.clone().oneshot(hostile(i)).await.unwrap();
    }
    let after_first = series(&node);
    for i in 300..600 {
        public.clone().oneshot(hostile(i)).await.unwrap();
    }
    assert_eq!(
        series(&node),
        after_first,
        "no new series for new methods or paths"
    );
    assert!(after_first <= 2, "{after_first} series");
    let metrics = node.runtime().metrics.render().unwrap();
    assert!(metrics.contains("method=\"other\""), "{metrics}");
    assert!(!metrics.contains("method=\"X"), "{metrics}");
}
