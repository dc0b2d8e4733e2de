//! `GET /status` (liveness, nuts-node's plain `OK`, or version and uptime as JSON when asked for),
//! `GET /status/diagnostics` and `GET /metrics`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::http::error::ApiError;
use crate::node::Runtime;

/// Version and uptime of this node.
#[derive(Debug, Serialize)]
pub struct Diagnostics {
    status: &'static str,
    software: &'static str,
    version: &'static str,
    uptime_seconds: u64,
    started_at: String,
    sql: String,
    sessions: &'static str,
}

fn diagnostics_of(runtime: &Runtime) -> Diagnostics {
    let uptime = runtime.started.elapsed();
    let started_at = runtime.clock.now() - uptime;
    Diagnostics {
        status: "OK",
        software: "hazel",
        version: env!("CARGO_PKG_VERSION"),
        uptime_seconds: uptime.as_secs(),
        started_at: started_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        sql: format!("{:?}", runtime.database.backend()).to_lowercase(),
        sessions: runtime.sessions.kind(),
    }
}

/// nuts-node answers `OK` as text; a caller that accepts JSON gets version and uptime as well.
pub async fn status(State(runtime): State<Runtime>, headers: HeaderMap) -> Response {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json"));
    if wants_json {
        Json(diagnostics_of(&runtime)).into_response()
    } else {
        "OK".into_response()
    }
}

pub async fn diagnostics(State(runtime): State<Runtime>) -> Json<Diagnostics> {
    Json(diagnostics_of(&runtime))
}

pub async fn metrics(State(runtime): State<Runtime>) -> Response {
    match runtime.metrics.render() {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                ),
            )],
            text,
        )
            .into_response(),
        Err(error) => ApiError::problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "GetMetrics failed",
            "metrics could not be rendered",
        )
        .with_cause(error)
        .into_response(),
    }
}
