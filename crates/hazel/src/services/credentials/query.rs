//! Matching a credential against a search query by example: every member of the query must be in
//! the credential with the same value; objects match recursively, and a query array matches when
//! each of its elements is in the credential's array (or equals its single value).

use serde_json::Value;

/// Whether `document` contains everything `query` asks for.
pub fn matches(document: &Value, query: &Value) -> bool {
    match (query, document) {
        (Value::Object(wanted), Value::Object(have)) => wanted
            .iter()
            .all(|(name, value)| have.get(name).is_some_and(|member| matches(member, value))),
        (Value::Array(wanted), Value::Array(have)) => wanted
            .iter()
            .all(|element| have.iter().any(|member| matches(member, element))),
        (Value::Array(wanted), single) => wanted.iter().all(|element| matches(single, element)),
        (wanted, Value::Array(have)) if !wanted.is_object() => {
            have.iter().any(|member| member == wanted)
        }
        (wanted, have) => wanted == have,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn query_by_example() {
        let credential = json!({
            "type": ["VerifiableCredential", "NutsOrganizationCredential"],
            "issuer": "did:web:a",
            "credentialSubject": {"id": "did:web:b", "organization": {"name": "Care", "city": "Utrecht"}}
        });
        assert!(matches(
            &credential,
            &json!({"type": "NutsOrganizationCredential"})
        ));
        assert!(matches(
            &credential,
            &json!({"type": ["NutsOrganizationCredential"], "issuer": "did:web:a"})
        ));
        assert!(matches(
            &credential,
            &json!({"credentialSubject": {"organization": {"city": "Utrecht"}}})
        ));
        assert!(!matches(&credential, &json!({"issuer": "did:web:x"})));
        assert!(!matches(&credential, &json!({"type": "Other"})));
        assert!(!matches(
            &credential,
            &json!({"credentialSubject": {"organization": {"city": "Zwolle"}}})
        ));
        assert!(matches(&credential, &json!({})));
    }
}
