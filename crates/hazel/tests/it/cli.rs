//! The `hazel` binary as an operator runs it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support;

pub(crate) fn hazel() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hazel"));
    // Only what the test sets: a developer's own HAZEL_* variables must not leak in.
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    command
}

#[test]
fn both_policy_sources_stop_the_start_naming_both_keys() {
    let dir = tempfile::tempdir().unwrap();
    let output = hazel()
        .current_dir(dir.path())
        .args(["server", "--policy.directory", "."])
        .env("HAZEL_POLICY_ADDRESS", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("policy.directory") && stderr.contains("policy.address"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("data").exists(),
        "nothing is created on a refused start"
    );
}

#[test]
fn config_prints_the_effective_configuration_with_secrets_masked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("hazel.yaml"),
        "verbosity: debug\nstorage:\n  sql:\n    connection: postgres://hazel:hunter2@db.example/hazel\n",
    )
    .unwrap();
    let output = hazel()
        .current_dir(dir.path())
        .args(["config", "--http.public.address", "127.0.0.1:7000"])
        .env("HAZEL_STORAGE_SESSION_REDIS_ADDRESS", "127.0.0.1:6379")
        .env("HAZEL_STORAGE_SESSION_REDIS_PASSWORD", "topsecret")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("read from hazel.yaml"), "{stdout}");
    assert!(stdout.contains("verbosity: debug"), "{stdout}");
    assert!(stdout.contains("127.0.0.1:7000"), "{stdout}");
    assert!(stdout.contains("db.example"), "{stdout}");
    assert!(!stdout.contains("hunter2"), "{stdout}");
    assert!(!stdout.contains("topsecret"), "{stdout}");
}

#[test]
fn unknown_flag_is_refused() {
    let output = hazel()
        .args(["server", "--policy.directry", "x"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("policy.directry"));
}

/// Starts `hazel server` on free ports and reads the addresses from its JSON start-up log line.
pub(crate) struct Running {
    pub(crate) child: std::process::Child,
    pub(crate) internal: std::net::SocketAddr,
    /// Log lines read while waiting for the start.
    seen: Vec<String>,
    lines: std::sync::mpsc::Receiver<String>,
}

/// A test that fails before it terminates the node leaves no node running.
impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn start(dir: &std::path::Path, extra: &[&str]) -> Running {
    start_on(dir, "127.0.0.1:0", extra)
}

/// Starts `hazel server` in `dir` with its public listener on `public` and the given flags.
pub(crate) fn start_on(dir: &std::path::Path, public: &str, extra: &[&str]) -> Running {
    let mut child = hazel()
        .current_dir(dir)
        .args([
            "server",
            "--loggerformat",
            "json",
            "--http.public.address",
            public,
            "--http.internal.address",
            "127.0.0.1:0",
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (sender, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let line = lines.recv_timeout(remaining).unwrap_or_else(|_| {
            panic!(
                "hazel did not report it was up; exit: {:?}",
                child.try_wait()
            )
        });
        let event = serde_json::from_str::<serde_json::Value>(&line).unwrap_or_default();
        seen.push(line);
        if event["message"] == "hazel is up" {
            let internal = event["internal"].as_str().unwrap().parse().unwrap();
            return Running {
                child,
                internal,
                seen,
                lines,
            };
        }
    }
}

#[allow(clippy::disallowed_methods)] // a plain test thread, not an async worker
pub(crate) fn terminate(running: &mut Running) -> std::process::ExitStatus {
    let pid = running.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = running.child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "hazel did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn server_starts_on_embedded_defaults_answers_health_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut running = start(dir.path(), &[]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (status, body) = runtime
        .block_on(support::http_get(running.internal, "/health"))
        .unwrap();
    assert_eq!(status, 200, "{body}");
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["details"]["sql"]["status"], "UP");
    assert_eq!(health["details"]["sessions"]["status"], "UP");
    assert!(
        dir.path().join("data").join("sqlite.db").is_file(),
        "SQLite lives in ./data by default"
    );

    let status = terminate(&mut running);
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
    let mut logged = std::mem::take(&mut running.seen);
    logged.extend(running.lines.try_iter());
    assert!(
        logged.iter().any(|line| line.contains("development only")),
        "the default url is flagged: {logged:?}"
    );
    assert!(
        logged.iter().any(|line| line.contains("\"stopped\"")),
        "{logged:?}"
    );
}

#[test]
fn server_with_unreachable_postgres_exits_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = hazel()
        .current_dir(dir.path())
        .args([
            "server",
            "--http.public.address",
            "127.0.0.1:0",
            "--http.internal.address",
            "127.0.0.1:0",
            "--storage.sql.connection",
            "postgres://hazel:hunter2@127.0.0.1:1/hazel",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("cannot connect to PostgreSQL"), "{stdout}");
    assert!(!stdout.contains("hunter2"), "{stdout}");
}

/// Defect 6 of issue 15: the README's test command needs cargo-nextest, which a fresh machine
/// may not have. The README keeps both commands and says how to run the tests either way.
#[test]
fn regression_15_the_readme_says_how_to_run_the_tests_on_a_fresh_machine() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    for command in [
        "cargo run --release --bin hazel -- server",
        "cargo nextest run --workspace --locked",
        "cargo install cargo-nextest --locked",
        "cargo test --workspace --locked",
    ] {
        assert!(readme.contains(command), "README lacks `{command}`");
    }
    let ci =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.ci/run")).unwrap();
    assert!(ci.contains("cargo nextest run --workspace --locked"));
    assert!(ci.contains("cargo install cargo-nextest --locked"));
}

/// The load generator is a client of a running node, so it is a binary of its own with the
/// node's configuration flags; the server's command line no longer carries it.
#[test]
fn the_load_generator_is_its_own_binary() {
    let help = Command::new(env!("CARGO_BIN_EXE_hazel-bench"))
        .args(["token", "--help"])
        .output()
        .unwrap();
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(
        text.contains("--concurrency") && text.contains("--http.internal.address"),
        "{text}"
    );
    let old = hazel().args(["bench", "token"]).output().unwrap();
    assert!(!old.status.success());
}
