//! The queue and the decisions. A decision is a guarded update of a pending
//! approval: of two admins approving at once, one approves and the other is
//! told who was first. Approving then carries the move out (`execute`) as
//! the initiator's action, in the move's own transaction, using the
//! approval; if the move cannot be made any more (the request changed, the
//! wallet is short) the approval is void and the initiator can ask again.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use super::error::ApprovalError;
use super::execute;
use super::{ApprovalQueue, ApprovalView, Decided};
use crate::entities::{second_approval, user};
use crate::ledger::four_eyes::{self, status, HeldKind};
use crate::ledger::money::Money;
use crate::ledger::service as ledger;
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    db, AppState, Clock,
};

/// How many decided approvals the page lists under the queue.
const RECENT: u64 = 20;
/// Most waiting approvals one page lists (oldest first).
const WAITING: u64 = 200;

fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

/// How many approvals wait for a second admin: the sidebar badge.
pub async fn waiting_count(db: &DatabaseConnection) -> Result<u64, ApprovalError> {
    Ok(second_approval::Entity::find()
        .filter(second_approval::Column::Status.eq(status::PENDING))
        .count(db)
        .await?)
}

/// Why `viewer` may not decide this approval, or None.
fn cannot_decide(approval: &second_approval::Model, viewer: i64) -> Option<String> {
    if approval.status != status::PENDING {
        return Some("It is decided already".into());
    }
    if approval.requested_by == viewer {
        return Some("You asked for it: another admin must approve it".into());
    }
    if approval.barred_user_id == Some(viewer) {
        return Some(
            "You made this request on the member's behalf: another admin must approve it".into(),
        );
    }
    None
}

async fn views(
    conn: &impl ConnectionTrait,
    rows: Vec<second_approval::Model>,
    viewer: i64,
) -> Result<Vec<ApprovalView>, ApprovalError> {
    let assets = ledger::assets_by_id(conn).await?;
    let mut people: Vec<i64> = rows.iter().map(|row| row.requested_by).collect();
    people.extend(rows.iter().filter_map(|row| row.decided_by));
    people.sort_unstable();
    people.dedup();
    let names: HashMap<i64, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(people))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| {
            let name = if u.display_name.trim().is_empty() {
                u.email
            } else {
                u.display_name
            };
            (u.id, name)
        })
        .collect();
    let name = |id: i64| {
        names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("user #{id}"))
    };
    Ok(rows
        .into_iter()
        .map(|row| {
            let asset = assets.get(&row.asset_id);
            let link = row
                .subject
                .strip_prefix("withdrawal:")
                .map(|id| format!("/admin/payouts/{id}"));
            ApprovalView {
                id: row.id,
                kind: HeldKind::parse(&row.action)
                    .map_or_else(|| row.action.clone(), |k| k.label().to_owned()),
                summary: row.summary.clone(),
                amount: Money {
                    code: asset.map(|a| a.code.clone()).unwrap_or_default(),
                    scale: asset.map_or(0, |a| u32::try_from(a.scale).unwrap_or(0)),
                    minor: row.amount_minor,
                },
                requested_by: name(row.requested_by),
                requested_at: time(row.requested_at),
                note: row.request_note.clone(),
                cannot_decide: cannot_decide(&row, viewer),
                own: row.requested_by == viewer,
                decided_by: row.decided_by.map(name),
                decided_at: row.decided_at.map(time),
                decision_note: row.decision_note.clone(),
                outcome: row.outcome.clone(),
                status: row.status,
                link,
            }
        })
        .collect())
}

/// The queue, oldest first, and the latest decisions.
pub async fn page(db: &DatabaseConnection, viewer: i64) -> Result<ApprovalQueue, ApprovalError> {
    let waiting = second_approval::Entity::find()
        .filter(second_approval::Column::Status.eq(status::PENDING))
        .order_by_asc(second_approval::Column::RequestedAt)
        .order_by_asc(second_approval::Column::Id)
        .limit(WAITING)
        .all(db)
        .await?;
    let recent = second_approval::Entity::find()
        .filter(second_approval::Column::Status.ne(status::PENDING))
        .order_by_desc(second_approval::Column::UpdatedAt)
        .order_by_desc(second_approval::Column::Id)
        .limit(RECENT)
        .all(db)
        .await?;
    Ok(ApprovalQueue {
        waiting: views(db, waiting, viewer).await?,
        recent: views(db, recent, viewer).await?,
    })
}

/// One approval as `viewer` sees it.
pub async fn find(
    db: &DatabaseConnection,
    viewer: i64,
    id: i64,
) -> Result<ApprovalView, ApprovalError> {
    let row = second_approval::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApprovalError::not_found("That approval does not exist"))?;
    views(db, vec![row], viewer)
        .await?
        .pop()
        .ok_or_else(|| ApprovalError::not_found("That approval does not exist"))
}

fn checked_note(note: &str, required: bool) -> Result<Option<String>, ApprovalError> {
    let note = note.trim();
    if note.chars().count() > 1_000 {
        return Err(ApprovalError::invalid(
            "The note must be at most 1000 characters",
        ));
    }
    if note.is_empty() {
        return if required {
            Err(ApprovalError::invalid(
                "Declining needs a note: say why, so the admin who asked knows what to fix",
            ))
        } else {
            Ok(None)
        };
    }
    Ok(Some(note.to_owned()))
}

/// The decision itself: pending -> approved or declined, guarded, with its
/// audit row, in one transaction. Refuses the initiator and the barred
/// admin whatever their role, and a decision made by someone else first.
async fn decide(
    db: &DatabaseConnection,
    clock: &Clock,
    decider: i64,
    id: i64,
    to: &'static str,
    note: Option<String>,
    ip: Option<String>,
) -> Result<second_approval::Model, ApprovalError> {
    let now = clock.now();
    let txn = db::begin_write(db).await?;
    let approval = second_approval::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApprovalError::not_found("That approval does not exist"))?;
    // The initiator may withdraw their own ask (decline it), never approve it.
    let withdrawing = to == status::DECLINED && approval.requested_by == decider;
    if approval.status == status::PENDING && !withdrawing {
        if let Some(why) = cannot_decide(&approval, decider) {
            return Err(ApprovalError::forbidden(why));
        }
    }
    let decided = second_approval::Entity::update_many()
        .col_expr(second_approval::Column::Status, Expr::value(to))
        .col_expr(second_approval::Column::DecidedBy, Expr::value(decider))
        .col_expr(second_approval::Column::DecidedAt, Expr::value(now))
        .col_expr(
            second_approval::Column::DecisionNote,
            Expr::value(note.clone()),
        )
        .col_expr(second_approval::Column::UpdatedAt, Expr::value(now))
        .filter(second_approval::Column::Id.eq(id))
        .filter(second_approval::Column::Status.eq(status::PENDING))
        .exec(&txn)
        .await?;
    if decided.rows_affected == 0 {
        drop(txn);
        return Err(already_decided(db, id).await);
    }
    let initiator = user::Entity::find_by_id(approval.requested_by)
        .one(&txn)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default();
    audit::record(
        &txn,
        now,
        AuditEntry::new(if to == status::APPROVED {
            AuditAction::SecondApprovalGranted
        } else {
            AuditAction::SecondApprovalDeclined
        })
        .actor(decider)
        .subject(format!("approval:{id}"))
        .ip(ip)
        .detail(format!(
            "{} (asked by {initiator}){}",
            approval.summary,
            note.map(|n| format!(": {n}")).unwrap_or_default()
        )),
    )
    .await?;
    txn.commit().await?;
    second_approval::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApprovalError::not_found("That approval does not exist"))
}

/// What the loser of a race is told: who decided first, and how.
async fn already_decided(db: &DatabaseConnection, id: i64) -> ApprovalError {
    let Ok(Some(row)) = second_approval::Entity::find_by_id(id).one(db).await else {
        return ApprovalError::conflict("That approval was decided meanwhile. Reload");
    };
    let by = match row.decided_by {
        Some(user_id) => user::Entity::find_by_id(user_id)
            .one(db)
            .await
            .ok()
            .flatten()
            .map(|u| u.display_name)
            .unwrap_or_else(|| format!("user #{user_id}")),
        None => "nobody".into(),
    };
    let how = match row.status.as_str() {
        status::APPROVED | status::DONE => format!("approved by {by}"),
        status::DECLINED => format!("declined by {by}"),
        _ => "void".to_owned(),
    };
    ApprovalError::conflict(format!(
        "Approval #{id} was {how} already: nothing more was done"
    ))
}

/// Approves a held move and carries it out as the initiator's action.
pub async fn approve(
    state: &AppState,
    approver: i64,
    id: i64,
    note: &str,
    ip: Option<String>,
) -> Result<Decided, ApprovalError> {
    let note = checked_note(note, false)?;
    let approval = decide(
        &state.db,
        &state.clock,
        approver,
        id,
        status::APPROVED,
        note,
        ip,
    )
    .await?;
    let message = match execute::carry_out(state, &approval).await {
        Ok(done) => done,
        Err(why) => {
            // Nothing moved: the approval clears nothing any more.
            four_eyes::void(&state.db, state.clock.now(), id, &why).await?;
            format!(
                "Approved, but it could not be carried out: {why}. The approval is void; the \
                 admin who asked can ask again"
            )
        }
    };
    record_outcome(&state.db, state.clock.now(), id, &message).await?;
    Ok(Decided {
        approval: find(&state.db, approver, id).await?,
        message,
    })
}

/// Declines a held move, with why; nothing moves.
pub async fn decline(
    db: &DatabaseConnection,
    clock: &Clock,
    decider: i64,
    id: i64,
    note: &str,
    ip: Option<String>,
) -> Result<Decided, ApprovalError> {
    let note = checked_note(note, true)?;
    decide(db, clock, decider, id, status::DECLINED, note, ip).await?;
    let message = "Declined: nothing moved, and the admin who asked sees your note".to_owned();
    record_outcome(db, clock.now(), id, &message).await?;
    Ok(Decided {
        approval: find(db, decider, id).await?,
        message,
    })
}

async fn record_outcome(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    id: i64,
    message: &str,
) -> Result<(), ApprovalError> {
    second_approval::Entity::update_many()
        .col_expr(
            second_approval::Column::Outcome,
            Expr::value(message.to_owned()),
        )
        .col_expr(second_approval::Column::UpdatedAt, Expr::value(now))
        .filter(second_approval::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
