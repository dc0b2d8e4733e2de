//! The authorization server side of the service-to-service flow (Nuts RFC021, nuts-node v6
//! `/oauth2/{subject}/…`): each subject's RFC 8414 metadata, entity statement and client
//! metadata ([`metadata`]), and the token endpoint's `vp_token-bearer` grant ([`token`],
//! [`grant`]).
//!
//! The token endpoint's checks, in order: cheap and stateless first, so that a hopeless request
//! costs no resolution or status fetch; single-use values last, so that a refused request burns
//! nothing and a forged presentation cannot burn another client's nonce (nuts-node burns the
//! nonce before verifying):
//!
//! 1. the subject is an active subject of this node (nuts-node A4);
//! 2. the body is a form, each parameter once, the grant type known and its parameters present
//!    (RFC 6749 §3.1, §5.2; `oauth::token`);
//! 3. the assertion and the submission parse (`openid4vp::bearer` step 1);
//! 4. the DPoP proof: RFC 9449 §4.3 checks 1–11, the `jti` replay excepted;
//! 5. the presentations' unverified terms: dates, audience, nonce (step 2);
//! 6. signatures, credentials and revocation; the verified terms again; one holder (step 3);
//! 7. the scope: RFC 6749 §3.3 tokens, one credential profile scope and its Presentation
//!    Definition for an organization wallet; the submission fulfils it (step 4);
//! 8. the `client_id` is bound to the presentations' signer ([`binding`]);
//! 9. the other scopes, as the profile's scope policy says;
//! 10. the presentation nonces, then the DPoP `jti`, are claimed;
//! 11. the token is stored, the outcome audited (NEN 7510) and counted.

pub mod binding;
mod grant;
pub mod metadata;
mod token;

use std::sync::Arc;

use crate::infra::metrics::Metrics;
use crate::services::audit::AuditLog;
use crate::services::credentials::PresentationVerifier;
use crate::services::dpop::DpopGuard;
use crate::services::policy::Policy;
use crate::services::replay::Replay;
use crate::services::scopes::ScopeDecider;
use crate::services::subjects::Subjects;
use crate::services::tokens::AccessTokens;

pub use binding::ClientBindings;
pub use grant::Granted;
pub use token::{DpopHeader, TokenAnswer, TokenHttpRequest};

/// The node settings the flow reads.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The node's public URL (`url`), the base of every issuer URL.
    pub public_url: String,
    /// Allowed clock difference with clients, seconds.
    pub skew: i64,
    /// The longest a presentation may be valid, seconds.
    pub max_validity: i64,
    /// How long an access token lives, seconds.
    pub token_lifetime: i64,
}

/// The issuer identifier of a subject's authorization server: `<url>/oauth2/<subject>`, with the
/// base path of `url` kept (nuts-node: `https://example.com/base` → `…/base/oauth2/<subject>`).
/// It is also the subject's `client_id` when this node is the client.
pub fn issuer_url(public_url: &str, subject: &str) -> String {
    format!("{}/oauth2/{subject}", public_url.trim_end_matches('/'))
}

impl Settings {
    /// The issuer identifier of a subject's authorization server ([`issuer_url`]).
    pub fn issuer(&self, subject: &str) -> String {
        issuer_url(&self.public_url, subject)
    }

    /// The token endpoint of a subject's authorization server.
    pub fn token_endpoint(&self, subject: &str) -> String {
        format!("{}/token", self.issuer(subject))
    }
}

/// The services the flow needs.
#[derive(Debug, Clone)]
pub struct Services {
    /// The node's subjects: whose authorization server a request is for, and their keys.
    pub subjects: Subjects,
    /// Verifies presentations and their credentials (revocation included).
    pub verifier: Arc<dyn PresentationVerifier>,
    /// Scope → Presentation Definition.
    pub policy: Policy,
    /// Decides the extra scopes of a `dynamic` profile, when configured.
    pub scopes: Option<Arc<dyn ScopeDecider>>,
    /// Binds `client_id`s to presentation signers.
    pub bindings: ClientBindings,
    /// DPoP checks, `jti`s and server nonces.
    pub dpop: DpopGuard,
    /// Presentation nonces.
    pub replay: Replay,
    /// Where tokens are stored.
    pub tokens: AccessTokens,
    /// The audit trail.
    pub audit: AuditLog,
    /// Token counters.
    pub metrics: Arc<Metrics>,
}

/// The flow's context: built once by the composition root, cheap to clone.
#[derive(Debug, Clone)]
pub struct S2sServer {
    settings: Arc<Settings>,
    services: Arc<Services>,
}

impl S2sServer {
    /// The flow over `services` with `settings`.
    pub fn new(settings: Settings, services: Services) -> Self {
        Self {
            settings: Arc::new(settings),
            services: Arc::new(services),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The flow's caches, for the metrics.
    pub fn cache_stats(&self) -> [(&'static str, Arc<cache::Stats>); 1] {
        [self.services.bindings.cache_stats()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8414_2_the_issuer_keeps_the_base_path_and_drops_a_trailing_slash() {
        let settings = |url: &str| Settings {
            public_url: url.into(),
            skew: 5,
            max_validity: 5,
            token_lifetime: 900,
        };
        assert_eq!(
            settings("https://example.com/base/").issuer("verifier"),
            "https://example.com/base/oauth2/verifier"
        );
        assert_eq!(
            settings("https://example.com").token_endpoint("v"),
            "https://example.com/oauth2/v/token"
        );
    }
}
