//! Keys that verify and keys that sign. A [`VerifyingKey`] is parsed once from a JWK and can then
//! check many signatures (DID documents are cached, so the token endpoint never re-parses a key).

use std::fmt;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    self, EcdsaKeyPair, EcdsaSigningAlgorithm, Ed25519KeyPair, KeyPair, ParsedPublicKey,
    RsaKeyPair, RsaPublicKeyComponents,
};

use crate::jwk::{EcCurve, KeyParams};
use crate::{Algorithm, Error, Jwk};

/// The kinds of key Hazel generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// ECDSA P-256, signing ES256 (the default).
    P256,
    /// ECDSA P-384, signing ES384.
    P384,
    /// ECDSA P-521, signing ES512.
    P521,
    /// Ed25519, signing EdDSA.
    Ed25519,
    /// RSA 2048, signing PS256 (and used for key agreement in DID documents).
    Rsa2048,
}

impl KeyKind {
    /// The name stored alongside a key.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::P256 => "P-256",
            KeyKind::P384 => "P-384",
            KeyKind::P521 => "P-521",
            KeyKind::Ed25519 => "Ed25519",
            KeyKind::Rsa2048 => "RSA-2048",
        }
    }

    /// Parses [`KeyKind::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        [
            KeyKind::P256,
            KeyKind::P384,
            KeyKind::P521,
            KeyKind::Ed25519,
            KeyKind::Rsa2048,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == name)
    }

    /// The algorithm a key of this kind signs with.
    pub fn algorithm(self) -> Algorithm {
        match self {
            KeyKind::P256 => Algorithm::ES256,
            KeyKind::P384 => Algorithm::ES384,
            KeyKind::P521 => Algorithm::ES512,
            KeyKind::Ed25519 => Algorithm::EdDSA,
            KeyKind::Rsa2048 => Algorithm::PS256,
        }
    }

    fn ecdsa_signing(self) -> Option<&'static EcdsaSigningAlgorithm> {
        match self {
            KeyKind::P256 => Some(&signature::ECDSA_P256_SHA256_FIXED_SIGNING),
            KeyKind::P384 => Some(&signature::ECDSA_P384_SHA384_FIXED_SIGNING),
            KeyKind::P521 => Some(&signature::ECDSA_P521_SHA512_FIXED_SIGNING),
            _ => None,
        }
    }
}

/// RFC 7518 §3.1 / RFC 8037 §3.1: the algorithms a key of this type and curve may verify.
fn algorithms_for(params: &KeyParams) -> &'static [Algorithm] {
    match params {
        KeyParams::Ec {
            crv: EcCurve::P256, ..
        } => &[Algorithm::ES256],
        KeyParams::Ec {
            crv: EcCurve::P384, ..
        } => &[Algorithm::ES384],
        KeyParams::Ec {
            crv: EcCurve::P521, ..
        } => &[Algorithm::ES512],
        KeyParams::Ed25519 { .. } => &[Algorithm::EdDSA],
        KeyParams::Rsa { .. } => &[
            Algorithm::PS256,
            Algorithm::PS384,
            Algorithm::PS512,
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
        ],
    }
}

enum Verifier {
    /// EC and Ed25519 keys are parsed once; each fits exactly one algorithm.
    Parsed(ParsedPublicKey),
    /// RSA keys fit several algorithms, so the components are kept and the algorithm chosen per
    /// signature.
    Rsa { n: Vec<u8>, e: Vec<u8> },
}

/// A public key ready to verify signatures.
pub struct VerifyingKey {
    jwk: Jwk,
    verifier: Verifier,
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("jwk", &self.jwk)
            .finish()
    }
}

impl VerifyingKey {
    /// Parses the public part of a JWK (private members are ignored and not kept).
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, Error> {
        let jwk = jwk.to_public();
        let invalid = |_| Error::InvalidKey(format!("{} key is not on its curve", jwk.describe()));
        let verifier = match &jwk.params {
            KeyParams::Ec { crv, x, y, .. } => {
                let algorithm: &'static dyn signature::VerificationAlgorithm = match crv {
                    EcCurve::P256 => &signature::ECDSA_P256_SHA256_FIXED,
                    EcCurve::P384 => &signature::ECDSA_P384_SHA384_FIXED,
                    EcCurve::P521 => &signature::ECDSA_P521_SHA512_FIXED,
                };
                let mut point = Vec::with_capacity(1 + x.len() + y.len());
                point.push(0x04);
                point.extend_from_slice(x);
                point.extend_from_slice(y);
                Verifier::Parsed(ParsedPublicKey::new(algorithm, point).map_err(invalid)?)
            }
            KeyParams::Ed25519 { x, .. } => {
                Verifier::Parsed(ParsedPublicKey::new(&signature::ED25519, x).map_err(invalid)?)
            }
            KeyParams::Rsa { n, e, .. } => Verifier::Rsa {
                n: n.clone(),
                e: e.clone(),
            },
        };
        Ok(Self { jwk, verifier })
    }

    /// The public JWK.
    pub fn jwk(&self) -> &Jwk {
        &self.jwk
    }

    /// Checks that `alg` may be used with this key: its type and curve fit (RFC 8725 §3.1), and a
    /// JWK `alg` member, when present, names the same algorithm (RFC 7517 §4.4).
    pub fn check_algorithm(&self, alg: Algorithm) -> Result<(), Error> {
        if !algorithms_for(&self.jwk.params).contains(&alg) {
            return Err(Error::AlgorithmKeyMismatch {
                alg: alg.as_str(),
                key: self.jwk.describe(),
            });
        }
        match &self.jwk.alg {
            Some(restricted) if restricted != alg.as_str() => {
                Err(Error::KeyAlgorithmMismatch(alg.as_str()))
            }
            _ => Ok(()),
        }
    }

    /// Verifies `signature` over `message` with `alg`, after [`Self::check_algorithm`].
    pub fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        self.check_algorithm(alg)?;
        let verified = match &self.verifier {
            Verifier::Parsed(key) => key.verify_sig(message, signature),
            Verifier::Rsa { n, e } => {
                let parameters = match alg {
                    Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
                    Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
                    Algorithm::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
                    Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
                    Algorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
                    Algorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
                    _ => return Err(Error::BadSignature),
                };
                RsaPublicKeyComponents { n, e }.verify(parameters, message, signature)
            }
        };
        verified.map_err(|_| Error::BadSignature)
    }
}

/// Something that signs JWS signing input with one key. Private keys stay behind this trait: the
/// key store hands out signers, never key material.
pub trait Signer: Send + Sync + fmt::Debug {
    /// The algorithm this signer uses.
    fn algorithm(&self) -> Algorithm;
    /// The public key (with `kid` when the key has one).
    fn public_jwk(&self) -> &Jwk;
    /// Signs `message` and returns the JWS signature bytes (r‖s for ECDSA, RFC 7518 §3.4).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error>;
}

enum KeyPairKind {
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
    Rsa(RsaKeyPair),
}

/// A private key held in memory.
pub struct SigningKey {
    kind: KeyKind,
    pair: KeyPairKind,
    public: Jwk,
}

impl fmt::Debug for SigningKey {
    /// Shows the public key only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kind", &self.kind)
            .field("public", &self.public)
            .finish()
    }
}

impl SigningKey {
    /// Generates a new key from the operating system's randomness.
    pub fn generate(kind: KeyKind) -> Result<Self, Error> {
        let pair = match kind {
            KeyKind::Ed25519 => {
                KeyPairKind::Ed25519(Ed25519KeyPair::generate().map_err(|_| Error::SigningFailed)?)
            }
            KeyKind::Rsa2048 => KeyPairKind::Rsa(
                RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| Error::SigningFailed)?,
            ),
            ec => KeyPairKind::Ecdsa(
                EcdsaKeyPair::generate(ec.ecdsa_signing().ok_or(Error::SigningFailed)?)
                    .map_err(|_| Error::SigningFailed)?,
            ),
        };
        Self::from_pair(kind, pair)
    }

    /// Reads a key from its PKCS#8 DER form (as the key store keeps it).
    pub fn from_pkcs8(kind: KeyKind, der: &[u8]) -> Result<Self, Error> {
        let rejected = |e: aws_lc_rs::error::KeyRejected| {
            Error::InvalidKey(format!("stored {} key: {e}", kind.as_str()))
        };
        let pair = match kind {
            KeyKind::Ed25519 => {
                KeyPairKind::Ed25519(Ed25519KeyPair::from_pkcs8(der).map_err(rejected)?)
            }
            KeyKind::Rsa2048 => KeyPairKind::Rsa(RsaKeyPair::from_pkcs8(der).map_err(rejected)?),
            ec => KeyPairKind::Ecdsa(
                EcdsaKeyPair::from_pkcs8(ec.ecdsa_signing().ok_or(Error::SigningFailed)?, der)
                    .map_err(rejected)?,
            ),
        };
        Self::from_pair(kind, pair)
    }

    /// Reads a private EC or Ed25519 JWK (RSA private JWKs are not used for signing here).
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, Error> {
        let rejected = |e: aws_lc_rs::error::KeyRejected| Error::InvalidKey(e.to_string());
        let (kind, pair) = match &jwk.params {
            KeyParams::Ec {
                crv,
                x,
                y,
                d: Some(d),
            } => {
                let kind = match crv {
                    EcCurve::P256 => KeyKind::P256,
                    EcCurve::P384 => KeyKind::P384,
                    EcCurve::P521 => KeyKind::P521,
                };
                let mut point = vec![0x04];
                point.extend_from_slice(x);
                point.extend_from_slice(y);
                let alg = kind.ecdsa_signing().ok_or(Error::SigningFailed)?;
                let pair = EcdsaKeyPair::from_private_key_and_public_key(alg, d, &point)
                    .map_err(rejected)?;
                (kind, KeyPairKind::Ecdsa(pair))
            }
            KeyParams::Ed25519 { x, d: Some(d) } => (
                KeyKind::Ed25519,
                KeyPairKind::Ed25519(
                    Ed25519KeyPair::from_seed_and_public_key(d, x).map_err(rejected)?,
                ),
            ),
            KeyParams::Rsa { .. } => return Err(Error::CannotSign("RSA JWK private keys")),
            _ => return Err(Error::CannotSign("a public key")),
        };
        let mut key = Self::from_pair(kind, pair)?;
        key.public.kid.clone_from(&jwk.kid);
        Ok(key)
    }

    fn from_pair(kind: KeyKind, pair: KeyPairKind) -> Result<Self, Error> {
        let public = match &pair {
            KeyPairKind::Ecdsa(pair) => {
                let point = pair.public_key().as_ref();
                let crv = match kind {
                    KeyKind::P384 => EcCurve::P384,
                    KeyKind::P521 => EcCurve::P521,
                    _ => EcCurve::P256,
                };
                let len = crv.coordinate_len();
                if point.len() != 1 + 2 * len {
                    return Err(Error::InvalidKey(
                        "unexpected EC public key encoding".into(),
                    ));
                }
                Jwk::ec(crv, point[1..=len].to_vec(), point[1 + len..].to_vec())?
            }
            KeyPairKind::Ed25519(pair) => Jwk::ed25519(pair.public_key().as_ref().to_vec())?,
            KeyPairKind::Rsa(pair) => {
                let public = pair.public_key();
                Jwk::rsa(
                    public.modulus().big_endian_without_leading_zero().to_vec(),
                    public.exponent().big_endian_without_leading_zero().to_vec(),
                )?
            }
        };
        Ok(Self { kind, pair, public })
    }

    /// Sets the `kid` of the public JWK (the DID URL of the verification method).
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.public.kid = Some(kid.into());
        self
    }

    /// The kind of key.
    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The PKCS#8 DER form, for the key store to encrypt and keep.
    pub fn to_pkcs8(&self) -> Result<Vec<u8>, Error> {
        let der = match &self.pair {
            KeyPairKind::Ecdsa(pair) => pair.to_pkcs8v1().map(|doc| doc.as_ref().to_vec()),
            KeyPairKind::Ed25519(pair) => pair.to_pkcs8().map(|doc| doc.as_ref().to_vec()),
            KeyPairKind::Rsa(pair) => pair.as_der().map(|der| der.as_ref().to_vec()),
        };
        der.map_err(|_| Error::SigningFailed)
    }
}

impl Signer for SigningKey {
    fn algorithm(&self) -> Algorithm {
        self.kind.algorithm()
    }

    fn public_jwk(&self) -> &Jwk {
        &self.public
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let rng = SystemRandom::new();
        match &self.pair {
            KeyPairKind::Ecdsa(pair) => pair
                .sign(&rng, message)
                .map(|signature| signature.as_ref().to_vec())
                .map_err(|_| Error::SigningFailed),
            KeyPairKind::Ed25519(pair) => Ok(pair.sign(message).as_ref().to_vec()),
            KeyPairKind::Rsa(pair) => {
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(&signature::RSA_PSS_SHA256, &rng, message, &mut signature)
                    .map_err(|_| Error::SigningFailed)?;
                Ok(signature)
            }
        }
    }
}

/// A JWK from a SEC1-encoded EC point, compressed (`did:key`, multikey) or uncompressed.
pub fn ec_jwk_from_sec1(crv: EcCurve, point: &[u8]) -> Result<Jwk, Error> {
    let len = crv.coordinate_len();
    let uncompressed = match point.first() {
        Some(0x04) if point.len() == 1 + 2 * len => point.to_vec(),
        Some(0x02 | 0x03) if point.len() == 1 + len => {
            let algorithm: &'static dyn signature::VerificationAlgorithm = match crv {
                EcCurve::P256 => &signature::ECDSA_P256_SHA256_FIXED,
                EcCurve::P384 => &signature::ECDSA_P384_SHA384_FIXED,
                EcCurve::P521 => &signature::ECDSA_P521_SHA512_FIXED,
            };
            let parsed = ParsedPublicKey::new(algorithm, point).map_err(|_| {
                Error::InvalidKey(format!("{} point is not on the curve", crv.as_str()))
            })?;
            // The SubjectPublicKeyInfo that aws-lc writes ends with the uncompressed point.
            let der = parsed
                .as_der()
                .map_err(|_| Error::InvalidKey("cannot encode point".into()))?;
            let der = der.as_ref();
            let start = der
                .len()
                .checked_sub(1 + 2 * len)
                .ok_or_else(|| Error::InvalidKey("unexpected public key encoding".into()))?;
            der[start..].to_vec()
        }
        _ => {
            return Err(Error::InvalidKey(format!(
                "not a SEC1 {} point",
                crv.as_str()
            )));
        }
    };
    if uncompressed.first() != Some(&0x04) {
        return Err(Error::InvalidKey("unexpected public key encoding".into()));
    }
    let jwk = Jwk::ec(
        crv,
        uncompressed[1..=len].to_vec(),
        uncompressed[1 + len..].to_vec(),
    )?;
    // Refuse points that are not on the curve, whichever encoding they came in.
    VerifyingKey::from_jwk(&jwk)?;
    Ok(jwk)
}
