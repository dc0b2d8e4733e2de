//! Presentation protocols, free of I/O and of the clock: how a verifier asks for verifiable
//! presentations and checks what it gets, and how a holder answers.
//!
//! - [`bearer`]: the Nuts RFC021 `vp_token-bearer` grant of the service-to-service flow, as a
//!   chain of typed states: a request that parsed, presentations worth verifying, presentations
//!   that verified, and a submission that fulfils the scope's Presentation Definition. Each
//!   transition consumes its state, so no step can be skipped or run out of order, and each MUST
//!   is one unit test.
//! - [`exchange`]: verified presentations and stored credentials as Presentation Exchange sees
//!   them (formats, proof designations, the envelope).
//!
//! The OpenID4VP authorization request and response (`direct_post`) of the user flow come next.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod bearer;
pub mod exchange;
