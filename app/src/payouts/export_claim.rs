//! A report's claim: the export is recorded and the requests no export
//! carried yet are marked as first exported by it (`first_export_id`, a
//! guarded update), in one transaction with its audit row, so two admins
//! exporting "only new" get disjoint files. A report moves no request.

use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect, QueryTrait, Select,
};

use super::export::{ExportFormat, ExportScope};
use crate::entities::{payout_export, withdrawal_request};
use crate::payout_fields::MethodField;
use crate::payouts::error::PayoutsError;
use crate::platform::audit::{self, AuditAction, AuditEntry};
use crate::platform::{db, AppState};

/// A report recorded and ready to be written.
pub struct Prepared {
    pub export_id: i64,
    pub format: ExportFormat,
    /// The requests in the file, in id order when paged.
    pub rows: Select<withdrawal_request::Entity>,
    pub count: u64,
    /// Extra payout fields (retired ones too: older requests carry
    /// their answers), one column each after the format's own.
    pub extra: Vec<MethodField>,
}

/// Records a report of `chosen` and claims the requests no export carried
/// yet, in one transaction with its audit row.
pub async fn prepare(
    state: &AppState,
    admin_id: i64,
    ip: Option<String>,
    format: ExportFormat,
    scope: ExportScope,
    chosen: Select<withdrawal_request::Entity>,
) -> Result<Prepared, PayoutsError> {
    let extra = crate::payout_fields::service::fields(&state.db, true).await?;

    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    let export = payout_export::ActiveModel {
        admin_user_id: Set(admin_id),
        format: Set(format.as_str().to_owned()),
        scope: Set(scope.as_str().to_owned()),
        row_count: Set(0),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    // Claim the rows no export carried yet. For "only new" this is the
    // file's content: two admins exporting new requests at once get
    // disjoint files, because each row is claimed once.
    let claimed = withdrawal_request::Entity::update_many()
        .col_expr(
            withdrawal_request::Column::FirstExportId,
            Expr::value(export.id),
        )
        .filter(withdrawal_request::Column::FirstExportId.is_null())
        .filter(
            withdrawal_request::Column::Id.in_subquery(
                chosen
                    .clone()
                    .select_only()
                    .column(withdrawal_request::Column::Id)
                    .into_query(),
            ),
        )
        .exec(&txn)
        .await?
        .rows_affected;
    let rows = match scope {
        ExportScope::New => withdrawal_request::Entity::find()
            .filter(withdrawal_request::Column::FirstExportId.eq(export.id)),
        ExportScope::Selected | ExportScope::Matching => chosen,
    };
    let count = match scope {
        ExportScope::New => claimed,
        _ => rows.clone().count(&txn).await?,
    };
    if count == 0 {
        // Dropping the transaction rolls the export row back.
        return Err(PayoutsError::invalid(match scope {
            ExportScope::New => "No new requests to export since the last export",
            _ => "No requests to export",
        }));
    }
    let mut recorded: payout_export::ActiveModel = export.into();
    recorded.row_count = Set(i64::try_from(count).map_err(PayoutsError::unexpected)?);
    let export = recorded.update(&txn).await?;
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::PayoutsExported)
            .actor(admin_id)
            .subject(format!("export:{}", export.id))
            .ip(ip)
            .detail(format!(
                "{} of {} requests ({})",
                format.as_str(),
                count,
                scope.as_str()
            )),
    )
    .await?;
    txn.commit().await?;

    Ok(Prepared {
        export_id: export.id,
        format,
        rows,
        count,
        extra,
    })
}
