//! OAuth 2.0 protocol types and checks, free of I/O and of the clock.
//!
//! Every check in this crate is a pure function over parsed input and an explicit `now`, so that each
//! MUST of a specification is one unit test. The application crate maps [`error::ErrorCode`] to HTTP in
//! one place.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod dpop;
pub mod error;

pub use error::{ErrorCode, ErrorResponse};
