//! Holder side: choosing credentials that satisfy a definition and describing them in a
//! presentation submission (PE v2.0 §8 and §6).
//!
//! The choice is deterministic — the same definition, credentials and selection give the same
//! result — and runs in these steps:
//!
//! 1. Every key of the caller's `credential_selection` (nuts-node v6 internal API) must name a
//!    field `id` of the definition.
//! 2. For each input descriptor, the candidates are the credentials that satisfy it (§8: format
//!    designations, then every field in order) and, for descriptors with selected fields, whose
//!    field values equal the selected values. A descriptor with `limit_disclosure: required` has
//!    no candidates: selective disclosure is not supported and §5.1.1 says to return nothing.
//! 3. The descriptors to submit: all of them (§5), or those the submission requirements pick
//!    (§7.1.3; see `SubmissionRequirement::choose`).
//! 4. Each submitted descriptor takes its newest candidate (highest `issued_at`, ties broken by the
//!    smallest `id`, then by position in the input). The chosen credentials, in the order of the
//!    descriptors that first use them, form the presentation; then every descriptor is mapped to
//!    the *first* credential of the presentation that satisfies it, and credentials left unused
//!    are dropped. This gives the mapping nuts-node v6 reconstructs when it verifies
//!    (`PresentationSubmission.Validate` rebuilds the submission from the presentation's
//!    credentials in order and compares), and it never discloses more than needed.
//! 5. The submission's descriptor map lists the submitted descriptors in definition order, each
//!    flat (no `path_nested`) with the credential's own format (`jwt_vc` / `ldp_vc`) and the path
//!    [`credential_path`] gives — for `ldp_vp` and `jwt_vp` alike, as nuts-node v6.2.10
//!    `PresentationSubmissionBuilder.Build` does (`vcr/pe/presentation_submission.go`; its test
//!    "jwt_vp / 1 presentation with 1 credential" expects `$.verifiableCredential`).
//! 6. The result is checked against the submission requirements once more, and the claims of the
//!    mapped fields are extracted.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use serde_json::Value;

use crate::claims::Claims;
use crate::error::{Error, Mismatch, Unmatched};
use crate::matching::{CompiledDefinition, Credential, Failure};
use crate::requirement::Unsatisfiable;
use crate::submission::{DescriptorMapping, PresentationSubmission, credential_path};

/// nuts-node's `credential_selection`: field `id` → the value that field must have in the chosen
/// credential. Values compare as strings (numbers and booleans in their JSON spelling).
pub type CredentialSelection = BTreeMap<String, String>;

/// The wallet's choice for a definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// Indexes into the given credentials, in the order the presentation must hold them. With
    /// exactly one, the presentation holds `verifiableCredential` as a single object (the path in
    /// the submission is `$.verifiableCredential`); otherwise as an array.
    pub credentials: Vec<usize>,
    /// The presentation submission describing them.
    pub submission: PresentationSubmission,
    /// The claims the mapped fields produce.
    pub claims: Claims,
}

/// Candidates of one input descriptor and, when there are none, why.
struct Candidates {
    /// Indexes of the matching credentials, ascending.
    matching: Vec<usize>,
    /// Why no credential matches (set only when `matching` is empty).
    mismatch: Option<Mismatch>,
}

impl CompiledDefinition {
    /// Chooses credentials for this definition; `submission_id` becomes the submission's `id` (a
    /// fresh UUID from the caller: the engine has no randomness).
    pub fn select(
        &self,
        credentials: &[Credential<'_>],
        selection: &CredentialSelection,
        submission_id: impl Into<String>,
    ) -> Result<Selection, Error> {
        let descriptors = &self.definition().input_descriptors;
        // Step 1.
        let selected = self.selection_per_descriptor(selection)?;
        // Step 2.
        let candidates: Vec<Candidates> = (0..descriptors.len())
            .map(|d| self.candidates(d, credentials, selected.get(d).map_or(&[], Vec::as_slice)))
            .collect();
        // Step 3.
        let chosen = self.choose_descriptors(&candidates)?;
        // Step 4.
        let best: Vec<Option<usize>> = candidates
            .iter()
            .zip(&chosen)
            .map(|(c, &wanted)| {
                if !wanted {
                    return None;
                }
                c.matching
                    .iter()
                    .copied()
                    .min_by_key(|&i| credentials.get(i).map(|c| (Reverse(c.issued_at), c.id, i)))
            })
            .collect();
        let mut order: Vec<usize> = Vec::new();
        for &index in best.iter().flatten() {
            if !order.contains(&index) {
                order.push(index);
            }
        }
        let assigned: Vec<Option<usize>> = candidates
            .iter()
            .zip(&best)
            .map(|(c, own)| {
                own.and_then(|_| {
                    order
                        .iter()
                        .copied()
                        .find(|i| c.matching.binary_search(i).is_ok())
                })
            })
            .collect();
        order.retain(|i| assigned.contains(&Some(*i)));
        // Step 5.
        let mut descriptor_map = Vec::new();
        let mut claims = Claims::new();
        for (d, target) in assigned.iter().enumerate() {
            let (Some(target), Some(descriptor)) = (target, descriptors.get(d)) else {
                continue;
            };
            let (Some(position), Some(credential)) = (
                order.iter().position(|i| i == target),
                credentials.get(*target),
            ) else {
                continue;
            };
            descriptor_map.push(DescriptorMapping::new(
                descriptor.id.clone(),
                credential.format.as_str(),
                credential_path(position, order.len()),
            ));
            // Step 6 (claims).
            self.claims_into(d, credential, &mut claims)?;
        }
        // Step 6 (requirements).
        let submitted: Vec<bool> = assigned.iter().map(Option::is_some).collect();
        for (i, requirement) in self.requirements().iter().enumerate() {
            requirement
                .is_met(
                    descriptors,
                    &submitted,
                    &format!("/submission_requirements/{i}"),
                )
                .map_err(|e| match e {
                    Error::RequirementNotMet {
                        requirement,
                        shortfall,
                    } => Error::RequirementUnsatisfiable {
                        requirement,
                        shortfall,
                        unmatched: Vec::new(),
                    },
                    other => other,
                })?;
        }
        Ok(Selection {
            credentials: order,
            submission: PresentationSubmission {
                id: submission_id.into(),
                definition_id: self.definition().id.clone(),
                descriptor_map,
                unknown: serde_json::Map::new(),
            },
            claims,
        })
    }

    fn requirements(&self) -> &[crate::requirement::SubmissionRequirement] {
        self.definition()
            .submission_requirements
            .as_deref()
            .unwrap_or(&[])
    }

    /// Step 1: the selection entries that apply to each input descriptor.
    fn selection_per_descriptor<'s>(
        &self,
        selection: &'s CredentialSelection,
    ) -> Result<Vec<Vec<(&'s str, &'s str)>>, Error> {
        let descriptors = &self.definition().input_descriptors;
        let mut out = vec![Vec::new(); descriptors.len()];
        for (field_id, expected) in selection {
            let mut used = false;
            for (slot, descriptor) in out.iter_mut().zip(descriptors) {
                if descriptor
                    .constraints
                    .fields()
                    .iter()
                    .any(|f| f.id.as_deref() == Some(field_id.as_str()))
                {
                    slot.push((field_id.as_str(), expected.as_str()));
                    used = true;
                }
            }
            if !used {
                return Err(Error::UnknownSelectionKey {
                    field_id: field_id.clone(),
                });
            }
        }
        Ok(out)
    }

    /// Step 2 for input descriptor `d`.
    fn candidates(
        &self,
        d: usize,
        credentials: &[Credential<'_>],
        selected: &[(&str, &str)],
    ) -> Candidates {
        if self
            .descriptor(d)
            .is_some_and(|descriptor| descriptor.requires_limited_disclosure())
        {
            return Candidates {
                matching: Vec::new(),
                mismatch: Some(Mismatch::LimitDisclosureUnsupported),
            };
        }
        let mut matching = Vec::new();
        let mut closest: Option<(usize, Failure)> = None;
        let mut excluded_by: Option<&str> = None;
        for (index, credential) in credentials.iter().enumerate() {
            match self.satisfies(d, credential) {
                Ok(()) => {
                    let rejected = selected.iter().find(|(field_id, expected)| {
                        !selected_value_equals(
                            self.claim_of(d, field_id, credential).as_ref(),
                            expected,
                        )
                    });
                    match rejected {
                        Some((field_id, _)) => {
                            excluded_by.get_or_insert(field_id);
                        }
                        None => matching.push(index),
                    }
                }
                Err(failure) => {
                    if closest.is_none_or(|(_, f)| failure.depth() > f.depth()) {
                        closest = Some((index, failure));
                    }
                }
            }
        }
        let mismatch = if !matching.is_empty() {
            None
        } else if let Some(field_id) = excluded_by {
            Some(Mismatch::SelectionExcluded {
                field_id: field_id.to_owned(),
            })
        } else if let Some((index, failure)) = closest
            && let Some(credential) = credentials.get(index)
        {
            Some(self.mismatch(d, failure, credential))
        } else {
            Some(Mismatch::NoCredentials)
        };
        Candidates { matching, mismatch }
    }

    /// Step 3: which input descriptors to submit.
    fn choose_descriptors(&self, candidates: &[Candidates]) -> Result<Vec<bool>, Error> {
        let descriptors = &self.definition().input_descriptors;
        let mismatch_of = |d: usize| {
            candidates
                .get(d)
                .and_then(|c| c.mismatch.clone())
                .unwrap_or(Mismatch::NoCredentials)
        };
        if !self.definition().has_submission_requirements() {
            if let Some((d, descriptor)) = descriptors
                .iter()
                .enumerate()
                .find(|(d, _)| candidates.get(*d).is_none_or(|c| c.matching.is_empty()))
            {
                return Err(Error::NoMatch {
                    input_descriptor: descriptor.id.clone(),
                    mismatch: mismatch_of(d),
                });
            }
            return Ok(vec![true; descriptors.len()]);
        }
        let available: Vec<bool> = candidates.iter().map(|c| !c.matching.is_empty()).collect();
        let mut chosen = vec![false; descriptors.len()];
        for (i, requirement) in self.requirements().iter().enumerate() {
            requirement
                .choose(
                    descriptors,
                    &available,
                    &format!("/submission_requirements/{i}"),
                    &mut chosen,
                )
                .map_err(
                    |Unsatisfiable {
                         requirement,
                         shortfall,
                         unavailable,
                     }| Error::RequirementUnsatisfiable {
                        requirement,
                        shortfall,
                        unmatched: unavailable
                            .into_iter()
                            .filter_map(|d| {
                                descriptors.get(d).map(|descriptor| Unmatched {
                                    input_descriptor: descriptor.id.clone(),
                                    mismatch: mismatch_of(d),
                                })
                            })
                            .collect(),
                    },
                )?;
        }
        Ok(chosen)
    }
}

/// nuts-node `matchesSelections`: strings compare as they are, numbers and booleans in their JSON
/// spelling; anything else never equals.
fn selected_value_equals(value: Option<&Value>, expected: &str) -> bool {
    match value {
        Some(Value::String(s)) => s == expected,
        Some(Value::Number(n)) => n.to_string() == expected,
        Some(Value::Bool(b)) => (if *b { "true" } else { "false" }) == expected,
        _ => false,
    }
}

#[cfg(test)]
mod tests;
