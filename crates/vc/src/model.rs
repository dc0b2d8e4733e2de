//! The data model (VCDM 1.1 §4; VCDM 2.0 names `validFrom`/`validUntil` are read too). Members Hazel
//! does not interpret are kept, so a credential read and written again is unchanged.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Error;

/// A member that is one value or an array of values. `Many` is tried first, so that an array is
/// never taken as a single JSON value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    /// An array.
    Many(Vec<T>),
    /// A single value.
    One(T),
}

impl<T> OneOrMany<T> {
    /// The values as a slice.
    pub fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::One(one) => std::slice::from_ref(one),
            OneOrMany::Many(many) => many,
        }
    }

    /// The values, to change them.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        match self {
            OneOrMany::One(one) => std::slice::from_mut(one),
            OneOrMany::Many(many) => many,
        }
    }
}

/// Credential and presentation formats, by their registered names (OpenID4VP, DIF claim formats).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Format {
    /// A credential as a JWT.
    #[serde(rename = "jwt_vc")]
    JwtVc,
    /// A credential with a JSON-LD proof.
    #[serde(rename = "ldp_vc")]
    LdpVc,
    /// A presentation as a JWT.
    #[serde(rename = "jwt_vp")]
    JwtVp,
    /// A presentation with a JSON-LD proof.
    #[serde(rename = "ldp_vp")]
    LdpVp,
}

impl Format {
    /// The registered name.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::JwtVc => "jwt_vc",
            Format::LdpVc => "ldp_vc",
            Format::JwtVp => "jwt_vp",
            Format::LdpVp => "ldp_vp",
        }
    }
}

/// A verifiable credential in its JSON form (VCDM 1.1 §4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Credential {
    /// `@context`.
    #[serde(rename = "@context")]
    pub context: Value,
    /// `id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `type`.
    #[serde(rename = "type")]
    pub types: OneOrMany<String>,
    /// `issuer`: a URI or an object with `id`.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub issuer: Value,
    /// `issuanceDate` (VCDM 1.1).
    #[serde(
        rename = "issuanceDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub issuance_date: Option<String>,
    /// `validFrom` (VCDM 2.0).
    #[serde(rename = "validFrom", default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// `expirationDate` (VCDM 1.1).
    #[serde(
        rename = "expirationDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub expiration_date: Option<String>,
    /// `validUntil` (VCDM 2.0).
    #[serde(
        rename = "validUntil",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub valid_until: Option<String>,
    /// `credentialSubject`: one object or several.
    #[serde(rename = "credentialSubject")]
    pub credential_subject: OneOrMany<Value>,
    /// `credentialStatus`.
    #[serde(
        rename = "credentialStatus",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub credential_status: Option<OneOrMany<Value>>,
    /// `proof` (JSON-LD credentials).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<Value>,
    /// Every other member.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Parses an RFC 3339 date into Unix seconds.
pub fn parse_date(text: &str, member: &'static str) -> Result<i64, Error> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map(OffsetDateTime::unix_timestamp)
        .map_err(|_| Error::BadDate(member))
}

/// Formats Unix seconds as RFC 3339 (UTC, whole seconds).
pub fn format_date(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

impl Credential {
    /// Parses a credential from JSON.
    pub fn from_json(value: Value) -> Result<Self, Error> {
        serde_json::from_value(value).map_err(|e| Error::Malformed {
            what: "credential",
            reason: e.to_string(),
        })
    }

    /// The credential as JSON.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The issuer's id, whether `issuer` is a string or an object.
    pub fn issuer_id(&self) -> Option<&str> {
        match &self.issuer {
            Value::String(id) => Some(id),
            Value::Object(object) => object.get("id").and_then(Value::as_str),
            _ => None,
        }
    }

    /// Whether `type` contains `name`.
    pub fn has_type(&self, name: &str) -> bool {
        self.types.as_slice().iter().any(|t| t == name)
    }

    /// The `id` of each credential subject (subjects without one are skipped).
    pub fn subject_ids(&self) -> impl Iterator<Item = &str> {
        self.credential_subject
            .as_slice()
            .iter()
            .filter_map(|subject| subject.get("id").and_then(Value::as_str))
    }

    /// Start of validity: `validFrom`, else `issuanceDate`, in Unix seconds.
    pub fn valid_from(&self) -> Result<Option<i64>, Error> {
        match (&self.valid_from, &self.issuance_date) {
            (Some(date), _) => parse_date(date, "validFrom").map(Some),
            (None, Some(date)) => parse_date(date, "issuanceDate").map(Some),
            (None, None) => Ok(None),
        }
    }

    /// End of validity: `validUntil`, else `expirationDate`, in Unix seconds.
    pub fn valid_until(&self) -> Result<Option<i64>, Error> {
        match (&self.valid_until, &self.expiration_date) {
            (Some(date), _) => parse_date(date, "validUntil").map(Some),
            (None, Some(date)) => parse_date(date, "expirationDate").map(Some),
            (None, None) => Ok(None),
        }
    }

    /// Checks the validity period against `now` with `skew` seconds of tolerance.
    pub fn check_validity(&self, now: i64, skew: i64) -> Result<(), Error> {
        if self.valid_from()?.is_some_and(|from| from > now + skew) {
            return Err(Error::NotYetValid("credential"));
        }
        if self.valid_until()?.is_some_and(|until| until <= now - skew) {
            return Err(Error::Expired("credential"));
        }
        Ok(())
    }
}

/// A verifiable presentation in its JSON form (VCDM 1.1 §4.10). Credentials are kept as given:
/// JWT strings or JSON-LD objects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Presentation {
    /// `@context`.
    #[serde(rename = "@context")]
    pub context: Value,
    /// `id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `type`.
    #[serde(rename = "type")]
    pub types: OneOrMany<String>,
    /// `holder`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    /// `verifiableCredential`: one or several, absent when empty.
    #[serde(
        rename = "verifiableCredential",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub verifiable_credential: Option<OneOrMany<Value>>,
    /// `proof` (JSON-LD presentations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<Value>,
    /// Every other member.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Presentation {
    /// A presentation of `credentials` by `holder`. As nuts-node does, one credential is written
    /// as a single value and several as an array.
    pub fn new(holder: &str, mut credentials: Vec<Value>) -> Self {
        let verifiable_credential = match credentials.len() {
            0 => None,
            1 => credentials.pop().map(OneOrMany::One),
            _ => Some(OneOrMany::Many(credentials)),
        };
        Self {
            context: Value::from(vec!["https://www.w3.org/2018/credentials/v1"]),
            id: None,
            types: OneOrMany::One("VerifiablePresentation".to_owned()),
            holder: Some(holder.to_owned()),
            verifiable_credential,
            proof: None,
            other: Map::new(),
        }
    }

    /// The credentials, as given.
    pub fn credentials(&self) -> &[Value] {
        self.verifiable_credential
            .as_ref()
            .map_or(&[], OneOrMany::as_slice)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;

    fn credential() -> Value {
        json!({
            "@context": ["https://www.w3.org/2018/credentials/v1", "https://nuts.nl/credentials/v1"],
            "id": "did:web:issuer.example#1",
            "type": ["VerifiableCredential", "NutsOrganizationCredential"],
            "issuer": {"id": "did:web:issuer.example", "name": "Issuer"},
            "issuanceDate": "2024-01-01T00:00:00Z",
            "expirationDate": "2030-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:web:holder.example", "organization": {"name": "Care"}},
            "termsOfUse": [{"type": "x"}]
        })
    }

    #[test]
    fn vcdm_4_round_trip_keeps_unknown_members() {
        let value = credential();
        let parsed = Credential::from_json(value.clone()).unwrap();
        assert_eq!(parsed.to_json(), value);
        assert_eq!(parsed.issuer_id(), Some("did:web:issuer.example"));
        assert!(parsed.has_type("NutsOrganizationCredential"));
        assert_eq!(
            parsed.subject_ids().collect::<Vec<_>>(),
            ["did:web:holder.example"]
        );
    }

    #[test]
    fn vcdm_validity_period_with_skew() {
        let c = Credential::from_json(credential()).unwrap();
        let from = parse_date("2024-01-01T00:00:00Z", "x").unwrap();
        let until = parse_date("2030-01-01T00:00:00Z", "x").unwrap();
        assert!(c.check_validity(from - 5, 5).is_ok());
        assert_eq!(
            c.check_validity(from - 6, 5),
            Err(Error::NotYetValid("credential"))
        );
        assert!(c.check_validity(until + 4, 5).is_ok());
        assert_eq!(
            c.check_validity(until + 5, 5),
            Err(Error::Expired("credential"))
        );
    }

    #[test]
    fn vcdm2_names_take_precedence_and_bad_dates_are_named() {
        let mut value = credential();
        value["validUntil"] = json!("2025-01-01T00:00:00Z");
        let c = Credential::from_json(value.clone()).unwrap();
        assert_eq!(
            c.valid_until().unwrap(),
            Some(parse_date("2025-01-01T00:00:00Z", "x").unwrap())
        );
        value["issuanceDate"] = json!("yesterday");
        let c = Credential::from_json(value).unwrap();
        assert_eq!(c.valid_from(), Err(Error::BadDate("issuanceDate")));
    }

    #[test]
    fn subjects_may_be_an_array_and_type_a_string() {
        let mut value = credential();
        value["credentialSubject"] = json!([{"id": "did:a"}, {"name": "no id"}, {"id": "did:b"}]);
        value["type"] = json!("VerifiableCredential");
        let c = Credential::from_json(value).unwrap();
        assert_eq!(c.subject_ids().collect::<Vec<_>>(), ["did:a", "did:b"]);
        assert!(c.has_type("VerifiableCredential"));
    }

    #[test]
    fn malformed_credentials_are_refused() {
        for value in [
            json!([]),
            json!({"type": "x"}),
            json!({"@context": [], "type": 5, "credentialSubject": {}}),
        ] {
            assert!(Credential::from_json(value).is_err());
        }
    }

    #[test]
    fn presentation_of_one_credential_is_a_single_value() {
        let one = Presentation::new("did:a", vec![json!("jwt1")]);
        assert_eq!(
            serde_json::to_value(&one).unwrap()["verifiableCredential"],
            json!("jwt1")
        );
        let two = Presentation::new("did:a", vec![json!("jwt1"), json!("jwt2")]);
        assert_eq!(two.credentials().len(), 2);
        let none = Presentation::new("did:a", vec![]);
        assert!(
            serde_json::to_value(&none)
                .unwrap()
                .get("verifiableCredential")
                .is_none()
        );
    }
}
