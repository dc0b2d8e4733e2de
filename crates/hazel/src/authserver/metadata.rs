//! RFC 8414 authorization server metadata, with the members nuts-node v6 publishes and reads
//! (`did_methods_supported`, `vp_formats_supported`, `presentation_definition_endpoint`, …).

use serde_json::{Value, json};

use super::issuer_url;

/// JWS algorithms accepted for DPoP proofs, request objects and presentations, in nuts-node's
/// order (`crypto/jwx/algorithm.go`).
pub const SIGNING_ALGORITHMS: [&str; 7] = [
    "ES256", "EdDSA", "ES384", "ES512", "PS256", "PS384", "PS512",
];

/// The DID methods whose presentations this node verifies. did:x509 (which nuts-node lists) is
/// not: a client that picks it would be refused, so it is not offered.
pub const DID_METHODS: [&str; 3] = ["web", "jwk", "key"];

/// The presentation and credential formats this node verifies, as OpenID4VP `vp_formats`.
pub fn vp_formats() -> Value {
    let algs = json!({ "alg_values_supported": SIGNING_ALGORITHMS });
    let proof_types = json!({ "proof_type_values_supported": [vc::ldp::JSON_WEB_SIGNATURE_2020] });
    json!({
        "jwt_vp_json": algs,
        "jwt_vp": algs,
        "jwt_vc_json": algs,
        "jwt_vc": algs,
        "ldp_vc": proof_types,
        "ldp_vp": proof_types,
    })
}

/// The metadata of `subject`'s authorization server.
pub fn authorization_server(public_url: &str, subject: &str) -> Value {
    let issuer = issuer_url(public_url, subject);
    json!({
        "issuer": issuer,
        "token_endpoint": format!("{issuer}/token"),
        "presentation_definition_endpoint": format!("{issuer}/presentation_definition"),
        "presentation_definition_uri_supported": true,
        "grant_types_supported": ["authorization_code", "vp_token-bearer"],
        "response_types_supported": ["code", "vp_token"],
        "response_modes_supported": ["query", "direct_post"],
        "client_id_schemes_supported": ["entity_id"],
        "did_methods_supported": DID_METHODS,
        "dpop_signing_alg_values_supported": SIGNING_ALGORITHMS,
        "request_object_signing_alg_values_supported": SIGNING_ALGORITHMS,
        "require_signed_request_object": true,
        "pre-authorized_grant_anonymous_access_supported": true,
        "vp_formats_supported": vp_formats(),
        "vp_formats": vp_formats(),
        "token_endpoint_auth_methods_supported": ["none"],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8414_issuer_and_endpoints_share_the_base_path() {
        let metadata = authorization_server("https://example.com/base", "verifier");
        assert_eq!(
            metadata["issuer"],
            "https://example.com/base/oauth2/verifier"
        );
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
    }
}
