//! `GET /health` in the Spring Boot health format nuts-node uses: an overall status and one entry
//! per component. 503 when any component is down, so that load balancers take the node out.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::infra::storage::StorageError;
use crate::node::Runtime;

/// A component that does not answer within this time counts as down: a hanging database must not
/// hang the health check too.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Serialize)]
struct ComponentHealth {
    status: &'static str,
    details: String,
}

async fn check(
    name: &'static str,
    kind: String,
    probe: impl Future<Output = Result<(), StorageError>>,
) -> (&'static str, ComponentHealth) {
    let outcome = match tokio::time::timeout(CHECK_TIMEOUT, probe).await {
        Ok(Ok(())) => ComponentHealth {
            status: "UP",
            details: kind,
        },
        Ok(Err(error)) => {
            tracing::warn!(component = name, %error, "health check failed");
            ComponentHealth {
                status: "DOWN",
                details: format!("{kind}: {error}"),
            }
        }
        Err(_) => {
            tracing::warn!(component = name, "health check timed out");
            ComponentHealth {
                status: "DOWN",
                details: format!("{kind}: no answer within {}s", CHECK_TIMEOUT.as_secs()),
            }
        }
    };
    (name, outcome)
}

pub async fn health(State(runtime): State<Runtime>) -> Response {
    let (sql, sessions) = tokio::join!(
        check(
            "sql",
            format!("{:?}", runtime.database.backend()).to_lowercase(),
            runtime.database.ping()
        ),
        check(
            "sessions",
            runtime.sessions.kind().to_owned(),
            runtime.sessions.ping()
        ),
    );
    let components = [sql, sessions];
    let up = components.iter().all(|(_, health)| health.status == "UP");
    let details: Map<String, Value> = components
        .into_iter()
        .map(|(name, health)| {
            (
                name.to_owned(),
                serde_json::to_value(health).unwrap_or(Value::Null),
            )
        })
        .collect();
    let status = if up {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::json!({
        "status": if up { "UP" } else { "DOWN" },
        "details": details,
    });
    (status, Json(body)).into_response()
}
