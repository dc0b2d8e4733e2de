//! JSON-LD for linked-data proofs: a document is expanded with contexts Hazel holds locally
//! (never fetched while verifying), turned into an RDF dataset (JSON-LD 1.1 API §8) and serialized
//! in its canonical N-Quads form (RDF Dataset Canonicalization, RDFC-1.0, which is URDNA2015).
//!
//! Two rules go beyond what JSON-LD processors do by default, because a signature over a dataset
//! only protects what reaches the dataset:
//! - a member whose term no context defines fails instead of being dropped, and so does a node
//!   identifier or type that is not an absolute IRI, so that no claim is left out of what is signed;
//! - every step is bounded (input size, quads, blank nodes, hash-n-degree-quads calls), so a hostile
//!   document is refused in milliseconds.
//!
//! The JSON-LD processing is the `json-ld` crate and the canonicalization the `rdf-canon` crate;
//! this crate holds the glue between them, the context store and the limits.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod canonical;
pub mod contexts;
pub mod error;
mod ready;

pub use canonical::{Limits, Remembered, Strictness, canonicalize, canonicalize_remembered};
pub use contexts::Contexts;
pub use error::Error;
