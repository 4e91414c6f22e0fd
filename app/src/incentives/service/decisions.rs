//! Approving and rejecting incentives in bulk, each at most once.

use std::collections::HashSet;

use sea_orm::{sea_query::Expr, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::error::IncentiveError;
use super::shared::{check_ids, check_text, id_list, skip_reasons, CHUNK};
use crate::entities::incentive;
use crate::incentives::{IncentiveAction, IncentiveStatus};
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    db, Clock,
};
use crate::ui::BulkOutcome;

/// Approves or rejects incentives (a note is required to reject). Each one
/// moves at most once; the rest are reported with the reason.
pub async fn decide(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    ids: &[i64],
    action: IncentiveAction,
    note: &str,
    ip: Option<String>,
) -> Result<BulkOutcome, IncentiveError> {
    let ids = check_ids(ids)?;
    let note = check_text(note, "Note", 500, false)?;
    let (to, audit_action) = match action {
        IncentiveAction::Approve => (IncentiveStatus::Approved, AuditAction::IncentivesApproved),
        IncentiveAction::Reject => {
            if note.is_empty() {
                return Err(IncentiveError::invalid(
                    "Note: say why they are rejected; the member sees it",
                ));
            }
            (IncentiveStatus::Rejected, AuditAction::IncentivesRejected)
        }
        IncentiveAction::Pay => {
            return Err(IncentiveError::invalid(
                "Use Make Payment to pay incentives",
            ))
        }
    };
    let from: Vec<&str> = IncentiveStatus::sources(action)
        .into_iter()
        .map(IncentiveStatus::as_str)
        .collect();
    let now = clock.now();
    let txn = db::begin_write(db).await?;
    let mut done = HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        let mut update = incentive::Entity::update_many()
            .col_expr(incentive::Column::Status, Expr::value(to.as_str()))
            .col_expr(incentive::Column::DecidedBy, Expr::value(admin_user_id))
            .col_expr(incentive::Column::DecidedAt, Expr::value(now));
        if !note.is_empty() {
            update = update.col_expr(incentive::Column::Note, Expr::value(note.clone()));
        }
        for m in update
            .filter(incentive::Column::Id.is_in(chunk.iter().copied()))
            .filter(incentive::Column::Status.is_in(from.clone()))
            .exec_with_returning(&txn)
            .await?
        {
            done.insert(m.id);
        }
    }
    let skipped = skip_reasons(&txn, &ids, &done, action, |_| None).await?;
    let mut succeeded: Vec<i64> = done.into_iter().collect();
    succeeded.sort_unstable();
    if !succeeded.is_empty() {
        audit::record(
            &txn,
            now,
            AuditEntry::new(audit_action)
                .actor(admin_user_id)
                .subject(format!("incentives:{}", id_list(&succeeded)))
                .ip(ip)
                .detail(if note.is_empty() {
                    format!("{} incentives", succeeded.len())
                } else {
                    format!("{} incentives; note: {note}", succeeded.len())
                }),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(BulkOutcome { succeeded, skipped })
}
