//! The verifier: the `vc` crate's checks plus this node's time, resolver and revocation status.

use async_trait::async_trait;
use serde_json::Value;
use vc::{VerifiedCredential, VerifiedPresentation};

use super::{CredentialError, Credentials};

/// What a flow that accepts presentations needs of the node's credentials: verification of a
/// presentation and its credentials, revocation included.
#[async_trait]
pub trait PresentationVerifier: Send + Sync + std::fmt::Debug {
    /// Verifies a presentation (JWT string or JSON-LD object) and every credential in it at
    /// `now`.
    async fn verify_presentation(
        &self,
        presentation: &Value,
        now: i64,
    ) -> Result<VerifiedPresentation, CredentialError>;
}

#[async_trait]
impl PresentationVerifier for Credentials {
    async fn verify_presentation(
        &self,
        presentation: &Value,
        now: i64,
    ) -> Result<VerifiedPresentation, CredentialError> {
        Credentials::verify_presentation(self, presentation, now).await
    }
}

impl Credentials {
    /// Verifies a credential (JWT string or JSON-LD object) at `now`.
    pub async fn verify_credential(
        &self,
        value: &Value,
        now: i64,
    ) -> Result<VerifiedCredential, CredentialError> {
        let verified = self.verifier(now).credential(value).await?;
        self.check_status(verified.credential(), now).await?;
        Ok(verified)
    }

    /// Verifies a presentation and every credential in it at `now`.
    pub async fn verify_presentation(
        &self,
        value: &Value,
        now: i64,
    ) -> Result<VerifiedPresentation, CredentialError> {
        let verified = self.verifier(now).presentation(value).await?;
        for (index, credential) in verified.credentials().iter().enumerate() {
            self.check_status(credential.credential(), now)
                .await
                .map_err(|error| match error {
                    CredentialError::Invalid(reason) => {
                        CredentialError::Invalid(vc::Error::Credential {
                            index,
                            reason: Box::new(reason),
                        })
                    }
                    other => other,
                })?;
        }
        Ok(verified)
    }
}
