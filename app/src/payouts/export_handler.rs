//! `POST /admin/payouts/export`, the export form's answer (an axum route,
//! so a report can stream and the form works without the wasm bundle): a
//! report is recorded and claimed (`export_claim`) and answered with the
//! file, written page by page (`formats`); a payment file is made
//! (`payment_files`) and the admin is sent to its page.

use axum::body::Body;
use axum::extract::{Form, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Select};
use serde::Deserialize;

use super::export::{ExportFormat, ExportScope};
use super::export_claim::{prepare, Prepared};
use super::formats::{csv_stream, xlsx};
use super::{service, PayoutQuery, SortBy};
use crate::auth::{session::admin_for_route, Permission};
use crate::entities::withdrawal_request;
use crate::error::AppError;
use crate::platform::request::ClientIp;
use crate::platform::AppState;

/// The export form. The CSRF token is checked by the HTTP layer.
#[derive(Debug, Default, Deserialize)]
pub struct ExportForm {
    #[serde(default)]
    format: String,
    #[serde(default)]
    scope: String,
    /// Comma-separated request ids, for the selected scope.
    #[serde(default)]
    ids: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    idempotency_key: String,
}

impl ExportForm {
    fn query(&self) -> PayoutQuery {
        PayoutQuery {
            q: self.q.clone(),
            status: self.status.clone(),
            method: self.method.clone(),
            currency: self.currency.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            sort: SortBy::Created,
            ascending: true,
            page: 1,
            per_page: 20,
        }
    }
}

/// `POST /admin/payouts/export`: admins allowed to export (a file carries
/// payout details unmasked, and a payment file claims requests). Answers
/// with the file, or sends the admin back to the table with a message.
pub async fn export_requests(
    State(state): State<AppState>,
    client_ip: Option<Extension<ClientIp>>,
    headers: HeaderMap,
    Form(form): Form<ExportForm>,
) -> Response {
    let admin = match admin_for_route(&state, &headers, Permission::ExportPayouts).await {
        Ok(admin) => admin,
        Err(refused) => return refused,
    };
    let ip = client_ip.map(|Extension(ClientIp(ip))| ip);
    let made = match ExportFormat::parse(&form.format) {
        Some(format) if format.is_payment_file() => {
            let session = crate::auth::session::session_id_of(&state, &headers);
            let stepped = match session {
                Some(session) => {
                    crate::auth::step_up::require_for(&state, admin.id, &session).await
                }
                None => Err(AppError::unauthenticated()),
            };
            let made = match stepped {
                Ok(()) => payment_file(&state, admin.id, ip, format, &form).await,
                Err(err) => Err(err),
            };
            match made {
                Ok(id) => {
                    let page = format!("{}/{id}", crate::payouts::payment_files::FILES_PATH);
                    return Redirect::to(&page).into_response();
                }
                Err(err) => Err(err),
            }
        }
        _ => report(&state, admin.id, ip, &form).await,
    };
    match made {
        Ok(prepared) => respond(state.db.clone(), prepared).await,
        Err(err) if err.code == crate::error::ErrorCode::Invalid => {
            let back = form.query().href(1);
            let message = crate::ui::list::encode(&err.message);
            Redirect::to(&format!("{back}&export_error={message}")).into_response()
        }
        // The table asks for the code, then the admin makes the file again.
        Err(err) if err.code == crate::error::ErrorCode::StepUpRequired => {
            let back = form.query().href(1);
            let message = crate::ui::list::encode(&err.message);
            Redirect::to(&format!("{back}&export_error={message}&step_up=1")).into_response()
        }
        Err(err) => error_response(&err),
    }
}

fn error_response(err: &AppError) -> Response {
    tracing::warn!(error = %err.message, "export failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "The export failed; please try again",
    )
        .into_response()
}

/// What the form's scope matches.
async fn scoped(
    state: &AppState,
    scope: ExportScope,
    form: &ExportForm,
) -> Result<Select<withdrawal_request::Entity>, AppError> {
    Ok(match scope {
        ExportScope::Selected => {
            let ids = parse_ids(&form.ids)?;
            withdrawal_request::Entity::find().filter(withdrawal_request::Column::Id.is_in(ids))
        }
        ExportScope::Matching => service::filtered(&state.db, &form.query()).await?,
        ExportScope::New => service::filtered(&state.db, &form.query())
            .await?
            .filter(withdrawal_request::Column::FirstExportId.is_null()),
    })
}

/// A payment file of what the form's scope matches.
async fn payment_file(
    state: &AppState,
    admin_id: i64,
    ip: Option<String>,
    format: ExportFormat,
    form: &ExportForm,
) -> Result<i64, AppError> {
    let scope = ExportScope::parse(&form.scope)
        .ok_or_else(|| AppError::invalid(format!("Unknown export scope {:?}", form.scope)))?;
    let chosen = scoped(state, scope, form).await?;
    let fingerprint = [
        scope.as_str(),
        &form.ids,
        &form.q,
        &form.status,
        &form.method,
        &form.currency,
        &form.from,
        &form.to,
    ]
    .join("\u{0}");
    crate::payouts::payment_files::writing::create(
        state,
        admin_id,
        ip,
        crate::payouts::payment_files::writing::NewPaymentFile {
            format,
            scope,
            chosen,
            fingerprint,
            idempotency_key: &form.idempotency_key,
        },
    )
    .await
    .map_err(AppError::from)
}

/// A report of what the form's scope matches, recorded and claimed.
async fn report(
    state: &AppState,
    admin_id: i64,
    ip: Option<String>,
    form: &ExportForm,
) -> Result<Prepared, AppError> {
    let format = ExportFormat::parse(&form.format)
        .ok_or_else(|| AppError::invalid(format!("Unknown export format {:?}", form.format)))?;
    let scope = ExportScope::parse(&form.scope)
        .ok_or_else(|| AppError::invalid(format!("Unknown export scope {:?}", form.scope)))?;
    let chosen = scoped(state, scope, form).await?;
    Ok(prepare(state, admin_id, ip, format, scope, chosen).await?)
}

fn parse_ids(text: &str) -> Result<Vec<i64>, AppError> {
    let mut ids = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let id = part
            .trim_start_matches('#')
            .parse::<i64>()
            .map_err(|_| AppError::invalid(format!("\"{part}\" is not a request number")))?;
        ids.push(id);
    }
    if ids.is_empty() {
        return Err(AppError::invalid("Select at least one request to export"));
    }
    if ids.len() > service::BULK_LIMIT {
        return Err(AppError::invalid(format!(
            "At most {} selected requests at once; export all matching instead",
            service::BULK_LIMIT
        )));
    }
    Ok(ids)
}

async fn respond(db: DatabaseConnection, prepared: Prepared) -> Response {
    let assets = match crate::ledger::service::assets_by_id(&db).await {
        Ok(assets) => assets,
        Err(err) => return error_response(&AppError::internal(err)),
    };
    let (kind, extension) = match prepared.format {
        ExportFormat::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        _ => ("text/csv; charset=utf-8", "csv"),
    };
    let body = if prepared.format == ExportFormat::Xlsx {
        match xlsx(&db, &prepared.rows, &prepared.extra, &assets).await {
            Ok(bytes) => Body::from(bytes),
            Err(err) => return error_response(&err.into()),
        }
    } else {
        Body::from_stream(csv_stream(
            db,
            prepared.rows.clone(),
            assets,
            prepared.extra.clone(),
        ))
    };
    let filename = format!(
        "paydesk-{}-{}.{extension}",
        prepared.format.as_str().replace('_', "-"),
        prepared.export_id
    );
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    for (name, value) in [
        ("x-paydesk-export-id", prepared.export_id.to_string()),
        ("x-paydesk-rows", prepared.count.to_string()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}
