//! Verified presentations and credentials as Presentation Exchange v2 sees them: the format
//! designation (PE v2.0 §9), the proof it restricts (a JWS `alg` or a linked-data proof type),
//! and the owned values an evaluation borrows from.

use std::collections::BTreeMap;

use pex::{CompiledDefinition, CredentialFormat, PresentationFormat, PresentationSubmission};
use serde_json::Value;
use vc::{Format, VerifiedPresentation};

/// The Presentation Exchange designation of a credential's format.
pub fn credential_format(format: Format) -> CredentialFormat {
    match format {
        Format::LdpVc | Format::LdpVp => CredentialFormat::LdpVc,
        Format::JwtVc | Format::JwtVp => CredentialFormat::JwtVc,
    }
}

/// The Presentation Exchange designation of a presentation's format.
pub fn presentation_format(format: Format) -> PresentationFormat {
    match format {
        Format::LdpVp | Format::LdpVc => PresentationFormat::LdpVp,
        Format::JwtVp | Format::JwtVc => PresentationFormat::JwtVp,
    }
}

/// What a format designation restricts about a credential or presentation as it came in: the
/// JWS `alg` of a JWT, the proof `type` of a JSON-LD document; empty when it has neither.
pub fn proof_of(raw: &Value) -> String {
    match raw {
        Value::String(jwt) => jose::jws::Unverified::parse(jwt)
            .map(|parsed| parsed.unverified_header().alg.as_str().to_owned())
            .unwrap_or_default(),
        other => other
            .pointer("/proof/type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
    }
}

/// How the presentations were sent: nuts-node's envelope is one presentation, or a JSON array of
/// them (even of one), and descriptor paths differ between the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeShape {
    /// One presentation, not in an array.
    Single,
    /// A JSON array of presentations.
    Array,
}

/// A credential in the owned form [`pex::Credential`] borrows.
struct OwnedCredential {
    id: String,
    format: CredentialFormat,
    proof: String,
    issued_at: i64,
    json: Value,
}

/// A presentation in the owned form [`pex::Presentation`] borrows.
struct OwnedPresentation {
    format: PresentationFormat,
    proof: String,
    json: Value,
    credentials: Vec<OwnedCredential>,
}

impl OwnedPresentation {
    fn of(verified: &VerifiedPresentation) -> Self {
        let credentials = verified
            .credentials()
            .iter()
            .map(|credential| OwnedCredential {
                id: credential.credential().id.clone().unwrap_or_default(),
                format: credential_format(credential.format()),
                proof: proof_of(credential.raw()),
                issued_at: credential
                    .credential()
                    .valid_from()
                    .ok()
                    .flatten()
                    .unwrap_or(0),
                json: credential.credential().to_json(),
            })
            .collect();
        Self {
            format: presentation_format(verified.format()),
            proof: proof_of(verified.raw()),
            json: verified.json(),
            credentials,
        }
    }
}

/// PE v2.0 §6.1, §8: checks `submission` and the verified presentations against `definition`
/// and returns the values of its fields that have an `id`.
pub fn evaluate(
    definition: &CompiledDefinition,
    submission: &PresentationSubmission,
    presentations: &[VerifiedPresentation],
    shape: EnvelopeShape,
) -> Result<BTreeMap<String, Value>, pex::Error> {
    let owned: Vec<OwnedPresentation> = presentations.iter().map(OwnedPresentation::of).collect();
    let credentials: Vec<Vec<pex::Credential<'_>>> = owned
        .iter()
        .map(|presentation| {
            presentation
                .credentials
                .iter()
                .map(|c| pex::Credential::new(&c.id, c.format, &c.proof, c.issued_at, &c.json))
                .collect()
        })
        .collect();
    let views: Vec<pex::Presentation<'_>> = owned
        .iter()
        .zip(&credentials)
        .map(|(presentation, credentials)| pex::Presentation {
            format: presentation.format,
            proof: &presentation.proof,
            json: &presentation.json,
            credentials,
        })
        .collect();
    let envelope = match (shape, views.as_slice()) {
        (EnvelopeShape::Single, [one]) => pex::Envelope::Single(one),
        _ => pex::Envelope::Array(&views),
    };
    Ok(definition.evaluate(submission, envelope)?.claims.into_map())
}
