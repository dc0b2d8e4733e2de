//! Verifier side: checking a presentation submission against a definition and the
//! presentation(s) it describes (PE v2.0 §6.1, §7.1.3, §8).
//!
//! Signatures, validity periods and revocation are checked by the application before this step
//! (§6.3 puts them outside Presentation Exchange); this module decides whether what was presented
//! is what was asked for. The checks run in this order:
//!
//! 1. §6: `definition_id` is the `id` of the definition.
//! 2. Each presentation's `verifiableCredential` holds as many entries as the application supplied
//!    credentials for it, and its format and proof are accepted by the definition's `format`.
//! 3. For each `descriptor_map` entry (§6.1):
//!    1. its `id` names an input descriptor of the definition, and no other entry names it;
//!    2. its `path` (and `path_nested`) select one credential: in a single presentation
//!       `$.verifiableCredential` (a single object, or an array of one) or
//!       `$.verifiableCredential[i]`, or `$` followed by such a `path_nested`; in an array of
//!       presentations `$[j]` followed by such a `path_nested`. Each level's `format` must be the
//!       format of what it selects;
//!    3. that credential satisfies the input descriptor (§8).
//! 4. Without submission requirements every input descriptor is submitted (§5); with them, each
//!    requirement is met by the submitted descriptors (§7.1.3.5).
//! 5. The claims of the mapped fields are extracted; a claim produced twice with different values
//!    is refused.

use serde_json::Value;
use serde_json_path::{JsonPath, PathElement};

use crate::claims::Claims;
use crate::error::{Error, Invalid, Violation};
use crate::format::PresentationFormat;
use crate::json;
use crate::matching::{CompiledDefinition, Credential};
use crate::submission::{DescriptorMapping, PresentationSubmission};

/// A verified presentation as the engine sees it.
#[derive(Debug, Clone, Copy)]
pub struct Presentation<'a> {
    /// Its format.
    pub format: PresentationFormat,
    /// The JWS `alg` of a `jwt_vp`, or the proof type of an `ldp_vp`.
    pub proof: &'a str,
    /// Its W3C JSON form, against which descriptor paths are evaluated (for a `jwt_vp` the `vp`
    /// claim, with `id` from `jti`, as nuts-node's `ParseEnvelope` builds it). Its
    /// `verifiableCredential` entries may stay JWT strings.
    pub json: &'a Value,
    /// Its credentials, in the order of `verifiableCredential`.
    pub credentials: &'a [Credential<'a>],
}

/// What the submission is embedded in: one presentation, or a JSON array of presentations
/// (nuts-node's "envelope").
///
/// `'p` is the lifetime of the presentations, `'a` that of the credentials they hold (which the
/// [`Evaluation`] borrows).
#[derive(Debug, Clone, Copy)]
pub enum Envelope<'p, 'a> {
    /// One presentation: paths are evaluated against it.
    Single(&'p Presentation<'a>),
    /// An array of presentations: top-level paths select `$[j]` and nest into it.
    Array(&'p [Presentation<'a>]),
}

impl<'p, 'a> Envelope<'p, 'a> {
    fn presentations(&self) -> &'p [Presentation<'a>] {
        match *self {
            Self::Single(presentation) => std::slice::from_ref(presentation),
            Self::Array(presentations) => presentations,
        }
    }
}

/// One input descriptor and the credential that satisfies it.
#[derive(Debug, Clone)]
pub struct DescriptorMatch<'a> {
    /// The input descriptor's id.
    pub input_descriptor: String,
    /// Index of the presentation in the envelope.
    pub presentation: usize,
    /// Index of the credential in that presentation.
    pub credential_index: usize,
    /// The credential.
    pub credential: &'a Credential<'a>,
}

/// The outcome of a successful evaluation.
#[derive(Debug, Clone)]
pub struct Evaluation<'a> {
    /// The submitted input descriptors, in `descriptor_map` order.
    pub matches: Vec<DescriptorMatch<'a>>,
    /// The claims of the mapped fields.
    pub claims: Claims,
}

/// Where a descriptor path is evaluated.
#[derive(Clone, Copy)]
enum Level {
    /// The array of presentations.
    Envelope,
    /// Inside presentation `j`; `at_root` when the path may still select the presentation itself.
    Presentation { index: usize, at_root: bool },
}

impl CompiledDefinition {
    /// Checks `submission` and the presentation(s) in `envelope` against this definition.
    pub fn evaluate<'a>(
        &self,
        submission: &PresentationSubmission,
        envelope: Envelope<'_, 'a>,
    ) -> Result<Evaluation<'a>, Error> {
        let definition = self.definition();
        // Step 1.
        if submission.definition_id != definition.id {
            return Err(Error::DefinitionIdMismatch {
                expected: definition.id.clone(),
                actual: submission.definition_id.clone(),
            });
        }
        // Step 2.
        let presentations = envelope.presentations();
        for (index, presentation) in presentations.iter().enumerate() {
            let in_json = credential_count(presentation.json);
            if in_json != presentation.credentials.len() {
                return Err(Error::CredentialCountMismatch {
                    presentation: index,
                    in_json,
                    supplied: presentation.credentials.len(),
                });
            }
            if let Some(format) = &definition.format
                && !format.allows_presentation(presentation.format, presentation.proof)
            {
                return Err(Error::PresentationFormatNotAllowed {
                    presentation: index,
                    format: presentation.format.as_str(),
                    proof: presentation.proof.to_owned(),
                });
            }
        }
        // Step 3.
        let placeholder = Value::Array(vec![Value::Null; presentations.len()]);
        let mut submitted = vec![false; definition.input_descriptors.len()];
        let mut matches = Vec::with_capacity(submission.descriptor_map.len());
        let mut claims = Claims::new();
        for (k, mapping) in submission.descriptor_map.iter().enumerate() {
            let Some((d, descriptor)) = definition.input_descriptor(&mapping.id) else {
                return Err(Error::UnknownInputDescriptor {
                    id: mapping.id.clone(),
                });
            };
            if let Some(seen) = submitted.get_mut(d) {
                if *seen {
                    return Err(Error::DuplicateMapping {
                        id: mapping.id.clone(),
                    });
                }
                *seen = true;
            }
            let level = match envelope {
                Envelope::Single(_) => Level::Presentation {
                    index: 0,
                    at_root: true,
                },
                Envelope::Array(_) => Level::Envelope,
            };
            let (p, c) = resolve(
                mapping,
                &format!("/descriptor_map/{k}"),
                level,
                presentations,
                &placeholder,
            )?;
            let Some(credential) = presentations.get(p).and_then(|pr| pr.credentials.get(c)) else {
                return Err(Error::PathSelectsNothing {
                    pointer: format!("/descriptor_map/{k}/path"),
                });
            };
            let values = self.field_values(d, credential).map_err(|failure| {
                Error::DescriptorNotSatisfied {
                    input_descriptor: descriptor.id.clone(),
                    mismatch: self.mismatch(d, failure, credential),
                }
            })?;
            // Step 5, per descriptor.
            self.add_claims(d, &values, &mut claims)?;
            matches.push(DescriptorMatch {
                input_descriptor: descriptor.id.clone(),
                presentation: p,
                credential_index: c,
                credential,
            });
        }
        // Step 4.
        match definition.submission_requirements.as_deref() {
            Some(requirements) if !requirements.is_empty() => {
                for (i, requirement) in requirements.iter().enumerate() {
                    requirement.is_met(
                        &definition.input_descriptors,
                        &submitted,
                        &format!("/submission_requirements/{i}"),
                    )?;
                }
            }
            _ => {
                if let Some((_, descriptor)) = submitted
                    .iter()
                    .zip(&definition.input_descriptors)
                    .find(|(present, _)| !**present)
                {
                    return Err(Error::MissingInputDescriptor {
                        id: descriptor.id.clone(),
                    });
                }
            }
        }
        Ok(Evaluation { matches, claims })
    }
}

/// Number of credentials a presentation's JSON holds: an array's length, one for a single value.
fn credential_count(presentation: &Value) -> usize {
    match presentation.get("verifiableCredential") {
        None | Some(Value::Null) => 0,
        Some(Value::Array(items)) => items.len(),
        Some(_) => 1,
    }
}

/// PE v2.0 §6.1 steps 1.1–1.3: follows `path` and `path_nested` to a credential, returning the
/// presentation and credential indexes.
fn resolve(
    mapping: &DescriptorMapping,
    pointer: &str,
    level: Level,
    presentations: &[Presentation<'_>],
    placeholder: &Value,
) -> Result<(usize, usize), Error> {
    let path_at = json::member(pointer, "path");
    let format_at = json::member(pointer, "format");
    let path = JsonPath::parse(&mapping.path).map_err(|e| {
        Invalid::new(path_at.clone(), Violation::InvalidJsonPath(e.to_string())).in_submission()
    })?;
    let nested = |level: Level| match &mapping.path_nested {
        Some(inner) => resolve(
            inner,
            &json::member(pointer, "path_nested"),
            level,
            presentations,
            placeholder,
        ),
        None => Err(Error::PathNotAClaim {
            pointer: path_at.clone(),
            expected: "credential",
        }),
    };
    let check_format = |declared: &str, actual: &'static str| {
        if declared == actual {
            Ok(())
        } else {
            Err(Error::FormatMismatch {
                pointer: format_at.clone(),
                declared: declared.to_owned(),
                actual,
            })
        }
    };
    match level {
        Level::Envelope => {
            let index = match locate(&path, placeholder, &path_at)?.as_slice() {
                [PathElement::Index(j)] => *j,
                _ => {
                    return Err(Error::PathNotAClaim {
                        pointer: path_at,
                        expected: "presentation",
                    });
                }
            };
            let presentation =
                presentations
                    .get(index)
                    .ok_or_else(|| Error::PathSelectsNothing {
                        pointer: path_at.clone(),
                    })?;
            check_format(&mapping.format, presentation.format.as_str())?;
            nested(Level::Presentation {
                index,
                at_root: false,
            })
        }
        Level::Presentation { index, at_root } => {
            let Some(presentation) = presentations.get(index) else {
                return Err(Error::PathSelectsNothing { pointer: path_at });
            };
            let location = locate(&path, presentation.json, &path_at)?;
            let credential = match location.as_slice() {
                [] if at_root => {
                    check_format(&mapping.format, presentation.format.as_str())?;
                    return nested(Level::Presentation {
                        index,
                        at_root: false,
                    });
                }
                [PathElement::Name(name)] if *name == "verifiableCredential" => {
                    // A single object, or (leniently) an array holding exactly one credential.
                    match presentation.json.get("verifiableCredential") {
                        Some(Value::Array(items)) if items.len() != 1 => None,
                        _ => Some(0),
                    }
                }
                [PathElement::Name(name), PathElement::Index(i)]
                    if *name == "verifiableCredential" =>
                {
                    Some(*i)
                }
                _ => None,
            };
            let Some(credential) = credential.filter(|&i| i < presentation.credentials.len())
            else {
                return Err(Error::PathNotAClaim {
                    pointer: path_at,
                    expected: "credential",
                });
            };
            let actual = presentation
                .credentials
                .get(credential)
                .map_or("", |c| c.format.as_str());
            check_format(&mapping.format, actual)?;
            if mapping.path_nested.is_some() {
                return Err(Error::UnsupportedNesting {
                    pointer: json::member(pointer, "path_nested"),
                });
            }
            Ok((index, credential))
        }
    }
}

/// The normalized location of the one value `path` selects in `value`.
fn locate<'v>(
    path: &JsonPath,
    value: &'v Value,
    path_at: &str,
) -> Result<Vec<PathElement<'v>>, Error> {
    let located = path.query_located(value);
    match located.exactly_one() {
        Ok(node) => Ok(node.to_location().iter().cloned().collect()),
        Err(e) if e.is_empty() => Err(Error::PathSelectsNothing {
            pointer: path_at.to_owned(),
        }),
        Err(_) => Err(Error::PathNotAClaim {
            pointer: path_at.to_owned(),
            expected: "single claim",
        }),
    }
}

#[cfg(test)]
mod tests;
