//! Revocation status lists: StatusList2021 (as nuts-node issues and checks them) and W3C Bitstring
//! Status List v1.0. A list is a bitstring of at least 16 KiB; index `i` is bit `7 - i % 8` of
//! byte `i / 8` (the left-most bit first), gzip-compressed and base64url-encoded without padding
//! (Bitstring Status List adds the multibase prefix `u`).

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde_json::Value;

use crate::{Credential, Error};

/// Bits in a list: the 131,072-bit (16 KiB) minimum both specifications set for herd privacy.
pub const LIST_BITS: usize = 131_072;
/// Largest decompressed list accepted from others (16 Mbit), so a hostile gzip cannot exhaust
/// memory.
const MAX_LIST_BYTES: u64 = 2 * 1024 * 1024;
/// The most status entries a credential may carry: each may cost a fetch, and the
/// specifications' uses (revocation, suspension) need two.
pub const MAX_ENTRIES: usize = 4;

/// The StatusList2021 JSON-LD context.
pub const STATUS_LIST_2021_CONTEXT: &str = "https://w3id.org/vc/status-list/2021/v1";

fn invalid(reason: impl Into<String>) -> Error {
    Error::Malformed {
        what: "status list",
        reason: reason.into(),
    }
}

/// Encodes a list of `LIST_BITS` bits with the given indices set (StatusList2021 encoding).
pub fn encode(set: &[u64]) -> Result<String, Error> {
    let mut bits = vec![0u8; LIST_BITS / 8];
    for &index in set {
        let index = usize::try_from(index).map_err(|_| invalid("index out of range"))?;
        let byte = bits
            .get_mut(index / 8)
            .ok_or_else(|| invalid("index out of range"))?;
        *byte |= 1 << (7 - index % 8);
    }
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder
        .write_all(&bits)
        .map_err(|e| invalid(e.to_string()))?;
    let compressed = encoder.finish().map_err(|e| invalid(e.to_string()))?;
    Ok(jose::base64url::encode(compressed))
}

/// Decodes an `encodedList`: base64url with or without padding, an optional multibase `u`, gzip.
pub fn decode(encoded: &str) -> Result<Vec<u8>, Error> {
    let text = encoded.strip_prefix('u').unwrap_or(encoded);
    let compressed = jose::base64url::decode(text.trim_end_matches('='), "encodedList")
        .map_err(|_| invalid("encodedList is not base64url"))?;
    // The gzip trailer states the decompressed size (RFC 1952 §2.3.1, ISIZE): reserving it,
    // within the limit, spares the doubling growth of the buffer, whose slack a cached list
    // would otherwise keep. A false ISIZE only costs that growth.
    let stated = compressed
        .last_chunk::<4>()
        .map_or(0, |isize| u32::from_le_bytes(*isize));
    let reserve = usize::try_from(u64::from(stated).min(MAX_LIST_BYTES)).unwrap_or(0);
    let mut bits = Vec::with_capacity(reserve);
    GzDecoder::new(compressed.as_slice())
        .take(MAX_LIST_BYTES + 1)
        .read_to_end(&mut bits)
        .map_err(|_| invalid("encodedList is not gzip"))?;
    if bits.len() as u64 > MAX_LIST_BYTES {
        return Err(invalid("encodedList is too large"));
    }
    bits.shrink_to_fit();
    Ok(bits)
}

/// Whether bit `index` is set.
pub fn is_set(bits: &[u8], index: u64) -> Result<bool, Error> {
    let index = usize::try_from(index).map_err(|_| invalid("index not in status list"))?;
    let byte = bits
        .get(index / 8)
        .ok_or_else(|| invalid("index not in status list"))?;
    Ok(byte >> (7 - index % 8) & 1 == 1)
}

/// A `credentialStatus` entry this crate checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEntry {
    /// The URL of the status list credential.
    pub list: String,
    /// The index on the list.
    pub index: u64,
    /// `revocation` or `suspension`.
    pub purpose: String,
}

/// The revocation and suspension entries of a credential (`StatusList2021Entry`,
/// `BitstringStatusListEntry`); other status types are not for this crate to judge.
pub fn entries(credential: &Credential) -> Result<Vec<StatusEntry>, Error> {
    let Some(status) = &credential.credential_status else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    if status.as_slice().len() > MAX_ENTRIES {
        return Err(invalid(format!(
            "a credential may carry at most {MAX_ENTRIES} status entries"
        )));
    }
    for entry in status.as_slice() {
        let kind = entry
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if kind != "StatusList2021Entry" && kind != "BitstringStatusListEntry" {
            continue;
        }
        let purpose = entry
            .get("statusPurpose")
            .and_then(Value::as_str)
            .ok_or(Error::Missing("credentialStatus.statusPurpose"))?;
        let list = entry
            .get("statusListCredential")
            .and_then(Value::as_str)
            .ok_or(Error::Missing("credentialStatus.statusListCredential"))?;
        // The index is a string in both specifications; a number is tolerated.
        let index = match entry.get("statusListIndex") {
            Some(Value::String(text)) => text.parse().ok(),
            Some(Value::Number(number)) => number.as_u64(),
            _ => None,
        }
        .ok_or(Error::Missing("credentialStatus.statusListIndex"))?;
        found.push(StatusEntry {
            list: list.to_owned(),
            index,
            purpose: purpose.to_owned(),
        });
    }
    Ok(found)
}

/// A verified status list credential reduced to what checking an entry needs: who issued it,
/// which list it is (`credentialSubject.id`), its purposes and its decoded bits. This, not the
/// credential, is what a verifier keeps between checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusList {
    issuer: String,
    id: String,
    purposes: Vec<String>,
    bits: Vec<u8>,
}

impl StatusList {
    /// Reads a verified StatusList2021Credential or BitstringStatusListCredential: one subject,
    /// its purposes and its `encodedList` decoded (at most 16 Mbit).
    pub fn from_credential(list: &Credential) -> Result<Self, Error> {
        let typed = list.has_type("StatusList2021Credential")
            || list.has_type("BitstringStatusListCredential");
        if !typed {
            return Err(invalid(
                "not a StatusList2021Credential or BitstringStatusListCredential",
            ));
        }
        let [subject] = list.credential_subject.as_slice() else {
            return Err(invalid("the list must have exactly one credentialSubject"));
        };
        let purposes = match subject.get("statusPurpose") {
            Some(Value::String(one)) => vec![one.clone()],
            Some(Value::Array(many)) => many
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        };
        let encoded = subject
            .get("encodedList")
            .and_then(Value::as_str)
            .ok_or(Error::Missing("encodedList"))?;
        Ok(Self {
            issuer: list.issuer_id().unwrap_or_default().to_owned(),
            id: subject
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            purposes,
            bits: decode(encoded)?,
        })
    }

    /// The list's `credentialSubject.id`: the URL it is published at.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// About how many bytes it takes in memory.
    pub fn size(&self) -> usize {
        self.bits.len()
            + self.issuer.len()
            + self.id.len()
            + self.purposes.iter().map(String::len).sum::<usize>()
    }

    /// Checks an entry of a credential from `issuer`: the list is the one the entry names, from
    /// the credential's issuer, for the entry's purpose, and the entry's bit is clear. Returns
    /// [`Error::Revoked`] when the bit is set.
    pub fn check(&self, entry: &StatusEntry, issuer: &str) -> Result<(), Error> {
        if self.issuer != issuer {
            return Err(invalid("the list is not issued by the credential's issuer"));
        }
        if self.id != entry.list {
            return Err(invalid(format!(
                "wrong credential: expected '{}' as credentialSubject.id",
                entry.list
            )));
        }
        if !self.purposes.contains(&entry.purpose) {
            return Err(invalid("the list's statusPurpose does not match the entry"));
        }
        if is_set(&self.bits, entry.index)? {
            return Err(Error::Revoked);
        }
        Ok(())
    }
}

/// Checks a verified status list credential against an entry ([`StatusList::check`]).
pub fn check(list: &Credential, entry: &StatusEntry, issuer: &str) -> Result<(), Error> {
    StatusList::from_credential(list)?.check(entry, issuer)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;

    #[test]
    fn bits_are_msb_first_and_round_trip() {
        let encoded = encode(&[0, 9, 131_071]).unwrap();
        assert!(
            encoded.starts_with("H4sI"),
            "gzip magic in base64url: {encoded}"
        );
        assert!(!encoded.contains('=') && !encoded.contains('+') && !encoded.contains('/'));
        let bits = decode(&encoded).unwrap();
        assert_eq!(bits.len(), 16 * 1024);
        assert_eq!(bits[0], 0b1000_0000);
        assert_eq!(bits[1], 0b0100_0000);
        assert_eq!(bits[16 * 1024 - 1], 0b0000_0001);
        assert!(is_set(&bits, 9).unwrap() && !is_set(&bits, 8).unwrap());
        assert!(is_set(&bits, 131_072).is_err());
        assert!(encode(&[131_072]).is_err());
        assert_eq!(
            decode(&format!("u{encoded}")).unwrap(),
            bits,
            "multibase prefix"
        );
    }

    #[test]
    fn garbage_and_gzip_bombs_are_refused() {
        assert!(decode("not base64!").is_err());
        assert!(decode(&jose::base64url::encode(b"not gzip")).is_err());
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(&vec![0u8; 4 * 1024 * 1024]).unwrap();
        let bomb = jose::base64url::encode(encoder.finish().unwrap());
        assert!(decode(&bomb).unwrap_err().to_string().contains("too large"));
    }

    fn list(revoked: &[u64]) -> Credential {
        Credential::from_json(json!({
            "@context": ["https://www.w3.org/2018/credentials/v1", STATUS_LIST_2021_CONTEXT],
            "id": "did:web:i#list",
            "type": ["VerifiableCredential", "StatusList2021Credential"],
            "issuer": "did:web:i",
            "issuanceDate": "2026-01-01T00:00:00Z",
            "credentialSubject": {"id": "https://i.example/statuslist/did:web:i/1",
                "type": "StatusList2021", "statusPurpose": "revocation",
                "encodedList": encode(revoked).unwrap()}
        }))
        .unwrap()
    }

    fn entry(index: u64) -> StatusEntry {
        StatusEntry {
            list: "https://i.example/statuslist/did:web:i/1".into(),
            index,
            purpose: "revocation".into(),
        }
    }

    #[test]
    fn revoked_bit_gives_revoked_and_clear_bit_passes() {
        let list = list(&[42]);
        assert_eq!(check(&list, &entry(42), "did:web:i"), Err(Error::Revoked));
        assert!(check(&list, &entry(41), "did:web:i").is_ok());
    }

    #[test]
    fn wrong_list_issuer_or_purpose_are_refused() {
        let list = list(&[]);
        assert!(check(&list, &entry(1), "did:web:other").is_err());
        let mut other_list = entry(1);
        other_list.list = "https://i.example/statuslist/did:web:i/2".into();
        assert!(
            check(&list, &other_list, "did:web:i")
                .unwrap_err()
                .to_string()
                .contains("wrong credential")
        );
        let mut suspension = entry(1);
        suspension.purpose = "suspension".into();
        assert!(check(&list, &suspension, "did:web:i").is_err());
    }

    #[test]
    fn entries_read_both_types_and_string_or_number_indices() {
        let credential = Credential::from_json(json!({
            "@context": [], "type": "VerifiableCredential", "credentialSubject": {},
            "credentialStatus": [
                {"type": "StatusList2021Entry", "statusPurpose": "revocation",
                 "statusListIndex": "7", "statusListCredential": "https://a/1"},
                {"type": "BitstringStatusListEntry", "statusPurpose": "suspension",
                 "statusListIndex": 8, "statusListCredential": "https://a/2"},
                {"type": "SomethingElse"}
            ]
        }))
        .unwrap();
        let found = entries(&credential).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].index, 7);
        assert_eq!(found[1].index, 8);
    }
}
