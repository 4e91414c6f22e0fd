//! PayPal reports that arrive after their request was settled and
//! contradict it: SUCCESS after Paydesk credited the money back (the
//! member may be paid twice), or FAILED after it marked the request paid
//! (the member may be paid nothing). Such a report moves no money by
//! itself: Paydesk cannot tell which answer of PayPal's is the true one.
//! It raises an alert (the payouts page, the dashboard, the process view
//! and `paydesk verify` all show it) that an admin resolves, once, with an
//! audited correcting action in one transaction: take the money back,
//! credit the member back, or keep things as they are with a note.

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::{Expr, OnConflict},
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::HashMap;

use super::error::PayPalServiceError;
use super::report::{classify, is_reversal, Outcome};
use super::{AlertKind, AlertResolution, AlertView};
use crate::auth::service::users_by_id;
use crate::entities::{paypal_alert, paypal_item, wallet, withdrawal_request};
use crate::ledger::money::format_amount;
use crate::ledger::service::{self as ledger, EntryKind, LedgerError, Leg, NewEntry, SystemRole};
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    db, Clock,
};
use crate::withdrawals::{
    service::{apply_transition, EventDetails, WithdrawalError},
    status::{WithdrawalAction, WithdrawalStatus},
};

/// How a report about a settled item contradicts the way it settled, if it
/// does. A reversal of a success is not a contradiction (the request is
/// returned, the money comes back), nor is a late PENDING.
pub fn contradiction(settled_status: &str, reported: &str) -> Option<AlertKind> {
    let settled_paid = settled_status == "SUCCESS";
    match classify(reported, None, chrono::Duration::zero()) {
        Outcome::Paid if !settled_paid => Some(AlertKind::PaidAfterCreditBack),
        Outcome::Failed(_) if settled_paid && !is_reversal(reported) => {
            Some(AlertKind::FailedAfterPaid)
        }
        _ => None,
    }
}

fn kind_of(alert: &paypal_alert::Model) -> AlertKind {
    if alert.settled_status == "SUCCESS" {
        AlertKind::FailedAfterPaid
    } else {
        AlertKind::PaidAfterCreditBack
    }
}

/// Raises an alert for a report about a settled item when it contradicts
/// how the item settled, in the caller's transaction. The same report
/// again (every poll, a repeated webhook) raises nothing more. Answers
/// whether a new alert was raised.
pub async fn raise(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    item: &paypal_item::Model,
    reported: &str,
    detail: Option<String>,
) -> Result<bool, PayPalServiceError> {
    let settled = item.transaction_status.clone().unwrap_or_default();
    if contradiction(&settled, reported).is_none() {
        return Ok(false);
    }
    let inserted = paypal_alert::Entity::insert(paypal_alert::ActiveModel {
        request_id: Set(item.request_id),
        item_id: Set(item.id),
        settled_status: Set(settled.clone()),
        reported_status: Set(reported.to_owned()),
        detail: Set(detail),
        raised_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            paypal_alert::Column::ItemId,
            paypal_alert::Column::ReportedStatus,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(conn)
    .await;
    match inserted {
        Ok(rows) if rows > 0 => {
            tracing::warn!(
                request = item.request_id,
                settled,
                reported,
                "PayPal contradicts a settled payout: alert raised"
            );
            Ok(true)
        }
        Ok(_) | Err(DbErr::RecordNotInserted) => Ok(false),
        Err(err) => Err(PayPalServiceError::unexpected(err)),
    }
}

/// PayPal returned a payment it had reported paid: an open "failed after
/// paid" alert of the item is answered (the money is back with the
/// member), in the caller's transaction.
pub async fn supersede_on_return(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    item_id: i64,
    returned_status: &str,
) -> Result<(), PayPalServiceError> {
    paypal_alert::Entity::update_many()
        .col_expr(paypal_alert::Column::ResolvedAt, Expr::value(now))
        .col_expr(
            paypal_alert::Column::Resolution,
            Expr::value(AlertResolution::Superseded.as_str()),
        )
        .col_expr(
            paypal_alert::Column::Note,
            Expr::value(format!(
                "PayPal reported {returned_status} since: the member was credited back"
            )),
        )
        .filter(paypal_alert::Column::ItemId.eq(item_id))
        .filter(paypal_alert::Column::SettledStatus.eq("SUCCESS"))
        .filter(paypal_alert::Column::ResolvedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

async fn views(
    conn: &impl ConnectionTrait,
    models: Vec<paypal_alert::Model>,
) -> Result<Vec<AlertView>, PayPalServiceError> {
    let names = users_by_id(conn, models.iter().filter_map(|m| m.resolved_by)).await?;
    Ok(models.into_iter().map(|m| view(m, &names)).collect())
}

fn view(m: paypal_alert::Model, names: &HashMap<i64, crate::entities::user::Model>) -> AlertView {
    AlertView {
        id: m.id,
        request_id: m.request_id,
        kind: kind_of(&m),
        settled_status: m.settled_status,
        reported_status: m.reported_status,
        detail: m.detail,
        raised_at: m.raised_at.to_rfc3339(),
        resolved_at: m.resolved_at.map(|t| t.to_rfc3339()),
        resolved_by: m.resolved_by.map(|id| {
            names
                .get(&id)
                .map_or(format!("#{id}"), |u| u.display_name.clone())
        }),
        resolution: m.resolution.as_deref().and_then(AlertResolution::parse),
        note: m.note,
    }
}

/// A request's alerts, open ones first.
pub async fn for_request(
    conn: &impl ConnectionTrait,
    request_id: i64,
) -> Result<Vec<AlertView>, PayPalServiceError> {
    let mut models = paypal_alert::Entity::find()
        .filter(paypal_alert::Column::RequestId.eq(request_id))
        .order_by_asc(paypal_alert::Column::Id)
        .all(conn)
        .await?;
    models.sort_by_key(|m| m.resolved_at.is_some());
    views(conn, models).await
}

/// The alerts nobody resolved yet, oldest first (at most 200: each needs
/// a person anyway).
pub async fn open(conn: &impl ConnectionTrait) -> Result<Vec<AlertView>, PayPalServiceError> {
    let models = paypal_alert::Entity::find()
        .filter(paypal_alert::Column::ResolvedAt.is_null())
        .order_by_asc(paypal_alert::Column::Id)
        .limit(200)
        .all(conn)
        .await?;
    views(conn, models).await
}

/// Resolves an alert once: the correcting action, the alert's resolution
/// and the audit row commit together, or nothing does.
pub async fn resolve(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    alert_id: i64,
    resolution: AlertResolution,
    note: &str,
    ip: Option<String>,
) -> Result<AlertView, PayPalServiceError> {
    let note = note.trim();
    if note.is_empty() {
        return Err(PayPalServiceError::invalid(
            "Note: say what you checked with PayPal; it goes in the audit log",
        ));
    }
    if note.chars().count() > 1_000 {
        return Err(PayPalServiceError::invalid(
            "Note: at most 1,000 characters",
        ));
    }
    let now = clock.now();
    let txn = db::begin_write(db).await?;
    let alert = paypal_alert::Entity::find_by_id(alert_id)
        .one(&txn)
        .await?
        .ok_or_else(|| PayPalServiceError::NotFound("No such PayPal alert".into()))?;
    let kind = kind_of(&alert);
    if !AlertResolution::for_kind(kind).contains(&resolution) {
        return Err(PayPalServiceError::invalid(format!(
            "\"{}\" does not fit this alert: PayPal reported {} after the payout was settled as {}",
            resolution.label(),
            alert.reported_status,
            alert.settled_status
        )));
    }
    // The guard: of two admins resolving at once, one does.
    let claimed = paypal_alert::Entity::update_many()
        .col_expr(paypal_alert::Column::ResolvedAt, Expr::value(now))
        .col_expr(paypal_alert::Column::ResolvedBy, Expr::value(admin_user_id))
        .col_expr(
            paypal_alert::Column::Resolution,
            Expr::value(resolution.as_str()),
        )
        .col_expr(paypal_alert::Column::Note, Expr::value(note.to_owned()))
        .filter(paypal_alert::Column::Id.eq(alert.id))
        .filter(paypal_alert::Column::ResolvedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        return Err(PayPalServiceError::conflict(
            "This alert was resolved already (by someone else meanwhile?). Reload the page",
        ));
    }
    let request = withdrawal_request::Entity::find_by_id(alert.request_id)
        .one(&txn)
        .await?
        .ok_or_else(|| {
            PayPalServiceError::unexpected(anyhow::anyhow!("request {} missing", alert.request_id))
        })?;
    let status = WithdrawalStatus::parse(&request.status);
    let detail = match resolution {
        AlertResolution::Recover => {
            if !matches!(
                status,
                Some(WithdrawalStatus::Failed | WithdrawalStatus::Returned)
            ) {
                return Err(PayPalServiceError::conflict(format!(
                    "Request #{} is {} now, not credited back: nothing to take back",
                    request.id, request.status
                )));
            }
            let taken = recover(&txn, now, &request, admin_user_id).await?;
            format!("took {taken} back from the member's wallet")
        }
        AlertResolution::CreditBack => {
            if status != Some(WithdrawalStatus::Paid) {
                return Err(PayPalServiceError::conflict(format!(
                    "Request #{} is {} now, not paid: nothing to credit back",
                    request.id, request.status
                )));
            }
            let details = EventDetails {
                note: Some(format!(
                    "PayPal reported {} after the payment: {note}",
                    alert.reported_status
                )),
                ..EventDetails::default()
            };
            apply_transition(
                &txn,
                now,
                &request,
                WithdrawalAction::MarkReturned,
                Some(admin_user_id),
                false,
                &details,
            )
            .await
            .map_err(|err| match err {
                WithdrawalError::Stale => PayPalServiceError::conflict(
                    "The request changed meanwhile; nothing was credited. Reload the page",
                ),
                other => other.into(),
            })?;
            // The item now agrees with PayPal's last word.
            paypal_item::Entity::update_many()
                .col_expr(
                    paypal_item::Column::TransactionStatus,
                    Expr::value(alert.reported_status.clone()),
                )
                .col_expr(paypal_item::Column::UpdatedAt, Expr::value(now))
                .filter(paypal_item::Column::Id.eq(alert.item_id))
                .exec(&txn)
                .await?;
            "credited the member back; the request is returned".to_owned()
        }
        // Superseded never passes the check above: only Paydesk sets it.
        AlertResolution::Dismiss | AlertResolution::Superseded => {
            "kept the request as it was".to_owned()
        }
    };
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::PayPalAlertResolved)
            .actor(admin_user_id)
            .subject(format!("withdrawal:{}", request.id))
            .ip(ip)
            .detail(format!(
                "PayPal reported {} after {}: {detail} ({note})",
                alert.reported_status, alert.settled_status
            )),
    )
    .await?;
    let resolved = paypal_alert::Entity::find_by_id(alert.id)
        .one(&txn)
        .await?
        .ok_or_else(|| {
            PayPalServiceError::unexpected(anyhow::anyhow!("alert {} vanished", alert.id))
        })?;
    txn.commit().await?;
    Ok(views(db, vec![resolved]).await?.remove(0))
}

/// PayPal paid after all: the member's wallet gives back what the
/// credit-back returned, to where a settled payout's money goes (the
/// outside world, and the fee). Refused, with what is missing, when the
/// wallet no longer holds it. Answers the amount, formatted.
async fn recover(
    txn: &sea_orm::DatabaseTransaction,
    now: DateTime<Utc>,
    request: &withdrawal_request::Model,
    admin_user_id: i64,
) -> Result<String, PayPalServiceError> {
    let member_wallet = wallet::Entity::find_by_id(request.wallet_id)
        .one(txn)
        .await?
        .ok_or_else(|| {
            PayPalServiceError::unexpected(anyhow::anyhow!("wallet {} missing", request.wallet_id))
        })?;
    let asset_id = member_wallet.asset_id;
    let assets = ledger::assets_by_id(txn).await?;
    let asset = assets.get(&asset_id).ok_or_else(|| {
        PayPalServiceError::unexpected(anyhow::anyhow!("asset {asset_id} missing"))
    })?;
    let scale = u32::try_from(asset.scale).unwrap_or(0);
    let amount = format_amount(request.amount, &asset.code, scale);
    let outside = ledger::system_wallet(txn, now, SystemRole::OutsideWorld, asset_id).await?;
    let fees = ledger::system_wallet(txn, now, SystemRole::Fees, asset_id).await?;
    // The same split as a settlement: the fee stays in the wallet's asset
    // only when that asset is the payout currency.
    let fee = if asset_id == request.currency_asset_id {
        request.fee_minor
    } else {
        0
    };
    let legs: Vec<Leg> = [
        Leg {
            from: &member_wallet,
            to: &outside,
            amount: request.amount - fee,
        },
        Leg {
            from: &member_wallet,
            to: &fees,
            amount: fee,
        },
    ]
    .into_iter()
    .filter(|leg| leg.amount > 0)
    .collect();
    ledger::post_entry(
        txn,
        now,
        NewEntry {
            kind: EntryKind::PayPalRecovery,
            reference: Some(format!("withdrawal:{}", request.id)),
            memo: Some("PayPal paid after the money was credited back".to_owned()),
            actor_user_id: Some(admin_user_id),
            legs,
        },
    )
    .await
    .map_err(|err| match err {
        LedgerError::InsufficientFunds { .. } => PayPalServiceError::invalid(format!(
            "The member's wallet holds {}; taking the payout back needs {amount}. Nothing was taken: \
             adjust the balance by hand if the member agrees, or keep the request as it is with a note",
            format_amount(member_wallet.balance, &asset.code, scale)
        )),
        other => PayPalServiceError::unexpected(other),
    })?;
    Ok(amount)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_contradiction_raises_an_alert() {
        use AlertKind::*;
        let cases = [
            ("FAILED", "SUCCESS", Some(PaidAfterCreditBack)),
            ("RETURNED", "SUCCESS", Some(PaidAfterCreditBack)),
            ("BLOCKED", "SUCCESS", Some(PaidAfterCreditBack)),
            ("SUCCESS", "FAILED", Some(FailedAfterPaid)),
            ("SUCCESS", "DENIED", Some(FailedAfterPaid)),
            // A reversal of a success returns the request: not a contradiction.
            ("SUCCESS", "RETURNED", None),
            ("SUCCESS", "REVERSED", None),
            ("SUCCESS", "SUCCESS", None),
            ("FAILED", "RETURNED", None),
            ("FAILED", "PENDING", None),
            ("SUCCESS", "UNCLAIMED", None),
        ];
        for (settled, reported, expected) in cases {
            assert_eq!(
                contradiction(settled, reported),
                expected,
                "{settled} -> {reported}"
            );
        }
    }
}
