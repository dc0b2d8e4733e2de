//! JWS algorithms (RFC 7518 §3, RFC 8037 §3.1) and which keys they fit.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// A JWS algorithm this crate implements. HMAC and `none` are deliberately absent: a signature
/// here is always made with a private key and checked with a public one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// ECDSA P-256 SHA-256 (RFC 7518 §3.4).
    ES256,
    /// ECDSA P-384 SHA-384 (RFC 7518 §3.4).
    ES384,
    /// ECDSA P-521 SHA-512 (RFC 7518 §3.4).
    ES512,
    /// Ed25519 (RFC 8037 §3.1).
    EdDSA,
    /// RSASSA-PSS SHA-256 (RFC 7518 §3.5).
    PS256,
    /// RSASSA-PSS SHA-384 (RFC 7518 §3.5).
    PS384,
    /// RSASSA-PSS SHA-512 (RFC 7518 §3.5).
    PS512,
    /// RSASSA-PKCS1-v1_5 SHA-256 (RFC 7518 §3.3); verification of third-party tokens only.
    RS256,
    /// RSASSA-PKCS1-v1_5 SHA-384; verification only.
    RS384,
    /// RSASSA-PKCS1-v1_5 SHA-512; verification only.
    RS512,
}

impl Algorithm {
    /// Every algorithm, in the order metadata lists them.
    pub const ALL: [Algorithm; 10] = [
        Algorithm::ES256,
        Algorithm::EdDSA,
        Algorithm::ES384,
        Algorithm::ES512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
    ];

    /// The `alg` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::ES512 => "ES512",
            Algorithm::EdDSA => "EdDSA",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
        }
    }

    /// Parses an `alg` value; `none`, HMAC and unknown names are refused.
    pub fn parse(name: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|alg| alg.as_str() == name)
            .ok_or_else(|| Error::UnsupportedAlgorithm(name.to_owned()))
    }

    /// Whether Hazel may sign with it (PKCS#1 v1.5 is accepted from others, never produced).
    pub fn can_sign(self) -> bool {
        !matches!(self, Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512)
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Algorithm {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Algorithm {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Algorithm::parse(&name).map_err(serde::de::Error::custom)
    }
}
