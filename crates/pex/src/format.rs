//! Claim Format Designations (PE v2.0 §9 and the `format` property of §5 and §5.1.1).
//!
//! A definition or input descriptor may restrict the formats, signature algorithms (`alg`, for the
//! JWT family) and proof types (`proof_type`, for the Linked Data Proof family) it accepts.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Invalid, Violation};
use crate::json::{self, Object};

/// The format of a verifiable credential, as PE v2.0 §9 designates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialFormat {
    /// `jwt_vc`: a JWT-encoded W3C credential.
    JwtVc,
    /// `ldp_vc`: a JSON-LD credential with a Linked Data Proof.
    LdpVc,
}

impl CredentialFormat {
    /// The designation as it appears on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::JwtVc => "jwt_vc",
            Self::LdpVc => "ldp_vc",
        }
    }

    /// The generic designation of the same family (`jwt` or `ldp`).
    const fn family(self) -> &'static str {
        match self {
            Self::JwtVc => "jwt",
            Self::LdpVc => "ldp",
        }
    }
}

/// The format of a verifiable presentation, as PE v2.0 §9 designates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PresentationFormat {
    /// `jwt_vp`: a JWT-encoded W3C presentation.
    JwtVp,
    /// `ldp_vp`: a JSON-LD presentation with a Linked Data Proof.
    LdpVp,
}

impl PresentationFormat {
    /// The designation as it appears on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::JwtVp => "jwt_vp",
            Self::LdpVp => "ldp_vp",
        }
    }

    const fn family(self) -> &'static str {
        match self {
            Self::JwtVp => "jwt",
            Self::LdpVp => "ldp",
        }
    }
}

/// Designations of the JWT family: their object carries `alg`.
const JWT_FAMILY: [&str; 3] = ["jwt", "jwt_vc", "jwt_vp"];
/// Designations of the Linked Data Proof family: their object carries `proof_type`.
const LDP_FAMILY: [&str; 3] = ["ldp", "ldp_vc", "ldp_vp"];
/// Designations that say something about credentials.
const CREDENTIAL_LEVEL: [&str; 4] = ["jwt", "jwt_vc", "ldp", "ldp_vc"];
/// Designations that say something about presentations.
const PRESENTATION_LEVEL: [&str; 4] = ["jwt", "jwt_vp", "ldp", "ldp_vp"];

/// One claim format designation: the algorithms or proof types accepted for a format.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Designation {
    /// JWT family: the accepted JWS `alg` values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alg: Option<Vec<String>>,
    /// Linked Data Proof family: the accepted proof types.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proof_type: Option<Vec<String>>,
    /// Members this crate does not know, kept as they were.
    #[serde(flatten)]
    pub unknown: Map<String, Value>,
}

impl Designation {
    fn accepts(&self, proof: &str) -> bool {
        self.alg
            .iter()
            .chain(self.proof_type.iter())
            .flatten()
            .any(|a| a == proof)
    }
}

/// The `format` object of a definition or input descriptor: designation name → designation.
///
/// Designations outside the PE v2.0 registry (for example `vc+sd-jwt`) are kept and served
/// unchanged but never match a credential of this crate's formats.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(transparent)]
pub struct FormatDesignations(pub BTreeMap<String, Designation>);

impl FormatDesignations {
    /// Parses a `format` object at `pointer`.
    ///
    /// PE v2.0 §5: "the value MUST be an object with one or more properties matching the
    /// registered Claim Format Designations … The object MUST include a format-specific property
    /// (i.e., alg, proof_type) … Its value MUST be an array of one or more" identifiers.
    pub(crate) fn parse(value: &Value, pointer: &str) -> Result<Self, Invalid> {
        let Value::Object(map) = value else {
            return Err(json::wrong(pointer, "an object"));
        };
        let mut out = BTreeMap::new();
        for (name, entry) in map {
            let at = json::member(pointer, name);
            let designation = if JWT_FAMILY.contains(&name.as_str()) {
                let object = Object::new(entry, &at, &["alg"])?;
                Designation {
                    alg: Some(algorithms(&object, "alg")?),
                    proof_type: None,
                    unknown: object.unknown(),
                }
            } else if LDP_FAMILY.contains(&name.as_str()) {
                let object = Object::new(entry, &at, &["proof_type"])?;
                Designation {
                    alg: None,
                    proof_type: Some(algorithms(&object, "proof_type")?),
                    unknown: object.unknown(),
                }
            } else {
                let object = Object::new(entry, &at, &[])?;
                Designation {
                    unknown: object.unknown(),
                    ..Designation::default()
                }
            };
            out.insert(name.clone(), designation);
        }
        Ok(Self(out))
    }

    /// Whether a credential in `format`, signed with `proof` (its `alg` or proof type), is
    /// acceptable.
    ///
    /// When the object names no credential-level designation (`jwt_vc`, `ldp_vc`, `jwt`, `ldp`)
    /// it only restricts presentations and every credential passes. Otherwise the credential's
    /// designation (or the generic one of its family) must be present and list `proof`.
    pub fn allows_credential(&self, format: CredentialFormat, proof: &str) -> bool {
        self.allows(&CREDENTIAL_LEVEL, [format.as_str(), format.family()], proof)
    }

    /// Whether a presentation in `format`, signed with `proof`, is acceptable; the same rule as
    /// [`FormatDesignations::allows_credential`] over `jwt_vp`, `ldp_vp`, `jwt`, `ldp`.
    pub fn allows_presentation(&self, format: PresentationFormat, proof: &str) -> bool {
        self.allows(
            &PRESENTATION_LEVEL,
            [format.as_str(), format.family()],
            proof,
        )
    }

    fn allows(&self, level: &[&str], names: [&str; 2], proof: &str) -> bool {
        if !level.iter().any(|name| self.0.contains_key(*name)) {
            return true;
        }
        names
            .iter()
            .filter_map(|name| self.0.get(*name))
            .any(|designation| designation.accepts(proof))
    }
}

fn algorithms(object: &Object<'_>, key: &'static str) -> Result<Vec<String>, Invalid> {
    let Some(items) = object.optional_array(key)? else {
        return Err(Invalid::new(object.at(key), Violation::Missing));
    };
    if items.is_empty() {
        return Err(Invalid::new(object.at(key), Violation::Empty));
    }
    json::strings(items, &object.at(key))
}
