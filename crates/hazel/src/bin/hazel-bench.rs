//! `hazel-bench token`: a load generator for the token endpoint of a running node. It takes the
//! node's own configuration flags (`--url`, `--http.internal.address`, …) to find it.
//!
//! It plays a client organization that is not a node: a did:jwk holder, generated in memory, to
//! which the node's own issuer subject issues a `NutsOrganizationCredential`. Every request gets
//! its own presentation (fresh nonce) and its own DPoP proof (fresh `jti`), all signed before the
//! timed phase so that the figures are the server's cost, not the generator's signing. The node
//! must map the scope to a definition that asks for that credential (`policies/bench/`), and
//! allow presentations and proofs to live as long as the run (`auth.presentationmaxvalidity`,
//! `auth.dpop.maxage`): see docs/operations.md.
//!
//! It prints requests per second, p50/p99 latency, the outcome per status, and the machine's
//! ES256 verification rate measured in the same process, so runs on different machines compare.

#![forbid(unsafe_code)]

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Arg, ArgMatches, Command};
use hazel::config::Config;
use hazel::flows::s2s_server::issuer_url;
use hazel::infra::clock::{Clock, SystemClock};
use jose::jws::Header;
use jose::{KeyKind, Signer, SigningKey};
use oauth::dpop::{self, ProofClaims};
use oauth::token::VpTokenBearer;
use oauth::types::ClientId;
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use vc::Presentation;
use vc::jwt::{PresentationParameters, presentation_claims};
use vc::ldp::{AUTHENTICATION, LdProcessing, LdProof};
use vc::model::format_date;

/// What to run.
#[derive(Debug, Clone)]
struct TokenBench {
    /// Number of token requests.
    requests: usize,
    /// Requests in flight at once.
    concurrency: usize,
    /// The scope to ask for.
    scope: String,
    /// Send DPoP proofs (a `DPoP` token) or not (a `Bearer` token).
    dpop: bool,
    /// Lifetime of the pre-signed presentations and proofs, seconds.
    validity: i64,
    /// Present an `ldp_vp` of an `ldp_vc` (JsonWebSignature2020) instead of JWTs.
    json_ld: bool,
}

fn command() -> Command {
    let token = Command::new("token")
        .about("Drive s2s token requests (pre-signed presentations and DPoP proofs)")
        .arg(
            Arg::new("requests")
                .long("requests")
                .value_parser(clap::value_parser!(usize))
                .default_value("2000"),
        )
        .arg(
            Arg::new("concurrency")
                .long("concurrency")
                .value_parser(clap::value_parser!(usize))
                .default_value("32"),
        )
        .arg(Arg::new("scope").long("scope").default_value("bench"))
        .arg(
            Arg::new("validity")
                .long("validity")
                .help("seconds the pre-signed presentations and proofs live")
                .value_parser(clap::value_parser!(i64))
                .default_value("300"),
        )
        .arg(
            Arg::new("bearer")
                .long("bearer")
                .help("no DPoP proofs: Bearer tokens")
                .action(clap::ArgAction::SetTrue),
        )
        .arg(
            Arg::new("format")
                .long("format")
                .help("jwt_vp of a jwt_vc, or ldp_vp of an ldp_vc (JSON-LD)")
                .value_parser(["jwt_vp", "ldp_vp"])
                .default_value("jwt_vp"),
        );
    Command::new("hazel-bench")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Load generators against the node the configuration describes")
        .subcommand_required(true)
        .args(hazel::cli::config_args())
        .subcommand(token)
}

fn token_bench(args: &ArgMatches) -> TokenBench {
    TokenBench {
        requests: args.get_one::<usize>("requests").copied().unwrap_or(2000),
        concurrency: args
            .get_one::<usize>("concurrency")
            .copied()
            .unwrap_or(32)
            .max(1),
        scope: args
            .get_one::<String>("scope")
            .cloned()
            .unwrap_or_else(|| "bench".into()),
        dpop: !args.get_flag("bearer"),
        validity: args.get_one::<i64>("validity").copied().unwrap_or(300),
        json_ld: args.get_one::<String>("format").map(String::as_str) == Some("ldp_vp"),
    }
}

fn main() -> ExitCode {
    let matches = command().get_matches();
    let Some(("token", args)) = matches.subcommand() else {
        return ExitCode::FAILURE;
    };
    let result = hazel::config::load(&hazel::cli::sources(args))
        .map_err(anyhow::Error::from)
        .and_then(|loaded| {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(token(&loaded.config, &token_bench(args)))
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "hazel-bench token: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// One prepared request.
struct Prepared {
    form: String,
    dpop: Option<String>,
}

fn internal_base(config: &Config) -> String {
    let mut address = config.http.internal.address;
    if address.ip().is_unspecified() {
        address.set_ip(std::net::IpAddr::from([127, 0, 0, 1]));
    }
    format!("http://{address}")
}

async fn call(
    client: &reqwest::Client,
    config: &Config,
    path: &str,
    body: Value,
) -> anyhow::Result<Value> {
    let mut request = client
        .post(format!("{}{path}", internal_base(config)))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(file) = &config.http.internal.auth.tokenfile {
        let token = std::fs::read_to_string(file).context("http.internal.auth.tokenfile")?;
        request = request.bearer_auth(token.trim());
    }
    let response = request.send().await.context("internal API")?;
    let status = response.status();
    let text = response.text().await?;
    if !status.is_success() {
        bail!("{path}: HTTP {status}: {text}");
    }
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// ES256 verifications per second on one core, measured for about a second.
fn es256_verify_rate() -> anyhow::Result<f64> {
    let key = SigningKey::generate(KeyKind::P256)?;
    let message = b"hazel bench: the cost of one ES256 signature check";
    let signature = key.sign(message)?;
    let verifier = jose::VerifyingKey::from_jwk(key.public_jwk())?;
    let started = Instant::now();
    let mut count = 0u64;
    while started.elapsed() < Duration::from_secs(1) {
        for _ in 0..100 {
            verifier.verify(jose::Algorithm::ES256, message, &signature)?;
        }
        count += 100;
    }
    Ok(count as f64 / started.elapsed().as_secs_f64())
}

/// The parties of a run: an issuer subject on the node, a verifier subject whose token endpoint
/// is driven, and a did:jwk holder of a credential the issuer issued.
struct Parties {
    holder_key: SigningKey,
    holder: did::Did,
    credential: Value,
    audience: String,
    endpoint: String,
}

/// Creates the parties through the node's internal API.
async fn parties(
    client: &reqwest::Client,
    config: &Config,
    bench: &TokenBench,
    run: &str,
) -> anyhow::Result<Parties> {
    let issuer_id = format!("bench-issuer-{}", &run[..8]);
    let verifier_id = format!("bench-verifier-{}", &run[..8]);
    let subject = json!({"subject": issuer_id});
    let created = call(client, config, "/internal/vdr/v2/subject", subject).await?;
    let issuer = created["documents"][0]["id"]
        .as_str()
        .context("subject creation answered no DID")?
        .to_owned();
    let subject = json!({"subject": verifier_id});
    call(client, config, "/internal/vdr/v2/subject", subject).await?;
    let holder_key = SigningKey::generate(KeyKind::P256)?;
    let holder = did::methods::jwk::did_for(holder_key.public_jwk())?;
    let credential = call(
        client,
        config,
        "/internal/vcr/v2/issuer/vc",
        json!({
            "@context": ["https://www.w3.org/2018/credentials/v1", "https://nuts.nl/credentials/v1"],
            "type": ["VerifiableCredential", "NutsOrganizationCredential"],
            "issuer": issuer,
            "expirationDate": "2099-01-01T00:00:00Z",
            "credentialSubject": {"id": holder.as_str(), "organization": {"name": "Bench", "city": "Loadtown"}},
            "format": if bench.json_ld { "ldp_vc" } else { "jwt_vc" }
        }),
    )
    .await?;
    let audience = issuer_url(config.public_url(), &verifier_id);
    Ok(Parties {
        endpoint: format!("{audience}/token"),
        holder_key,
        holder,
        credential,
        audience,
    })
}

/// Signs every request before the timed phase: a presentation with a fresh nonce and, with
/// DPoP, a proof with a fresh `jti`.
fn prepare(
    parties: &Parties,
    bench: &TokenBench,
    run: &str,
    now: i64,
) -> anyhow::Result<Vec<Prepared>> {
    let credential_format = if bench.json_ld { "ldp_vc" } else { "jwt_vc" };
    let submission = json!({"id": "bench", "definition_id": "pd_bench", "descriptor_map": [
        {"id": "organization_credential", "format": credential_format, "path": "$.verifiableCredential"}]})
    .to_string();
    let contexts = jsonld::Contexts::builtin();
    let dpop_key = SigningKey::generate(KeyKind::P256)?;
    let (holder, holder_key) = (&parties.holder, &parties.holder_key);
    let kid = format!("{holder}#0");
    let mut prepared = Vec::with_capacity(bench.requests);
    for i in 0..bench.requests {
        let nonce = format!("{run}-{i}");
        let presentation = Presentation::new(holder.as_str(), vec![parties.credential.clone()]);
        let assertion = if bench.json_ld {
            let mut document = serde_json::to_value(&presentation)?;
            document["id"] = json!(format!("{holder}#{nonce}"));
            let mut proof = LdProof::new(&kid, AUTHENTICATION, format_date(now));
            proof.challenge = Some(nonce.clone());
            proof.domain = Some(parties.audience.clone());
            proof.expires = Some(format_date(now + bench.validity));
            LdProcessing::new(&contexts)
                .sign(document, proof, holder_key)?
                .to_string()
        } else {
            let claims = presentation_claims(
                &presentation,
                &PresentationParameters {
                    audience: Some(parties.audience.clone()),
                    nonce: Some(nonce.clone()),
                    jti: Some(nonce.clone()),
                    issued_at: now,
                    expires: Some(now + bench.validity),
                },
            )?;
            let mut header = Header::new(holder_key.algorithm());
            header.kid = Some(kid.clone());
            header.typ = Some("JWT".to_owned());
            jose::jwt::sign(header, &claims, holder_key)?
        };
        let form = VpTokenBearer {
            assertion,
            presentation_submission: submission.clone(),
            scope: bench.scope.clone(),
            client_id: ClientId::new(holder.as_str()),
        }
        .to_form();
        let dpop = bench
            .dpop
            .then(|| {
                dpop::create(
                    &dpop_key,
                    &ProofClaims {
                        jti: &nonce,
                        htm: "POST",
                        htu: &parties.endpoint,
                        iat: now,
                        ath: None,
                        nonce: None,
                    },
                )
            })
            .transpose()?;
        prepared.push(Prepared { form, dpop });
    }
    Ok(prepared)
}

/// What the timed phase measured.
struct Measured {
    elapsed: f64,
    latencies: Vec<Duration>,
    statuses: std::collections::BTreeMap<u16, usize>,
}

/// Sends the prepared requests, `concurrency` at a time.
async fn drive(
    client: &reqwest::Client,
    endpoint: &str,
    prepared: Vec<Prepared>,
    concurrency: usize,
) -> anyhow::Result<Measured> {
    let permits = Arc::new(Semaphore::new(concurrency));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(prepared.len());
    for request in prepared {
        let permit = permits.clone().acquire_owned().await?;
        let client = client.clone();
        let endpoint = endpoint.to_owned();
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let mut builder = client
                .post(&endpoint)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", "application/json")
                .body(request.form);
            if let Some(dpop) = request.dpop {
                builder = builder.header("DPoP", dpop);
            }
            let status = match builder.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let _ = response.bytes().await;
                    status
                }
                Err(_) => 0,
            };
            drop(permit);
            (status, sent.elapsed())
        }));
    }
    let mut latencies = Vec::with_capacity(tasks.len());
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for task in tasks {
        let (status, latency) = task.await?;
        *statuses.entry(status).or_default() += 1;
        latencies.push(latency);
    }
    latencies.sort();
    Ok(Measured {
        elapsed: started.elapsed().as_secs_f64(),
        latencies,
        statuses,
    })
}

/// Runs the benchmark against the node that `config` describes and prints the figures.
async fn token(config: &Config, bench: &TokenBench) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(bench.concurrency)
        .build()?;
    let run = uuid::Uuid::new_v4().simple().to_string();
    let parties = parties(&client, config, bench, &run).await?;
    let signing_started = Instant::now();
    let prepared = prepare(&parties, bench, &run, SystemClock.now().unix_timestamp())?;
    writeln!(
        out,
        "prepared {} requests ({} + {}) in {:.1} s",
        bench.requests,
        if bench.json_ld { "ldp_vp" } else { "jwt_vp" },
        if bench.dpop { "DPoP proof" } else { "no DPoP" },
        signing_started.elapsed().as_secs_f64()
    )?;
    let measured = drive(&client, &parties.endpoint, prepared, bench.concurrency).await?;
    let verify_rate = es256_verify_rate()?;
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    writeln!(out, "token endpoint: {}", parties.endpoint)?;
    writeln!(
        out,
        "{} requests, concurrency {}: {:.0} requests/s, p50 {:.1} ms, p99 {:.1} ms",
        bench.requests,
        bench.concurrency,
        bench.requests as f64 / measured.elapsed,
        percentile(&measured.latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&measured.latencies, 0.99).as_secs_f64() * 1000.0,
    )?;
    writeln!(
        out,
        "responses by status (0 = no response): {:?}",
        measured.statuses
    )?;
    let signatures = if bench.dpop { 3.0 } else { 2.0 };
    writeln!(
        out,
        "ES256 verify: {verify_rate:.0}/s per core, {cores} cores; {signatures} signature checks per \
         request bound the endpoint at {:.0} requests/s",
        verify_rate * cores as f64 / signatures
    )?;
    if measured.statuses.keys().any(|status| *status != 200) {
        bail!("some token requests were refused; see the node's log");
    }
    Ok(())
}
