//! The internal listener: the organization's own systems and operators.

mod auth;
mod authorized;
mod health;
mod status;
mod vcr;
mod vdr;

use axum::Router;
use axum::routing::get;

use crate::node::Node;

/// Routes of the internal listener (without the shared layers).
pub fn routes() -> Router<Node> {
    Router::new()
        .route("/health", get(health::health))
        .route("/status", get(status::status))
        .route("/status/diagnostics", get(status::diagnostics))
        .route("/metrics", get(status::metrics))
        .merge(vdr::routes())
        .merge(vcr::routes())
        .merge(authorized::routes())
        .merge(auth::routes())
}
