//! Verifiable credentials and presentations (W3C VC Data Model 1.1): one model for every format, the
//! JWT encoding (`jwt_vc`, `jwt_vp`, VCDM 1.1 §6.3.1) and verification against DID documents with an
//! explicit `now`. JSON-LD proofs (`ldp_vc`, `ldp_vp`, JsonWebSignature2020) plug into the same model.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod error;
pub mod jwt;
pub mod ldp;
pub mod model;
pub mod status;
pub mod verify;

pub use error::Error;
pub use model::{Credential, Format, OneOrMany, Presentation};
pub use verify::{VerifiedCredential, VerifiedPresentation};
