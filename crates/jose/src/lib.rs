//! JOSE without I/O: JWK (EC P-256/P-384, OKP Ed25519, RSA) and RFC 7638 thumbprints, JWS compact
//! serialization (ES256, ES384, EdDSA, PS256; RS256 for verification only) and JWT claims checks.
//!
//! Filled by the issue "Keys, subjects and DIDs". The algorithm is always taken from the key,
//! never from the header alone.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
