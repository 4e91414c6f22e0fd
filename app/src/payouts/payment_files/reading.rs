//! Reading payment files back: the file's page, the exports history, and
//! the download (the stored bytes, counted).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::{ExportSummary, FileLine, PaymentFileView, FILES_PATH, LINES_SHOWN};
use crate::auth::service::users_by_id;
use crate::auth::{session::admin_for_route, Permission};
use crate::entities::{payout_export, withdrawal_request};
use crate::ledger::money::{decimal_string, format_amount};
use crate::payouts::error::PayoutsError;
use crate::payouts::export::ExportFormat;
use crate::platform::audit::{self, AuditAction, AuditEntry};
use crate::platform::{db, AppState};

/// The page of one payment file.
pub async fn view(db: &DatabaseConnection, id: i64) -> Result<PaymentFileView, PayoutsError> {
    let file = payout_export::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|file| file.content.is_some())
        .ok_or_else(|| PayoutsError::not_found("No such payment file"))?;
    let format = ExportFormat::parse(&file.format);
    let requests = withdrawal_request::Entity::find()
        .filter(withdrawal_request::Column::PaymentFileId.eq(id))
        .order_by_asc(withdrawal_request::Column::Id)
        .limit(LINES_SHOWN)
        .all(db)
        .await?;
    let people = users_by_id(
        db,
        requests
            .iter()
            .map(|r| r.member_user_id)
            .chain([file.admin_user_id]),
    )
    .await?;
    let assets = crate::ledger::service::assets_by_id(db).await?;
    let lines = requests
        .iter()
        .map(|r| {
            let asset = assets.get(&r.currency_asset_id);
            FileLine {
                request_id: r.id,
                member: people
                    .get(&r.member_user_id)
                    .map(|u| u.display_name.clone())
                    .unwrap_or_default(),
                amount: asset.map_or_else(
                    || decimal_string(r.net_minor, 0),
                    |a| format_amount(r.net_minor, &a.code, u32::try_from(a.scale).unwrap_or(0)),
                ),
            }
        })
        .collect();
    let scale = file
        .currency_code
        .as_ref()
        .and_then(|code| assets.values().find(|a| &a.code == code))
        .map_or(0, |a| u32::try_from(a.scale).unwrap_or(0));
    Ok(PaymentFileView {
        id,
        format_label: format.map_or(file.format.clone(), |f| f.label().to_owned()),
        created_at: file.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        created_by: people
            .get(&file.admin_user_id)
            .map(|u| u.display_name.clone())
            .unwrap_or_default(),
        rows: file.row_count,
        total: file
            .currency_code
            .as_ref()
            .zip(file.total_minor)
            .map(|(code, total)| format_amount(total, code, scale)),
        currency: file.currency_code,
        downloads: file.downloads,
        download_href: format!("{FILES_PATH}/{id}/download"),
        lines,
        skipped: file
            .skipped
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default(),
        skipped_count: file.skipped_count,
    })
}

/// The latest exports, payment files and reports, newest first.
pub async fn history(db: &DatabaseConnection) -> Result<Vec<ExportSummary>, PayoutsError> {
    let exports: Vec<payout_export::Model> = payout_export::Entity::find()
        .order_by_desc(payout_export::Column::Id)
        .limit(100)
        .all(db)
        .await?;
    let people = users_by_id(db, exports.iter().map(|e| e.admin_user_id)).await?;
    Ok(exports
        .into_iter()
        .map(|e| ExportSummary {
            id: e.id,
            payment_file: e.content.is_some(),
            format_label: ExportFormat::parse(&e.format)
                .map_or(e.format.clone(), |f| f.label().to_owned()),
            created_at: e.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            created_by: people
                .get(&e.admin_user_id)
                .map(|u| u.display_name.clone())
                .unwrap_or_default(),
            rows: e.row_count,
            currency: e.currency_code,
            downloads: e.downloads,
        })
        .collect())
}

/// `GET /admin/payouts/files/{id}/download`: admins allowed to export. The
/// stored bytes, every time; a download after the first says it is a
/// re-download (header and file name), and each one is audited.
pub async fn download(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Response {
    let admin = match admin_for_route(&state, &headers, Permission::ExportPayouts).await {
        Ok(admin) => admin,
        Err(refused) => return refused,
    };
    match counted_download(&state, admin.id, id).await {
        Ok(Some((file, again))) => {
            let format = ExportFormat::parse(&file.format).unwrap_or(ExportFormat::PaypalCsv);
            let name = format!(
                "paydesk-payment-file-{}-{}{}.csv",
                format.as_str().replace('_', "-"),
                file.id,
                if again { "-redownload" } else { "" }
            );
            let mut response = Response::new(Body::from(file.content.unwrap_or_default()));
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            headers.insert(
                "x-paydesk-redownload",
                HeaderValue::from_static(if again { "true" } else { "false" }),
            );
            response
        }
        Ok(None) => (StatusCode::NOT_FOUND, "No such payment file").into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "payment file download failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The download failed; please try again",
            )
                .into_response()
        }
    }
}

/// The file, counted and audited; with whether it was downloaded before.
async fn counted_download(
    state: &AppState,
    admin_id: i64,
    id: i64,
) -> Result<Option<(payout_export::Model, bool)>, PayoutsError> {
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    let Some(file) = payout_export::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .filter(|file| file.content.is_some())
    else {
        return Ok(None);
    };
    payout_export::Entity::update_many()
        .col_expr(
            payout_export::Column::Downloads,
            Expr::col(payout_export::Column::Downloads).add(1),
        )
        .filter(payout_export::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let again = file.downloads > 0;
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::PayoutsExported)
            .actor(admin_id)
            .subject(format!("export:{id}"))
            .detail(if again {
                "payment file downloaded again (the same file)"
            } else {
                "payment file downloaded"
            }),
    )
    .await?;
    txn.commit().await?;
    Ok(Some((file, again)))
}
