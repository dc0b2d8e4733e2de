//! Log output: text for people, JSON for log shippers. Request logs carry the route template and
//! request id, never paths, query strings, bodies or headers, which may hold tokens.

use tracing_subscriber::EnvFilter;

use crate::config::{LoggerFormat, Verbosity};

/// Installs the global subscriber. Called once, by the `server` command.
pub fn init(verbosity: Verbosity, format: LoggerFormat) {
    let level = match verbosity {
        Verbosity::Trace => "trace",
        Verbosity::Debug => "debug",
        Verbosity::Info => "info",
        Verbosity::Warn => "warn",
        Verbosity::Error => "error",
    };
    // Libraries below us are chatty at debug level; their warnings still come through.
    let directives = match verbosity {
        Verbosity::Trace => level.to_owned(),
        _ => format!("{level},sqlx=warn,hyper=warn,hyper_util=warn,h2=warn,redis=warn"),
    };
    let filter = EnvFilter::new(directives);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stdout);
    // A second initialisation (only possible in tests) keeps the first subscriber.
    let _ = match format {
        LoggerFormat::Text => builder.try_init(),
        LoggerFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}
