//! Why a credential or presentation is refused, one variant per rule, each with a reason a person
//! can act on.

/// A refused credential or presentation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Not a JWT, or not the JSON the data model requires.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// `credential` or `presentation`.
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A required member or claim is missing.
    #[error("{0} is missing")]
    Missing(&'static str),
    /// A JWT claim and the member it maps to disagree (VCDM 1.1 §6.3.1).
    #[error("JWT claim `{claim}` does not match the {member} of the credential")]
    ClaimMismatch {
        /// The JWT claim.
        claim: &'static str,
        /// The data-model member.
        member: &'static str,
    },
    /// The signing key does not belong to the issuer (or holder).
    #[error("signed by {signer}, which is not the {role} {expected}")]
    WrongSigner {
        /// The DID of the signing key.
        signer: String,
        /// `issuer` or `holder`.
        role: &'static str,
        /// Who should have signed.
        expected: String,
    },
    /// The DID or its key could not be resolved or is not authorized.
    #[error("signing key: {0}")]
    Key(#[from] did::Error),
    /// The signature does not verify, or the JWS is unacceptable.
    #[error("signature: {0}")]
    Signature(#[from] jose::Error),
    /// Not valid yet (`nbf` / `issuanceDate` / `validFrom` after now + skew).
    #[error("{0} is not valid yet")]
    NotYetValid(&'static str),
    /// Expired (`exp` / `expirationDate` / `validUntil` before now − skew).
    #[error("{0} has expired")]
    Expired(&'static str),
    /// A date member is not RFC 3339.
    #[error("{0} is not an RFC 3339 date")]
    BadDate(&'static str),
    /// The presentation's signer is not the subject of a credential in it (holder binding).
    #[error("presentation signer is not the subject of credential {0}")]
    HolderBinding(String),
    /// A credential inside a presentation is refused.
    #[error("credential {index}: {reason}")]
    Credential {
        /// Position in `verifiableCredential`.
        index: usize,
        /// Why.
        reason: Box<Error>,
    },
    /// The credential was revoked.
    #[error("credential is revoked")]
    Revoked,
    /// A status list could not be fetched or used; the reason is kept for the log and left out
    /// of `Display`, so that a public answer cannot tell a closed port from any other failure.
    #[error("the status list could not be retrieved")]
    StatusListUnavailable(String),
    /// A JSON-LD document could not be canonicalized (unknown context, undefined term, limits).
    #[error("JSON-LD: {0}")]
    JsonLd(#[from] jsonld::Error),
    /// The proof is not a single JsonWebSignature2020 proof.
    #[error("proof type {0} is not supported")]
    UnsupportedProof(String),
    /// The proof was made for another purpose than the one checked.
    #[error("proof purpose is {found}, expected {expected}")]
    ProofPurpose {
        /// The purpose accepted here.
        expected: &'static str,
        /// The proof's `proofPurpose`.
        found: String,
    },
    /// The format is not supported here (yet).
    #[error("format {0} is not supported")]
    UnsupportedFormat(String),
}
