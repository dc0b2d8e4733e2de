//! OAuth 2.0 protocol types and checks, free of I/O and of the clock.
//!
//! Every check in this crate is a pure function over parsed input and an explicit `now`, so that
//! each MUST of a specification is one unit test. The application maps [`ErrorCode`] to HTTP in
//! one place.
//!
//! - [`params`]: request parameters, each at most once (RFC 6749 §3.1).
//! - [`token`]: token requests by grant type and token responses (RFC 6749 §4, §5).
//! - [`types`]: newtypes for client ids, scopes, nonces and access tokens.
//! - [`metadata`]: authorization server and client metadata, and the well-known rule (RFC 8414).
//! - [`federation`]: the entity statements nuts-node publishes and Hazel binds clients with.
//! - [`introspection`]: token introspection responses (RFC 7662).
//! - [`dpop`]: DPoP proofs (RFC 9449).
//! - [`error`]: error codes and responses (RFC 6749 §5.2 and the extensions).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod dpop;
pub mod error;
pub mod federation;
pub mod introspection;
pub mod metadata;
pub mod params;
pub mod token;
pub mod types;

pub use error::{ErrorCode, ErrorResponse};

/// The JWS algorithms Hazel accepts for DPoP proofs, request objects and presentations, in
/// nuts-node's order (`crypto/jwx/algorithm.go`). PKCS#1 v1.5 (`RS*`) is left out as nuts-node
/// does; `none` and HMAC never qualify.
pub const SIGNING_ALGORITHMS: [&str; 7] = [
    "ES256", "EdDSA", "ES384", "ES512", "PS256", "PS384", "PS512",
];
