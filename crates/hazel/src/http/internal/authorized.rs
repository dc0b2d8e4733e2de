//! Usage-time authorization endpoints on the internal listener:
//! `POST /internal/auth/v2/authorized` (Hazel's form: the token's introspection result and the
//! request) and the OpenID AuthZEN 1.0 evaluation API (`POST /access/v1/evaluation` and the batch
//! `POST /access/v1/evaluations`), mapped onto the same input.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::http::body::{JsonBody, json};
use crate::http::error::ApiError;
use crate::node::Node;
use crate::services::authorization::{AuthorizationEngine, Decision};

/// The routes.
pub fn routes() -> Router<Node> {
    Router::new()
        .route("/internal/auth/v2/authorized", post(authorized))
        .route("/access/v1/evaluation", post(evaluation))
        .route("/access/v1/evaluations", post(evaluations))
}

fn evaluate(
    engine: Option<&AuthorizationEngine>,
    operation: &str,
    input: &Value,
) -> Result<Decision, ApiError> {
    let Some(engine) = engine else {
        return Err(ApiError::problem(
            StatusCode::NOT_IMPLEMENTED,
            format!("{operation} failed"),
            "no authorization policies are configured (policy.authorization.directory)",
        ));
    };
    engine.evaluate(input).map_err(|e| {
        ApiError::problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{operation} failed"),
            "a policy failed to evaluate; see the node's log",
        )
        .with_cause(e)
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthorizedRequest {
    /// The introspection result of the access token.
    token: Map<String, Value>,
    /// The resource request: method, path, resource_type, patient_id, purpose_of_use, ….
    request: Map<String, Value>,
}

async fn authorized(
    State(engine): State<Option<AuthorizationEngine>>,
    bytes: JsonBody,
) -> Result<Response, ApiError> {
    const OPERATION: &str = "Authorized";
    let request: AuthorizedRequest = json(OPERATION, &bytes)?;
    let input = json!({"token": request.token, "request": request.request});
    let decision = evaluate(engine.as_ref(), OPERATION, &input)?;
    Ok(Json(decision).into_response())
}

/// An AuthZEN 1.0 evaluation request. Members absent here are taken from the batch defaults.
#[derive(Debug, Default, Clone, Deserialize)]
struct AuthZenRequest {
    subject: Option<Value>,
    action: Option<Value>,
    resource: Option<Value>,
    context: Option<Value>,
}

impl AuthZenRequest {
    fn or(self, defaults: &AuthZenRequest) -> Self {
        Self {
            subject: self.subject.or_else(|| defaults.subject.clone()),
            action: self.action.or_else(|| defaults.action.clone()),
            resource: self.resource.or_else(|| defaults.resource.clone()),
            context: self.context.or_else(|| defaults.context.clone()),
        }
    }

    /// AuthZEN → policy input: the subject's properties are the token's claims, the action name is
    /// the method, the resource type and id are the resource type and path, the context adds the
    /// rest (purpose_of_use, patient_id, …).
    fn input(&self, operation: &str) -> Result<Value, ApiError> {
        let (Some(subject), Some(action), Some(resource)) =
            (&self.subject, &self.action, &self.resource)
        else {
            return Err(ApiError::bad_body(
                operation,
                "subject, action and resource are required",
            ));
        };
        let mut token = subject
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if let Some(id) = subject.get("id") {
            token.entry("sub").or_insert_with(|| id.clone());
        }
        let mut request = self
            .context
            .as_ref()
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if let Some(name) = action.get("name") {
            request.insert("method".into(), name.clone());
        }
        if let Some(kind) = resource.get("type") {
            request.insert("resource_type".into(), kind.clone());
        }
        if let Some(id) = resource.get("id") {
            request.insert("path".into(), id.clone());
        }
        if let Some(properties) = resource.get("properties").and_then(Value::as_object) {
            for (name, value) in properties {
                request.entry(name.clone()).or_insert_with(|| value.clone());
            }
        }
        Ok(json!({"token": token, "request": request}))
    }
}

fn answer(decision: &Decision) -> Value {
    json!({"decision": decision.allowed, "context": {"policies": decision.policies}})
}

async fn evaluation(
    State(engine): State<Option<AuthorizationEngine>>,
    bytes: JsonBody,
) -> Result<Response, ApiError> {
    const OPERATION: &str = "AccessEvaluation";
    let request: AuthZenRequest = json(OPERATION, &bytes)?;
    let decision = evaluate(engine.as_ref(), OPERATION, &request.input(OPERATION)?)?;
    Ok(Json(answer(&decision)).into_response())
}

#[derive(Debug, Deserialize)]
struct AuthZenBatch {
    #[serde(flatten)]
    defaults: AuthZenRequest,
    evaluations: Vec<AuthZenRequest>,
}

async fn evaluations(
    State(engine): State<Option<AuthorizationEngine>>,
    bytes: JsonBody,
) -> Result<Response, ApiError> {
    const OPERATION: &str = "AccessEvaluations";
    let batch: AuthZenBatch = json(OPERATION, &bytes)?;
    let mut results = Vec::with_capacity(batch.evaluations.len());
    for request in batch.evaluations {
        let request = request.or(&batch.defaults);
        results.push(answer(&evaluate(
            engine.as_ref(),
            OPERATION,
            &request.input(OPERATION)?,
        )?));
    }
    Ok(Json(json!({"evaluations": results})).into_response())
}
