//! Prometheus metrics, kept in a registry owned by the node (not a process-wide global), so that
//! several nodes in one test process each count their own requests.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Labels of the HTTP metrics. Every value comes from a closed set, never from the request: the
/// method is one of the standard methods or `other`, the route is a template the router matched
/// (`/oauth2/{subject}/token`) or `unmatched`, the status is one this node answered. Anyone can
/// send any method to any path; a label taken from them would make a new series per request.
/// The fields are private so that labels are only made by [`HttpLabels::new`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct HttpLabels {
    listener: &'static str,
    method: &'static str,
    route: String,
    status: u16,
}

/// The methods the node has routes for, or could be asked about legitimately.
const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];

impl HttpLabels {
    /// The labels of an answered request: `route` is the template the router matched, if any.
    pub fn new(
        listener: &'static str,
        method: &http::Method,
        route: Option<&axum::extract::MatchedPath>,
        status: http::StatusCode,
    ) -> Self {
        Self {
            listener,
            method: method_label(method),
            route: route
                .map_or("unmatched", axum::extract::MatchedPath::as_str)
                .to_owned(),
            status: status.as_u16(),
        }
    }
}

/// A method as a label: one of [`METHODS`], or `other`.
pub fn method_label(method: &http::Method) -> &'static str {
    METHODS
        .into_iter()
        .find(|known| *known == method.as_str())
        .unwrap_or("other")
}

/// Labels of outcome counters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct OutcomeLabels {
    /// What happened.
    pub outcome: &'static str,
}

/// Labels of the token endpoint counter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct TokenLabels {
    /// `issued` or `refused`.
    pub outcome: &'static str,
    /// The token type issued (`DPoP`, `Bearer`) or the OAuth error code of a refusal.
    pub kind: String,
}

/// Labels of the cache metrics.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct CacheLabels {
    /// The cache's name.
    cache: &'static str,
}

/// Reads every cache's counters at each scrape (`hazel_cache_*{cache="…"}`).
#[derive(Debug)]
struct CacheCollector(Vec<(&'static str, Arc<cache::Stats>)>);

impl CacheCollector {
    fn family(
        &self,
        encoder: &mut DescriptorEncoder<'_>,
        name: &str,
        help: &str,
        metric_type: MetricType,
        value: impl Fn(&cache::Snapshot) -> u64,
    ) -> Result<(), std::fmt::Error> {
        let mut metric = encoder.encode_descriptor(name, help, None, metric_type)?;
        for (cache, stats) in &self.0 {
            let reading = value(&stats.snapshot());
            let labels = CacheLabels { cache };
            let family = metric.encode_family(&labels)?;
            match metric_type {
                MetricType::Gauge => {
                    ConstGauge::new(i64::try_from(reading).unwrap_or(i64::MAX)).encode(family)?
                }
                _ => ConstCounter::new(reading).encode(family)?,
            }
        }
        Ok(())
    }
}

impl Collector for CacheCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        self.family(
            &mut encoder,
            "cache_hits",
            "Cache lookups that found a live entry",
            MetricType::Counter,
            |s| s.hits,
        )?;
        self.family(
            &mut encoder,
            "cache_misses",
            "Cache lookups that found nothing usable",
            MetricType::Counter,
            |s| s.misses,
        )?;
        self.family(
            &mut encoder,
            "cache_insertions",
            "Entries stored in a cache",
            MetricType::Counter,
            |s| s.insertions,
        )?;
        self.family(
            &mut encoder,
            "cache_evictions",
            "Entries dropped to keep a cache within its bound",
            MetricType::Counter,
            |s| s.evictions,
        )?;
        self.family(
            &mut encoder,
            "cache_entries",
            "Entries a cache holds",
            MetricType::Gauge,
            |s| s.entries,
        )
    }
}

/// The node's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Mutex<Registry>,
    http_requests: Family<HttpLabels, Counter>,
    http_duration: Family<HttpLabels, Histogram>,
    policy_backend: Family<OutcomeLabels, Counter>,
    tokens: Family<TokenLabels, Counter>,
}

/// Latency buckets in seconds: fine-grained below 100 ms, where the token endpoint should live.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

impl Metrics {
    /// A registry with the HTTP metrics registered under the `hazel_` prefix.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("hazel");
        let http_requests = Family::<HttpLabels, Counter>::default();
        let http_duration = Family::<HttpLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        registry.register(
            "http_requests",
            "HTTP requests answered, per listener, route and status",
            http_requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from receiving an HTTP request to sending its response headers",
            http_duration.clone(),
        );
        let policy_backend = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "policy_backend_requests",
            "Policy backend lookups by outcome (found, unknown_scope, cached, error)",
            policy_backend.clone(),
        );
        let tokens = Family::<TokenLabels, Counter>::default();
        registry.register(
            "token_requests",
            "Token requests by outcome: issued per token type, refused per OAuth error code",
            tokens.clone(),
        );
        Self {
            tokens,
            registry: Mutex::new(registry),
            http_requests,
            http_duration,
            policy_backend,
        }
    }

    /// Counts one answered request.
    pub fn observe_http(&self, labels: HttpLabels, latency: Duration) {
        self.http_duration
            .get_or_create(&labels)
            .observe(latency.as_secs_f64());
        self.http_requests.get_or_create(&labels).inc();
    }

    /// Counts one policy backend lookup.
    pub fn policy_backend(&self, outcome: &'static str) {
        self.policy_backend
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    /// Counts an issued token.
    pub fn token_issued(&self, token_type: &str) {
        self.tokens
            .get_or_create(&TokenLabels {
                outcome: "issued",
                kind: token_type.to_owned(),
            })
            .inc();
    }

    /// Counts a refused token request.
    pub fn token_refused(&self, code: &str) {
        self.tokens
            .get_or_create(&TokenLabels {
                outcome: "refused",
                kind: code.to_owned(),
            })
            .inc();
    }

    /// Reports these caches' counters from now on.
    pub fn register_caches(&self, caches: Vec<(&'static str, Arc<cache::Stats>)>) {
        self.registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .register_collector(Box::new(CacheCollector(caches)));
    }

    /// The metrics in the OpenMetrics text format that Prometheus scrapes.
    pub fn render(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        let registry = self
            .registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        prometheus_client::encoding::text::encode(&mut out, &registry)?;
        Ok(out)
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
