//! Token endpoint requests and responses (RFC 6749 §4, §5). A request is parsed into a
//! [`TokenRequest`] tagged by its grant type, so that a request that parses is complete for its
//! grant; the grants Hazel answers are the variants.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ErrorCode;
use crate::params::Params;
use crate::types::{AccessToken, ClientId};

/// Grant type identifiers (`grant_type`).
pub mod grant_type {
    /// Nuts RFC021: a verifiable presentation as the authorization grant (service-to-service).
    pub const VP_TOKEN_BEARER: &str = "vp_token-bearer";
    /// RFC 6749 §4.1.3: an authorization code (the user flow).
    pub const AUTHORIZATION_CODE: &str = "authorization_code";
    /// OpenID4VCI 1.0 §6.1: a pre-authorized code.
    pub const PRE_AUTHORIZED_CODE: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";
}

/// A complete token request of a grant this server answers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenRequest {
    /// `vp_token-bearer` (Nuts RFC021 §4).
    VpTokenBearer(VpTokenBearer),
}

/// The parameters of a `vp_token-bearer` request, all required (nuts-node v6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VpTokenBearer {
    /// `assertion`: a JWT presentation, a JSON-LD presentation, or a JSON array of them.
    pub assertion: String,
    /// `presentation_submission`, JSON (DIF Presentation Exchange v2 §6).
    pub presentation_submission: String,
    /// `scope`, space-delimited, as sent: it is parsed where the policy reads it.
    pub scope: String,
    /// `client_id`.
    pub client_id: ClientId,
}

/// Why a token request is refused before its grant is looked at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenRequestError {
    /// RFC 6749 §5.2 `unsupported_grant_type`; the texts are nuts-node's.
    #[error("grant_type '{0}' is not supported")]
    UnsupportedGrantType(String),
    /// A grant type this server knows but does not answer at this endpoint yet.
    #[error("not implemented yet")]
    NotImplemented(&'static str),
    /// RFC 6749 §5.2 `invalid_request`: required parameters are absent or empty. The text
    /// starts as nuts-node's and names them.
    #[error("missing required parameters: {}", .0.join(", "))]
    MissingParameters(Vec<&'static str>),
}

impl TokenRequestError {
    /// The OAuth error code of the refusal.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            Self::UnsupportedGrantType(_) | Self::NotImplemented(_) => {
                ErrorCode::UnsupportedGrantType
            }
            Self::MissingParameters(_) => ErrorCode::InvalidRequest,
        }
    }
}

impl TokenRequest {
    /// The grant type and its parameters from the request's parameters (RFC 6749 §3.2: the
    /// body, never the query).
    pub fn from_params(params: &Params) -> Result<Self, TokenRequestError> {
        match params.get("grant_type").unwrap_or_default() {
            grant_type::VP_TOKEN_BEARER => {
                VpTokenBearer::from_params(params).map(Self::VpTokenBearer)
            }
            grant_type::PRE_AUTHORIZED_CODE => Err(TokenRequestError::NotImplemented(
                grant_type::PRE_AUTHORIZED_CODE,
            )),
            other => Err(TokenRequestError::UnsupportedGrantType(other.to_owned())),
        }
    }

    /// The request's `grant_type`.
    pub fn grant_type(&self) -> &'static str {
        match self {
            Self::VpTokenBearer(_) => grant_type::VP_TOKEN_BEARER,
        }
    }
}

impl VpTokenBearer {
    /// The parameter names, in the order a client sends them.
    const REQUIRED: [&'static str; 4] =
        ["assertion", "presentation_submission", "scope", "client_id"];

    fn from_params(params: &Params) -> Result<Self, TokenRequestError> {
        let missing: Vec<&'static str> = Self::REQUIRED
            .into_iter()
            .filter(|name| params.get(name).is_none())
            .collect();
        let value = |name: &str| params.get(name).unwrap_or_default().to_owned();
        if !missing.is_empty() {
            return Err(TokenRequestError::MissingParameters(missing));
        }
        Ok(Self {
            assertion: value("assertion"),
            presentation_submission: value("presentation_submission"),
            scope: value("scope"),
            client_id: ClientId::new(value("client_id")),
        })
    }

    /// The request body a client sends (`application/x-www-form-urlencoded`).
    pub fn to_form(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", grant_type::VP_TOKEN_BEARER)
            .append_pair("client_id", self.client_id.as_str())
            .append_pair("assertion", &self.assertion)
            .append_pair("presentation_submission", &self.presentation_submission)
            .append_pair("scope", &self.scope)
            .finish()
    }
}

/// RFC 6749 §7.1 token types Hazel issues and uses (RFC 6750 `Bearer`, RFC 9449 `DPoP`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenType {
    /// RFC 6750.
    Bearer,
    /// RFC 9449: the token is bound to the key of the client's DPoP proofs.
    DPoP,
}

impl TokenType {
    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bearer => "Bearer",
            Self::DPoP => "DPoP",
        }
    }
}

impl fmt::Display for TokenType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for TokenType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TokenType {
    /// RFC 6749 §5.1: "The value is case insensitive."
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        if name.eq_ignore_ascii_case("bearer") {
            Ok(Self::Bearer)
        } else if name.eq_ignore_ascii_case("dpop") {
            Ok(Self::DPoP)
        } else {
            Err(serde::de::Error::custom(format!(
                "unknown token_type {name:?}"
            )))
        }
    }
}

/// RFC 6749 §5.1 successful token response. Its `Debug` does not show the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// `access_token`.
    pub access_token: AccessToken,
    /// `token_type`.
    pub token_type: TokenType,
    /// `expires_in`, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i64>,
    /// `scope`: the granted scopes, space-delimited (RFC 6749 §3.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(form: &str) -> Result<TokenRequest, TokenRequestError> {
        TokenRequest::from_params(&Params::parse(form).unwrap())
    }

    #[test]
    fn rfc6749_5_2_an_unknown_or_absent_grant_type_is_unsupported() {
        let refused = request("grant_type=password").unwrap_err();
        assert_eq!(refused.error_code(), ErrorCode::UnsupportedGrantType);
        assert_eq!(
            refused.to_string(),
            "grant_type 'password' is not supported"
        );
        assert_eq!(
            request("scope=x").unwrap_err().to_string(),
            "grant_type '' is not supported"
        );
        let pre =
            request("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code")
                .unwrap_err();
        assert_eq!(pre.error_code(), ErrorCode::UnsupportedGrantType);
        assert_eq!(pre.to_string(), "not implemented yet");
    }

    #[test]
    fn nuts_rfc021_vp_token_bearer_needs_all_four_parameters() {
        let refused =
            request("grant_type=vp_token-bearer&assertion=a&scope=&client_id=c").unwrap_err();
        assert_eq!(refused.error_code(), ErrorCode::InvalidRequest);
        assert_eq!(
            refused.to_string(),
            "missing required parameters: presentation_submission, scope"
        );
        let TokenRequest::VpTokenBearer(grant) = request(
            "grant_type=vp_token-bearer&assertion=a.b.c&presentation_submission=%7B%7D&scope=s&client_id=c",
        )
        .unwrap();
        assert_eq!(grant.assertion, "a.b.c");
        assert_eq!(grant.presentation_submission, "{}");
        assert_eq!(grant.client_id.as_str(), "c");
    }

    #[test]
    fn a_client_form_parses_back_to_the_same_request() {
        let grant = VpTokenBearer {
            assertion: "a.b.c".into(),
            presentation_submission: r#"{"id":"s"}"#.into(),
            scope: "x y".into(),
            client_id: ClientId::new("https://client.example/oauth2/a"),
        };
        let parsed = request(&grant.to_form()).unwrap();
        assert_eq!(parsed, TokenRequest::VpTokenBearer(grant));
    }

    #[test]
    fn rfc6749_5_1_token_type_is_case_insensitive_and_the_token_is_not_in_debug() {
        let response: TokenResponse = serde_json::from_str(
            r#"{"access_token":"secret","token_type":"bearer","expires_in":60}"#,
        )
        .unwrap();
        assert_eq!(response.token_type, TokenType::Bearer);
        assert!(!format!("{response:?}").contains("secret"));
        assert_eq!(
            serde_json::to_value(&response).unwrap(),
            serde_json::json!({"access_token":"secret","token_type":"Bearer","expires_in":60})
        );
        assert!(
            serde_json::from_str::<TokenResponse>(r#"{"access_token":"s","token_type":"mac"}"#)
                .is_err()
        );
    }
}
