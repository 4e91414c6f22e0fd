//! The earnings API for the vendor's website (server to server):
//!
//! - `POST /api/v1/incentives` with `Authorization: Bearer <key>` and a JSON
//!   body: one incentive, a list, or `{"incentives": [...]}` (up to 1,000).
//! - `GET /api/v1/incentives/{external_id}`: that incentive's status.
//!
//! A repeat of an external id answers the incentive it made. In a batch,
//! each item gets its own result: a bad item never blocks the good ones.
//!
//! A key sees only the incentives made through it (another key's external
//! id is "not found", or "already used" on a create), and may make
//! `api_requests_per_minute` calls a minute: past that, 429 with
//! `Retry-After`.

use axum::extract::{Path, State};
use axum::http::{header::AUTHORIZATION, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::Value;

use super::service::{self, Created, Origin, BATCH_LIMIT};
use super::{IncentiveInput, IncentiveSource, IncentiveView};
use crate::entities::api_key;
use crate::error::{AppError, ErrorCode};
use crate::platform::AppState;

pub const INCENTIVES_PATH: &str = "/api/v1/incentives";
pub const INCENTIVE_PATH: &str = "/api/v1/incentives/{external_id}";

#[derive(Serialize)]
struct ErrorBody {
    error: AppError,
}

fn error(err: AppError) -> Response {
    let status =
        StatusCode::from_u16(err.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(error = %err.message, "earnings API failed");
    }
    (status, Json(ErrorBody { error: err })).into_response()
}

async fn key_of(state: &AppState, headers: &HeaderMap) -> Result<api_key::Model, AppError> {
    let presented = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::Unauthenticated,
                "Send the API key as \"Authorization: Bearer <key>\"",
            )
        })?;
    super::keys::authenticate(&state.db, state.clock.now(), presented)
        .await?
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::Unauthenticated,
                "This API key is not valid (wrong, revoked or expired)",
            )
        })
}

/// The caller's key, counted against its limit: the answer to send back
/// instead when it is not valid or over its limit.
async fn admitted(state: &AppState, headers: &HeaderMap) -> Result<api_key::Model, Response> {
    let key = key_of(state, headers).await.map_err(error)?;
    if let Err(wait) = state.limits.api_call(key.id) {
        let seconds = crate::platform::limits::retry_after_seconds(wait);
        let mut answer = error(AppError::new(
            ErrorCode::TooManyRequests,
            format!(
                "Too many calls with this API key: at most {} a minute. Try again in {seconds} seconds",
                state.settings.api_requests_per_minute
            ),
        ));
        if let Ok(value) = axum::http::HeaderValue::from_str(&seconds.to_string()) {
            answer
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, value);
        }
        return Err(answer);
    }
    Ok(key)
}

#[derive(Serialize)]
struct ItemResult {
    index: usize,
    /// "created", "existing" or "error".
    result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    incentive: Option<IncentiveView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<AppError>,
}

#[derive(Serialize)]
struct BatchBody {
    created: usize,
    existing: usize,
    failed: usize,
    results: Vec<ItemResult>,
}

/// `POST /api/v1/incentives`.
pub async fn post_incentives(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let key = match admitted(&state, &headers).await {
        Ok(key) => key,
        Err(answer) => return answer,
    };
    let value: Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(err) => return error(AppError::invalid(format!("The body is not JSON: {err}"))),
    };
    let origin = Origin {
        source: IncentiveSource::Api,
        api_key_id: Some(key.id),
        admin_user_id: None,
    };
    let (items, batch) = match value {
        Value::Array(items) => (items, true),
        Value::Object(mut object) if object.contains_key("incentives") => {
            match object.remove("incentives") {
                Some(Value::Array(items)) => (items, true),
                _ => {
                    return error(AppError::invalid(
                        "\"incentives\" must be a list of incentives",
                    ))
                }
            }
        }
        single @ Value::Object(_) => (vec![single], false),
        _ => {
            return error(AppError::invalid(
                "Send an incentive object, a list of them, or {\"incentives\": [...]}",
            ))
        }
    };
    if items.is_empty() {
        return error(AppError::invalid("The list of incentives is empty"));
    }
    if items.len() > BATCH_LIMIT {
        return error(AppError::invalid(format!(
            "At most {BATCH_LIMIT} incentives per call; this one has {}",
            items.len()
        )));
    }
    let mut results = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let outcome = match serde_json::from_value::<IncentiveInput>(item) {
            Ok(input) => service::create(&state.db, &state.clock, origin, &input)
                .await
                .map_err(AppError::from),
            Err(err) => Err(AppError::invalid(format!("Not an incentive: {err}"))),
        };
        results.push(match outcome {
            Ok(Created::New(view)) => (index, "created", Some(view), None),
            Ok(Created::Existing(view)) => (index, "existing", Some(view), None),
            Err(err) => (index, "error", None, Some(err)),
        });
    }
    if !batch {
        return match results.pop() {
            Some((_, "created", Some(view), _)) => {
                (StatusCode::CREATED, Json(view)).into_response()
            }
            Some((_, _, Some(view), _)) => (StatusCode::OK, Json(view)).into_response(),
            Some((_, _, _, Some(err))) => error(err),
            _ => error(AppError::internal(anyhow::anyhow!("no result"))),
        };
    }
    let count = |what: &str| results.iter().filter(|r| r.1 == what).count();
    let body = BatchBody {
        created: count("created"),
        existing: count("existing"),
        failed: count("error"),
        results: results
            .into_iter()
            .map(|(index, result, incentive, error)| ItemResult {
                index,
                result,
                incentive,
                error,
            })
            .collect(),
    };
    (StatusCode::OK, Json(body)).into_response()
}

/// `GET /api/v1/incentives/{external_id}`.
pub async fn get_incentive(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(external_id): Path<String>,
) -> Response {
    let key = match admitted(&state, &headers).await {
        Ok(key) => key,
        Err(answer) => return answer,
    };
    match service::by_external_id(&state.db, &external_id, key.id).await {
        Ok(Some(view)) => (StatusCode::OK, Json(view)).into_response(),
        Ok(None) => error(AppError::new(
            ErrorCode::NotFound,
            format!("No incentive has the external id {external_id:?}"),
        )),
        Err(err) => error(err.into()),
    }
}
