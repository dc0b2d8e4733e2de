//! The public listener: other nodes, wallets and browsers.

mod did;
mod oauth2;
mod presentation_definition;
mod statuslist;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::{get, post};

use crate::node::Node;

/// Public documents clients may reuse for five minutes, as nuts-node serves them.
pub(crate) fn cacheable(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=300"),
    );
    response
}

/// Routes of the public listener (without the shared layers).
pub fn routes() -> Router<Node> {
    Router::new()
        .route("/iam/{id}/did.json", get(did::did_document))
        .route("/statuslist/{did}/{page}", get(statuslist::status_list))
        .route(
            "/.well-known/oauth-authorization-server/oauth2/{subject}",
            get(oauth2::authorization_server_metadata),
        )
        .route(
            "/.well-known/openid-configuration/oauth2/{subject}",
            get(oauth2::openid_configuration),
        )
        .route(
            "/oauth2/{subject}/oauth-client",
            get(oauth2::client_metadata),
        )
        .route("/oauth2/{subject}/token", post(oauth2::token))
        .route(
            "/oauth2/{subject}/presentation_definition",
            get(presentation_definition::presentation_definition),
        )
}
