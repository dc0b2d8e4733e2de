//! Decentralized identifiers (W3C DID Core 1.0) without I/O: DID and DID URL syntax, DID documents
//! with verification-relationship checks, and the methods Hazel resolves: did:web (the URL to fetch
//! and the checks on what comes back; the fetch is the application's), did:jwk and did:key
//! (resolved here, from the identifier alone).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod document;
pub mod error;
pub mod heap;
pub mod methods;
pub mod multikey;
pub mod resolver;
pub mod syntax;

pub use document::{Document, MethodRef, Relationship, Service, VerificationMethod};
pub use error::Error;
pub use resolver::{Resolved, Resolver};
pub use syntax::{Did, DidUrl};
