//! The one HTTP client for every outbound fetch (did:web documents, metadata, policy backend,
//! status lists), with the guards a server that fetches URLs named by strangers needs:
//!
//! - HTTPS only (plain HTTP only when `strictmode` is off);
//! - in strict mode, no connection to loopback, private, link-local, shared, multicast or
//!   unspecified addresses: literal IPs are checked before the request, host names where they
//!   resolve (so a DNS answer cannot point us at an internal service);
//! - redirects only within the same host and scheme, at most three;
//! - a total timeout and a response size limit, checked while reading;
//! - no proxy from the environment (it would bypass the address checks).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::redirect;
use url::Url;

use crate::config::HttpClientConfig;

mod address;
pub mod budget;

pub use address::{is_public, refusal};

/// Why an outbound fetch failed. The text is safe to log; it holds no response body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The URL or an address it resolves to is not allowed (SSRF guard).
    #[error("refused: {0}")]
    Refused(String),
    /// The server did not answer in time.
    #[error("timed out")]
    Timeout,
    /// The response is larger than `http.client.maxbodysize`.
    #[error("response larger than {0} bytes")]
    TooLarge(usize),
    /// The server answered with a non-success status.
    #[error("HTTP status {0}")]
    Status(u16),
    /// Connection, TLS or protocol failure.
    #[error("{0}")]
    Network(String),
    /// The inbound request this fetch is for has spent its outbound budget; nothing was sent.
    /// Not a fact about the remote, so never to be cached as one.
    #[error("the request's outbound budget is spent")]
    OverBudget,
}

/// A connection the guard refused, raised inside reqwest (by the resolver or the redirect
/// policy) and found again by type in the error's source chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
struct Blocked(String);

/// A successful response.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The body.
    pub body: Bytes,
    /// `max-age` of `Cache-Control`, when given; `Some(0)` for `no-store`/`no-cache`.
    pub max_age: Option<Duration>,
}

/// The guarded client.
#[derive(Debug, Clone)]
pub struct OutboundClient {
    client: reqwest::Client,
    strict: bool,
    max_body: usize,
}

/// Resolves names and, in strict mode, keeps only public addresses.
#[derive(Debug)]
struct GuardedResolver {
    strict: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let strict = self.strict;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = resolved
                .into_iter()
                .filter(|address| !strict || is_public(address.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(Box::new(Blocked(format!(
                    "{host} resolves only to addresses this node may not contact \
                     (loopback, private, link-local or reserved; allowed only with strictmode: false)"
                )))
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            let addresses: Addrs = Box::new(allowed.into_iter());
            Ok(addresses)
        })
    }
}

impl OutboundClient {
    /// A client as configured; `strict` is the node's `strictmode`.
    pub fn new(config: &HttpClientConfig, strict: bool) -> Result<Self, FetchError> {
        let policy = redirect::Policy::custom(move |attempt| {
            let Some(first) = attempt.previous().first() else {
                return attempt.follow();
            };
            if attempt.previous().len() > 3 {
                return attempt.error(Blocked("more than three redirects".to_owned()));
            }
            let next = attempt.url();
            if next.host_str() != first.host_str()
                || next.port_or_known_default() != first.port_or_known_default()
                || next.scheme() != first.scheme()
            {
                return attempt.error(Blocked("a redirect to another origin".to_owned()));
            }
            attempt.follow()
        });
        let client = reqwest::Client::builder()
            .user_agent(concat!("hazel/", env!("CARGO_PKG_VERSION")))
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            .redirect(policy)
            .no_proxy()
            .https_only(strict)
            .dns_resolver(Arc::new(GuardedResolver { strict }))
            .build()
            .map_err(|e| FetchError::Network(e.to_string()))?;
        Ok(Self {
            client,
            strict,
            max_body: config.maxbodysize,
        })
    }

    /// Whether plain HTTP and private addresses are refused.
    pub fn is_strict(&self) -> bool {
        self.strict
    }

    /// Checks a URL before any connection: scheme, credentials, literal addresses.
    pub fn check_url(&self, url: &Url) -> Result<(), FetchError> {
        match url.scheme() {
            "https" => {}
            "http" if !self.strict => {}
            other => {
                return Err(FetchError::Refused(format!(
                    "scheme `{other}` (only https{})",
                    if self.strict { "" } else { " and http" }
                )));
            }
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(FetchError::Refused("URL carries credentials".into()));
        }
        let literal = match url.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            Some(url::Host::Domain(_)) => None,
            None => return Err(FetchError::Refused("URL has no host".into())),
        };
        if self.strict
            && let Some(ip) = literal
            && let Some(range) = refusal(ip)
        {
            return Err(FetchError::Refused(format!(
                "{ip} is {range}, not a public address (allowed only with strictmode: false)"
            )));
        }
        Ok(())
    }

    /// GETs `url` with `accept`, returning the status and the body whatever the status, for APIs
    /// whose statuses carry meaning (a policy backend's 201 and 404).
    pub async fn get_with_status(
        &self,
        url: &Url,
        accept: &str,
    ) -> Result<(u16, Bytes), FetchError> {
        let response = self.send(url, accept).await?;
        let status = response.status().as_u16();
        let fetched = self.read(response).await?;
        Ok((status, fetched.body))
    }

    /// The checks before any connection: the URL, then the request's budget.
    fn admit(&self, url: &Url) -> Result<(), FetchError> {
        self.check_url(url)?;
        if budget::spend() {
            Ok(())
        } else {
            Err(FetchError::OverBudget)
        }
    }

    async fn send(&self, url: &Url, accept: &str) -> Result<reqwest::Response, FetchError> {
        self.admit(url)?;
        self.client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, accept)
            .send()
            .await
            .map_err(classify)
    }

    /// POSTs `body` as `content_type` to `url` with extra `headers`, returning the status, the
    /// response headers and the body whatever the status (token endpoints and PDPs answer errors
    /// with a body).
    pub async fn post(
        &self,
        url: &Url,
        content_type: &str,
        body: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> Result<(u16, reqwest::header::HeaderMap, Bytes), FetchError> {
        self.admit(url)?;
        let mut request = self
            .client
            .post(url.clone())
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .header(reqwest::header::ACCEPT, "application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.body(body).send().await.map_err(classify)?;
        let status = response.status().as_u16();
        let response_headers = response.headers().clone();
        let fetched = self.read(response).await?;
        Ok((status, response_headers, fetched.body))
    }

    /// GETs `url` with `accept`, returning the body if the status is 2xx.
    pub async fn get(&self, url: &Url, accept: &str) -> Result<Fetched, FetchError> {
        self.get_limited(url, accept, self.max_body).await
    }

    /// As [`Self::get`], with a body limit of `max_body` bytes (at most the configured one), for
    /// documents that are small by nature (DID documents, status lists).
    pub async fn get_limited(
        &self,
        url: &Url,
        accept: &str,
        max_body: usize,
    ) -> Result<Fetched, FetchError> {
        let response = self.send(url, accept).await?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Status(status.as_u16()));
        }
        self.read_limited(response, max_body.min(self.max_body))
            .await
    }

    async fn read(&self, response: reqwest::Response) -> Result<Fetched, FetchError> {
        self.read_limited(response, self.max_body).await
    }

    async fn read_limited(
        &self,
        mut response: reqwest::Response,
        max_body: usize,
    ) -> Result<Fetched, FetchError> {
        if response
            .content_length()
            .is_some_and(|length| length > max_body as u64)
        {
            return Err(FetchError::TooLarge(max_body));
        }
        let max_age = response
            .headers()
            .get(reqwest::header::CACHE_CONTROL)
            .and_then(|value| value.to_str().ok())
            .and_then(parse_max_age);
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if body.len() + chunk.len() > max_body {
                return Err(FetchError::TooLarge(max_body));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched {
            body: Bytes::from(body),
            max_age,
        })
    }
}

fn classify(error: reqwest::Error) -> FetchError {
    if error.is_timeout() {
        return FetchError::Timeout;
    }
    // The source chain holds the resolver's or redirect policy's refusal, if that was the cause.
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        if let Some(blocked) = cause.downcast_ref::<Blocked>() {
            return FetchError::Refused(blocked.0.clone());
        }
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    FetchError::Network(text)
}

/// `Cache-Control: max-age=N` → N seconds; `no-store` or `no-cache` → zero.
fn parse_max_age(value: &str) -> Option<Duration> {
    let mut max_age = None;
    for directive in value.split(',').map(str::trim) {
        let lower = directive.to_ascii_lowercase();
        if lower == "no-store" || lower == "no-cache" {
            return Some(Duration::ZERO);
        }
        if let Some(seconds) = lower.strip_prefix("max-age=") {
            max_age = seconds
                .trim_matches('"')
                .parse()
                .ok()
                .map(Duration::from_secs);
        }
    }
    max_age
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_max_age_and_no_store() {
        assert_eq!(
            parse_max_age("public, max-age=600"),
            Some(Duration::from_secs(600))
        );
        assert_eq!(parse_max_age("no-store"), Some(Duration::ZERO));
        assert_eq!(parse_max_age("max-age=60, no-cache"), Some(Duration::ZERO));
        assert_eq!(parse_max_age("public"), None);
        assert_eq!(parse_max_age("max-age=abc"), None);
    }

    #[test]
    fn strict_mode_refuses_plain_http_literals_and_credentials() {
        let strict = OutboundClient::new(&HttpClientConfig::default(), true).unwrap();
        let lax = OutboundClient::new(&HttpClientConfig::default(), false).unwrap();
        let url = |text: &str| Url::parse(text).unwrap();
        assert!(strict.check_url(&url("http://example.com/x")).is_err());
        assert!(lax.check_url(&url("http://example.com/x")).is_ok());
        assert!(strict.check_url(&url("https://127.0.0.1/x")).is_err());
        assert!(strict.check_url(&url("https://10.0.0.8/x")).is_err());
        assert!(strict.check_url(&url("https://[::1]/x")).is_err());
        assert!(lax.check_url(&url("http://127.0.0.1:8080/x")).is_ok());
        assert!(
            strict
                .check_url(&url("https://user:pw@example.com/"))
                .is_err()
        );
        assert!(strict.check_url(&url("file:///etc/passwd")).is_err());
        assert!(strict.check_url(&url("https://example.com/x")).is_ok());
    }
}
