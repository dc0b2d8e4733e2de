//! JOSE without I/O: JSON Web Keys (RFC 7517) with RFC 7638 thumbprints, JWS compact serialization
//! (RFC 7515) and JWT claims checks (RFC 7519), for the algorithms Hazel signs with (ES256, ES384,
//! ES512, EdDSA, PS256/384/512) and verifies (the same plus RS256/384/512 for third-party tokens).
//!
//! Security rules this crate enforces by construction:
//! - The algorithm is taken from the key: a header `alg` is only accepted when the key's type and
//!   curve support it (no `none`, no HMAC, no algorithm confusion, curve must match `alg`).
//! - A parsed JWS is [`jws::Unverified`]; only [`jws::Unverified::verify`] yields its payload as
//!   verified.
//! - `crit` headers are refused (this crate understands no extension that would need them).
//! - Time is a parameter: claims are checked against a caller-given `now`.
//!
//! Cryptography is aws-lc-rs (the same library TLS uses in this build), chosen for its verification
//! speed on the token endpoint's hot path; no primitive is implemented here.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod alg;
pub mod base64url;
pub mod error;
pub mod jwk;
pub mod jws;
pub mod jwt;
pub mod key;

pub use alg::Algorithm;
pub use error::Error;
pub use jwk::Jwk;
pub use key::{KeyKind, Signer, SigningKey, VerifyingKey, ec_jwk_from_sec1};

/// SHA-256 of `data`, for the hashes JOSE-based protocols put in claims (DPoP `ath`, PKCE
/// `S256`); exposed here so that callers use the same library as signatures and thumbprints.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data);
    let mut out = [0; 32];
    out.copy_from_slice(digest.as_ref());
    out
}
