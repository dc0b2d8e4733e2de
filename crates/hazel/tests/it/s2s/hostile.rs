//! What an anonymous client can make the token endpoint do (issue 23,
//! `../shared/reviews/2026-12-05-security.md`): presentations whose signers, issuers and status
//! lists point at servers the client controls, or at ports it wants to probe.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::Uri;
use axum::routing::get;
use jose::jws::Header;
use jose::jwt::Claims;
use jose::{KeyKind, Signer, SigningKey};
use serde_json::{Value, json};

use super::{SCOPE, Served, issuer, post_form, served};
use crate::support::subject;

/// A party with a key and a DID.
pub struct Party {
    pub did: String,
    pub key: SigningKey,
}

impl Party {
    /// A did:jwk party: resolved from the identifier, no fetch.
    pub fn jwk() -> Self {
        let key = SigningKey::generate(KeyKind::P256).unwrap();
        let did = did::methods::jwk::did_for(key.public_jwk())
            .unwrap()
            .to_string();
        Self { did, key }
    }

    /// A party whose DID is `did` (a did:web the test serves, or does not).
    pub fn named(did: &str) -> Self {
        Self {
            did: did.to_owned(),
            key: SigningKey::generate(KeyKind::P256).unwrap(),
        }
    }

    pub fn sign(&self, claims: &Claims) -> String {
        let mut header = Header::new(self.key.algorithm());
        header.kid = Some(format!("{}#0", self.did));
        header.typ = Some("JWT".into());
        jose::jwt::sign(header, claims, &self.key).unwrap()
    }
}

/// A `NutsOrganizationCredential` `issuer` issues to `subject`, with a revocation entry per
/// status list URL.
pub fn credential(issuer: &Party, subject: &str, status_lists: &[String]) -> Value {
    let status: Vec<Value> = status_lists
        .iter()
        .map(|list| {
            json!({"id": format!("{list}#1"), "type": "StatusList2021Entry",
                   "statusPurpose": "revocation", "statusListIndex": "1",
                   "statusListCredential": list})
        })
        .collect();
    let mut document = json!({
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "id": format!("{}#{}", issuer.did, uuid::Uuid::new_v4()),
        "type": ["VerifiableCredential", "NutsOrganizationCredential"],
        "issuer": issuer.did,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": subject, "organization": {"name": "X", "city": "Y"}}
    });
    if !status.is_empty() {
        document["credentialStatus"] = Value::Array(status);
    }
    let credential = vc::Credential::from_json(document).unwrap();
    Value::String(issuer.sign(&vc::jwt::credential_claims(&credential).unwrap()))
}

/// A token request of `holder` to `served`'s verifier presenting `credentials`.
pub async fn token_request(
    served: &Served,
    holder: &Party,
    credentials: Vec<Value>,
    nonce: &str,
) -> (StatusCode, Value) {
    token_request_for(served, holder, credentials, nonce, SCOPE).await
}

/// [`token_request`] for `scope`.
pub async fn token_request_for(
    served: &Served,
    holder: &Party,
    credentials: Vec<Value>,
    nonce: &str,
    scope: &str,
) -> (StatusCode, Value) {
    let audience = issuer(served, "verifier");
    let now = served.node.now();
    let claims = vc::jwt::presentation_claims(
        &vc::Presentation::new(&holder.did, credentials),
        &vc::jwt::PresentationParameters {
            audience: Some(audience),
            nonce: Some(nonce.to_owned()),
            jti: Some(nonce.to_owned()),
            issued_at: now,
            expires: Some(now + 5),
        },
    )
    .unwrap();
    let submission = json!({"id": "s", "definition_id": "pd_eoverdracht", "descriptor_map": [
        {"id": "organization_credential", "format": "jwt_vc", "path": "$.verifiableCredential"}]})
    .to_string();
    let assertion = holder.sign(&claims);
    let answer = post_form(
        &served.public,
        "/oauth2/verifier/token",
        &[
            ("grant_type", "vp_token-bearer"),
            ("assertion", &assertion),
            ("presentation_submission", &submission),
            ("scope", scope),
            ("client_id", &holder.did),
        ],
        &[],
    )
    .await;
    (answer.status, answer.body)
}

/// A local server that answers 404 on every path, one that answers 200 with no DID document,
/// and a port nothing listens on.
async fn probed_ports() -> [(&'static str, String); 3] {
    let serve = |router: Router| async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        address
    };
    let not_found = serve(Router::new()).await;
    let not_did = serve(Router::new().fallback(get(|| async { "hello" }))).await;
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed_address = closed.local_addr().unwrap();
    drop(closed);
    [
        ("open, 404", not_found.to_string()),
        ("open, not a DID server", not_did.to_string()),
        ("closed", closed_address.to_string()),
    ]
}

/// Issue 23, finding 5: a8a2f86 put the outbound client's error chain in `error_description`,
/// so the public token endpoint told a closed port ("Connection refused (os error 111)") from an
/// open one ("DID document not found"). Every such failure now reads the same; the reason is in
/// the node's log.
#[tokio::test]
async fn regression_23_the_token_endpoint_is_no_port_scanner() {
    let served = served(|_, _| {}).await;
    subject(&served.api, "verifier").await;
    let mut signer_texts = Vec::new();
    let mut list_texts = Vec::new();
    for (i, (kind, address)) in probed_ports().await.into_iter().enumerate() {
        // A signer whose DID document lives at the probed address.
        let did = format!("did:web:{}", address.replace(':', "%3A"));
        let (status, body) =
            token_request(&served, &Party::named(&did), vec![], &format!("s{i}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{kind}: {body}");
        signer_texts.push(body["error_description"].as_str().unwrap().to_owned());
        // A credential whose status list lives there.
        let (holder, issuer) = (Party::jwk(), Party::jwk());
        let list = format!("http://{address}/list");
        let vc = credential(&issuer, &holder.did, &[list]);
        let (status, body) = token_request(&served, &holder, vec![vc], &format!("l{i}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{kind}: {body}");
        list_texts.push(body["error_description"].as_str().unwrap().to_owned());
    }
    for texts in [&signer_texts, &list_texts] {
        assert!(texts.iter().all(|t| t == &texts[0]), "{texts:#?}");
        for leak in ["os error", "refused", "404", "tcp", "127.0.0.1", "expected"] {
            assert!(!texts[0].contains(leak), "{leak}: {}", texts[0]);
        }
    }
    assert!(
        signer_texts[0].ends_with("DID document could not be retrieved"),
        "{}",
        signer_texts[0]
    );
    assert!(
        list_texts[0].ends_with("the status list could not be retrieved"),
        "{}",
        list_texts[0]
    );
}

/// Issue 23, finding 1: a credential may carry at most four status entries, each a fetch.
#[tokio::test]
async fn regression_23_a_credential_with_many_status_entries_is_refused_before_any_fetch() {
    let served = served(|_, _| {}).await;
    subject(&served.api, "verifier").await;
    let (holder, issuer) = (Party::jwk(), Party::jwk());
    let lists: Vec<String> = (0..5)
        .map(|i| format!("http://127.0.0.1:9/list/{i}"))
        .collect();
    let vc = credential(&issuer, &holder.did, &lists);
    let (status, body) = token_request(&served, &holder, vec![vc], "many").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("at most 4 status entries"),
        "{body}"
    );
}

/// The documents a [`CountingDidServer`] serves, by path, and its request count.
type DidServerState = (Arc<HashMap<String, Value>>, Arc<AtomicUsize>);

/// A DID server a client controls: it serves the did:web documents of the parties it makes and
/// counts every request it gets.
struct CountingDidServer {
    address: String,
    documents: HashMap<String, Value>,
    requests: Arc<AtomicUsize>,
    listener: Option<tokio::net::TcpListener>,
}

impl CountingDidServer {
    async fn bind() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self {
            address: listener.local_addr().unwrap().to_string(),
            documents: HashMap::new(),
            requests: Arc::new(AtomicUsize::new(0)),
            listener: Some(listener),
        }
    }

    /// A party whose did:web document this server serves (once it runs).
    fn party(&mut self, name: &str) -> Party {
        let did = format!("did:web:{}:{name}", self.address.replace(':', "%3A"));
        let party = Party::named(&did);
        let method = format!("{did}#0");
        self.documents.insert(
            format!("/{name}/did.json"),
            json!({
                "@context": ["https://www.w3.org/ns/did/v1",
                             "https://w3c.github.io/vc-jws-2020/contexts/v1/"],
                "id": did,
                "verificationMethod": [{"id": method, "type": "JsonWebKey2020",
                                        "controller": did,
                                        "publicKeyJwk": party.key.public_jwk().to_json()}],
                "assertionMethod": [method],
                "authentication": [method],
            }),
        );
        party
    }

    fn run(&mut self) {
        async fn answer(
            State((documents, requests)): State<DidServerState>,
            uri: Uri,
        ) -> Result<axum::Json<Value>, StatusCode> {
            requests.fetch_add(1, Ordering::SeqCst);
            documents
                .get(uri.path())
                .cloned()
                .map(axum::Json)
                .ok_or(StatusCode::NOT_FOUND)
        }
        let state = (Arc::new(self.documents.clone()), self.requests.clone());
        let router = Router::new().fallback(get(answer)).with_state(state);
        let listener = self.listener.take().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// `count` credentials for `holder`, each from an issuer of its own on `server`.
fn credentials_of_many_issuers(
    server: &mut CountingDidServer,
    holder: &Party,
    count: usize,
) -> Vec<Value> {
    (0..count)
        .map(|i| credential(&server.party(&format!("issuer{i}")), &holder.did, &[]))
        .collect()
}

/// Issue 23, finding 6: at a8a2f86 one request fetched whatever its presentations named, one
/// fetch per signer, issuer and status list, sequentially, each up to `http.client.timeout`.
/// Now every request to the public listener has an outbound budget (default 16).
#[tokio::test]
async fn regression_23_a_request_costs_at_most_its_outbound_budget() {
    for (budget, expected) in [(None, 16), (Some(1000), 18)] {
        let served = served(|config, _| {
            if let Some(budget) = budget {
                config.http.public.outboundbudget = budget;
            }
        })
        .await;
        subject(&served.api, "verifier").await;
        let mut server = CountingDidServer::bind().await;
        let holder = Party::jwk();
        let credentials = credentials_of_many_issuers(&mut server, &holder, 18);
        server.run();
        let (status, body) = token_request(&served, &holder, credentials, "budget").await;
        assert_eq!(
            server.requests(),
            expected,
            "budget {budget:?}: one fetch per issuer, at most the budget: {body}"
        );
        if budget.is_none() {
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
            assert!(
                body["error_description"]
                    .as_str()
                    .unwrap()
                    .ends_with("DID document could not be retrieved"),
                "{body}"
            );
        }
    }
}

/// Issue 23, finding 6: a request for a scope with no policy, or with more credentials than
/// any definition asks for, is refused before anything is resolved.
#[tokio::test]
async fn regression_23_hopeless_requests_are_refused_before_any_fetch() {
    let served = served(|_, _| {}).await;
    subject(&served.api, "verifier").await;
    let mut server = CountingDidServer::bind().await;
    let holder = server.party("holder");
    let few = credentials_of_many_issuers(&mut server, &holder, 2);
    let many = credentials_of_many_issuers(&mut server, &holder, 21);
    server.run();
    let (status, body) = token_request_for(&served, &holder, few, "s1", "unknown").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "invalid_scope", "{body}");
    let (status, body) = token_request(&served, &holder, many, "s2").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        body["error_description"],
        "the presentations hold more than 20 credentials"
    );
    assert_eq!(server.requests(), 0);
}
