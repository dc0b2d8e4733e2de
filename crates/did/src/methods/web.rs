//! did:web (W3C CCG did:web method specification, "Read (Resolve)"): the URL of a DID's document,
//! and the DID of a URL this node hosts.

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
use url::Url;

use crate::{Did, Error};

const METHOD: &str = "web";

fn invalid(reason: impl Into<String>) -> Error {
    Error::InvalidIdentifier {
        method: "did:web",
        reason: reason.into(),
    }
}

/// The URL of the DID document of a did:web DID.
///
/// `did:web:example.com` → `https://example.com/.well-known/did.json`;
/// `did:web:example.com%3A8443:iam:1` → `https://example.com:8443/iam/1/did.json`.
/// `scheme` is `https` except in non-strict test setups.
pub fn document_url(did: &Did, scheme: &str) -> Result<Url, Error> {
    if did.method() != METHOD {
        return Err(Error::UnsupportedMethod(did.method().to_owned()));
    }
    let mut parts = did.method_specific_id().split(':');
    let authority = percent_decode_str(parts.next().unwrap_or_default())
        .decode_utf8()
        .map_err(|_| invalid("host is not UTF-8"))?;
    // The authority may carry a port (%3A) and nothing else: no user info, path or query.
    if authority.is_empty()
        || authority
            .chars()
            .any(|c| matches!(c, '/' | '?' | '#' | '@' | '\\') || c.is_whitespace())
    {
        return Err(invalid(format!("`{authority}` is not a host[:port]")));
    }
    let mut path = String::new();
    let mut segments = 0;
    for segment in parts {
        let decoded = percent_decode_str(segment)
            .decode_utf8()
            .map_err(|_| invalid("path is not UTF-8"))?;
        if decoded.is_empty()
            || decoded == "."
            || decoded == ".."
            || decoded.chars().any(|c| matches!(c, '/' | '?' | '#' | '\\'))
        {
            return Err(invalid(format!("path segment `{decoded}` is not allowed")));
        }
        path.push('/');
        path.push_str(&utf8_percent_encode(&decoded, PATH_SEGMENT).to_string());
        segments += 1;
    }
    let path = if segments == 0 {
        "/.well-known/did.json".to_owned()
    } else {
        format!("{path}/did.json")
    };
    let url = Url::parse(&format!("{scheme}://{authority}{path}"))
        .map_err(|e| invalid(format!("not a URL: {e}")))?;
    if url.host().is_none() || !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("host is missing or carries credentials"));
    }
    Ok(url)
}

/// Characters escaped in a did:web path segment when building the URL.
const PATH_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%');

/// The did:web DID for `base` (a node's public URL) followed by `segments`: host, `%3A` and the
/// port when it is not the scheme's default, then the base URL's own path, then `segments`.
///
/// `https://example.com:8443/base` + `["iam", "1"]` → `did:web:example.com%3A8443:base:iam:1`.
pub fn did_for(base: &Url, segments: &[&str]) -> Result<Did, Error> {
    let host = base
        .host_str()
        .ok_or_else(|| invalid("the URL has no host"))?;
    let mut did = format!("did:web:{host}");
    if let Some(port) = base.port() {
        did.push_str(&format!("%3A{port}"));
    }
    let base_segments = base
        .path_segments()
        .into_iter()
        .flatten()
        .filter(|segment| !segment.is_empty());
    for segment in base_segments.chain(segments.iter().copied()) {
        did.push(':');
        did.push_str(&utf8_percent_encode(segment, PATH_SEGMENT).to_string());
    }
    Did::parse(&did)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn url_of(did: &str) -> Result<String, Error> {
        document_url(&Did::parse(did).unwrap(), "https").map(String::from)
    }

    #[test]
    fn did_web_read_root_uses_well_known() {
        assert_eq!(
            url_of("did:web:w3c-ccg.github.io").unwrap(),
            "https://w3c-ccg.github.io/.well-known/did.json"
        );
    }

    #[test]
    fn did_web_read_path_and_port() {
        assert_eq!(
            url_of("did:web:w3c-ccg.github.io:user:alice").unwrap(),
            "https://w3c-ccg.github.io/user/alice/did.json"
        );
        assert_eq!(
            url_of("did:web:example.com%3A3000:user:alice").unwrap(),
            "https://example.com:3000/user/alice/did.json"
        );
    }

    #[test]
    fn did_web_refuses_authority_and_path_tricks() {
        for did in [
            "did:web:user%40example.com",
            "did:web:example.com%2Fevil",
            "did:web:example.com:..:secret",
            "did:web:example.com:a%2Fb",
            "did:web:example.com%3Fq",
            "did:web:%20",
        ] {
            assert!(url_of(did).is_err(), "{did} accepted");
        }
        assert!(matches!(
            document_url(&Did::parse("did:key:z6Mk").unwrap(), "https"),
            Err(Error::UnsupportedMethod(_))
        ));
    }

    #[test]
    fn did_for_a_node_url_encodes_port_and_base_path() {
        let did = did_for(
            &Url::parse("https://example.com:8443/base/").unwrap(),
            &["iam", "1"],
        )
        .unwrap();
        assert_eq!(did.as_str(), "did:web:example.com%3A8443:base:iam:1");
        let did = did_for(&Url::parse("https://example.com").unwrap(), &["iam", "x"]).unwrap();
        assert_eq!(did.as_str(), "did:web:example.com:iam:x");
        assert_eq!(
            url_of(did.as_str()).unwrap(),
            "https://example.com/iam/x/did.json"
        );
        let default_port = did_for(&Url::parse("https://example.com:443").unwrap(), &[]).unwrap();
        assert_eq!(default_port.as_str(), "did:web:example.com");
    }
}
