//! The `hazel` command line: `hazel server` runs the node, `hazel config` prints the effective
//! configuration. Every configuration key is also a flag (`--http.public.address`), as in
//! nuts-node. The load generator is a binary of its own, `hazel-bench`, with the same flags.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Arg, ArgMatches, Command};
use tokio_util::sync::CancellationToken;

use crate::config::{self, Sources, env_name, keys};
use crate::http::{self, Listeners};
use crate::node::Node;

/// The flags every command takes: `--configfile` and one flag per configuration key.
pub fn config_args() -> Vec<Arg> {
    let configfile = Arg::new("configfile")
        .long("configfile")
        .value_name("FILE")
        .global(true)
        .help(format!(
            "YAML configuration file (env {}; default {} if it exists)",
            config::load::CONFIGFILE_ENV,
            config::load::DEFAULT_CONFIG_FILE
        ));
    let key_flags = keys().into_iter().map(|key| {
        Arg::new(key.name.clone())
            .long(key.name.clone())
            .value_name("VALUE")
            .global(true)
            .help_heading("Configuration (flag > environment > file)")
            .help(format!(
                "env {}, default {}",
                env_name(&key.name),
                key.default
            ))
    });
    std::iter::once(configfile).chain(key_flags).collect()
}

/// The command-line definition.
pub fn command() -> Command {
    Command::new("hazel")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Obtain and check OAuth2 access tokens with verifiable credentials")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .args(config_args())
        .subcommand(Command::new("server").about("Run the node"))
        .subcommand(
            Command::new("config").about("Print the effective configuration (secrets masked)"),
        )
}

/// Runs the command line with the process's arguments and environment.
pub fn run() -> ExitCode {
    let matches = command().get_matches();
    let Some((name, sub)) = matches.subcommand() else {
        return ExitCode::FAILURE;
    };
    let sources = sources(sub);
    let loaded = match config::load(&sources) {
        Ok(loaded) => loaded,
        Err(error) => {
            let _ = write!(std::io::stderr(), "hazel: {error}");
            return ExitCode::FAILURE;
        }
    };
    match name {
        "config" => print_config(&loaded),
        _ => server(loaded),
    }
}

/// Where the configuration comes from: the flags of [`config_args`] in `matches`, and the
/// process environment.
pub fn sources(matches: &ArgMatches) -> Sources {
    let flags = keys()
        .into_iter()
        .filter_map(|key| {
            matches
                .get_one::<String>(&key.name)
                .map(|value| (key.name.clone(), value.clone()))
        })
        .collect();
    Sources {
        configfile: matches.get_one::<String>("configfile").map(PathBuf::from),
        env: std::env::vars().collect(),
        flags,
    }
}

fn print_config(loaded: &config::load::Loaded) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let source = match &loaded.file {
        Some(file) => format!("# read from {}, then HAZEL_* and flags\n", file.display()),
        None => "# no configuration file; defaults, HAZEL_* and flags\n".to_owned(),
    };
    let yaml = serde_yaml::to_string(&loaded.config).unwrap_or_default();
    let warnings: String = loaded
        .warnings
        .iter()
        .map(|warning| format!("# warning: {warning}\n"))
        .collect();
    match write!(out, "{source}{warnings}{yaml}") {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}

fn server(loaded: config::load::Loaded) -> ExitCode {
    crate::infra::logging::init(loaded.config.verbosity, loaded.config.loggerformat);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(%error, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        match serve(loaded).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                tracing::error!("{error}");
                ExitCode::FAILURE
            }
        }
    })
}

async fn serve(loaded: config::load::Loaded) -> anyhow::Result<()> {
    for warning in &loaded.warnings {
        tracing::warn!("{warning}");
    }
    if let Some(file) = &loaded.file {
        tracing::info!(file = %file.display(), "configuration file read");
    }
    let node = Node::open(loaded.config).await?;
    let listeners = Listeners::bind(&node).await?;
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        url = node.config().public_url(),
        public = %listeners.public.local_addr()?,
        internal = %listeners.internal.local_addr()?,
        sql = ?node.runtime().database.backend(),
        sessions = node.runtime().sessions.kind(),
        "hazel is up"
    );
    let shutdown = CancellationToken::new();
    tokio::spawn(on_signal(shutdown.clone()));
    http::serve(
        listeners,
        http::public_router(&node),
        http::internal_router(&node),
        shutdown,
    )
    .await?;
    node.runtime().database.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Cancels `shutdown` on SIGINT or SIGTERM.
async fn on_signal(shutdown: CancellationToken) {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
    tracing::info!("shutdown requested: finishing requests in flight");
    shutdown.cancel();
}
