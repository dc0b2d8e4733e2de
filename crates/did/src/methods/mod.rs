//! The DID methods Hazel understands.

pub mod jwk;
pub mod key;
pub mod web;
