//! DID and DID URL syntax (DID Core 1.0 §3.1, §3.2).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// A DID: `did:<method>:<method-specific-id>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Did {
    text: String,
    method_len: usize,
}

impl Did {
    /// Parses a DID (no path, query or fragment).
    pub fn parse(text: &str) -> Result<Self, Error> {
        let invalid = || Error::InvalidDid(text.to_owned());
        let rest = text.strip_prefix("did:").ok_or_else(invalid)?;
        let (method, id) = rest.split_once(':').ok_or_else(invalid)?;
        // method-name = 1*method-char; method-char = %x61-7A / DIGIT
        if method.is_empty()
            || !method
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            return Err(invalid());
        }
        if !valid_method_specific_id(id) {
            return Err(invalid());
        }
        Ok(Self {
            text: text.to_owned(),
            method_len: method.len(),
        })
    }

    /// The method name (`web`, `jwk`, `key`).
    pub fn method(&self) -> &str {
        &self.text[4..4 + self.method_len]
    }

    /// The method-specific identifier.
    pub fn method_specific_id(&self) -> &str {
        &self.text[5 + self.method_len..]
    }

    /// The DID as text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// method-specific-id = *( *idchar ":" ) 1*idchar;
/// idchar = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded
fn valid_method_specific_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    if bytes.is_empty() || bytes.last() == Some(&b':') {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = |b: Option<&u8>| b.is_some_and(u8::is_ascii_hexdigit);
                if !(hex(bytes.get(i + 1)) && hex(bytes.get(i + 2))) {
                    return false;
                }
                i += 3;
                continue;
            }
            b if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':') => {}
            _ => return false,
        }
        i += 1;
    }
    true
}

impl fmt::Display for Did {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Did {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self, Error> {
        Self::parse(text)
    }
}

impl Serialize for Did {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Did {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Did::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A DID URL: a DID with an optional path, query and fragment (DID Core §3.2). Verification
/// method ids are DID URLs with a fragment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DidUrl {
    did: Did,
    text: String,
    fragment: Option<usize>,
}

impl DidUrl {
    /// Parses a DID URL.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let end = text.find(['/', '?', '#']).unwrap_or(text.len());
        let did = Did::parse(&text[..end])?;
        let fragment = text.find('#').map(|at| at + 1);
        if let Some(start) = fragment {
            let fragment = &text[start..];
            // fragment = *( pchar / "/" / "?" ) per RFC 3986; an empty fragment names nothing.
            if fragment.is_empty()
                || fragment
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == '#')
            {
                return Err(Error::InvalidDid(text.to_owned()));
            }
        }
        Ok(Self {
            did,
            text: text.to_owned(),
            fragment,
        })
    }

    /// The DID part.
    pub fn did(&self) -> &Did {
        &self.did
    }

    /// The fragment, without `#`.
    pub fn fragment(&self) -> Option<&str> {
        self.fragment.map(|start| &self.text[start..])
    }

    /// The DID URL as text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for DidUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn did_core_3_1_valid_dids_parse_into_method_and_id() {
        let did = Did::parse("did:web:example.com%3A8443:iam:123").unwrap();
        assert_eq!(did.method(), "web");
        assert_eq!(did.method_specific_id(), "example.com%3A8443:iam:123");
        assert_eq!(Did::parse("did:key:z6Mk").unwrap().method(), "key");
    }

    #[test]
    fn did_core_3_1_invalid_dids_are_refused() {
        for text in [
            "",
            "did:",
            "did:web",
            "did:web:",
            "did:Web:example.com",
            "did:web:example.com:",
            "did:web:exa mple.com",
            "did:web:example.com%3",
            "did:web:example.com%zz",
            "did:web:example.com/path",
            "did:web:example.com#key",
            "urn:web:example.com",
        ] {
            assert!(Did::parse(text).is_err(), "{text:?} parsed");
        }
    }

    #[test]
    fn did_core_3_2_did_urls_split_off_the_fragment() {
        let url = DidUrl::parse("did:web:example.com:iam:1#key-1").unwrap();
        assert_eq!(url.did().as_str(), "did:web:example.com:iam:1");
        assert_eq!(url.fragment(), Some("key-1"));
        assert_eq!(DidUrl::parse("did:jwk:abc").unwrap().fragment(), None);
        assert!(DidUrl::parse("did:web:example.com#").is_err());
        assert!(DidUrl::parse("did:web:example.com#a#b").is_err());
    }
}
