//! What an anonymous client can make the token endpoint do (issue 23,
//! `../shared/reviews/2026-12-05-security.md`): presentations whose signers, issuers and status
//! lists point at servers the client controls, or at ports it wants to probe.

use axum::Router;
use axum::http::StatusCode;
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
            ("scope", SCOPE),
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
