//! Authorization server metadata (RFC 8414) with the members nuts-node v6 publishes and reads
//! (OpenID4VP `vp_formats`, Nuts `did_methods_supported`, …), client metadata (RFC 7591 §2), and
//! the well-known location rule both are found by.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use url::Url;

/// The well-known suffix of RFC 8414 authorization server metadata.
pub const OAUTH_AUTHORIZATION_SERVER: &str = "oauth-authorization-server";
/// The well-known suffix nuts-node serves its entity statement at (OpenID Connect Discovery's
/// name, located by the RFC 8414 rule).
pub const OPENID_CONFIGURATION: &str = "openid-configuration";

/// Why an identifier has no well-known location.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WellKnownError {
    /// Not an absolute `http(s)` URL with a host.
    #[error("not an absolute http(s) URL with a host")]
    NotHttpUrl,
    /// RFC 8414 §2: an issuer has no query or fragment component.
    #[error("has a query or fragment")]
    QueryOrFragment,
}

/// RFC 8414 §3.1: the well-known URI is formed by inserting `/.well-known/<suffix>` between the
/// host component and the path component of `identifier`, a terminating `/` of the path removed.
pub fn well_known_url(identifier: &str, suffix: &str) -> Result<Url, WellKnownError> {
    let parsed = Url::parse(identifier).map_err(|_| WellKnownError::NotHttpUrl)?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(WellKnownError::NotHttpUrl);
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(WellKnownError::QueryOrFragment);
    }
    let mut located = parsed.clone();
    located.set_path(&format!(
        "/.well-known/{suffix}{}",
        parsed.path().trim_end_matches('/')
    ));
    Ok(located)
}

/// The algorithms of one OpenID4VP `vp_formats` entry (OpenID4VP draft 20 §9.1, as nuts-node
/// publishes it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VpFormat {
    /// JWS algorithms, for `jwt_*` formats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg_values_supported: Option<Vec<String>>,
    /// Linked-data proof types, for `ldp_*` formats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof_type_values_supported: Option<Vec<String>>,
}

/// Format designation → what it accepts.
pub type VpFormats = BTreeMap<String, VpFormat>;

/// RFC 8414 §2 authorization server metadata, with the members of OpenID4VP, OpenID4VCI and Nuts
/// that nuts-node v6 publishes. Every member but `issuer` is optional when read from a remote
/// server; unknown members are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationServerMetadata {
    /// RFC 8414 `issuer`: MUST be identical to the identifier the metadata was located from.
    pub issuer: String,
    /// RFC 8414 `authorization_endpoint`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_endpoint: Option<String>,
    /// RFC 8414 `token_endpoint`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint: Option<String>,
    /// Nuts: where a client gets the Presentation Definition of a scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presentation_definition_endpoint: Option<String>,
    /// OpenID4VP: whether `presentation_definition_uri` is accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presentation_definition_uri_supported: Option<bool>,
    /// RFC 8414 `grant_types_supported`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grant_types_supported: Vec<String>,
    /// RFC 8414 `response_types_supported`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub response_types_supported: Vec<String>,
    /// RFC 8414 `response_modes_supported`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub response_modes_supported: Vec<String>,
    /// OpenID4VP `client_id_schemes_supported`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub client_id_schemes_supported: Vec<String>,
    /// Nuts: the DID methods whose presentations the server verifies. Absent means any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub did_methods_supported: Option<Vec<String>>,
    /// RFC 9449 §5.1 `dpop_signing_alg_values_supported`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dpop_signing_alg_values_supported: Vec<String>,
    /// RFC 9101 §10.5 `request_object_signing_alg_values_supported`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub request_object_signing_alg_values_supported: Vec<String>,
    /// RFC 9101 §10.5 `require_signed_request_object`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_signed_request_object: Option<bool>,
    /// OpenID4VCI 1.0 §12.2.4 `pre-authorized_grant_anonymous_access_supported`.
    #[serde(
        rename = "pre-authorized_grant_anonymous_access_supported",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub pre_authorized_grant_anonymous_access_supported: Option<bool>,
    /// OpenID4VP `vp_formats_supported`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vp_formats_supported: Option<VpFormats>,
    /// The same under the name nuts-node v6 reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vp_formats: Option<VpFormats>,
    /// RFC 8414 `token_endpoint_auth_methods_supported`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub token_endpoint_auth_methods_supported: Vec<String>,
}

/// RFC 7591 §2 client metadata with the OpenID4VP members nuts-node publishes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientMetadata {
    /// `token_endpoint_auth_method`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_method: Option<String>,
    /// `grant_types`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grant_types: Vec<String>,
    /// `response_types`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub response_types: Vec<String>,
    /// `software_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_id: Option<String>,
    /// `software_version`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_version: Option<String>,
    /// OpenID4VP `vp_formats`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vp_formats: Option<VpFormats>,
    /// OpenID4VP `client_id_scheme`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id_scheme: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8414_3_1_well_known_goes_between_host_and_path() {
        let at = |id: &str, suffix: &str| well_known_url(id, suffix).map(|u| u.to_string());
        assert_eq!(
            at("https://as.example/oauth2/x", OAUTH_AUTHORIZATION_SERVER).unwrap(),
            "https://as.example/.well-known/oauth-authorization-server/oauth2/x"
        );
        assert_eq!(
            at("https://as.example", OAUTH_AUTHORIZATION_SERVER).unwrap(),
            "https://as.example/.well-known/oauth-authorization-server"
        );
        assert_eq!(
            at(
                "https://c.example:8443/base/oauth2/org/",
                OPENID_CONFIGURATION
            )
            .unwrap(),
            "https://c.example:8443/.well-known/openid-configuration/base/oauth2/org"
        );
    }

    #[test]
    fn rfc8414_2_an_issuer_has_no_query_or_fragment_and_is_http() {
        assert_eq!(
            well_known_url("https://as.example/x?q=1", OAUTH_AUTHORIZATION_SERVER),
            Err(WellKnownError::QueryOrFragment)
        );
        assert_eq!(
            well_known_url("https://as.example/x#f", OAUTH_AUTHORIZATION_SERVER),
            Err(WellKnownError::QueryOrFragment)
        );
        for bad in ["not a url", "urn:x:y", "did:web:example.com", "file:///etc"] {
            assert_eq!(
                well_known_url(bad, OAUTH_AUTHORIZATION_SERVER),
                Err(WellKnownError::NotHttpUrl),
                "{bad}"
            );
        }
    }

    #[test]
    fn remote_metadata_reads_with_only_an_issuer_and_ignores_unknown_members() {
        let read: AuthorizationServerMetadata = serde_json::from_value(serde_json::json!({
            "issuer": "https://as.example", "something_new": [1]
        }))
        .unwrap();
        assert_eq!(read.issuer, "https://as.example");
        assert_eq!(read.token_endpoint, None);
        assert_eq!(
            serde_json::to_value(&read).unwrap(),
            serde_json::json!({"issuer": "https://as.example"})
        );
    }
}
