//! Errors of DID handling, one variant per rule broken.

/// Why a DID could not be parsed, resolved or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Not a DID or DID URL (DID Core §3.1, §3.2).
    #[error("`{0}` is not a valid DID")]
    InvalidDid(String),
    /// The method is not one Hazel resolves.
    #[error("DID method `{0}` is not supported")]
    UnsupportedMethod(String),
    /// The method-specific identifier breaks the method's own rules.
    #[error("invalid {method} identifier: {reason}")]
    InvalidIdentifier {
        /// The DID method.
        method: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The DID does not exist (HTTP 404 for did:web, an unknown local subject).
    #[error("DID document not found")]
    NotFound,
    /// The DID has been deactivated.
    #[error("DID is deactivated")]
    Deactivated,
    /// The document is not a valid DID document, or is for another DID.
    #[error("invalid DID document: {0}")]
    InvalidDocument(String),
    /// The document could not be retrieved or used (network, size, status, content). The
    /// reason is kept for the log ([`Error::detail`]) and left out of `Display`: a public
    /// answer that told a refused connection from a 404 or a timeout would let anyone scan
    /// ports through the node.
    #[error("DID document could not be retrieved")]
    Unavailable(String),
    /// The resolver's own rules forbid fetching the document (the outbound guard of strict
    /// mode: a loopback or private address, plain http); nothing was fetched. The rule is kept
    /// for the log and the operator's API ([`Error::detail`]), as for [`Error::Unavailable`].
    #[error("DID document could not be retrieved")]
    NotAllowed(String),
    /// The DID URL names no verification method of the document.
    #[error("verification method `{0}` not found")]
    KeyNotFound(String),
    /// The verification method exists but not under the relationship asked for.
    #[error("verification method `{kid}` is not authorized for {relationship}")]
    NotAuthorized {
        /// The DID URL of the method.
        kid: String,
        /// The relationship asked for.
        relationship: &'static str,
    },
    /// The verification method's key material is unusable.
    #[error("key of `{kid}` is invalid: {reason}")]
    InvalidKey {
        /// The DID URL of the method.
        kid: String,
        /// Why.
        reason: String,
    },
}

impl Error {
    /// The whole reason, for logs and the operator's API: `Display` without what it leaves out
    /// of public answers.
    pub fn detail(&self) -> String {
        match self {
            Self::Unavailable(reason) => format!("DID document could not be retrieved: {reason}"),
            Self::NotAllowed(rule) => format!("DID document may not be retrieved: {rule}"),
            other => other.to_string(),
        }
    }
}
