//! OAuth 2.0 request parameters, from a query string or a form body: RFC 6749 §3.1/§3.2 say
//! parameters MUST NOT be included more than once and that an empty value is the same as an
//! omitted one. Refusals are OAuth `invalid_request` errors naming the parameter.

use std::collections::HashMap;

use axum::http::{HeaderMap, header};
use oauth::ErrorCode;

use super::error::ApiError;

/// Whether the body is `application/x-www-form-urlencoded`, compared as a media type
/// (parameters such as `charset` are allowed; RFC 6749 §3.2, RFC 7662 §2.1).
pub fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| {
            media
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// Parsed parameters: each name at most once, empty values dropped (but remembered as given).
#[derive(Debug, Default)]
pub struct Params {
    values: HashMap<String, String>,
    given: std::collections::HashSet<String>,
}

impl Params {
    /// Parses `application/x-www-form-urlencoded` text.
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        let mut values = HashMap::new();
        let mut given = std::collections::HashSet::new();
        for (name, value) in url::form_urlencoded::parse(text.as_bytes()) {
            if !given.insert(name.clone().into_owned()) {
                return Err(ApiError::oauth(
                    ErrorCode::InvalidRequest,
                    format!("parameter {name} is included more than once"),
                ));
            }
            if !value.is_empty() {
                values.insert(name.into_owned(), value.into_owned());
            }
        }
        Ok(Self { values, given })
    }

    /// A parameter's value, if given and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Whether the parameter appears at all, even empty.
    pub fn is_given(&self, name: &str) -> bool {
        self.given.contains(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6749_3_1_duplicates_are_refused_and_empty_means_absent() {
        assert!(Params::parse("scope=a&scope=b").is_err());
        let params = Params::parse("scope=&client_id=x%20y").unwrap();
        assert_eq!(params.get("scope"), None);
        assert!(params.is_given("scope") && !params.is_given("nonce"));
        assert_eq!(params.get("client_id"), Some("x y"));
    }
}
