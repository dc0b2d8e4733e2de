//! What handlers read from a request besides their state: the current time from the node's
//! clock, the `Content-Type`, and the `DPoP` header fields.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

use crate::flows::s2s_server::DpopHeader;
use crate::infra::clock::Clock;

/// The current time in Unix seconds, from the node's clock (fixed in tests).
#[derive(Debug, Clone, Copy)]
pub struct Now(pub i64);

impl<S> FromRequestParts<S> for Now
where
    S: Send + Sync,
    Arc<dyn Clock>: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            Arc::<dyn Clock>::from_ref(state).now().unix_timestamp(),
        ))
    }
}

/// The `Content-Type` header, when there is exactly one and it is text: RFC 9110 §8.3 gives a
/// message one media type, so a request that names two is not read as either.
pub fn content_type(headers: &HeaderMap) -> Option<&str> {
    let mut fields = headers.get_all(header::CONTENT_TYPE).iter();
    match (fields.next(), fields.next()) {
        (Some(value), None) => value.to_str().ok(),
        _ => None,
    }
}

/// The `DPoP` header fields (RFC 9449 §4.3 check 1 wants at most one).
pub fn dpop_header(headers: &HeaderMap) -> DpopHeader<'_> {
    let mut fields = headers.get_all("dpop").iter();
    match (fields.next(), fields.next()) {
        (None, _) => DpopHeader::Absent,
        (Some(value), None) => value
            .to_str()
            .map_or(DpopHeader::Unreadable, DpopHeader::One),
        (Some(_), Some(_)) => DpopHeader::Several,
    }
}
