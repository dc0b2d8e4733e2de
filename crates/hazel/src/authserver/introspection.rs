//! RFC 7662 token introspection in nuts-node v6's shape: `active`, `iss`, `client_id`, `scope`,
//! `iat`, `exp`, `cnf` for DPoP-bound tokens, the Presentation Definition field values at the top
//! level, and with `extended` the definitions, submissions and presentations.
//! An unknown or expired token is `{"active": false}` and nothing else (RFC 7662 §2.2).

use serde_json::{Map, Value, json};

use crate::tokens::AccessToken;

/// The answer for an inactive token.
pub fn inactive() -> Value {
    json!({"active": false})
}

/// The introspection response of a live token.
pub fn response(token: &AccessToken, extended: bool) -> Value {
    let mut object = Map::new();
    // Field claims first, so that the members below always win (reserved names are refused at
    // issue already; this keeps a corrupted record from overriding them either).
    for (name, value) in &token.claims {
        object.insert(name.clone(), value.clone());
    }
    object.insert("active".into(), Value::Bool(true));
    object.insert("iss".into(), Value::String(token.issuer.clone()));
    object.insert("client_id".into(), Value::String(token.client_id.clone()));
    object.insert("scope".into(), Value::String(token.scope.clone()));
    object.insert("iat".into(), Value::from(token.issued_at));
    object.insert("exp".into(), Value::from(token.expires_at));
    if let Some(jkt) = &token.jkt {
        object.insert("cnf".into(), json!({"jkt": jkt}));
    }
    if extended {
        object.insert("presentation_definitions".into(), json!(token.definitions));
        object.insert("presentation_submissions".into(), json!(token.submissions));
        object.insert("vps".into(), Value::Array(token.presentations.clone()));
    }
    Value::Object(object)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// The "ok - s2s flow" case of nuts-node's `TestWrapper_IntrospectAccessToken`.
    #[test]
    fn nuts_s2s_shape() {
        let t = 1_700_000_000;
        let token = AccessToken {
            issuer: "resource-owner".into(),
            subject: "ro".into(),
            client_id: "client".into(),
            presenter: "did:web:client".into(),
            scope: "test".into(),
            issued_at: t,
            expires_at: t + 60,
            jkt: Some("thumb".into()),
            claims: BTreeMap::from([("key".to_owned(), json!("value"))]),
            presentations: vec![json!("a.b.c")],
            submissions: BTreeMap::from([("test".to_owned(), json!({}))]),
            definitions: BTreeMap::from([("organization".to_owned(), json!({"id": "test"}))]),
            credential_ids: vec![],
        };
        assert_eq!(
            response(&token, true),
            json!({"active": true, "client_id": "client", "cnf": {"jkt": "thumb"}, "exp": t + 60,
                   "iat": t, "iss": "resource-owner", "scope": "test", "vps": ["a.b.c"],
                   "presentation_submissions": {"test": {}},
                   "presentation_definitions": {"organization": {"id": "test"}}, "key": "value"})
        );
        let plain = response(&token, false);
        assert!(plain.get("vps").is_none() && plain.get("presentation_definitions").is_none());
        assert_eq!(plain["key"], "value");
        let bearer = AccessToken { jkt: None, ..token };
        assert!(response(&bearer, false).get("cnf").is_none());
    }
}
