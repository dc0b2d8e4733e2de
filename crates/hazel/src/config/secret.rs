//! Configuration values that must not be shown: `hazel config`, logs and errors print them masked.

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};

const MASK: &str = "*****";

/// A secret configuration value (a password, or a connection string that may hold one).
///
/// Serialising a `Secret` yields its masked form, so that printing the effective configuration
/// never reveals it; the value itself is only reachable through [`Secret::expose`].
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for the one place that needs it (a connection, a comparison).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether no value is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value as it may be shown: a URL keeps everything but its password (in the user-info
    /// part or as a `password` query parameter); any other non-empty value is masked whole.
    pub fn masked(&self) -> String {
        if self.0.is_empty() {
            return String::new();
        }
        // Only `scheme://…` is taken as a URL: `user:pass` would otherwise parse as one.
        if !self.0.contains("://") {
            return MASK.to_owned();
        }
        let Ok(mut url) = url::Url::parse(&self.0) else {
            return MASK.to_owned();
        };
        if url.password().is_some() && url.set_password(Some(MASK)).is_err() {
            return MASK.to_owned();
        }
        if url
            .query_pairs()
            .any(|(name, _)| is_secret_parameter(&name))
        {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(name, value)| {
                    let value = if is_secret_parameter(&name) {
                        MASK.to_owned()
                    } else {
                        value.into_owned()
                    };
                    (name.into_owned(), value)
                })
                .collect();
            url.query_pairs_mut().clear().extend_pairs(pairs);
        }
        url.to_string()
    }
}

fn is_secret_parameter(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.contains("password") || name.contains("secret") || name.contains("token")
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.masked())
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_password_in_url_but_keeps_host() {
        let secret = Secret::new("postgres://hazel:hunter2@db.example:5432/hazel");
        let masked = secret.masked();
        assert!(!masked.contains("hunter2"), "{masked}");
        assert!(masked.contains("db.example:5432"), "{masked}");
    }

    #[test]
    fn masks_password_query_parameter() {
        let masked = Secret::new("postgres://db/hazel?user=u&password=hunter2").masked();
        assert!(!masked.contains("hunter2"), "{masked}");
        assert!(masked.contains("user=u"), "{masked}");
    }

    #[test]
    fn masks_plain_values_whole_even_when_they_look_like_urls() {
        assert_eq!(Secret::new("user:hunter2").masked(), MASK);
        assert_eq!(Secret::new("hunter2").masked(), MASK);
        assert_eq!(Secret::default().masked(), "");
    }

    #[test]
    fn debug_and_serialize_never_show_the_value() {
        let secret = Secret::new("hunter2");
        assert!(!format!("{secret:?}").contains("hunter2"));
        let json = serde_json::to_string(&secret).unwrap_or_default();
        assert!(!json.contains("hunter2"), "{json}");
    }
}
