//! JSON Web Keys (RFC 7517) for EC (RFC 7518 §6.2), OKP Ed25519 (RFC 8037 §2) and RSA
//! (RFC 7518 §6.3), with RFC 7638 thumbprints. Members this crate does not interpret are kept, so a
//! key read and written again is unchanged.

use std::fmt;

use aws_lc_rs::digest::{SHA256, digest};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::{Error, base64url};

/// Elliptic curves for `kty: EC`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EcCurve {
    /// NIST P-256.
    P256,
    /// NIST P-384.
    P384,
    /// NIST P-521.
    P521,
}

impl EcCurve {
    /// The `crv` value.
    pub fn as_str(self) -> &'static str {
        match self {
            EcCurve::P256 => "P-256",
            EcCurve::P384 => "P-384",
            EcCurve::P521 => "P-521",
        }
    }

    /// Length of each coordinate and of the private scalar (RFC 7518 §6.2.1.2: full length).
    pub fn coordinate_len(self) -> usize {
        match self {
            EcCurve::P256 => 32,
            EcCurve::P384 => 48,
            EcCurve::P521 => 66,
        }
    }

    fn parse(name: &str) -> Result<Self, Error> {
        match name {
            "P-256" => Ok(EcCurve::P256),
            "P-384" => Ok(EcCurve::P384),
            "P-521" => Ok(EcCurve::P521),
            other => Err(Error::InvalidKey(format!("unsupported EC curve `{other}`"))),
        }
    }
}

/// The type-specific members of a key.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyParams {
    /// `kty: EC`.
    Ec {
        /// Curve.
        crv: EcCurve,
        /// X coordinate, big-endian, full length.
        x: Vec<u8>,
        /// Y coordinate, big-endian, full length.
        y: Vec<u8>,
        /// Private scalar, if this is a private key.
        d: Option<Vec<u8>>,
    },
    /// `kty: OKP`, `crv: Ed25519` (the only OKP curve accepted for signatures here).
    Ed25519 {
        /// Public key, 32 bytes.
        x: Vec<u8>,
        /// Private seed, 32 bytes, if this is a private key.
        d: Option<Vec<u8>>,
    },
    /// `kty: RSA`.
    Rsa {
        /// Modulus, big-endian.
        n: Vec<u8>,
        /// Public exponent, big-endian.
        e: Vec<u8>,
        /// Private members (`d`, `p`, `q`, `dp`, `dq`, `qi`), kept as given, if private.
        private: Option<Map<String, Value>>,
    },
}

/// A JSON Web Key.
#[derive(Clone, PartialEq, Eq)]
pub struct Jwk {
    /// Key material.
    pub params: KeyParams,
    /// `kid`.
    pub kid: Option<String>,
    /// `alg`, as written (it may name an algorithm this crate does not sign with).
    pub alg: Option<String>,
    /// Every other member (`use`, `key_ops`, `x5c`, …), kept as given.
    pub other: Map<String, Value>,
}

const RSA_PRIVATE_MEMBERS: [&str; 6] = ["d", "p", "q", "dp", "dq", "qi"];
/// RFC 7518 §3.3 and §3.5: "A key of size 2048 bits or larger MUST be used".
pub const RSA_MIN_MODULUS_BITS: usize = 2048;

impl Jwk {
    /// An EC public key from its coordinates.
    pub fn ec(crv: EcCurve, x: Vec<u8>, y: Vec<u8>) -> Result<Self, Error> {
        Self::from_params(KeyParams::Ec { crv, x, y, d: None })
    }

    /// An Ed25519 public key.
    pub fn ed25519(x: Vec<u8>) -> Result<Self, Error> {
        Self::from_params(KeyParams::Ed25519 { x, d: None })
    }

    /// An RSA public key from modulus and exponent.
    pub fn rsa(n: Vec<u8>, e: Vec<u8>) -> Result<Self, Error> {
        Self::from_params(KeyParams::Rsa {
            n,
            e,
            private: None,
        })
    }

    fn from_params(params: KeyParams) -> Result<Self, Error> {
        validate(&params)?;
        Ok(Self {
            params,
            kid: None,
            alg: None,
            other: Map::new(),
        })
    }

    /// Sets `kid`.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// Whether private members are present.
    pub fn is_private(&self) -> bool {
        match &self.params {
            KeyParams::Ec { d, .. } | KeyParams::Ed25519 { d, .. } => d.is_some(),
            KeyParams::Rsa { private, .. } => private.is_some(),
        }
    }

    /// The same key without private members.
    pub fn to_public(&self) -> Jwk {
        let params = match &self.params {
            KeyParams::Ec { crv, x, y, .. } => KeyParams::Ec {
                crv: *crv,
                x: x.clone(),
                y: y.clone(),
                d: None,
            },
            KeyParams::Ed25519 { x, .. } => KeyParams::Ed25519 {
                x: x.clone(),
                d: None,
            },
            KeyParams::Rsa { n, e, .. } => KeyParams::Rsa {
                n: n.clone(),
                e: e.clone(),
                private: None,
            },
        };
        Jwk {
            params,
            kid: self.kid.clone(),
            alg: self.alg.clone(),
            other: self.other.clone(),
        }
    }

    /// `kty` and curve, for messages.
    pub fn describe(&self) -> String {
        match &self.params {
            KeyParams::Ec { crv, .. } => format!("EC {}", crv.as_str()),
            KeyParams::Ed25519 { .. } => "OKP Ed25519".to_owned(),
            KeyParams::Rsa { n, .. } => format!("RSA {}", n.len() * 8),
        }
    }

    /// RFC 7638 §3: SHA-256 over the required members in lexicographic order, base64url.
    pub fn thumbprint(&self) -> String {
        let canonical = match &self.params {
            KeyParams::Ec { crv, x, y, .. } => format!(
                r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
                crv.as_str(),
                base64url::encode(x),
                base64url::encode(y)
            ),
            KeyParams::Ed25519 { x, .. } => format!(
                r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
                base64url::encode(x)
            ),
            KeyParams::Rsa { n, e, .. } => format!(
                r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
                base64url::encode(e),
                base64url::encode(n)
            ),
        };
        base64url::encode(digest(&SHA256, canonical.as_bytes()))
    }

    /// Parses a JWK from JSON.
    pub fn from_json(value: &Value) -> Result<Self, Error> {
        let Value::Object(members) = value else {
            return Err(Error::InvalidKey("a JWK is a JSON object".to_owned()));
        };
        Self::from_members(members.clone())
    }

    fn from_members(mut members: Map<String, Value>) -> Result<Self, Error> {
        let mut take_str = |name: &str| -> Result<Option<String>, Error> {
            match members.remove(name) {
                None => Ok(None),
                Some(Value::String(text)) => Ok(Some(text)),
                Some(_) => Err(Error::InvalidKey(format!("`{name}` must be a string"))),
            }
        };
        let kty = take_str("kty")?.ok_or_else(|| Error::InvalidKey("`kty` is missing".into()))?;
        let kid = take_str("kid")?;
        let alg = take_str("alg")?;
        let params = match kty.as_str() {
            "EC" => {
                let crv = EcCurve::parse(&required(take_str("crv")?, "crv")?)?;
                KeyParams::Ec {
                    crv,
                    x: decode_member(take_str("x")?, "x")?,
                    y: decode_member(take_str("y")?, "y")?,
                    d: take_str("d")?
                        .map(|d| base64url::decode(&d, "d"))
                        .transpose()?,
                }
            }
            "OKP" => {
                let crv = required(take_str("crv")?, "crv")?;
                if crv != "Ed25519" {
                    return Err(Error::InvalidKey(format!(
                        "unsupported OKP curve `{crv}` (only Ed25519 signs)"
                    )));
                }
                KeyParams::Ed25519 {
                    x: decode_member(take_str("x")?, "x")?,
                    d: take_str("d")?
                        .map(|d| base64url::decode(&d, "d"))
                        .transpose()?,
                }
            }
            "RSA" => {
                let n = decode_member(take_str("n")?, "n")?;
                let e = decode_member(take_str("e")?, "e")?;
                let private: Map<String, Value> = RSA_PRIVATE_MEMBERS
                    .iter()
                    .filter_map(|name| members.remove(*name).map(|v| ((*name).to_owned(), v)))
                    .collect();
                KeyParams::Rsa {
                    n,
                    e,
                    private: (!private.is_empty()).then_some(private),
                }
            }
            "oct" => {
                return Err(Error::InvalidKey(
                    "symmetric (`oct`) keys are not accepted".to_owned(),
                ));
            }
            other => return Err(Error::InvalidKey(format!("unsupported kty `{other}`"))),
        };
        validate(&params)?;
        Ok(Self {
            params,
            kid,
            alg,
            other: members,
        })
    }

    /// The key as a JSON object.
    pub fn to_json(&self) -> Value {
        let mut members = Map::new();
        let mut put = |name: &str, value: String| {
            members.insert(name.to_owned(), Value::String(value));
        };
        match &self.params {
            KeyParams::Ec { crv, x, y, d } => {
                put("kty", "EC".into());
                put("crv", crv.as_str().into());
                put("x", base64url::encode(x));
                put("y", base64url::encode(y));
                if let Some(d) = d {
                    put("d", base64url::encode(d));
                }
            }
            KeyParams::Ed25519 { x, d } => {
                put("kty", "OKP".into());
                put("crv", "Ed25519".into());
                put("x", base64url::encode(x));
                if let Some(d) = d {
                    put("d", base64url::encode(d));
                }
            }
            KeyParams::Rsa { n, e, private } => {
                put("kty", "RSA".into());
                put("n", base64url::encode(n));
                put("e", base64url::encode(e));
                if let Some(private) = private {
                    members.extend(private.clone());
                }
            }
        }
        if let Some(kid) = &self.kid {
            members.insert("kid".into(), Value::String(kid.clone()));
        }
        if let Some(alg) = &self.alg {
            members.insert("alg".into(), Value::String(alg.clone()));
        }
        for (name, value) in &self.other {
            members.entry(name.clone()).or_insert_with(|| value.clone());
        }
        Value::Object(members)
    }
}

fn required(value: Option<String>, name: &'static str) -> Result<String, Error> {
    value.ok_or_else(|| Error::InvalidKey(format!("`{name}` is missing")))
}

fn decode_member(value: Option<String>, name: &'static str) -> Result<Vec<u8>, Error> {
    base64url::decode(&required(value, name)?, name)
}

fn validate(params: &KeyParams) -> Result<(), Error> {
    match params {
        KeyParams::Ec { crv, x, y, d } => {
            let len = crv.coordinate_len();
            // RFC 7518 §6.2.1.2/§6.2.1.3: coordinates MUST be the full size of the field.
            if x.len() != len || y.len() != len {
                return Err(Error::InvalidKey(format!(
                    "{} coordinates must be {len} bytes",
                    crv.as_str()
                )));
            }
            if d.as_ref().is_some_and(|d| d.len() != len) {
                return Err(Error::InvalidKey(format!(
                    "{} private key must be {len} bytes",
                    crv.as_str()
                )));
            }
        }
        KeyParams::Ed25519 { x, d } => {
            if x.len() != 32 || d.as_ref().is_some_and(|d| d.len() != 32) {
                return Err(Error::InvalidKey("Ed25519 keys are 32 bytes".to_owned()));
            }
        }
        KeyParams::Rsa { n, e, .. } => {
            let bits =
                (n.len() * 8).saturating_sub(n.first().map_or(8, |b| b.leading_zeros() as usize));
            if bits < RSA_MIN_MODULUS_BITS {
                return Err(Error::InvalidKey(format!(
                    "RSA modulus of {bits} bits is below the {RSA_MIN_MODULUS_BITS} bits required"
                )));
            }
            if e.is_empty() || e.len() > 8 {
                return Err(Error::InvalidKey("RSA exponent is invalid".to_owned()));
            }
        }
    }
    Ok(())
}

impl fmt::Debug for Jwk {
    /// Private members never appear in debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jwk")
            .field("key", &self.describe())
            .field("kid", &self.kid)
            .field("thumbprint", &self.thumbprint())
            .field("private", &self.is_private())
            .finish()
    }
}

impl Serialize for Jwk {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Jwk {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let members = Map::<String, Value>::deserialize(deserializer)?;
        Jwk::from_members(members).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
