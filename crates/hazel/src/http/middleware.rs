//! Cross-cutting request handling shared by both listeners: request ids, one log line and one
//! metrics observation per request, problem details for errors that would otherwise have no body,
//! and the bearer token that guards `/internal/*`.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;
use tracing::Instrument;

use super::error::{ApiError, ErrorCause, oauth_response, problem_response};
use crate::config::Secret;
use crate::infra::metrics::{HttpLabels, Metrics, method_label};
use crate::infra::outbound::budget;

/// The header that carries the request id, in and out.
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A caller's request id is kept only if it is short and printable, so that it cannot bloat or
/// garble the logs; otherwise a new one is made.
const MAX_REQUEST_ID_LEN: usize = 128;

/// The per-listener context of [`observe`].
#[derive(Debug, Clone)]
pub struct Observer {
    /// `public` or `internal`.
    pub listener: &'static str,
    /// Where to count.
    pub metrics: Arc<Metrics>,
}

/// Logs and counts each request under its matched route, sets `x-request-id`, and gives
/// bodiless error responses (404 fallback, 405, 408 timeout, 413 body too large) a problem body.
///
/// Only the route template is logged, never the path or query, which may carry identifiers or
/// tokens.
pub async fn observe(State(observer): State<Observer>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = request
        .headers()
        .get(&REQUEST_ID)
        .filter(|value| {
            let bytes = value.as_bytes();
            !bytes.is_empty()
                && bytes.len() <= MAX_REQUEST_ID_LEN
                && bytes.iter().all(|b| b.is_ascii_graphic())
        })
        .cloned()
        .unwrap_or_else(|| {
            HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
                .unwrap_or_else(|_| HeaderValue::from_static("invalid"))
        });
    let http_method = request.method().clone();
    let method = method_label(&http_method);
    // RFC 6749 §5.2: whatever refuses a request to an OAuth endpoint, the answer is an OAuth
    // error, so clients parse one format.
    let oauth_endpoint =
        observer.listener == "public" && request.uri().path().starts_with("/oauth2/");
    let matched = request.extensions().get::<MatchedPath>().cloned();
    let route = matched
        .as_ref()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let span = tracing::info_span!(
        "request",
        listener = observer.listener,
        request_id = request_id.to_str().unwrap_or_default(),
        method,
        route = %route,
    );

    let mut response = next.run(request).instrument(span.clone()).await;
    if response.status().as_u16() >= 400 && !is_json(&response) {
        response = with_error_body(response, oauth_endpoint).await;
    }
    let latency = started.elapsed();
    let status = response.status();
    let cause = response
        .extensions()
        .get::<ErrorCause>()
        .map(|c| c.0.as_str());
    span.in_scope(|| {
        let latency_ms = latency.as_secs_f64() * 1000.0;
        if status.is_server_error() {
            tracing::error!(
                status = status.as_u16(),
                latency_ms,
                cause,
                "request failed"
            );
        } else if status.is_client_error() {
            tracing::info!(
                status = status.as_u16(),
                latency_ms,
                cause,
                "request refused"
            );
        } else {
            tracing::info!(status = status.as_u16(), latency_ms, "request");
        }
    });
    observer.metrics.observe_http(
        HttpLabels::new(observer.listener, &http_method, matched.as_ref(), status),
        latency,
    );
    response
        .headers_mut()
        .insert(REQUEST_ID.clone(), request_id);
    response
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|media_type| {
            let essence = media_type.split(';').next().unwrap_or_default().trim();
            essence == "application/json" || essence.ends_with("+json")
        })
}

/// Longest plain-text error body (from a framework rejection) kept as the problem's detail.
const MAX_TEXT_DETAIL: usize = 1024;

/// Replaces an error body that is not JSON (none, or a framework's plain-text rejection) with
/// the endpoint's error format: an OAuth error at OAuth endpoints, problem details elsewhere.
async fn with_error_body(response: Response, oauth_endpoint: bool) -> Response {
    let status = response.status();
    let (parts, body) = response.into_parts();
    let text_body = parts
        .headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/plain"));
    let text = if text_body {
        axum::body::to_bytes(body, MAX_TEXT_DETAIL)
            .await
            .ok()
            .and_then(|bytes| String::from_utf8(bytes.to_vec()).ok())
            .filter(|text| !text.trim().is_empty())
    } else {
        None
    };
    let detail = text.unwrap_or_else(|| {
        match status {
            StatusCode::NOT_FOUND => "no such resource",
            StatusCode::METHOD_NOT_ALLOWED => "method not allowed on this resource",
            StatusCode::REQUEST_TIMEOUT => "the request took too long and was abandoned",
            StatusCode::PAYLOAD_TOO_LARGE => "the request body is larger than this node accepts",
            _ => status.canonical_reason().unwrap_or("request failed"),
        }
        .to_owned()
    });
    let mut replaced = if oauth_endpoint {
        oauth_response(status, &detail)
    } else {
        problem_response(
            status,
            status.canonical_reason().unwrap_or("error"),
            &detail,
        )
    };
    // Keep headers such as `Allow` (405) and `WWW-Authenticate`.
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            replaced.headers_mut().insert(name.clone(), value.clone());
        }
    }
    replaced
}

/// Requires `Authorization: Bearer <token>` on `/internal/*` and the AuthZEN `/access/*` API when a
/// token is configured; health,
/// status, metrics and the OpenAPI document stay open for probes and scrapers, as in nuts-node.
pub async fn require_internal_token(
    State(token): State<Option<Arc<Secret>>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(expected) = token else {
        return next.run(request).await;
    };
    let path = request.uri().path();
    let guarded =
        path == "/internal" || path.starts_with("/internal/") || path.starts_with("/access/");
    if !guarded {
        return next.run(request).await;
    }
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.as_bytes().strip_prefix(b"Bearer "));
    let authorized = presented.is_some_and(|presented| {
        let expected = expected.expose().as_bytes();
        // Length is not secret; the comparison of the content is constant-time.
        presented.len() == expected.len() && bool::from(presented.ct_eq(expected))
    });
    if authorized {
        return next.run(request).await;
    }
    let mut response = ApiError::problem(
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
        "this API requires a bearer token (http.internal.auth.type: token)",
    )
    .with_cause(if presented.is_some() {
        "wrong bearer token"
    } else {
        "no bearer token"
    })
    .into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// Runs a request of the public listener within its outbound budget
/// (`http.public.outboundbudget`): whatever a flow fetches for it, DID documents, status lists or
/// entity statements, counts.
pub async fn outbound_budget(
    State(fetches): State<usize>,
    request: Request,
    next: Next,
) -> Response {
    budget::within(fetches, next.run(request)).await
}
