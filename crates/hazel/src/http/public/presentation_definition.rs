//! `GET /oauth2/{subject}/presentation_definition?scope=…&wallet_owner_type=…` (nuts-node v6):
//! the Presentation Definition a client must satisfy for a scope.

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use oauth::params::Params;

use crate::flows::Refusal;
use crate::flows::s2s_server::S2sServer;
use crate::http::error::ApiError;

pub async fn presentation_definition(
    State(flow): State<S2sServer>,
    Path(subject): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(query.as_deref().unwrap_or_default()).map_err(Refusal::from)?;
    let definition = flow.presentation_definition(&subject, &params).await?;
    Ok(super::cacheable(axum::Json(definition).into_response()))
}
