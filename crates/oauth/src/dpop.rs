//! DPoP proofs (RFC 9449): parsing and checking a `DPoP` header value (§4.3), the `ath` hash (§4.2,
//! §7), and creating proofs for the node's own requests.
//!
//! [`Proof::parse`] covers what a proof must be on its own (§4.3 checks 2–7); [`Proof::check`]
//! covers what it must match in the request at hand (checks 8–12). Check 1 (a single `DPoP` header
//! field) needs the raw request and is left to the caller, as is the `jti` replay store (§11.1).
//!
//! Error texts are the reasons nuts-node v6 gives, so that `/dpop/validate` answers alike.

use serde::Serialize;
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

use crate::ErrorCode;
use jose::jws::{Header, Unverified};
use jose::{Algorithm, Jwk, Signer, VerifyingKey, base64url};

/// The `typ` a proof carries (RFC 9449 §4.2).
pub const TYP: &str = "dpop+jwt";

/// The algorithms a proof may be signed with (RFC 9449 §4.3 check 5), in the order
/// `dpop_signing_alg_values_supported` lists them.
pub use crate::SIGNING_ALGORITHMS;

/// The longest `jti` accepted, in bytes: every `jti` is kept for the replay window, so its size
/// is bounded (nuts-node uses the same limit).
pub const MAX_JTI_LEN: usize = 256;

/// Why a DPoP proof was refused. The texts are nuts-node's reasons where it has one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DpopError {
    /// Not a single well-formed compact JWS (§4.3 check 2).
    #[error("invalid DPoP token: {0}")]
    Malformed(String),
    /// `typ` is not `dpop+jwt` (§4.3 check 4); holds the `typ` given, empty when absent.
    #[error("invalid type: {0}")]
    InvalidType(String),
    /// `alg` is absent, `none`, symmetric or not supported (§4.3 check 5).
    #[error("invalid alg: {0}")]
    InvalidAlg(String),
    /// `alg` does not fit the type or curve of the header `jwk`, or its `alg` member.
    #[error("invalid alg: {0} does not fit the jwk header")]
    AlgorithmKeyMismatch(String),
    /// The header has no `jwk` (§4.2).
    #[error("missing jwk header")]
    MissingJwk,
    /// The header `jwk` is not a usable public key, or holds private members (§4.3 check 7).
    #[error("invalid jwk header")]
    InvalidJwk,
    /// The signature does not verify with the header `jwk` (§4.3 check 6).
    #[error("could not verify message using any of the signatures or keys")]
    BadSignature,
    /// `iat` is absent (§4.3 check 3).
    #[error("missing iat claim")]
    MissingIat,
    /// `htu` is absent or empty (§4.3 check 3).
    #[error("missing htu claim")]
    MissingHtu,
    /// `htm` is absent or empty (§4.3 check 3).
    #[error("missing htm claim")]
    MissingHtm,
    /// `jti` is absent or empty (§4.3 check 3).
    #[error("missing jti claim")]
    MissingJti,
    /// `jti` is longer than [`MAX_JTI_LEN`] bytes.
    #[error("jti claim too long")]
    JtiTooLong,
    /// A claim has the wrong JSON type (a string where a number is due, or the reverse).
    #[error("invalid {0} claim")]
    InvalidClaim(&'static str),
    /// The proof's key is not the one the access token is bound to (§4.3 check 12, §6.1).
    #[error("jkt mismatch")]
    JktMismatch,
    /// `htm` is not the request method (§4.3 check 8).
    #[error("method mismatch, token: {token}, given: {given}")]
    MethodMismatch {
        /// The proof's `htm`.
        token: String,
        /// The request method.
        given: String,
    },
    /// `htu` is not the request URI (§4.3 check 9); both sides as normalized.
    #[error("url mismatch, token: {token}, given: {given}")]
    UrlMismatch {
        /// The proof's `htu`.
        token: String,
        /// The request URI.
        given: String,
    },
    /// A URL is not an absolute `http` or `https` URL.
    #[error("invalid url: {0}")]
    InvalidUrl(String),
    /// At a resource server, the proof has no `ath` (§4.3 check 12).
    #[error("missing ath claim")]
    MissingAth,
    /// `ath` is not the hash of the presented access token (§4.3 check 12).
    #[error("ath/token claim mismatch")]
    AthMismatch,
    /// The server issued a nonce and the proof carries none (§4.3 check 10, §8).
    #[error("missing nonce")]
    MissingNonce,
    /// The proof's `nonce` is not the one the server issued (§4.3 check 10, §8).
    #[error("nonce mismatch")]
    NonceMismatch,
    /// `iat` is older than the acceptable window (§4.3 check 11).
    #[error("iat too old")]
    IatTooOld,
    /// `iat` is further in the future than the allowed clock skew (§4.3 check 11).
    #[error("iat in the future")]
    IatInFuture,
    /// A proof could not be created.
    #[error("could not create DPoP proof: {0}")]
    Signing(String),
}

impl DpopError {
    /// The OAuth error code for this failure: `use_dpop_nonce` asks the client to retry with the
    /// `DPoP-Nonce` it is sent (§8, §9); everything else is `invalid_dpop_proof` (§5, §7.1).
    pub fn error_code(&self) -> ErrorCode {
        match self {
            DpopError::MissingNonce | DpopError::NonceMismatch => ErrorCode::UseDpopNonce,
            _ => ErrorCode::InvalidDpopProof,
        }
    }
}

/// A DPoP proof whose form and signature are valid (RFC 9449 §4.3 checks 2–7). Only
/// [`Proof::parse`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    jwk: Jwk,
    jkt: String,
    jti: String,
    htm: String,
    htu: String,
    iat: i64,
    ath: Option<String>,
    nonce: Option<String>,
}

impl Proof {
    /// The public key from the header.
    pub fn jwk(&self) -> &Jwk {
        &self.jwk
    }

    /// RFC 7638 thumbprint of the key, base64url: the `cnf.jkt` a token is bound to.
    pub fn jkt(&self) -> &str {
        &self.jkt
    }

    /// `jti`, for the replay check (§11.1).
    pub fn jti(&self) -> &str {
        &self.jti
    }

    /// `htm`.
    pub fn htm(&self) -> &str {
        &self.htm
    }

    /// `htu`, as given.
    pub fn htu(&self) -> &str {
        &self.htu
    }

    /// `iat`, seconds since the epoch.
    pub fn iat(&self) -> i64 {
        self.iat
    }

    /// `ath`, when present.
    pub fn ath(&self) -> Option<&str> {
        self.ath.as_deref()
    }

    /// `nonce`, when present.
    pub fn nonce(&self) -> Option<&str> {
        self.nonce.as_deref()
    }
}

/// What the server expects of a proof for the request at hand.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    /// The request method, compared exactly with `htm` (HTTP methods are case-sensitive).
    pub method: &'a str,
    /// The request URI, compared with `htu` after [`normalize_htu`] on both sides.
    pub url: &'a str,
    /// The current time, seconds since the epoch.
    pub now: i64,
    /// How old, in seconds, `iat` may be.
    pub max_age: i64,
    /// How far in the future, in seconds, `iat` may be.
    pub skew: i64,
    /// At a resource server, the access token presented: `ath` is then required and must match.
    pub access_token: Option<&'a str>,
    /// The `cnf.jkt` of a bound token: the proof's key must have this thumbprint.
    pub jkt: Option<&'a str>,
    /// The nonce the server issued, if it did.
    pub nonce: Option<&'a str>,
}

impl Proof {
    /// Parses a `DPoP` header value and checks what a proof must be on its own (RFC 9449 §4.3
    /// checks 2–7). The checks run in nuts-node's order, so the first failure gives the same
    /// reason.
    pub fn parse(compact: &str) -> Result<Proof, DpopError> {
        if compact.trim_start().starts_with('{') {
            return Err(DpopError::Malformed(
                "JWS JSON serialization is not accepted".to_owned(),
            ));
        }
        let segments: Vec<&str> = compact.split('.').collect();
        let [header_b64, _, _] = segments[..] else {
            return Err(DpopError::Malformed(
                "invalid compact serialization format: invalid number of segments".to_owned(),
            ));
        };
        let header = decode_object(header_b64, "header")?;

        // The raw header is read before jose's typed one so that each rule gets its own reason:
        // jose folds an unknown `alg` or a bad `jwk` into a generic header error.
        let alg = match header.get("alg") {
            Some(Value::String(alg)) => alg.as_str(),
            Some(other) => return Err(DpopError::InvalidAlg(other.to_string())),
            None => "",
        };
        let alg = Algorithm::parse(alg)
            .ok()
            .filter(|known| SIGNING_ALGORITHMS.contains(&known.as_str()))
            .ok_or_else(|| DpopError::InvalidAlg(alg.to_owned()))?;
        match header.get("typ") {
            Some(Value::String(typ)) if typ == TYP => {}
            Some(Value::String(typ)) => return Err(DpopError::InvalidType(typ.clone())),
            Some(other) => return Err(DpopError::InvalidType(other.to_string())),
            None => return Err(DpopError::InvalidType(String::new())),
        }
        let jwk = match header.get("jwk") {
            None | Some(Value::Null) => return Err(DpopError::MissingJwk),
            Some(value) => Jwk::from_json(value).map_err(|_| DpopError::InvalidJwk)?,
        };
        // A proof that ships its private key proves nothing (§4.3 check 7).
        if jwk.is_private() {
            return Err(DpopError::InvalidJwk);
        }
        let key = VerifyingKey::from_jwk(&jwk).map_err(|_| DpopError::InvalidJwk)?;
        key.check_algorithm(alg)
            .map_err(|_| DpopError::AlgorithmKeyMismatch(alg.as_str().to_owned()))?;

        let unverified =
            Unverified::parse(compact).map_err(|e| DpopError::Malformed(e.to_string()))?;
        let verified = unverified
            .verify(&key)
            .map_err(|_| DpopError::BadSignature)?;
        let claims = match serde_json::from_slice::<Value>(verified.payload()) {
            Ok(Value::Object(claims)) => claims,
            _ => {
                return Err(DpopError::Malformed(
                    "payload is not a JSON object".to_owned(),
                ));
            }
        };

        let iat = match claims.get("iat") {
            None | Some(Value::Null) => return Err(DpopError::MissingIat),
            Some(Value::Number(number)) => numeric_date(number)?,
            Some(_) => return Err(DpopError::InvalidClaim("iat")),
        };
        let htu = required_string(&claims, "htu", DpopError::MissingHtu)?;
        let htm = required_string(&claims, "htm", DpopError::MissingHtm)?;
        let jti = required_string(&claims, "jti", DpopError::MissingJti)?;
        if jti.len() > MAX_JTI_LEN {
            return Err(DpopError::JtiTooLong);
        }
        let ath = optional_string(&claims, "ath")?;
        let nonce = optional_string(&claims, "nonce")?;

        Ok(Proof {
            jkt: jwk.thumbprint(),
            jwk,
            jti,
            htm,
            htu,
            iat,
            ath,
            nonce,
        })
    }

    /// Checks the proof against the request (RFC 9449 §4.3 checks 8–12), in nuts-node's
    /// `/dpop/validate` order (jkt, method, url, ath) so that reasons agree, then nonce and `iat`.
    pub fn check(&self, expected: &Expected<'_>) -> Result<(), DpopError> {
        if let Some(jkt) = expected.jkt
            && !bool::from(self.jkt.as_bytes().ct_eq(jkt.as_bytes()))
        {
            return Err(DpopError::JktMismatch);
        }
        if self.htm != expected.method {
            return Err(DpopError::MethodMismatch {
                token: self.htm.clone(),
                given: expected.method.to_owned(),
            });
        }
        let token_url = normalize_htu(&self.htu).map_err(|_| DpopError::InvalidClaim("htu"))?;
        let given_url = normalize_htu(expected.url)?;
        if token_url != given_url {
            return Err(DpopError::UrlMismatch {
                token: token_url,
                given: given_url,
            });
        }
        if let Some(token) = expected.access_token {
            let ath = self.ath.as_deref().ok_or(DpopError::MissingAth)?;
            let hash = access_token_hash(token);
            if !bool::from(ath.as_bytes().ct_eq(hash.as_bytes())) {
                return Err(DpopError::AthMismatch);
            }
        }
        if let Some(nonce) = expected.nonce {
            match &self.nonce {
                None => return Err(DpopError::MissingNonce),
                Some(given) if given != nonce => return Err(DpopError::NonceMismatch),
                Some(_) => {}
            }
        }
        if self.iat < expected.now.saturating_sub(expected.max_age) {
            return Err(DpopError::IatTooOld);
        }
        if self.iat > expected.now.saturating_add(expected.skew) {
            return Err(DpopError::IatInFuture);
        }
        Ok(())
    }
}

/// The form in which `htu` and the request URI are compared (RFC 9449 §4.3 check 9): scheme and
/// host lower-cased, the default port dropped, query and fragment dropped, and the path as RFC 3986
/// §6.2.2–6.2.3 normalizes it (dot segments resolved, empty path as `/`). Unlike nuts-node, scheme
/// and port still count: `http` and `https`, or two ports, are different resources.
pub fn normalize_htu(url: &str) -> Result<String, DpopError> {
    let invalid = || DpopError::InvalidUrl(url.to_owned());
    let mut parsed = url::Url::parse(url).map_err(|_| invalid())?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(invalid());
    }
    parsed.set_query(None);
    parsed.set_fragment(None);
    Ok(parsed.into())
}

/// The `ath` of an access token: base64url of the SHA-256 of its ASCII form, without padding
/// (RFC 9449 §4.2).
pub fn access_token_hash(token: &str) -> String {
    base64url::encode(jose::sha256(token.as_bytes()))
}

/// The claims of a proof to create.
#[derive(Debug, Clone, Serialize)]
pub struct ProofClaims<'a> {
    /// `jti`: unique per proof, at most [`MAX_JTI_LEN`] bytes.
    pub jti: &'a str,
    /// `htm`: the request method.
    pub htm: &'a str,
    /// `htu`: the request URI.
    pub htu: &'a str,
    /// `iat`, seconds since the epoch.
    pub iat: i64,
    /// `ath`, for a request to a resource server ([`access_token_hash`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ath: Option<&'a str>,
    /// `nonce`, when the server issued one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<&'a str>,
}

/// Creates a proof signed by `signer`: header `typ` `dpop+jwt`, `alg` of the signer and `jwk` its
/// public key with that `alg` (as nuts-node writes it) and no `kid`. Claims that [`Proof::parse`]
/// would refuse are refused here, so the node never sends a proof it would not accept.
pub fn create(signer: &dyn Signer, claims: &ProofClaims<'_>) -> Result<String, DpopError> {
    let alg = signer.algorithm();
    if !SIGNING_ALGORITHMS.contains(&alg.as_str()) {
        return Err(DpopError::InvalidAlg(alg.as_str().to_owned()));
    }
    if claims.htu.is_empty() {
        return Err(DpopError::MissingHtu);
    }
    if claims.htm.is_empty() {
        return Err(DpopError::MissingHtm);
    }
    if claims.jti.is_empty() {
        return Err(DpopError::MissingJti);
    }
    if claims.jti.len() > MAX_JTI_LEN {
        return Err(DpopError::JtiTooLong);
    }
    // The key's `kid` is a DID URL that the verifier has no use for: the proof is bound to the
    // key itself, by thumbprint.
    let public = signer.public_jwk();
    let jwk = Jwk {
        params: public.to_public().params,
        kid: None,
        alg: Some(alg.as_str().to_owned()),
        other: Map::new(),
    };
    let mut header = Header::new(alg);
    header.typ = Some(TYP.to_owned());
    header.jwk = Some(jwk);
    let payload = serde_json::to_vec(claims).map_err(|e| DpopError::Signing(e.to_string()))?;
    jose::jws::sign(header, &payload, signer).map_err(|e| DpopError::Signing(e.to_string()))
}

fn decode_object(segment: &str, what: &'static str) -> Result<Map<String, Value>, DpopError> {
    let bytes =
        base64url::decode(segment, what).map_err(|e| DpopError::Malformed(e.to_string()))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(members)) => Ok(members),
        _ => Err(DpopError::Malformed(format!("{what} is not a JSON object"))),
    }
}

/// RFC 7519 §2: a NumericDate may carry a fraction, which is dropped, as jose does for `exp`.
fn numeric_date(number: &serde_json::Number) -> Result<i64, DpopError> {
    number
        .as_i64()
        .or_else(|| number.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
        .ok_or(DpopError::InvalidClaim("iat"))
}

/// Absent, `null` and `""` are all "missing", as in nuts-node (a Go string claim reads as `""`).
fn required_string(
    claims: &Map<String, Value>,
    name: &'static str,
    missing: DpopError,
) -> Result<String, DpopError> {
    optional_string(claims, name)?.ok_or(missing)
}

fn optional_string(
    claims: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<String>, DpopError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.is_empty() => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(DpopError::InvalidClaim(name)),
    }
}

#[cfg(test)]
mod tests;
