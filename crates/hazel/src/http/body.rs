//! JSON request bodies of the management APIs, read in one way: the request must say it is JSON
//! (`Content-Type: application/json`, or a `+json` type) when it has a body, and a body that is
//! not the JSON the operation takes is a 400 problem titled after the operation.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::error::ApiError;
use super::extract::content_type;

/// A body meant to be JSON, and whether the request declared it so.
#[derive(Debug)]
pub struct JsonBody {
    bytes: Bytes,
    declared: bool,
}

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let declared = content_type(request.headers()).is_some_and(is_json_media_type);
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Self { bytes, declared })
    }
}

/// `application/json` or a structured `+json` type (RFC 6839), parameters allowed.
fn is_json_media_type(value: &str) -> bool {
    let essence = value.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
        || (essence.len() > 5
            && essence.starts_with("application/")
            && essence[essence.len() - 5..].eq_ignore_ascii_case("+json"))
}

/// Parses a required JSON body.
pub fn json<T: DeserializeOwned>(operation: &str, body: &JsonBody) -> Result<T, ApiError> {
    if !body.declared {
        return Err(ApiError::problem(
            StatusCode::BAD_REQUEST,
            format!("{operation} failed"),
            "the request body must be application/json (set Content-Type)",
        ));
    }
    serde_json::from_slice(&body.bytes).map_err(|e| ApiError::bad_body(operation, e))
}

/// Parses an optional JSON body: an empty (or blank) body is the default, whatever its type.
pub fn optional_json<T: DeserializeOwned + Default>(
    operation: &str,
    body: &JsonBody,
) -> Result<T, ApiError> {
    if body.bytes.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        json(operation, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_media_types_with_parameters_and_suffixes() {
        for json in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/problem+json",
            "application/vc+ld+json",
        ] {
            assert!(is_json_media_type(json), "{json}");
        }
        for other in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "+json",
            "json",
        ] {
            assert!(!is_json_media_type(other), "{other}");
        }
    }
}
