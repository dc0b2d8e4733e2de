//! The one way a flow refuses: an OAuth error code with a public description, and optionally an
//! internal cause for the log. Each protocol crate's error converts into it once, here; the HTTP
//! layer turns it into a response in one place (`http::error`).

use oauth::ErrorCode;
use oauth::params::RepeatedParameter;
use oauth::token::TokenRequestError;
use oauth::types::ScopeError;
use openid4vp::bearer::BearerError;

/// An OAuth error answered by a flow.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    code: ErrorCode,
    description: String,
    cause: Option<String>,
}

impl Refusal {
    /// A refusal with a public description.
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
            cause: None,
        }
    }

    /// `invalid_request` with a public description.
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, description)
    }

    /// `server_error`: a fixed public description, the cause for the log only.
    pub fn server_error(description: impl Into<String>, cause: impl std::fmt::Display) -> Self {
        Self::new(ErrorCode::ServerError, description).with_cause(cause)
    }

    /// Attaches the internal cause that is logged but not sent.
    pub fn with_cause(mut self, cause: impl std::fmt::Display) -> Self {
        self.cause = Some(cause.to_string());
        self
    }

    /// The `error` code.
    pub fn code(&self) -> &ErrorCode {
        &self.code
    }

    /// The public `error_description`.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The internal cause, if any.
    pub fn cause(&self) -> Option<&str> {
        self.cause.as_deref()
    }
}

impl From<BearerError> for Refusal {
    fn from(error: BearerError) -> Self {
        Self::new(error.error_code(), error.to_string())
    }
}

impl From<TokenRequestError> for Refusal {
    fn from(error: TokenRequestError) -> Self {
        Self::new(error.error_code(), error.to_string())
    }
}

impl From<RepeatedParameter> for Refusal {
    fn from(error: RepeatedParameter) -> Self {
        Self::invalid_request(error.to_string())
    }
}

impl From<ScopeError> for Refusal {
    fn from(error: ScopeError) -> Self {
        Self::new(ErrorCode::InvalidScope, error.to_string())
    }
}
