//! Errors of this crate, one variant per rule broken.

/// Why a key, signature or token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A member is not valid base64url (RFC 7515 §2).
    #[error("{0} is not base64url without padding")]
    Base64(&'static str),
    /// The compact serialization does not have three dot-separated parts (RFC 7515 §7.1).
    #[error("not a JWS compact serialization (three base64url parts separated by dots)")]
    Malformed,
    /// The header is not a JSON object with the members this crate needs.
    #[error("invalid JOSE header: {0}")]
    Header(String),
    /// The payload is not the JSON this caller expects.
    #[error("invalid payload: {0}")]
    Payload(String),
    /// The `alg` is unknown, `none`, or symmetric (RFC 8725 §3.1).
    #[error("algorithm `{0}` is not accepted")]
    UnsupportedAlgorithm(String),
    /// The `alg` cannot be used with this key's type or curve (RFC 8725 §3.1, RFC 7518 §3.4).
    #[error("algorithm {alg} does not fit a {key} key")]
    AlgorithmKeyMismatch {
        /// The algorithm asked for.
        alg: &'static str,
        /// The key type and curve.
        key: String,
    },
    /// The key has an `alg` member that differs from the one used (RFC 7517 §4.4).
    #[error("key is restricted to {0}")]
    KeyAlgorithmMismatch(&'static str),
    /// The `crit` header lists extensions (RFC 7515 §4.1.11).
    #[error("critical header extension `{0}` is not understood")]
    CriticalHeader(String),
    /// The signature does not verify.
    #[error("signature does not verify")]
    BadSignature,
    /// A JWK is not valid for its key type (RFC 7517, RFC 7518 §6, RFC 8037 §2).
    #[error("invalid JWK: {0}")]
    InvalidKey(String),
    /// The key cannot sign (a public key, or a verification-only algorithm).
    #[error("key cannot sign: {0}")]
    CannotSign(&'static str),
    /// The signing library failed.
    #[error("signing failed")]
    SigningFailed,
    /// The `typ` header is not the one required (RFC 8725 §3.11).
    #[error("typ must be `{expected}`")]
    WrongType {
        /// The required value.
        expected: String,
    },
    /// `exp` is in the past (RFC 7519 §4.1.4).
    #[error("token has expired")]
    Expired,
    /// `nbf` is in the future (RFC 7519 §4.1.5).
    #[error("token is not valid yet")]
    NotYetValid,
    /// `iat` is in the future (RFC 7519 §4.1.6).
    #[error("token was issued in the future")]
    IssuedInFuture,
    /// A claim this caller requires is absent.
    #[error("claim `{0}` is missing")]
    MissingClaim(&'static str),
    /// `aud` does not contain the expected audience (RFC 7519 §4.1.3).
    #[error("token is not meant for this audience")]
    WrongAudience,
    /// `iss` is not the expected issuer (RFC 7519 §4.1.1).
    #[error("token is from another issuer")]
    WrongIssuer,
}
