//! Multikey decoding: `z` + base58btc of a multicodec varint prefix and the raw public key, as
//! did:key identifiers and `publicKeyMultibase` verification methods carry them. Ed25519, P-256
//! and P-384 (compressed points) are read.

use jose::Jwk;
use jose::jwk::EcCurve;

use crate::Error;

fn invalid(reason: impl Into<String>) -> Error {
    Error::InvalidIdentifier {
        method: "did:key",
        reason: reason.into(),
    }
}

/// Multicodec prefixes (unsigned varint) of the public keys read here.
const ED25519_PUB: [u8; 2] = [0xed, 0x01];
const P256_PUB: [u8; 2] = [0x80, 0x24];
const P384_PUB: [u8; 2] = [0x81, 0x24];

/// Decodes a multibase (base58btc, `z`) multikey into a JWK.
pub fn decode_multikey(multibase: &str) -> Result<Jwk, Error> {
    let encoded = multibase
        .strip_prefix('z')
        .ok_or_else(|| invalid("only base58btc multibase (`z…`) is supported"))?;
    let bytes = bs58::decode(encoded)
        .into_vec()
        .map_err(|_| invalid("not base58btc"))?;
    let (prefix, key) = bytes
        .split_at_checked(2)
        .ok_or_else(|| invalid("too short"))?;
    let result = match <[u8; 2]>::try_from(prefix).unwrap_or_default() {
        ED25519_PUB if key.len() == 32 => Jwk::ed25519(key.to_vec()),
        P256_PUB => jose::ec_jwk_from_sec1(EcCurve::P256, key),
        P384_PUB => jose::ec_jwk_from_sec1(EcCurve::P384, key),
        _ => return Err(invalid("unsupported or malformed key type")),
    };
    result.map_err(|e| invalid(e.to_string()))
}
