//! Hazel: a node that lets healthcare organizations and their users obtain and check OAuth2 access
//! tokens by presenting verifiable credentials, wire-compatible with nuts-node v6.
//!
//! This crate is the application. Protocol and domain logic live in the I/O-free library crates
//! (`oauth`, `openid4vp`, `jose`, `did`, `vc`, `pex`, `jsonld`); here they meet storage, the
//! network and HTTP. Dependencies point one way, from the top of this list down:
//!
//! - [`cli`] and [`node`]: start-up. `node` is the composition root: it builds every service from
//!   the configuration and hands each flow and handler only what it needs.
//! - [`http`]: the two listeners; handlers parse, call a flow or service, and map the result.
//! - [`flows`]: one module per protocol flow, each over a small context of services.
//! - [`services`]: the node's domain services (subjects, keys, credentials, policy, tokens, …).
//! - [`infra`]: storage, the outbound client, DID resolution, metrics, logging, the clock.
//! - [`config`]: the typed configuration.
#![forbid(unsafe_code)]

pub mod cli;
pub mod config;
pub mod flows;
pub mod http;
pub mod infra;
pub mod node;
pub mod services;
