//! Newtypes for the protocol's strings, so that a client id cannot be passed where a scope is
//! due, and secrets cannot end up in logs.

use std::fmt;

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

/// Declares a newtype over `String` for a protocol identifier that is not secret.
macro_rules! identifier {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a value as received or generated.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The value.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

identifier!(
    /// RFC 6749 §2.2: the client identifier. In the Nuts flows a client's authorization server
    /// URL (`<url>/oauth2/<subject>`) or a DID.
    ClientId
);

identifier!(
    /// A verifier's nonce in a presentation (`nonce` of a JWT VP, `challenge` of a JSON-LD proof).
    Nonce
);

/// RFC 6749 §1.4: an access token. It is a bearer secret: its `Debug` is redacted, it has no
/// `Display`, and equality is checked in constant time.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccessToken(String);

impl AccessToken {
    /// Wraps a token.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The token itself, for the one place that must send or hash it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(redacted)")
    }
}

impl PartialEq for AccessToken {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len() && bool::from(self.0.as_bytes().ct_eq(other.0.as_bytes()))
    }
}

impl Eq for AccessToken {}

/// RFC 6749 §3.3: a `scope` parameter parsed into its scope tokens, in request order, each once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope(Vec<String>);

/// Why a `scope` parameter is refused (`invalid_scope`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScopeError {
    /// No scope token at all.
    #[error("no scope requested")]
    Empty,
    /// A character outside `%x21 / %x23-5B / %x5D-7E` and the space between tokens.
    #[error("scope contains {0:?}, which RFC 6749 section 3.3 does not allow")]
    Character(char),
    /// More tokens than the server takes.
    #[error("more than {0} scopes requested")]
    TooMany(usize),
}

impl Scope {
    /// Parses a space-delimited `scope` value. Repeated tokens count once; more than `max`
    /// distinct tokens are refused, since each may cost the server a policy decision.
    pub fn parse(text: &str, max: usize) -> Result<Self, ScopeError> {
        if let Some(bad) = text.chars().find(|&c| c != ' ' && !is_scope_char(c)) {
            return Err(ScopeError::Character(bad));
        }
        let mut tokens: Vec<String> = Vec::new();
        for token in text.split(' ').filter(|t| !t.is_empty()) {
            if tokens.iter().any(|known| known == token) {
                continue;
            }
            if tokens.len() == max {
                return Err(ScopeError::TooMany(max));
            }
            tokens.push(token.to_owned());
        }
        if tokens.is_empty() {
            return Err(ScopeError::Empty);
        }
        Ok(Self(tokens))
    }

    /// The scope tokens, in request order.
    pub fn tokens(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

/// RFC 6749 §3.3: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`.
fn is_scope_char(c: char) -> bool {
    matches!(c, '\x21' | '\x23'..='\x5B' | '\x5D'..='\x7E')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6749_3_3_scope_tokens_in_order_each_once() {
        let scope = Scope::parse("b  a b patient/Observation.read", 20).unwrap();
        assert_eq!(
            scope.tokens().collect::<Vec<_>>(),
            ["b", "a", "patient/Observation.read"]
        );
        assert_eq!(scope.to_string(), "b a patient/Observation.read");
    }

    #[test]
    fn rfc6749_3_3_refuses_characters_outside_scope_token() {
        for bad in ["caf\u{e9}", "a\"b", "a\\b", "a\tb"] {
            assert!(
                matches!(Scope::parse(bad, 20), Err(ScopeError::Character(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn rfc6749_3_3_empty_and_too_many_are_refused() {
        assert_eq!(Scope::parse("   ", 20), Err(ScopeError::Empty));
        let many: Vec<String> = (0..21).map(|i| format!("s{i}")).collect();
        assert_eq!(
            Scope::parse(&many.join(" "), 20),
            Err(ScopeError::TooMany(20))
        );
        // Repeats do not count against the bound.
        assert!(Scope::parse(&["x"; 50].join(" "), 1).is_ok());
    }

    #[test]
    fn an_access_token_never_shows_in_debug_and_compares_by_value() {
        let token = AccessToken::new("secret-value");
        assert_eq!(format!("{token:?}"), "AccessToken(redacted)");
        assert_eq!(token, AccessToken::new("secret-value"));
        assert_ne!(token, AccessToken::new("secret-valuf"));
        assert_ne!(token, AccessToken::new("secret"));
    }
}
