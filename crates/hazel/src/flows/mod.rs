//! The protocol flows, one module each. A flow runs the steps of its protocol crate's state
//! machine (`openid4vp`, `oauth`) with the node's I/O between them, over a small context of the
//! services it needs, built by the composition root; it never sees the whole node.
//!
//! - [`s2s_server`]: the authorization server side of the service-to-service flow.
//! - [`s2s_client`]: the client side: this node's EHR obtains a token elsewhere.
//! - [`resource_server`]: what a resource server asks about a token: introspection and DPoP.
//!
//! Every flow refuses with a [`Refusal`]: an OAuth error code, a public description and an
//! internal cause that is logged, never sent.

mod refusal;
pub mod resource_server;
pub mod s2s_client;
pub mod s2s_server;

pub use refusal::Refusal;
