//! The public listener: other nodes, wallets and browsers. Its routes arrive with the protocol
//! issues (DID documents, OAuth2 endpoints, status lists).

use axum::Router;

use crate::node::Node;

/// Routes of the public listener (without the shared layers).
pub fn routes() -> Router<Node> {
    Router::new()
}
