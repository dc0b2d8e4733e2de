//! Configuration: sources and their precedence, and every kind of refusal naming its key.

use std::path::PathBuf;

use hazel::config::{self, ConfigError, InternalAuthType, LoggerFormat, Sources, env_name, keys};

fn load(sources: &Sources) -> Result<config::load::Loaded, ConfigError> {
    config::load(sources)
}

fn file_with(content: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hazel.yaml");
    std::fs::write(&path, content).unwrap();
    (dir, path)
}

fn keys_of(error: &ConfigError) -> Vec<String> {
    error.problems.iter().map(|p| p.key.clone()).collect()
}

#[test]
fn no_configuration_gives_the_embedded_defaults_and_a_development_warning() {
    let loaded = load(&Sources::default()).unwrap();
    let config = loaded.config;
    assert_eq!(config.public_url(), "http://localhost:8080");
    assert_eq!(config.datadir, PathBuf::from("./data"));
    assert_eq!(config.http.public.address.to_string(), "0.0.0.0:8080");
    assert_eq!(config.http.internal.address.to_string(), "127.0.0.1:8081");
    assert!(config.strictmode);
    assert!(
        config.storage.sql.connection.is_empty(),
        "SQLite by default"
    );
    assert!(
        config.storage.session.redis.address.is_empty(),
        "memory by default"
    );
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.contains("development only")),
        "{:?}",
        loaded.warnings
    );
}

#[test]
fn flags_win_over_environment_which_wins_over_the_file() {
    let (_dir, path) = file_with(
        "url: https://file.example\nverbosity: debug\nloggerformat: json\ndatadir: /from/file\n",
    );
    let sources = Sources {
        configfile: Some(path),
        env: vec![
            ("HAZEL_URL".into(), "https://env.example".into()),
            ("HAZEL_VERBOSITY".into(), "warn".into()),
            ("PATH".into(), "/usr/bin".into()),
        ],
        flags: vec![("url".into(), "https://flag.example".into())],
    };
    let config = load(&sources).unwrap().config;
    assert_eq!(config.url, "https://flag.example");
    assert_eq!(config.verbosity, config::Verbosity::Warn);
    assert_eq!(config.loggerformat, LoggerFormat::Json);
    assert_eq!(config.datadir, PathBuf::from("/from/file"));
}

#[test]
fn nested_keys_map_from_environment_names() {
    let dir = tempfile::tempdir().unwrap();
    let sources = Sources {
        env: vec![
            (
                "HAZEL_POLICY_DIRECTORY".into(),
                dir.path().display().to_string(),
            ),
            ("HAZEL_HTTP_PUBLIC_ADDRESS".into(), "127.0.0.1:9090".into()),
            ("HAZEL_STRICTMODE".into(), "false".into()),
            ("HAZEL_HTTP_BODYLIMIT".into(), "2048".into()),
            (
                "HAZEL_JSONLD_CONTEXTS_REMOTEALLOWLIST".into(),
                "https://a.example/v1, https://b.example/v1".into(),
            ),
            (
                "HAZEL_JSONLD_CONTEXTS_LOCALMAPPING".into(),
                "https://a.example/v1=/etc/a.jsonld,https://nuts.nl/credentials/v1=assets/contexts/nuts.ldjson".into(),
            ),
        ],
        ..Sources::default()
    };
    let config = load(&sources).unwrap().config;
    assert_eq!(
        config.jsonld.contexts.remoteallowlist,
        ["https://a.example/v1", "https://b.example/v1"]
    );
    assert_eq!(
        config.jsonld.contexts.localmapping["https://a.example/v1"],
        "/etc/a.jsonld"
    );
    assert_eq!(config.jsonld.contexts.localmapping.len(), 2);
    let malformed = load(&Sources {
        env: vec![(
            "HAZEL_JSONLD_CONTEXTS_LOCALMAPPING".into(),
            "no-equals-sign".into(),
        )],
        ..Sources::default()
    })
    .unwrap_err();
    assert_eq!(keys_of(&malformed), ["jsonld.contexts.localmapping"]);
    assert_eq!(config.policy.directory.as_deref(), Some(dir.path()));
    assert_eq!(config.http.public.address.to_string(), "127.0.0.1:9090");
    assert!(!config.strictmode);
    assert_eq!(config.http.bodylimit, 2048);
}

#[test]
fn unknown_key_in_the_file_is_refused_with_its_name_and_file() {
    let (_dir, path) = file_with("policy:\n  directry: /tmp\n");
    let error = load(&Sources {
        configfile: Some(path.clone()),
        ..Sources::default()
    })
    .unwrap_err();
    assert_eq!(keys_of(&error), ["policy.directry"]);
    let text = error.to_string();
    assert!(text.contains("not a configuration key"), "{text}");
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(
        text.contains("directory"),
        "the fix lists known keys: {text}"
    );
}

#[test]
fn unknown_environment_variable_with_the_prefix_is_refused() {
    let error = load(&Sources {
        env: vec![("HAZEL_POLICY_DIRECTRY".into(), "/tmp".into())],
        ..Sources::default()
    })
    .unwrap_err();
    assert_eq!(keys_of(&error), ["HAZEL_POLICY_DIRECTRY"]);
}

#[test]
fn wrong_types_name_the_key_and_the_source() {
    let (_dir, path) = file_with("http:\n  bodylimit: lots\n");
    let error = load(&Sources {
        configfile: Some(path),
        ..Sources::default()
    })
    .unwrap_err();
    assert_eq!(keys_of(&error), ["http.bodylimit"]);

    let error = load(&Sources {
        env: vec![("HAZEL_STRICTMODE".into(), "maybe".into())],
        ..Sources::default()
    })
    .unwrap_err();
    assert_eq!(keys_of(&error), ["strictmode"]);
    assert!(error.to_string().contains("HAZEL_STRICTMODE"), "{error}");

    let error = load(&Sources {
        flags: vec![("http.public.address".into(), "not-an-address".into())],
        ..Sources::default()
    })
    .unwrap_err();
    assert_eq!(keys_of(&error), ["http.public.address"]);
    assert!(
        error.to_string().contains("--http.public.address"),
        "{error}"
    );
}

#[test]
fn enumerations_list_the_allowed_values() {
    let error = load(&Sources {
        flags: vec![("loggerformat".into(), "xml".into())],
        ..Sources::default()
    })
    .unwrap_err();
    assert_eq!(keys_of(&error), ["loggerformat"]);
    let text = error.to_string();
    assert!(text.contains("text") && text.contains("json"), "{text}");
}

#[test]
fn policy_directory_and_address_together_are_a_contradiction_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let error = load(&Sources {
        flags: vec![
            ("policy.directory".into(), dir.path().display().to_string()),
            ("policy.address".into(), "http://127.0.0.1:9999".into()),
        ],
        ..Sources::default()
    })
    .unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("policy.directory") && text.contains("policy.address"),
        "{text}"
    );
}

#[test]
fn token_auth_requires_a_readable_long_token_file() {
    let error = load(&Sources {
        flags: vec![("http.internal.auth.type".into(), "token".into())],
        ..Sources::default()
    })
    .unwrap_err();
    assert_eq!(keys_of(&error), ["http.internal.auth.tokenfile"]);

    let dir = tempfile::tempdir().unwrap();
    let short = dir.path().join("short");
    std::fs::write(&short, "abc").unwrap();
    let error = load(&Sources {
        flags: vec![
            ("http.internal.auth.type".into(), "token".into()),
            (
                "http.internal.auth.tokenfile".into(),
                short.display().to_string(),
            ),
        ],
        ..Sources::default()
    })
    .unwrap_err();
    assert!(error.to_string().contains("shorter than 16"), "{error}");

    let good = dir.path().join("good");
    std::fs::write(&good, "0123456789abcdef0123\n").unwrap();
    let config = load(&Sources {
        flags: vec![
            ("http.internal.auth.type".into(), "token".into()),
            (
                "http.internal.auth.tokenfile".into(),
                good.display().to_string(),
            ),
        ],
        ..Sources::default()
    })
    .unwrap()
    .config;
    assert_eq!(config.http.internal.auth.kind, InternalAuthType::Token);
}

#[test]
fn strict_mode_refuses_a_plain_http_url_and_lax_mode_warns() {
    let error = load(&Sources {
        flags: vec![("url".into(), "http://node.example".into())],
        ..Sources::default()
    })
    .unwrap_err();
    assert!(error.to_string().contains("strictmode"), "{error}");

    let loaded = load(&Sources {
        flags: vec![
            ("url".into(), "http://node.example".into()),
            ("strictmode".into(), "false".into()),
        ],
        ..Sources::default()
    })
    .unwrap();
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.contains("strictmode is off"))
    );
}

#[test]
fn several_problems_are_reported_together() {
    let error = load(&Sources {
        flags: vec![
            ("url".into(), "ftp://node.example".into()),
            ("storage.sql.connection".into(), "mysql://db".into()),
            ("http.internal.address".into(), "0.0.0.0:8080".into()),
        ],
        ..Sources::default()
    })
    .unwrap_err();
    let keys = keys_of(&error);
    assert!(keys.contains(&"url".to_owned()), "{keys:?}");
    assert!(
        keys.contains(&"storage.sql.connection".to_owned()),
        "{keys:?}"
    );
    assert!(
        keys.contains(&"http.public.address, http.internal.address".to_owned()),
        "{keys:?}"
    );
}

#[test]
fn a_named_configuration_file_must_exist() {
    let error = load(&Sources {
        configfile: Some(PathBuf::from("/nonexistent/hazel.yaml")),
        ..Sources::default()
    })
    .unwrap_err();
    assert_eq!(keys_of(&error), ["configfile"]);
}

#[test]
fn an_empty_configuration_file_is_the_defaults() {
    let (_dir, path) = file_with("\n");
    let loaded = load(&Sources {
        configfile: Some(path.clone()),
        ..Sources::default()
    })
    .unwrap();
    assert_eq!(loaded.file, Some(path));
    assert!(loaded.config.strictmode);
}

#[test]
fn configuration_reference_lists_every_key_with_its_environment_name() {
    let reference = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/configuration.md"),
    )
    .unwrap();
    for key in keys() {
        let row = reference
            .lines()
            .find(|line| line.starts_with(&format!("| `{}` ", key.name)))
            .unwrap_or_else(|| panic!("docs/configuration.md has no row for `{}`", key.name));
        assert!(
            row.contains(&format!("`{}`", env_name(&key.name))),
            "row for {} lacks its environment name: {row}",
            key.name
        );
    }
}

/// Issue 23, finding 7: a8a2f86 started an unauthenticated internal API on any address without a
/// word. Off loopback without authentication it now refuses to start, unless the operator says
/// a network boundary protects it, and then it warns.
#[test]
fn regression_23_an_unauthenticated_internal_api_off_loopback_needs_an_explicit_setting() {
    let with = |flags: &[(&str, &str)]| {
        load(&Sources {
            flags: flags
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..Sources::default()
        })
    };
    let error = with(&[("http.internal.address", "0.0.0.0:8081")]).unwrap_err();
    assert!(
        keys_of(&error).contains(&"http.internal.address, http.internal.auth.type".to_owned()),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("http.internal.allowunauthenticated"),
        "{error}"
    );
    let error = with(&[("http.internal.address", "10.0.0.5:8081")]).unwrap_err();
    assert_eq!(error.problems.len(), 1, "{error}");

    let allowed = with(&[
        ("http.internal.address", "0.0.0.0:8081"),
        ("http.internal.allowunauthenticated", "true"),
    ])
    .unwrap();
    assert!(
        allowed
            .warnings
            .iter()
            .any(|w| w.contains("without authentication")),
        "{:?}",
        allowed.warnings
    );
    for loopback in ["127.0.0.1:8081", "127.0.0.9:8081", "[::1]:8081"] {
        assert!(
            with(&[("http.internal.address", loopback)]).is_ok(),
            "{loopback}"
        );
    }
}
