//! Decentralized identifiers without I/O: DID syntax, DID documents, and did:web / did:jwk /
//! did:key resolution behind a `Resolver` trait (the network fetch is the application's).
//!
//! Filled by the issue "Keys, subjects and DIDs".
#![forbid(unsafe_code)]
#![warn(missing_docs)]
