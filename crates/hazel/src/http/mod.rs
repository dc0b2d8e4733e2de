//! The two HTTP listeners. The public one faces other nodes and browsers; the internal one faces
//! the organization's own systems. Both share the same layers: request id, logging and metrics,
//! a body-size limit, a request timeout, and problem details for errors without a body.

pub mod body;
pub mod error;
pub mod extract;
pub mod internal;
pub mod middleware;
pub mod openapi;
pub mod public;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::node::{Node, StartError};
use middleware::Observer;

/// Which listener a router serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    /// Other nodes, wallets and browsers.
    Public,
    /// The organization's own systems and operators.
    Internal,
}

impl Listener {
    /// The name used in logs and metric labels.
    pub fn name(self) -> &'static str {
        match self {
            Listener::Public => "public",
            Listener::Internal => "internal",
        }
    }
}

/// The router of the public listener.
pub fn public_router(node: &Node) -> Router {
    let routes = public::routes().merge(openapi::routes(Listener::Public));
    with_layers(routes, node, Listener::Public)
}

/// The router of the internal listener.
pub fn internal_router(node: &Node) -> Router {
    let routes = internal::routes().merge(openapi::routes(Listener::Internal));
    with_layers(routes, node, Listener::Internal)
}

/// Adds the layers a listener has to `routes` (the fallback included) and binds the node as
/// state.
pub fn with_layers(routes: Router<Node>, node: &Node, listener: Listener) -> Router {
    let observer = Observer {
        listener: listener.name(),
        metrics: node.runtime().metrics.clone(),
    };
    let limit = node.config().http.bodylimit;
    let mut routes = routes.fallback(|| async { StatusCode::NOT_FOUND });
    if listener == Listener::Public {
        routes = routes.layer(from_fn_with_state(
            node.config().http.public.outboundbudget,
            middleware::outbound_budget,
        ));
    }
    if listener == Listener::Internal {
        // After the fallback, so that unknown `/internal/*` paths are guarded too and do not
        // reveal which paths exist.
        routes = routes.layer(from_fn_with_state(
            node.internal_token(),
            middleware::require_internal_token,
        ));
    }
    routes
        .layer(DefaultBodyLimit::max(limit))
        .layer(RequestBodyLimitLayer::new(limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            node.config().http.timeout,
        ))
        .layer(from_fn_with_state(observer, middleware::observe))
        .with_state(node.clone())
}

/// Both listeners, bound.
#[derive(Debug)]
pub struct Listeners {
    /// The public listener.
    pub public: TcpListener,
    /// The internal listener.
    pub internal: TcpListener,
}

impl Listeners {
    /// Binds the configured addresses.
    pub async fn bind(node: &Node) -> Result<Self, StartError> {
        let http = &node.config().http;
        Ok(Self {
            public: bind("http.public.address", http.public.address).await?,
            internal: bind("http.internal.address", http.internal.address).await?,
        })
    }
}

async fn bind(key: &'static str, address: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(address)
        .await
        .map_err(|e| StartError::Bind {
            key,
            address,
            reason: e.to_string(),
        })
}

/// Serves both routers until `shutdown` is cancelled, then stops accepting connections and waits
/// for requests in flight to finish (each is bounded by `http.timeout`).
pub async fn serve(
    listeners: Listeners,
    public: Router,
    internal: Router,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let public = axum::serve(listeners.public, public)
        .with_graceful_shutdown(shutdown.clone().cancelled_owned());
    let internal = axum::serve(listeners.internal, internal)
        .with_graceful_shutdown(shutdown.cancelled_owned());
    let (public, internal) = tokio::join!(public.into_future(), internal.into_future());
    public.and(internal)
}
