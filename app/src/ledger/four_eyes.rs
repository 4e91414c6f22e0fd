//! Four-eyes: a money move above the approval limit of its asset waits for
//! a second admin.
//!
//! The moving operation calls [`gate`] inside its own transaction, before it
//! writes anything. Below the limit the gate is open. Above it, the gate
//! either finds an approval another admin granted for exactly this move
//! (same subject, same binding: amount, payout details, method) and uses it
//! up in the same transaction as the move, or records a pending approval and
//! tells the caller to stop: the caller commits (so the ask is kept) and
//! moves nothing. Any change to what was asked for voids the approval, so an
//! approval can never pay something other than what was approved, and
//! "used" is a guarded update, so it can never pay twice.
//!
//! Deciding (who may approve, the queue) is the `approvals` feature's; the
//! gate only keeps and spends approvals, so every money feature can call it
//! without importing the features that carry a held move out.

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter,
};

use super::held::Held;
use super::money::format_amount;
use crate::entities::{admin_move, asset, second_approval};
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    db,
    settings_store::get_setting,
};

/// An approval's statuses.
pub mod status {
    /// Asked for; waits for a second admin.
    pub const PENDING: &str = "pending";
    /// Granted; the move it clears has not happened yet.
    pub const APPROVED: &str = "approved";
    /// Granted and used by the move.
    pub const DONE: &str = "done";
    pub const DECLINED: &str = "declined";
    /// What was asked for changed (or the move could not be made): it
    /// clears nothing.
    pub const VOID: &str = "void";
}

/// The moves that can be held.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeldKind {
    /// A processing withdrawal request marked paid.
    MarkPaid,
    /// An approved PayPal request sent via the Payouts API.
    SendViaPaypal,
    /// An approved request put in a payment file.
    PaymentFile,
    /// Make Payment: approved incentives paid from a funding wallet.
    MakePayment,
    /// Money recorded as arriving in a funding wallet.
    Deposit,
    /// A member's wallet credited or debited by hand.
    Adjustment,
}

impl HeldKind {
    pub const ALL: [HeldKind; 6] = [
        HeldKind::MarkPaid,
        HeldKind::SendViaPaypal,
        HeldKind::PaymentFile,
        HeldKind::MakePayment,
        HeldKind::Deposit,
        HeldKind::Adjustment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HeldKind::MarkPaid => "withdrawal.mark_paid",
            HeldKind::SendViaPaypal => "withdrawal.send_paypal",
            HeldKind::PaymentFile => "withdrawal.payment_file",
            HeldKind::MakePayment => "incentives.make_payment",
            HeldKind::Deposit => "funding.deposit",
            HeldKind::Adjustment => "members.adjustment",
        }
    }

    pub fn parse(value: &str) -> Option<HeldKind> {
        HeldKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == value)
    }

    /// How the queue names it.
    pub fn label(self) -> &'static str {
        match self {
            HeldKind::MarkPaid => "Mark paid",
            HeldKind::SendViaPaypal => "Send via PayPal",
            HeldKind::PaymentFile => "Payment file",
            HeldKind::MakePayment => "Make Payment",
            HeldKind::Deposit => "Deposit",
            HeldKind::Adjustment => "Balance adjustment",
        }
    }
}

/// The settings key of an asset's approval limit (minor units).
pub fn limit_key(asset_code: &str) -> String {
    format!("approval_limit:{asset_code}")
}

/// The approval limit of an asset: moves above it need a second admin.
/// None: no limit, one admin suffices for any amount.
pub async fn limit(conn: &impl ConnectionTrait, asset_code: &str) -> Result<Option<i64>, DbErr> {
    Ok(get_setting(conn, &limit_key(asset_code))
        .await?
        .and_then(|text| text.parse::<i64>().ok()))
}

/// The settings key of one admin's own value limit in an asset (Trolley's
/// "value limit"): on top of the desk's, never above it.
pub fn value_limit_key(asset_code: &str, user_id: i64) -> String {
    format!("approval_limit:{asset_code}:admin:{user_id}")
}

/// The asset code of one of `user_id`'s value-limit keys, or None for any
/// other key (the inverse of [`value_limit_key`]).
pub fn value_limit_asset(key: &str, user_id: i64) -> Option<&str> {
    key.strip_prefix("approval_limit:")?
        .strip_suffix(&format!(":admin:{user_id}"))
}

/// The limit that applies to `initiator`: the lower of the desk's and
/// their own, with whose it is.
async fn limit_for(
    conn: &impl ConnectionTrait,
    asset_code: &str,
    initiator: i64,
) -> Result<Option<(i64, Whose)>, DbErr> {
    let desk = limit(conn, asset_code).await?;
    let own = get_setting(conn, &value_limit_key(asset_code, initiator))
        .await?
        .and_then(|text| text.parse::<i64>().ok());
    Ok(match (desk, own) {
        (Some(desk), Some(own)) if own < desk => Some((own, Whose::Admin)),
        (Some(desk), _) => Some((desk, Whose::Desk)),
        (None, Some(own)) => Some((own, Whose::Admin)),
        (None, None) => None,
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Whose {
    Desk,
    Admin,
}

/// A move that may need a second approval, as its operation describes it.
pub struct Hold<'a> {
    pub kind: HeldKind,
    /// What it acts on; one open approval per subject.
    pub subject: String,
    pub asset: &'a asset::Model,
    pub amount_minor: i64,
    /// [`binding`] of exactly what is asked for.
    pub binding: String,
    /// What to do when approved, as JSON the carrying feature reads back.
    pub payload: String,
    /// One line for the queue: what, for whom, how much.
    pub summary: String,
    /// Why (the initiator's note).
    pub note: Option<String>,
    pub initiator: i64,
    /// Another admin who may not approve it (made the request for the member).
    pub barred: Option<i64>,
}

/// The fingerprint an approval is bound to.
pub fn binding(parts: &[&str]) -> String {
    super::idempotency::fingerprint(parts)
}

/// What the gate decided.
#[derive(Debug)]
pub enum Gate {
    /// Go ahead; `Some` when a second approval was used up for it.
    Open(Option<Cleared>),
    /// Stop: commit the transaction (the ask is kept) and move nothing.
    Held(Held),
}

/// The approval a move used.
#[derive(Clone, Copy, Debug)]
pub struct Cleared {
    pub approval_id: i64,
    pub approved_by: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum FourEyesError {
    /// The approval no longer matches what it was granted for.
    #[error("{0}")]
    Void(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Decides whether the move may go ahead, inside the move's transaction
/// and before it writes. `via` names the approval being carried out (the
/// approver's click): then only that approval can open the gate. A move
/// let through is written to `admin_moves` as the initiator's (the
/// step-up running total), in the same transaction: rolled back with it.
pub async fn gate(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    hold: Hold<'_>,
    via: Option<i64>,
) -> Result<Gate, FourEyesError> {
    let moved = admin_move::ActiveModel {
        user_id: Set(hold.initiator),
        action: Set(hold.kind.as_str().to_owned()),
        asset_code: Set(hold.asset.code.clone()),
        amount_minor: Set(hold.amount_minor),
        moved_at: Set(now),
        ..Default::default()
    };
    let decided = decide(txn, now, hold, via).await?;
    if matches!(decided, Gate::Open(_)) {
        admin_move::Entity::insert(moved)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(decided)
}

async fn decide(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    hold: Hold<'_>,
    via: Option<i64>,
) -> Result<Gate, FourEyesError> {
    if let Some(id) = via {
        let approval = second_approval::Entity::find_by_id(id)
            .one(txn)
            .await?
            .ok_or_else(|| FourEyesError::Conflict("That approval no longer exists".into()))?;
        if approval.subject != hold.subject
            || approval.action != hold.kind.as_str()
            || approval.binding != hold.binding
        {
            return Err(FourEyesError::Void(changed_since(&approval)));
        }
        return consume(txn, now, &approval).await.map(Some).map(Gate::Open);
    }
    let scale = u32::try_from(hold.asset.scale).unwrap_or(0);
    let Some((limit, whose)) = limit_for(txn, &hold.asset.code, hold.initiator).await? else {
        return Ok(Gate::Open(None));
    };
    if hold.amount_minor <= limit {
        return Ok(Gate::Open(None));
    }
    let open = second_approval::Entity::find()
        .filter(second_approval::Column::Subject.eq(hold.subject.as_str()))
        .filter(second_approval::Column::Status.is_in([status::PENDING, status::APPROVED]))
        .one(txn)
        .await?;
    if let Some(approval) = open {
        let same = approval.binding == hold.binding && approval.action == hold.kind.as_str();
        match (same, approval.status.as_str()) {
            (true, status::APPROVED) => {
                return consume(txn, now, &approval).await.map(Some).map(Gate::Open);
            }
            (true, _) => {
                return Ok(Gate::Held(held_notice(
                    approval.id,
                    (limit, whose),
                    hold.asset,
                    scale,
                )));
            }
            (false, _) => {
                void(txn, now, approval.id, &changed_since(&approval)).await?;
            }
        }
    }
    let inserted = second_approval::Entity::insert(second_approval::ActiveModel {
        action: Set(hold.kind.as_str().to_owned()),
        subject: Set(hold.subject.clone()),
        summary: Set(hold.summary.clone()),
        asset_id: Set(hold.asset.id),
        amount_minor: Set(hold.amount_minor),
        binding: Set(hold.binding.clone()),
        payload: Set(hold.payload.clone()),
        status: Set(status::PENDING.to_owned()),
        requested_by: Set(hold.initiator),
        request_note: Set(hold.note.clone()),
        barred_user_id: Set(hold.barred),
        requested_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(txn)
    .await
    .map_err(|err| {
        if db::is_unique_violation(&err) {
            FourEyesError::Conflict(
                "Someone asked for a second approval of this at the same moment. Reload".into(),
            )
        } else {
            err.into()
        }
    })?;
    let id = inserted.last_insert_id;
    audit::record(
        txn,
        now,
        AuditEntry::new(AuditAction::SecondApprovalAsked)
            .actor(hold.initiator)
            .subject(format!("approval:{id}"))
            .detail(hold.summary),
    )
    .await?;
    Ok(Gate::Held(held_notice(
        id,
        (limit, whose),
        hold.asset,
        scale,
    )))
}

fn held_notice(
    approval_id: i64,
    (limit, whose): (i64, Whose),
    asset: &asset::Model,
    scale: u32,
) -> Held {
    let which = match whose {
        Whose::Desk => "the approval limit",
        Whose::Admin => "your own value limit",
    };
    Held {
        approval_id,
        message: format!(
            "Above {which} of {}: it waits for a second approval by another admin \
             (Approvals). Nothing has moved yet",
            format_amount(limit, &asset.code, scale)
        ),
    }
}

fn changed_since(approval: &second_approval::Model) -> String {
    format!(
        "What approval #{} was asked for has changed since (amount, payout details or method), \
         so it is void. Ask again",
        approval.id
    )
}

/// Uses a granted approval up: a guarded update, so only one move can.
async fn consume(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    approval: &second_approval::Model,
) -> Result<Cleared, FourEyesError> {
    let used = second_approval::Entity::update_many()
        .col_expr(second_approval::Column::Status, Expr::value(status::DONE))
        .col_expr(second_approval::Column::UpdatedAt, Expr::value(now))
        .filter(second_approval::Column::Id.eq(approval.id))
        .filter(second_approval::Column::Status.eq(status::APPROVED))
        .exec(txn)
        .await?;
    if used.rows_affected == 0 {
        return Err(FourEyesError::Conflict(format!(
            "Approval #{} was used or changed by someone else just now. Reload",
            approval.id
        )));
    }
    Ok(Cleared {
        approval_id: approval.id,
        approved_by: approval.decided_by.unwrap_or_default(),
    })
}

/// Voids an open approval, with why. Guarded: a decided one stays decided.
pub async fn void(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    approval_id: i64,
    why: &str,
) -> Result<bool, DbErr> {
    let voided = second_approval::Entity::update_many()
        .col_expr(second_approval::Column::Status, Expr::value(status::VOID))
        .col_expr(
            second_approval::Column::Outcome,
            Expr::value(why.to_owned()),
        )
        .col_expr(second_approval::Column::UpdatedAt, Expr::value(now))
        .filter(second_approval::Column::Id.eq(approval_id))
        .filter(second_approval::Column::Status.is_in([status::PENDING, status::APPROVED]))
        .exec(conn)
        .await?;
    Ok(voided.rows_affected > 0)
}

/// The open approval of a subject, if any (the process view shows it).
pub async fn open_for(
    conn: &impl ConnectionTrait,
    subject: &str,
) -> Result<Option<second_approval::Model>, DbErr> {
    second_approval::Entity::find()
        .filter(second_approval::Column::Subject.eq(subject))
        .filter(second_approval::Column::Status.is_in([status::PENDING, status::APPROVED]))
        .one(conn)
        .await
}
