//! Hazel: a node that lets healthcare organizations and their users obtain and check OAuth2 access
//! tokens by presenting verifiable credentials, wire-compatible with nuts-node v6.
//!
//! This crate is the application: configuration, storage, HTTP and the command line. Protocol and
//! domain logic live in the I/O-free library crates (`oauth`, `jose`, `did`, `vc`, `pex`).
#![forbid(unsafe_code)]

pub mod authorization;
pub mod authserver;
pub mod bench;
pub mod cache;
pub mod cli;
pub mod client;
pub mod clock;
pub mod config;
pub mod credentials;
pub mod http;
pub mod keys;
pub mod logging;
pub mod metrics;
pub mod node;
pub mod outbound;
pub mod policy;
pub mod resolver;
pub mod storage;
pub mod subjects;
pub mod tokens;
