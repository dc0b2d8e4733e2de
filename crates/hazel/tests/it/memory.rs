//! Issue 23's memory budget: the `hazel` binary, on its embedded defaults, takes rounds of
//! hostile requests of every kind the review of a8a2f86 found (`../shared/reviews/
//! 2026-12-05-security.md`), all sent anonymously to the public listener by a client that
//! controls the servers its presentations name:
//!
//! - status lists (finding 1): credentials with four status entries each, at URLs whose lists are
//!   either 2 MiB of bits that compress to 2 KiB or 128 KiB of random bits that do not compress
//!   (a 230 KiB JWT, near the 256 KiB limit), every list new;
//! - DID documents (finding 2): credentials of issuers whose did:web documents are near 64 KiB
//!   of verification methods and unknown members, every issuer new;
//! - canonical forms (finding 9): JSON-LD presentations of 64 KiB with a forged proof;
//! - HTTP methods (finding 3): requests with made-up methods.
//!
//! At a8a2f86 each status-list request added about 120 MB and each DID request up to 20 MB,
//! forever. The node's resident memory must stay within [`CEILING_MB`] of what it uses once warm,
//! round after round, and the metrics must not grow a series.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::routing::get;
use jose::Signer;
use serde_json::{Value, json};

use crate::cli::{Running, start_on, terminate};
use crate::s2s::hostile::{Party, credential};
use crate::s2s::{SCOPE, policy};

/// The most the node's resident memory may grow over its warm size, in MB.
const CEILING_MB: u64 = 64;
/// Rounds of hostile requests after the first; each round is new work for every cache.
const ROUNDS: usize = 3;
/// Requests of each kind per round.
const STATUS_REQUESTS: usize = 6;
const DID_REQUESTS: usize = 24;
const JSONLD_REQUESTS: usize = 40;
const METHOD_REQUESTS: usize = 300;
/// Credentials per status-list request, each with the most status entries a credential may
/// carry: 16 fetches, the default outbound budget.
const STATUS_CREDENTIALS: usize = 4;
/// Issuers per DID request: the default outbound budget.
const DID_ISSUERS: usize = 16;
/// Bytes of bits in a sparse hostile status list: the most a list may decode to.
const SPARSE_LIST_BYTES: usize = 2 * 1024 * 1024;
/// Bytes of random bits in a dense one: as much as a status list response may carry.
const DENSE_LIST_BYTES: usize = 128 * 1024;

/// The attacker's server: status lists signed by `list_issuer` at `/lists/{n}`, and the did:web
/// documents of the issuers it made at `/dids/{n}/did.json`, padded to near 64 KiB.
#[derive(Clone)]
struct Attacker {
    address: String,
    list_issuer: Arc<Party>,
    /// The `encodedList` of the sparse lists (even numbers) and of the dense ones (odd).
    encoded_lists: Arc<[String; 2]>,
    issuers: Arc<HashMap<String, Value>>,
    fetches: Arc<AtomicUsize>,
}

impl Attacker {
    fn did(address: &str, n: usize) -> String {
        format!("did:web:{}:dids:{n}", address.replace(':', "%3A"))
    }

    fn list_url(&self, n: usize) -> String {
        format!("http://{}/lists/{n}", self.address)
    }

    /// Binds, makes `issuers` did:web parties, and serves them.
    async fn start(issuers: usize) -> (Self, Vec<Party>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let parties: Vec<Party> = (0..issuers)
            .map(|n| Party::named(&Self::did(&address, n)))
            .collect();
        let keys = parties
            .iter()
            .enumerate()
            .map(|(n, party)| (n.to_string(), party.key.public_jwk().to_json()))
            .collect();
        let encode = |bits: &[u8]| {
            let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            gzip.write_all(bits).unwrap();
            jose::base64url::encode(gzip.finish().unwrap())
        };
        let mut random: Vec<u8> = (0..DENSE_LIST_BYTES / 16)
            .flat_map(|_| uuid::Uuid::new_v4().into_bytes())
            .collect();
        // The credentials' entries are at index 1: not revoked, so that every list is checked.
        random[0] = 0;
        let attacker = Self {
            address,
            list_issuer: Arc::new(Party::jwk()),
            encoded_lists: Arc::new([encode(&vec![0; SPARSE_LIST_BYTES]), encode(&random)]),
            issuers: Arc::new(keys),
            fetches: Arc::new(AtomicUsize::new(0)),
        };
        let router = Router::new()
            .route("/lists/{n}", get(status_list))
            .route("/dids/{n}/did.json", get(did_document))
            .with_state(attacker.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        (attacker, parties)
    }
}

async fn status_list(State(attacker): State<Attacker>, UrlPath(n): UrlPath<usize>) -> String {
    attacker.fetches.fetch_add(1, Ordering::SeqCst);
    let issuer = &attacker.list_issuer;
    let list = vc::Credential::from_json(json!({
        "@context": ["https://www.w3.org/2018/credentials/v1", vc::status::STATUS_LIST_2021_CONTEXT],
        "id": format!("{}#list", attacker.list_url(n)),
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "issuer": issuer.did,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": attacker.list_url(n), "type": "StatusList2021",
                              "statusPurpose": "revocation",
                              "encodedList": attacker.encoded_lists[n % 2]}
    }))
    .unwrap();
    issuer.sign(&vc::jwt::credential_claims(&list).unwrap())
}

async fn did_document(
    State(attacker): State<Attacker>,
    UrlPath(n): UrlPath<String>,
) -> Result<axum::Json<Value>, axum::http::StatusCode> {
    attacker.fetches.fetch_add(1, Ordering::SeqCst);
    let jwk = attacker
        .issuers
        .get(&n)
        .ok_or(axum::http::StatusCode::NOT_FOUND)?;
    let did = format!("did:web:{}:dids:{n}", attacker.address.replace(':', "%3A"));
    let method = |fragment: String| {
        json!({"id": format!("{did}#{fragment}"), "type": "JsonWebKey2020",
               "controller": did, "publicKeyJwk": jwk})
    };
    // Kept members (verification methods) and unknown ones, to near the 64 KiB limit.
    let methods: Vec<Value> = std::iter::once(method("0".into()))
        .chain((1..100).map(|i| method(format!("pad{i}"))))
        .collect();
    Ok(axum::Json(json!({
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [format!("{did}#0")],
        "padding": "x".repeat(24 * 1024),
    })))
}

/// The node under attack, as an operator starts it, and a client for it.
struct Target {
    running: Running,
    public: String,
    internal: String,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Target {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let public = format!("http://127.0.0.1:{port}");
        let policies = dir.path().join("policies");
        std::fs::create_dir_all(&policies).unwrap();
        std::fs::write(policies.join("s2s.json"), policy().to_string()).unwrap();
        let policies = policies.display().to_string();
        let args = [
            "--url",
            &public,
            "--strictmode",
            "false",
            "--policy.directory",
            &policies,
        ];
        let running = start_on(dir.path(), &format!("127.0.0.1:{port}"), &args);
        let internal = format!("http://{}", running.internal);
        let target = Self {
            running,
            public,
            internal,
            client: reqwest::Client::new(),
            _dir: dir,
        };
        let (status, _) = target
            .send(
                reqwest::Method::POST,
                &format!("{}/internal/vdr/v2/subject", target.internal),
                json!({"subject": "verifier"}).to_string(),
                "application/json",
            )
            .await;
        assert_eq!(status, 200);
        target
    }

    fn rss_kb(&self) -> u64 {
        rss_kb(self.running.child.id())
    }

    async fn send(
        &self,
        method: reqwest::Method,
        url: &str,
        body: String,
        content_type: &str,
    ) -> (u16, String) {
        let response = self
            .client
            .request(method, url)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// A token request whose `assertion` is `assertion`; the answer's status and text.
    async fn token_request(&self, assertion: &str, holder: &str) -> (u16, String) {
        let submission = json!({"id": "s", "definition_id": "pd_eoverdracht", "descriptor_map": [
            {"id": "organization_credential", "format": "jwt_vc",
             "path": "$.verifiableCredential"}]})
        .to_string();
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("grant_type", "vp_token-bearer"),
                ("assertion", assertion),
                ("presentation_submission", &submission),
                ("scope", SCOPE),
                ("client_id", holder),
            ])
            .finish();
        self.send(
            reqwest::Method::POST,
            &format!("{}/oauth2/verifier/token", self.public),
            body,
            "application/x-www-form-urlencoded",
        )
        .await
    }

    /// Lines of the metrics exposition that are series (not comments).
    async fn metric_series(&self) -> usize {
        let (status, text) = self
            .send(
                reqwest::Method::GET,
                &format!("{}/metrics", self.internal),
                String::new(),
                "text/plain",
            )
            .await;
        assert_eq!(status, 200);
        text.lines().filter(|l| !l.starts_with('#')).count()
    }
}

fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[allow(clippy::disallowed_methods)] // the test's own clock: the node checks presentations against it
fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A JWT presentation by `holder` for the target's verifier.
fn jwt_presentation(
    target: &Target,
    holder: &Party,
    credentials: Vec<Value>,
    nonce: &str,
) -> String {
    let now = unix_now();
    let claims = vc::jwt::presentation_claims(
        &vc::Presentation::new(&holder.did, credentials),
        &vc::jwt::PresentationParameters {
            audience: Some(format!("{}/oauth2/verifier", target.public)),
            nonce: Some(nonce.to_owned()),
            jti: Some(nonce.to_owned()),
            issued_at: now,
            expires: Some(now + 5),
        },
    )
    .unwrap();
    holder.sign(&claims)
}

/// A JSON-LD presentation of 64 KiB whose proof is forged: canonicalized, then refused.
fn forged_ldp_presentation(target: &Target, holder: &Party, nonce: &str) -> String {
    let format = |at: i64| {
        time::OffsetDateTime::from_unix_timestamp(at)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let now = unix_now();
    let credential = json!({
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://nuts.nl/credentials/v1"],
        "id": format!("{}#{nonce}", holder.did),
        "type": ["VerifiableCredential", "NutsOrganizationCredential"],
        "issuer": holder.did,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": holder.did, "organization": {
            "name": format!("{nonce}{}", "n".repeat(64 * 1024)), "city": "Y"}}
    });
    json!({
        "@context": ["https://www.w3.org/2018/credentials/v1",
                     "https://w3c-ccg.github.io/lds-jws2020/contexts/lds-jws2020-v1.json"],
        "type": ["VerifiablePresentation"],
        "holder": holder.did,
        "verifiableCredential": [credential],
        "proof": {
            "type": "JsonWebSignature2020", "created": format(now), "expires": format(now + 5),
            "proofPurpose": "authentication", "verificationMethod": format!("{}#0", holder.did),
            "domain": format!("{}/oauth2/verifier", target.public), "challenge": nonce,
            "jws": forged_jws()
        }
    })
    .to_string()
}

/// A detached JWS over other bytes, by another key.
fn forged_jws() -> String {
    let key = jose::SigningKey::generate(jose::KeyKind::P256).unwrap();
    let header = jose::jws::Header::new(jose::Algorithm::ES256);
    jose::jws::sign_detached_unencoded(header, b"other bytes", &key).unwrap()
}

/// One round: every kind of hostile request, each naming only servers and issuers not seen
/// before. Returns the round's fetches.
async fn hostile_round(
    target: &Target,
    attacker: &Attacker,
    issuers: &mut impl Iterator<Item = Party>,
    round: usize,
) -> usize {
    let fetched = attacker.fetches.load(Ordering::SeqCst);
    let holder = Party::jwk();
    for r in 0..STATUS_REQUESTS {
        let credentials = (0..STATUS_CREDENTIALS)
            .map(|c| {
                let first = ((round * STATUS_REQUESTS + r) * STATUS_CREDENTIALS + c) * 4;
                let lists: Vec<String> = (first..first + 4).map(|n| attacker.list_url(n)).collect();
                credential(&attacker.list_issuer, &holder.did, &lists)
            })
            .collect();
        let nonce = format!("status-{round}-{r}");
        let vp = jwt_presentation(target, &holder, credentials, &nonce);
        let (status, body) = target.token_request(&vp, &holder.did).await;
        assert!(status == 200 || status == 400, "{status}: {body}");
    }
    for r in 0..DID_REQUESTS {
        let credentials = issuers
            .take(DID_ISSUERS)
            .map(|issuer| credential(&issuer, &holder.did, &[]))
            .collect();
        let nonce = format!("did-{round}-{r}");
        let vp = jwt_presentation(target, &holder, credentials, &nonce);
        let (status, body) = target.token_request(&vp, &holder.did).await;
        assert!(status == 200 || status == 400, "{status}: {body}");
    }
    for r in 0..JSONLD_REQUESTS {
        let vp = forged_ldp_presentation(target, &holder, &format!("ld-{round}-{r}"));
        let (status, body) = target.token_request(&vp, &holder.did).await;
        assert_eq!(status, 400, "{body}");
    }
    for r in 0..METHOD_REQUESTS {
        let method = reqwest::Method::from_bytes(format!("HOSTILE{round}X{r}").as_bytes()).unwrap();
        let (status, _) = target
            .send(
                method,
                &format!("{}/oauth2/verifier/token", target.public),
                String::new(),
                "text/plain",
            )
            .await;
        assert_eq!(status, 405);
    }
    attacker.fetches.load(Ordering::SeqCst) - fetched
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regression_23_hostile_requests_stay_within_the_memory_budget() {
    let (attacker, parties) = Attacker::start((ROUNDS + 1) * DID_REQUESTS * DID_ISSUERS).await;
    let mut issuers = parties.into_iter();
    let mut target = Target::start().await;
    // The scrape itself is a series: it is made before the count starts.
    target.metric_series().await;
    let idle = target.rss_kb();
    let expected = STATUS_REQUESTS * STATUS_CREDENTIALS * 4 + DID_REQUESTS * DID_ISSUERS;
    let mut after = Vec::new();
    let mut series = Vec::new();
    for round in 0..=ROUNDS {
        let fetches = hostile_round(&target, &attacker, &mut issuers, round).await;
        assert_eq!(fetches, expected, "every hostile request made its fetches");
        after.push(target.rss_kb());
        series.push(target.metric_series().await);
    }
    eprintln!("VmRSS kB: idle {idle}, after each round {after:?}; ceiling idle + {CEILING_MB} MB");
    for rss in &after {
        assert!(
            *rss <= idle + CEILING_MB * 1024,
            "resident memory {rss} kB is more than {CEILING_MB} MB over idle ({idle} kB): {after:?}"
        );
    }
    // The first round made the series of its routes and statuses; the made-up methods of the
    // rounds after it made none.
    assert!(series.iter().all(|&n| n == series[0]), "{series:?}");
    assert!(terminate(&mut target.running).success());
}

#[test]
fn rss_is_read_from_proc() {
    let own = rss_kb(std::process::id());
    assert!(own > 1024, "a test process uses more than 1 MB: {own} kB");
}
