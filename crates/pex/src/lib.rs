//! DIF Presentation Exchange v2.0.0: presentation definitions, matching, submissions and claim
//! extraction. Pure: no I/O, no clock, no randomness.
//!
//! Section numbers (`PE v2.0 §5.1.1`) count the headings of the v2.0.0 specification
//! (<https://identity.foundation/presentation-exchange/spec/v2.0.0/>) in order, since the
//! document does not print them: §5 Presentation Definition (§5.1.1 Input Descriptor Object),
//! §6 Presentation Submission (§6.1 Processing of Submission Entries), §7.1 Submission Requirement
//! Feature (§7.1.3 Submission Requirements, §7.1.3.5 Property Values and Evaluation), §7.2
//! Predicate, §7.3 Relational Constraints, §7.4 Credential Status, §7.5 JSON-LD Framing, §7.6
//! Retention, §8 Input Evaluation, §9 Claim Format Designations, §10 JSON Schemas, §11 JSONPath.
//!
//! The pieces:
//! - [`PresentationDefinition`] (module [`definition`]) parses and validates a definition, with
//!   errors that point at the offending member, and keeps unknown members for the round trip;
//!   [`CompiledDefinition`] (module [`matching`]) compiles its JSONPaths and filters once.
//! - [`CompiledDefinition::select`] (module [`selection`]) is the wallet: it chooses credentials
//!   and builds the [`PresentationSubmission`] (module [`submission`]) as nuts-node v6 does.
//! - [`CompiledDefinition::evaluate`] (module [`evaluation`]) is the verifier: it checks a
//!   submission and its presentation(s).
//! - [`SubmissionRequirement`] (module [`requirement`]) holds the `all` / `pick` rules, and
//!   [`Claims`] (module [`claims`]) the values of fields with an `id`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod claims;
pub mod definition;
pub mod error;
pub mod evaluation;
mod filter;
pub mod format;
mod json;
pub mod matching;
pub mod requirement;
pub mod selection;
pub mod submission;
#[cfg(test)]
mod test_support;

pub use claims::Claims;
pub use definition::{Constraints, Directive, Field, InputDescriptor, PresentationDefinition};
pub use error::{Error, Mismatch, Shortfall, Unmatched, Violation};
pub use evaluation::{DescriptorMatch, Envelope, Evaluation, Presentation};
pub use format::{CredentialFormat, Designation, FormatDesignations, PresentationFormat};
pub use matching::{ArrayMatching, CompiledDefinition, Credential};
pub use requirement::{Rule, SubmissionRequirement};
pub use selection::{CredentialSelection, Selection};
pub use submission::{DescriptorMapping, PresentationSubmission, credential_path};
