//! Each listener serves its OpenAPI document at `GET /openapi.json`. The documents are written by
//! hand in `openapi/*.yaml` (the contract, with paths and shapes matching nuts-node v6) and tests
//! check that every documented operation is routed.

use std::sync::LazyLock;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::Listener;
use crate::node::Node;

const PUBLIC_YAML: &str = include_str!("../../openapi/public.yaml");
const INTERNAL_YAML: &str = include_str!("../../openapi/internal.yaml");

/// The document as JSON. A document that does not parse is a build defect caught by the tests;
/// should one slip through, the node serves `{}` rather than failing.
fn to_json(yaml: &str) -> String {
    serde_yaml::from_str::<serde_json::Value>(yaml)
        .map(|document| document.to_string())
        .unwrap_or_else(|_| "{}".to_owned())
}

static PUBLIC_JSON: LazyLock<String> = LazyLock::new(|| to_json(PUBLIC_YAML));
static INTERNAL_JSON: LazyLock<String> = LazyLock::new(|| to_json(INTERNAL_YAML));

/// The document of a listener in YAML, as written.
pub fn yaml(listener: Listener) -> &'static str {
    match listener {
        Listener::Public => PUBLIC_YAML,
        Listener::Internal => INTERNAL_YAML,
    }
}

fn json(listener: Listener) -> &'static str {
    match listener {
        Listener::Public => &PUBLIC_JSON,
        Listener::Internal => &INTERNAL_JSON,
    }
}

/// `GET /openapi.json`
pub fn routes(listener: Listener) -> Router<Node> {
    Router::new().route(
        "/openapi.json",
        get(move || async move { document(listener) }),
    )
}

fn document(listener: Listener) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        json(listener),
    )
        .into_response()
}
