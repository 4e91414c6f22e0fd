//! A request moving through its statuses: the guarded change, its money
//! effect, timeline event, audit row and email, in one transaction.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    sea_query::Expr, ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter,
};

use super::error::WithdrawalError;
use super::second_approval::{gate_request, Paying};
use super::views::{find, view_of};
use crate::auth::Role;
use crate::email::notice::{self, Notice};
use crate::entities::{wallet, withdrawal_event, withdrawal_request};
use crate::ledger::four_eyes::{Gate, HeldKind};
use crate::ledger::{
    idempotency::{self, Begun},
    service::{self as ledger, EntryKind, LedgerError, Leg, NewEntry, SystemRole},
};
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    Clock,
};
use crate::withdrawals::status::{transition, MoneyEffect, WithdrawalAction, WithdrawalStatus};
use crate::withdrawals::WithdrawalView;

/// The scope of a user's idempotency keys.
pub(super) fn scope_of(user_id: i64) -> String {
    format!("user:{user_id}")
}

/// What an admin adds when changing a status (seed 004's receipt, date, note).
#[derive(Clone, Debug, Default)]
pub struct EventDetails {
    pub note: Option<String>,
    pub external_reference: Option<String>,
    /// YYYY-MM-DD
    pub payment_date: Option<String>,
    /// The payment file taking the request (approved -> processing): named
    /// on the request and in its timeline.
    pub payment_file_id: Option<i64>,
    /// The admin whose second approval let the change happen: named on
    /// the timeline beside the actor.
    pub second_approver: Option<i64>,
}

impl EventDetails {
    /// Trimmed, empty fields dropped, lengths and the date checked.
    pub fn validated(self) -> Result<Self, WithdrawalError> {
        let clean =
            |value: Option<String>| value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let details = EventDetails {
            note: clean(self.note),
            external_reference: clean(self.external_reference),
            payment_date: clean(self.payment_date),
            payment_file_id: self.payment_file_id,
            second_approver: self.second_approver,
        };
        if details
            .note
            .as_ref()
            .is_some_and(|n| n.chars().count() > 2_000)
        {
            return Err(WithdrawalError::Invalid(
                "The note must be at most 2000 characters".into(),
            ));
        }
        if details
            .external_reference
            .as_ref()
            .is_some_and(|r| r.chars().count() > 128)
        {
            return Err(WithdrawalError::Invalid(
                "The reference must be at most 128 characters".into(),
            ));
        }
        if let Some(date) = &details.payment_date {
            NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| {
                WithdrawalError::Invalid(format!("\"{date}\" is not a date; use YYYY-MM-DD"))
            })?;
        }
        Ok(details)
    }
}

pub(super) async fn record_event(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    request: &withdrawal_request::Model,
    actor: Option<i64>,
    from: Option<WithdrawalStatus>,
    to: WithdrawalStatus,
    details: &EventDetails,
) -> Result<(), sea_orm::DbErr> {
    withdrawal_event::Entity::insert(withdrawal_event::ActiveModel {
        request_id: Set(request.id),
        actor_user_id: Set(actor),
        occurred_at: Set(now),
        from_status: Set(from.map(|s| s.as_str().to_owned())),
        to_status: Set(to.as_str().to_owned()),
        note: Set(details.note.clone().or_else(|| {
            details
                .payment_file_id
                .map(|file| format!("In payment file #{file}"))
        })),
        external_reference: Set(details.external_reference.clone()),
        payment_date: Set(details.payment_date.clone()),
        second_approver_user_id: Set(details.second_approver),
        ..Default::default()
    })
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// The member hears about their request, except where they would learn
/// nothing: it moving to processing, or a cancellation they made themselves.
pub(super) async fn enqueue_email(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    request: &withdrawal_request::Model,
    status: WithdrawalStatus,
    by_member: bool,
    details: &EventDetails,
) -> Result<(), sea_orm::DbErr> {
    let tells_nothing = status == WithdrawalStatus::Processing
        || (status == WithdrawalStatus::Canceled && by_member);
    if tells_nothing {
        return Ok(());
    }
    let notice = Notice::Withdrawal {
        request_id: request.id,
        status,
        note: details.note.clone(),
        external_reference: details.external_reference.clone(),
        payment_date: details.payment_date.clone(),
    };
    notice::enqueue(txn, now, request.member_user_id, &notice).await
}

/// Who is acting on a request.
#[derive(Clone, Copy, Debug)]
pub struct Actor {
    pub user_id: i64,
    pub role: Role,
}

/// Moves a request through the one transition function, with its money
/// effect, in one transaction. A stale or repeated change is a conflict and
/// moves no money. An admin marking a request paid above the approval limit
/// is held for a second approval instead (the answer's `held` says so).
#[tracing::instrument(skip_all, fields(request = request_id, ?action))]
pub async fn change_status(
    db: &DatabaseConnection,
    clock: &Clock,
    actor: Actor,
    request_id: i64,
    action: WithdrawalAction,
    details: EventDetails,
    idempotency_key: &str,
) -> Result<WithdrawalView, WithdrawalError> {
    change_status_via(
        db,
        clock,
        actor,
        request_id,
        action,
        details,
        idempotency_key,
        None,
    )
    .await
}

/// Carries out a held "mark paid" once a second admin approved it: the
/// initiator's action with the details they gave, using that approval.
pub async fn mark_paid_approved(
    db: &DatabaseConnection,
    clock: &Clock,
    initiator: i64,
    request_id: i64,
    details: EventDetails,
    approval_id: i64,
) -> Result<WithdrawalView, WithdrawalError> {
    change_status_via(
        db,
        clock,
        Actor {
            user_id: initiator,
            role: Role::Admin,
        },
        request_id,
        WithdrawalAction::MarkPaid,
        details,
        &format!("second-approval:{approval_id}"),
        Some(approval_id),
    )
    .await
}

/// What a held "mark paid" carries out when approved.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct MarkPaidPayload {
    pub note: Option<String>,
    pub external_reference: Option<String>,
    pub payment_date: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn change_status_via(
    db: &DatabaseConnection,
    clock: &Clock,
    actor: Actor,
    request_id: i64,
    action: WithdrawalAction,
    details: EventDetails,
    idempotency_key: &str,
    via: Option<i64>,
) -> Result<WithdrawalView, WithdrawalError> {
    let mut details = details.validated()?;
    let now = clock.now();
    let scope = scope_of(actor.user_id);
    let fingerprint = idempotency::fingerprint(&[
        "withdrawal.change_status",
        &request_id.to_string(),
        &format!("{action:?}"),
        details.note.as_deref().unwrap_or(""),
        details.external_reference.as_deref().unwrap_or(""),
        details.payment_date.as_deref().unwrap_or(""),
    ]);
    let (txn, claimed) =
        match idempotency::begin::<i64>(db, now, &scope, idempotency_key, &fingerprint).await? {
            Begun::Replay(_) => return find(db, request_id).await,
            Begun::New(txn, claimed) => (txn, claimed),
        };
    let request = withdrawal_request::Entity::find_by_id(request_id)
        .one(&txn)
        .await?
        .ok_or(WithdrawalError::RequestNotFound)?;
    let allowed = match actor.role {
        Role::Admin => true,
        Role::Member => {
            request.member_user_id == actor.user_id && action == WithdrawalAction::Cancel
        }
    };
    if !allowed {
        // A member never learns about requests that are not theirs.
        return Err(if request.member_user_id == actor.user_id {
            WithdrawalError::Forbidden
        } else {
            WithdrawalError::RequestNotFound
        });
    }
    if held_by_paypal(&txn, request.id).await? {
        return Err(WithdrawalError::WithPayPal);
    }
    // Only a request that can be marked paid is held: a refused
    // transition is refused before anyone is asked to approve it.
    let from = WithdrawalStatus::parse(&request.status)
        .ok_or_else(|| anyhow::anyhow!("unknown status {:?}", request.status))?;
    if actor.role == Role::Admin && action == WithdrawalAction::MarkPaid {
        transition(from, action)?;
        let payload = serde_json::to_string(&MarkPaidPayload {
            note: details.note.clone(),
            external_reference: details.external_reference.clone(),
            payment_date: details.payment_date.clone(),
        })
        .map_err(anyhow::Error::from)?;
        match gate_request(
            &txn,
            now,
            &request,
            Paying {
                kind: HeldKind::MarkPaid,
                payload,
                note: details.note.clone(),
            },
            actor.user_id,
            via,
        )
        .await?
        {
            Gate::Open(cleared) => details.second_approver = cleared.map(|c| c.approved_by),
            Gate::Held(held) => {
                let mut view = view_of(&txn, &request).await?;
                claimed.commit(txn, &request.id).await?;
                view.held = Some(held);
                return Ok(view);
            }
        }
    }
    apply_transition(
        &txn,
        now,
        &request,
        action,
        Some(actor.user_id),
        actor.role == Role::Member,
        &details,
    )
    .await?;
    let updated = withdrawal_request::Entity::find_by_id(request.id)
        .one(&txn)
        .await?
        .ok_or(WithdrawalError::RequestNotFound)?;
    let view = view_of(&txn, &updated).await?;
    claimed.commit(txn, &request.id).await?;
    Ok(view)
}

/// Whether PayPal holds this request: sent and not settled. Its status then
/// follows PayPal's reports only, never an admin's hand.
async fn held_by_paypal(
    txn: &DatabaseTransaction,
    request_id: i64,
) -> Result<bool, sea_orm::DbErr> {
    use crate::entities::paypal_item;
    let open = paypal_item::Entity::find()
        .filter(paypal_item::Column::RequestId.eq(request_id))
        .filter(paypal_item::Column::Settled.eq(false))
        .count(txn)
        .await?;
    Ok(open > 0)
}

/// The guarded status change with its money effect, timeline event, audit
/// row and email, inside the caller's transaction. `actor` is None when the
/// change comes from PayPal's report rather than a person. A request that
/// is no longer in the status read is `Stale`, and nothing is written.
pub async fn apply_transition(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    request: &withdrawal_request::Model,
    action: WithdrawalAction,
    actor: Option<i64>,
    by_member: bool,
    details: &EventDetails,
) -> Result<WithdrawalStatus, WithdrawalError> {
    let from = WithdrawalStatus::parse(&request.status)
        .ok_or_else(|| anyhow::anyhow!("unknown status {:?}", request.status))?;
    let (to, effect) = transition(from, action)?;

    // The guard: only the transaction that still sees `from` moves on.
    let mut update = withdrawal_request::Entity::update_many()
        .col_expr(withdrawal_request::Column::Status, Expr::value(to.as_str()))
        .col_expr(withdrawal_request::Column::UpdatedAt, Expr::value(now));
    if let Some(note) = &details.note {
        update = update.col_expr(withdrawal_request::Column::Note, Expr::value(note.clone()));
    }
    if let Some(reference) = &details.external_reference {
        update = update.col_expr(
            withdrawal_request::Column::ExternalReference,
            Expr::value(reference.clone()),
        );
    }
    if let Some(date) = &details.payment_date {
        update = update.col_expr(
            withdrawal_request::Column::PaymentDate,
            Expr::value(date.clone()),
        );
    }
    if let Some(file) = details.payment_file_id {
        update = update.col_expr(withdrawal_request::Column::PaymentFileId, Expr::value(file));
    }
    let moved = update
        .filter(withdrawal_request::Column::Id.eq(request.id))
        .filter(withdrawal_request::Column::Status.eq(from.as_str()))
        .exec(txn)
        .await?;
    if moved.rows_affected == 0 {
        return Err(WithdrawalError::Stale);
    }

    apply_money_effect(txn, now, request, effect, actor).await?;
    record_event(txn, now, request, actor, Some(from), to, details).await?;
    let mut entry = AuditEntry::new(AuditAction::WithdrawalStatusChanged)
        .subject(format!("withdrawal:{}", request.id))
        .detail(format!("{} -> {}", from.as_str(), to.as_str()));
    if let Some(actor) = actor {
        entry = entry.actor(actor);
    }
    audit::record(txn, now, entry).await?;
    enqueue_email(txn, now, request, to, by_member, details).await?;
    Ok(to)
}

async fn apply_money_effect(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    request: &withdrawal_request::Model,
    effect: MoneyEffect,
    actor: Option<i64>,
) -> Result<(), WithdrawalError> {
    if effect == MoneyEffect::None {
        return Ok(());
    }
    let member_wallet = wallet::Entity::find_by_id(request.wallet_id)
        .one(txn)
        .await?
        .ok_or(WithdrawalError::WalletNotFound)?;
    let asset_id = member_wallet.asset_id;
    let in_flight = ledger::system_wallet(txn, now, SystemRole::InFlight, asset_id).await?;
    let outside = ledger::system_wallet(txn, now, SystemRole::OutsideWorld, asset_id).await?;
    let fees = ledger::system_wallet(txn, now, SystemRole::Fees, asset_id).await?;
    // The fee is kept in the wallet's own asset only when that asset is the
    // payout currency; from a points wallet all the points leave.
    let fee_in_wallet_units = if asset_id == request.currency_asset_id {
        request.fee_minor
    } else {
        0
    };
    let paid_out = request.amount - fee_in_wallet_units;
    let leg = |from, to, amount| Leg { from, to, amount };
    let (kind, legs) = match effect {
        MoneyEffect::None => return Ok(()),
        MoneyEffect::CreditBack => (
            EntryKind::CreditBack,
            vec![leg(&in_flight, &member_wallet, request.amount)],
        ),
        MoneyEffect::Settle => (
            EntryKind::WithdrawalSettle,
            vec![
                leg(&in_flight, &outside, paid_out),
                leg(&in_flight, &fees, fee_in_wallet_units),
            ],
        ),
        MoneyEffect::Reverse => (
            EntryKind::WithdrawalReturn,
            vec![
                leg(&outside, &member_wallet, paid_out),
                leg(&fees, &member_wallet, fee_in_wallet_units),
            ],
        ),
    };
    let legs: Vec<Leg> = legs.into_iter().filter(|leg| leg.amount > 0).collect();
    ledger::post_entry(
        txn,
        now,
        NewEntry {
            kind,
            reference: Some(format!("withdrawal:{}", request.id)),
            memo: None,
            actor_user_id: actor,
            legs,
        },
    )
    .await
    .map_err(|err| match err {
        // A member credited up to the limit meanwhile cannot take the
        // money back: say so, and leave the request where it was.
        overflow @ LedgerError::BalanceOverflow { .. } => {
            WithdrawalError::Invalid(overflow.to_string())
        }
        other => WithdrawalError::Unexpected(other.into()),
    })?;
    Ok(())
}
