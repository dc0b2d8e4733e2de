//! OAuth 2.0 error responses: RFC 6749 §5.2 (token endpoint), §4.1.2.1 (authorization endpoint),
//! RFC 6750 §3.1 (resource access), RFC 9449 §7.1 and §8 (DPoP), RFC 9101 §6.3 (JAR) and
//! OpenID4VCI 1.0 §8.3.1 (credential endpoint).

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An OAuth 2.0 `error` code.
///
/// Hazel only ever emits the named variants; [`ErrorCode::Extension`] exists so that a remote
/// server's unknown code can be parsed and passed on unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// RFC 6749 §5.2: the request is missing a parameter, repeats one, or is otherwise malformed.
    InvalidRequest,
    /// RFC 6749 §5.2: client authentication failed.
    InvalidClient,
    /// RFC 6749 §5.2: the grant (code, assertion, …) is invalid, expired or revoked.
    InvalidGrant,
    /// RFC 6749 §5.2: the client may not use this grant type.
    UnauthorizedClient,
    /// RFC 6749 §5.2: the grant type is not supported by this server.
    UnsupportedGrantType,
    /// RFC 6749 §5.2: the requested scope is invalid, unknown or malformed.
    InvalidScope,
    /// RFC 6749 §4.1.2.1: the resource owner or server denied the request.
    AccessDenied,
    /// RFC 6749 §4.1.2.1: the response type is not supported.
    UnsupportedResponseType,
    /// RFC 6749 §4.1.2.1: the server met an unexpected condition.
    ServerError,
    /// RFC 6749 §4.1.2.1: the server is temporarily unable to handle the request.
    TemporarilyUnavailable,
    /// RFC 6750 §3.1: the access token is expired, revoked or malformed.
    InvalidToken,
    /// RFC 6750 §3.1: the token lacks the scope the request needs.
    InsufficientScope,
    /// RFC 9449 §5: the DPoP proof is invalid.
    InvalidDpopProof,
    /// RFC 9449 §8: the server requires a DPoP nonce the client did not send.
    UseDpopNonce,
    /// RFC 9101 §6.3: the request object is invalid.
    InvalidRequestObject,
    /// RFC 9101 §6.3: `request_uri` could not be used.
    InvalidRequestUri,
    /// OpenID4VCI 1.0 §8.3.1.2: the credential request is invalid.
    InvalidCredentialRequest,
    /// OpenID4VCI 1.0 §8.3.1.2: the proof in the credential request is invalid.
    InvalidProof,
    /// A code this crate does not know, as received from a remote server.
    Extension(String),
}

impl ErrorCode {
    /// The code as it appears on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
            Self::InvalidDpopProof => "invalid_dpop_proof",
            Self::UseDpopNonce => "use_dpop_nonce",
            Self::InvalidRequestObject => "invalid_request_object",
            Self::InvalidRequestUri => "invalid_request_uri",
            Self::InvalidCredentialRequest => "invalid_credential_request",
            Self::InvalidProof => "invalid_proof",
            Self::Extension(other) => other,
        }
    }

    /// Parses a wire code; unknown codes become [`ErrorCode::Extension`].
    pub fn parse(code: &str) -> Self {
        const KNOWN: [ErrorCode; 18] = [
            ErrorCode::InvalidRequest,
            ErrorCode::InvalidClient,
            ErrorCode::InvalidGrant,
            ErrorCode::UnauthorizedClient,
            ErrorCode::UnsupportedGrantType,
            ErrorCode::InvalidScope,
            ErrorCode::AccessDenied,
            ErrorCode::UnsupportedResponseType,
            ErrorCode::ServerError,
            ErrorCode::TemporarilyUnavailable,
            ErrorCode::InvalidToken,
            ErrorCode::InsufficientScope,
            ErrorCode::InvalidDpopProof,
            ErrorCode::UseDpopNonce,
            ErrorCode::InvalidRequestObject,
            ErrorCode::InvalidRequestUri,
            ErrorCode::InvalidCredentialRequest,
            ErrorCode::InvalidProof,
        ];
        KNOWN
            .into_iter()
            .find(|known| known.as_str() == code)
            .unwrap_or_else(|| Self::Extension(code.to_owned()))
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = Cow::<str>::deserialize(deserializer)?;
        Ok(Self::parse(&code))
    }
}

/// The JSON body of an OAuth 2.0 error response (RFC 6749 §5.2). Made by [`ErrorResponse::new`]
/// or read from a remote server with [`ErrorResponse::from_remote`], both of which keep the
/// description within what §5.2 allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    error: ErrorCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error_description: Option<String>,
}

/// The longest remote `error_description` kept, in characters.
const MAX_REMOTE_DESCRIPTION: usize = 300;
/// The longest remote `error` code kept, in characters.
const MAX_REMOTE_CODE: usize = 64;

impl ErrorResponse {
    /// An error response whose description is made safe for the wire: characters RFC 6749 §5.2
    /// does not allow in `error_description` (quotes, backslashes, control and non-ASCII
    /// characters) are replaced by a space, and an empty description is left out.
    pub fn new(error: ErrorCode, description: impl Into<String>) -> Self {
        let description: String = description
            .into()
            .chars()
            .map(|c| if is_description_char(c) { c } else { ' ' })
            .collect();
        let description = description.trim().to_owned();
        Self {
            error,
            error_description: (!description.is_empty()).then_some(description),
        }
    }

    /// The error code.
    pub fn error(&self) -> &ErrorCode {
        &self.error
    }

    /// The description, when there is one.
    pub fn description(&self) -> Option<&str> {
        self.error_description.as_deref()
    }

    /// A remote server's error response, when `body` is one: a bounded, printable excerpt of
    /// its text, fit for our own answers and logs.
    pub fn from_remote(body: &[u8]) -> Option<Self> {
        #[derive(Deserialize)]
        struct Remote {
            error: String,
            #[serde(default)]
            error_description: Option<String>,
        }
        let remote: Remote = serde_json::from_slice(body).ok()?;
        let code: String = remote
            .error
            .chars()
            .filter(char::is_ascii_graphic)
            .take(MAX_REMOTE_CODE)
            .collect();
        if code.is_empty() {
            return None;
        }
        let description: String = remote
            .error_description
            .unwrap_or_default()
            .chars()
            .take(MAX_REMOTE_DESCRIPTION)
            .collect();
        Some(Self::new(ErrorCode::parse(&code), description))
    }
}

/// nuts-node's form of a remote error in its own answers: `<error> - <error_description>`.
impl fmt::Display for ErrorResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error_description {
            Some(description) => write!(f, "{} - {description}", self.error),
            None => f.write_str(self.error.as_str()),
        }
    }
}

/// RFC 6749 §5.2: `error_description` = 1*( %x20-21 / %x23-5B / %x5D-7E ).
fn is_description_char(c: char) -> bool {
    matches!(c, '\x20'..='\x21' | '\x23'..='\x5B' | '\x5D'..='\x7E')
}

#[cfg(test)]
mod tests;
