//! The OAuth 2.0 authorization server of each subject (nuts-node v6 `/oauth2/{subject}/…`): its
//! RFC 8414 metadata, the `vp_token-bearer` grant, token introspection and the DPoP checks a
//! resource server delegates. The HTTP handlers in `http::public` and `http::internal` are thin:
//! everything that decides lives here.

pub mod client;
pub mod dynamic;
pub mod entity;
pub mod introspection;
pub mod metadata;
pub mod replay;
pub mod s2s;

/// The issuer identifier of a subject's authorization server: `<url>/oauth2/<subject>`, with the
/// base path of `url` kept (nuts-node: `https://example.com/base` → `…/base/oauth2/<subject>`).
pub fn issuer_url(public_url: &str, subject: &str) -> String {
    format!("{}/oauth2/{subject}", public_url.trim_end_matches('/'))
}

/// The token endpoint of a subject's authorization server.
pub fn token_endpoint(public_url: &str, subject: &str) -> String {
    format!("{}/token", issuer_url(public_url, subject))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_keeps_the_base_path_and_drops_a_trailing_slash() {
        assert_eq!(
            issuer_url("https://example.com/base/", "verifier"),
            "https://example.com/base/oauth2/verifier"
        );
        assert_eq!(
            token_endpoint("https://example.com", "v"),
            "https://example.com/oauth2/v/token"
        );
    }
}
