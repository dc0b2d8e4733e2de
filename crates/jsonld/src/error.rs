//! Why a document could not be canonicalized.

/// A refused JSON-LD document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The document names a context Hazel does not hold (built in, mapped or allow-listed).
    #[error("JSON-LD context {0} is not known to this node")]
    UnknownContext(String),
    /// A context document could not be read or is not a JSON-LD context.
    #[error("JSON-LD context {url}: {reason}")]
    InvalidContext {
        /// The context's URL.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// A member's term is not defined by any context in scope.
    #[error("term `{0}` is not defined in the document's JSON-LD contexts")]
    UndefinedTerm(String),
    /// A node identifier or type is not an absolute IRI, so RDF would silently drop it.
    #[error("`{0}` is not an absolute IRI or blank node identifier")]
    RelativeIri(String),
    /// JSON-LD expansion failed (an invalid context or document).
    #[error("JSON-LD expansion failed: {0}")]
    Expansion(String),
    /// The document exceeds a limit.
    #[error("document is too large to canonicalize: {0}")]
    TooLarge(String),
    /// Canonicalization failed, or gave up at its work limit.
    #[error("RDF canonicalization failed: {0}")]
    Canonicalization(String),
}
