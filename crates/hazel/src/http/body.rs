//! JSON request bodies of the management APIs, parsed in one way: a body that is not the JSON the
//! operation takes is a 400 problem titled after the operation.

use axum::body::Bytes;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// Parses a required JSON body.
pub fn json<T: DeserializeOwned>(operation: &str, bytes: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::bad_body(operation, e))
}

/// Parses an optional JSON body: an empty (or blank) body is the default.
pub fn optional_json<T: DeserializeOwned + Default>(
    operation: &str,
    bytes: &Bytes,
) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        json(operation, bytes)
    }
}
