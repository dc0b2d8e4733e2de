//! The public listener: other nodes, wallets and browsers.

mod did;
mod presentation_definition;
mod statuslist;

use axum::Router;
use axum::routing::get;

use crate::node::Node;

/// Routes of the public listener (without the shared layers).
pub fn routes() -> Router<Node> {
    Router::new()
        .route("/iam/{id}/did.json", get(did::did_document))
        .route("/statuslist/{did}/{page}", get(statuslist::status_list))
        .route(
            "/oauth2/{subject}/presentation_definition",
            get(presentation_definition::presentation_definition),
        )
}
