//! Verifiable credentials and presentations: the W3C VC data model, JWT VC/VP, JSON-LD VC/VP with
//! JsonWebSignature2020, verification and status lists.
//!
//! Filled by the issues "Verifiable credentials" and "JSON-LD credentials".
#![forbid(unsafe_code)]
#![warn(missing_docs)]
