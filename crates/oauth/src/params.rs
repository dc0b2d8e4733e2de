//! OAuth 2.0 request parameters from a form body or a query string. RFC 6749 §3.1 and §3.2:
//! "Request and response parameters MUST NOT be included more than once", and "parameters sent
//! without a value MUST be treated as if they were omitted from the request".

use std::collections::{HashMap, HashSet};

/// The media type of OAuth request bodies (RFC 6749 §3.2, RFC 7662 §2.1).
pub const FORM_URLENCODED: &str = "application/x-www-form-urlencoded";

/// A parameter that came more than once: the request is refused (RFC 6749 §3.1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("parameter {0} is included more than once")]
pub struct RepeatedParameter(pub String);

/// Whether a `Content-Type` value is `application/x-www-form-urlencoded`, compared as a media
/// type: case-insensitive, with parameters such as `charset` allowed.
pub fn is_form_urlencoded(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case(FORM_URLENCODED))
}

/// Parsed parameters: each name at most once, empty values dropped but remembered as given.
#[derive(Debug, Default, Clone)]
pub struct Params {
    values: HashMap<String, String>,
    given: HashSet<String>,
}

impl Params {
    /// Parses `application/x-www-form-urlencoded` text (a body, or a query string).
    pub fn parse(text: &str) -> Result<Self, RepeatedParameter> {
        let mut params = Self::default();
        for (name, value) in url::form_urlencoded::parse(text.as_bytes()) {
            if !params.given.insert(name.clone().into_owned()) {
                return Err(RepeatedParameter(name.into_owned()));
            }
            if !value.is_empty() {
                params.values.insert(name.into_owned(), value.into_owned());
            }
        }
        Ok(params)
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
    fn rfc6749_3_1_a_repeated_parameter_is_refused() {
        assert_eq!(
            Params::parse("scope=a&scope=b").unwrap_err(),
            RepeatedParameter("scope".into())
        );
        // Repeated, even when one of them is empty.
        assert!(Params::parse("scope=&scope=b").is_err());
    }

    #[test]
    fn rfc6749_3_1_an_empty_parameter_is_omitted() {
        let params = Params::parse("scope=&client_id=x%20y").unwrap();
        assert_eq!(params.get("scope"), None);
        assert!(params.is_given("scope") && !params.is_given("nonce"));
        assert_eq!(params.get("client_id"), Some("x y"));
    }

    #[test]
    fn rfc6749_3_2_form_media_type_with_parameters() {
        assert!(is_form_urlencoded(Some(
            "application/x-www-form-urlencoded"
        )));
        assert!(is_form_urlencoded(Some(
            "Application/X-WWW-Form-Urlencoded; charset=UTF-8"
        )));
        assert!(!is_form_urlencoded(Some("application/json")));
        assert!(!is_form_urlencoded(Some("text/plain")));
        assert!(!is_form_urlencoded(None));
    }
}
