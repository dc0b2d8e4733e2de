//! RFC 7662 token introspection responses in nuts-node v6's shape: the standard members, `cnf`
//! for a DPoP-bound token (RFC 9449 §6.2), the values of the Presentation Definition fields that
//! have an `id` at the top level, and, when extended, the definitions, submissions and
//! presentations the token was obtained with.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};
use serde_json::{Map, Value, json};

/// Member names the response defines itself: a Presentation Definition field id may not take
/// them (nuts-node's reserved list plus the members Hazel adds).
pub const RESERVED_CLAIMS: [&str; 16] = [
    "iss",
    "sub",
    "exp",
    "iat",
    "active",
    "client_id",
    "scope",
    "cnf",
    "aud",
    "nbf",
    "jti",
    "token_type",
    "username",
    "presentation_definitions",
    "presentation_submissions",
    "vps",
];

/// RFC 7662 §2.2: the answer for a token that is unknown, expired or otherwise not active says
/// nothing else.
pub fn inactive() -> Value {
    json!({"active": false})
}

/// How a token was obtained, for `introspect_extended`.
#[derive(Debug, Clone, PartialEq)]
pub struct Provenance {
    /// The Presentation Definitions fulfilled, by wallet owner type.
    pub presentation_definitions: BTreeMap<String, Value>,
    /// The submissions, by definition id.
    pub presentation_submissions: BTreeMap<String, Value>,
    /// The presentations as received.
    pub vps: Vec<Value>,
}

/// The introspection response of an active token.
#[derive(Debug, Clone, PartialEq)]
pub struct ActiveToken {
    /// `iss`.
    pub iss: String,
    /// `client_id`.
    pub client_id: String,
    /// `scope`.
    pub scope: String,
    /// `iat`.
    pub iat: i64,
    /// `exp`.
    pub exp: i64,
    /// `cnf.jkt` of a DPoP-bound token.
    pub jkt: Option<String>,
    /// Presentation Definition field values by field id.
    pub claims: BTreeMap<String, Value>,
    /// Present for the extended response.
    pub provenance: Option<Provenance>,
}

impl ActiveToken {
    /// The response body.
    pub fn to_json(&self) -> Value {
        let mut object = Map::new();
        // Field claims first, so that the standard members always win: reserved ids are refused
        // when policies load, and this keeps a corrupted record from overriding them either.
        for (name, value) in &self.claims {
            object.insert(name.clone(), value.clone());
        }
        object.insert("active".into(), Value::Bool(true));
        object.insert("iss".into(), Value::String(self.iss.clone()));
        object.insert("client_id".into(), Value::String(self.client_id.clone()));
        object.insert("scope".into(), Value::String(self.scope.clone()));
        object.insert("iat".into(), Value::from(self.iat));
        object.insert("exp".into(), Value::from(self.exp));
        if let Some(jkt) = &self.jkt {
            object.insert("cnf".into(), json!({"jkt": jkt}));
        }
        if let Some(provenance) = &self.provenance {
            object.insert(
                "presentation_definitions".into(),
                json!(provenance.presentation_definitions),
            );
            object.insert(
                "presentation_submissions".into(),
                json!(provenance.presentation_submissions),
            );
            object.insert("vps".into(), Value::Array(provenance.vps.clone()));
        }
        Value::Object(object)
    }
}

impl Serialize for ActiveToken {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(t: i64) -> ActiveToken {
        ActiveToken {
            iss: "resource-owner".into(),
            client_id: "client".into(),
            scope: "test".into(),
            iat: t,
            exp: t + 60,
            jkt: Some("thumb".into()),
            claims: BTreeMap::from([("key".to_owned(), json!("value"))]),
            provenance: Some(Provenance {
                presentation_definitions: BTreeMap::from([(
                    "organization".to_owned(),
                    json!({"id": "test"}),
                )]),
                presentation_submissions: BTreeMap::from([("test".to_owned(), json!({}))]),
                vps: vec![json!("a.b.c")],
            }),
        }
    }

    /// The "ok - s2s flow" case of nuts-node's `TestWrapper_IntrospectAccessToken`.
    #[test]
    fn rfc7662_2_2_nuts_s2s_shape() {
        let t = 1_700_000_000;
        assert_eq!(
            token(t).to_json(),
            json!({"active": true, "client_id": "client", "cnf": {"jkt": "thumb"}, "exp": t + 60,
                   "iat": t, "iss": "resource-owner", "scope": "test", "vps": ["a.b.c"],
                   "presentation_submissions": {"test": {}},
                   "presentation_definitions": {"organization": {"id": "test"}}, "key": "value"})
        );
        let plain = ActiveToken {
            provenance: None,
            ..token(t)
        }
        .to_json();
        assert!(plain.get("vps").is_none() && plain.get("presentation_definitions").is_none());
        assert_eq!(plain["key"], "value");
    }

    #[test]
    fn rfc9449_6_2_only_a_bound_token_has_cnf() {
        let bearer = ActiveToken {
            jkt: None,
            ..token(0)
        };
        assert!(bearer.to_json().get("cnf").is_none());
    }

    #[test]
    fn a_claim_named_like_a_standard_member_cannot_override_it() {
        let mut forged = token(0);
        forged.claims.insert("active".into(), json!(false));
        forged.claims.insert("iss".into(), json!("someone else"));
        let answer = forged.to_json();
        assert_eq!(
            (answer["active"].clone(), answer["iss"].clone()),
            (json!(true), json!("resource-owner"))
        );
    }

    #[test]
    fn rfc7662_2_2_inactive_says_nothing_else() {
        assert_eq!(inactive(), json!({"active": false}));
    }
}
