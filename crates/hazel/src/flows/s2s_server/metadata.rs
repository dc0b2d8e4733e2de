//! What each subject's authorization server publishes: RFC 8414 metadata with the members
//! nuts-node v6 publishes and reads, its client metadata (RFC 7591), and its signed entity
//! statement (`oauth::federation`).

use did::Relationship;
use oauth::federation;
use oauth::metadata::{AuthorizationServerMetadata, ClientMetadata, VpFormat, VpFormats};
use oauth::params::Params;
use oauth::token::grant_type;
use oauth::{ErrorCode, SIGNING_ALGORITHMS};
use serde_json::Value;

use super::S2sServer;
use crate::flows::Refusal;
use crate::services::policy::WalletOwnerType;
use crate::services::subjects::{SubjectError, SubjectRecord};

/// The DID methods whose presentations this node verifies. did:x509 (which nuts-node lists) is
/// not: a client that picks it would be refused, so it is not offered.
pub const DID_METHODS: [&str; 3] = ["web", "jwk", "key"];

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

/// The presentation and credential formats this node verifies, as OpenID4VP `vp_formats`.
pub fn vp_formats() -> VpFormats {
    let algs = VpFormat {
        alg_values_supported: Some(strings(&SIGNING_ALGORITHMS)),
        proof_type_values_supported: None,
    };
    let proof_types = VpFormat {
        alg_values_supported: None,
        proof_type_values_supported: Some(strings(&[vc::ldp::JSON_WEB_SIGNATURE_2020])),
    };
    ["jwt_vp_json", "jwt_vp", "jwt_vc_json", "jwt_vc"]
        .into_iter()
        .map(|format| (format.to_owned(), algs.clone()))
        .chain(
            ["ldp_vc", "ldp_vp"]
                .into_iter()
                .map(|format| (format.to_owned(), proof_types.clone())),
        )
        .collect()
}

/// The metadata of the authorization server whose issuer URL is `issuer`.
pub fn authorization_server(issuer: &str) -> AuthorizationServerMetadata {
    AuthorizationServerMetadata {
        issuer: issuer.to_owned(),
        authorization_endpoint: None,
        token_endpoint: Some(format!("{issuer}/token")),
        presentation_definition_endpoint: Some(format!("{issuer}/presentation_definition")),
        presentation_definition_uri_supported: Some(true),
        grant_types_supported: strings(&[
            grant_type::AUTHORIZATION_CODE,
            grant_type::VP_TOKEN_BEARER,
        ]),
        response_types_supported: strings(&["code", "vp_token"]),
        response_modes_supported: strings(&["query", "direct_post"]),
        client_id_schemes_supported: strings(&["entity_id"]),
        did_methods_supported: Some(strings(&DID_METHODS)),
        dpop_signing_alg_values_supported: strings(&SIGNING_ALGORITHMS),
        request_object_signing_alg_values_supported: strings(&SIGNING_ALGORITHMS),
        require_signed_request_object: Some(true),
        pre_authorized_grant_anonymous_access_supported: Some(true),
        vp_formats_supported: Some(vp_formats()),
        vp_formats: Some(vp_formats()),
        token_endpoint_auth_methods_supported: strings(&["none"]),
    }
}

/// The client metadata every subject publishes.
pub fn client() -> ClientMetadata {
    ClientMetadata {
        token_endpoint_auth_method: Some("none".to_owned()),
        grant_types: strings(&[grant_type::AUTHORIZATION_CODE, grant_type::VP_TOKEN_BEARER]),
        response_types: strings(&["code", "vp_token"]),
        software_id: Some("hazel".to_owned()),
        software_version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        vp_formats: Some(vp_formats()),
        client_id_scheme: Some("entity_id".to_owned()),
    }
}

/// Why a subject's published documents could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The subject is unknown, deactivated, or its store failed.
    #[error(transparent)]
    Subject(#[from] SubjectError),
    /// The statement could not be signed.
    #[error(transparent)]
    Statement(#[from] federation::StatementError),
}

impl S2sServer {
    /// The active subject `id`, whose authorization server a request is for. Unknown or
    /// deactivated is the `invalid_request` "subject not found" nuts-node answers (its A4, the
    /// first check of every endpoint); a store failure is a `server_error`, not the client's
    /// fault.
    pub async fn subject(&self, id: &str) -> Result<SubjectRecord, Refusal> {
        self.services
            .subjects
            .active_recent(id)
            .await
            .map_err(|e| match e {
                SubjectError::NotFound | SubjectError::Deactivated => {
                    Refusal::invalid_request("subject not found")
                }
                other => Refusal::server_error("subject lookup failed", other),
            })
    }

    /// The metadata of `subject`'s authorization server.
    pub fn metadata(&self, subject: &SubjectRecord) -> AuthorizationServerMetadata {
        authorization_server(&self.settings.issuer(&subject.id))
    }

    /// `subject`'s entity statement, signed at `now` with its newest assertion key.
    pub async fn entity_statement(
        &self,
        subject: &SubjectRecord,
        now: i64,
    ) -> Result<String, PublishError> {
        let subjects = &self.services.subjects;
        let identifier = self.settings.issuer(&subject.id);
        let document = subjects.document(subject).await?;
        let keys: Vec<Value> = document
            .verification_method
            .iter()
            .filter_map(|method| {
                let mut jwk = method.jwk().ok()?.to_json();
                jwk.as_object_mut()?
                    .insert("kid".into(), Value::String(method.id.clone()));
                Some(jwk)
            })
            .collect();
        let (kid, signer) = subjects
            .signer(subject, Relationship::AssertionMethod)
            .await?;
        Ok(federation::sign(
            &identifier,
            keys,
            &authorization_server(&identifier),
            &kid.to_string(),
            signer.as_ref(),
            now,
        )?)
    }
}

impl S2sServer {
    /// The Presentation Definition a client must satisfy for the `scope` of `params`, for the
    /// wallet type `wallet_owner_type` (default `organization`), at `subject`'s authorization
    /// server. Several space-separated scopes are answered too: the one credential profile scope
    /// among them selects the definition, and the others must be allowed by its scope policy.
    pub async fn presentation_definition(
        &self,
        subject_id: &str,
        params: &Params,
    ) -> Result<Value, Refusal> {
        let subject = self.subject(subject_id).await?;
        let Some(scope_text) = params.get("scope") else {
            // A missing parameter is a malformed request; an empty scope (the same as omitted per
            // RFC 6749 §3.1) asks for nothing this server offers.
            return Err(if params.is_given("scope") {
                Refusal::new(ErrorCode::InvalidScope, "scope is empty")
            } else {
                Refusal::invalid_request("scope is required")
            });
        };
        let owner_name = params.get("wallet_owner_type").unwrap_or("organization");
        let no_definition = || {
            Refusal::invalid_request(format!(
                "no presentation definition found for '{owner_name}' wallet"
            ))
        };
        let owner = WalletOwnerType::parse(owner_name).ok_or_else(no_definition)?;
        let selection = self.select_scopes(&subject, scope_text).await?;
        let definition = selection
            .entry
            .definition(owner)
            .ok_or_else(no_definition)?;
        Ok(definition.json.clone())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rfc8414_issuer_and_endpoints_share_the_base_path() {
        let metadata = serde_json::to_value(authorization_server(
            "https://example.com/base/oauth2/verifier",
        ))
        .unwrap();
        assert_eq!(
            metadata["token_endpoint"],
            "https://example.com/base/oauth2/verifier/token"
        );
        assert_eq!(
            metadata["presentation_definition_endpoint"],
            "https://example.com/base/oauth2/verifier/presentation_definition"
        );
        assert_eq!(
            metadata["grant_types_supported"],
            json!(["authorization_code", "vp_token-bearer"])
        );
        assert_eq!(
            metadata["dpop_signing_alg_values_supported"],
            json!([
                "ES256", "EdDSA", "ES384", "ES512", "PS256", "PS384", "PS512"
            ])
        );
        assert!(metadata.get("authorization_endpoint").is_none());
        assert_eq!(metadata["vp_formats_supported"], metadata["vp_formats"]);
        assert_eq!(
            metadata["vp_formats"]["ldp_vp"],
            json!({"proof_type_values_supported": ["JsonWebSignature2020"]})
        );
        assert_eq!(
            metadata["pre-authorized_grant_anonymous_access_supported"],
            true
        );
    }
}
