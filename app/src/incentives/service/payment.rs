//! Make Payment: approved incentives paid from one funding wallet in one
//! journal entry, claimed by a guarded update, replayed by its key.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
};

use super::error::IncentiveError;
use super::shared::{check_ids, check_text, id_list, scale_of, skip_reasons, CHUNK};
use crate::email::notice::Notice;
use crate::entities::{asset, incentive, outbox_message, user, wallet};
use crate::incentives::{IncentiveAction, IncentiveStatus, PaymentOutcome};
use crate::ledger::four_eyes::{self, FourEyesError, Gate, HeldKind, Hold};
use crate::ledger::idempotency::{self, Begun};
use crate::ledger::money::Money;
use crate::ledger::money::{decimal_string, format_amount};
use crate::ledger::service::{self as ledger, EntryKind, FanOut, LedgerError, WalletKind};
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    Clock,
};

/// Why an approved incentive is not paid yet: money follows an address
/// only once its owner has proven it (a stranger who signed up with it
/// would be paid otherwise). It is paid by a later Make Payment, once the
/// member has confirmed.
pub const WAITING: &str = "waiting for the member to confirm their email";

/// The members whose address is not confirmed yet, as a subquery.
fn unconfirmed_members() -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column(user::Column::Id)
        .from(user::Entity)
        .and_where(user::Column::EmailConfirmedAt.is_null())
        .to_owned()
}

/// The members of these incentives whose address is not confirmed yet.
async fn waiting_members(
    conn: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashSet<i64>, IncentiveError> {
    let mut found = HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        let members: Vec<i64> = incentive::Entity::find()
            .select_only()
            .column(incentive::Column::MemberUserId)
            .filter(incentive::Column::Id.is_in(chunk.iter().copied()))
            .filter(incentive::Column::MemberUserId.in_subquery(unconfirmed_members()))
            .into_tuple()
            .all(conn)
            .await?;
        found.extend(members);
    }
    Ok(found)
}

/// Make Payment as asked.
#[derive(Clone, Debug, Default)]
pub struct PaymentInput {
    pub ids: Vec<i64>,
    pub funding_wallet_id: i64,
    pub description: String,
    pub idempotency_key: String,
}

const PAY_SCOPE: &str = "incentives.pay";

/// Pays approved incentives from one funding wallet of their asset, in one
/// journal entry with one transfer per incentive. Refused up front, with
/// the shortfall, when the wallet cannot cover them; incentives that are
/// not approved (or in another asset) are reported and never paid. The same
/// idempotency key twice answers the first outcome and pays nothing more.
///
/// A total above the asset's approval limit is held for a second approval
/// (the outcome's `held`), and nothing is paid until another admin approves.
pub async fn make_payment(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    input: &PaymentInput,
    ip: Option<String>,
) -> Result<PaymentOutcome, IncentiveError> {
    make_payment_via(db, clock, admin_user_id, input, ip, None).await
}

/// What a held Make Payment carries out when approved.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct PaymentPayload {
    pub ids: Vec<i64>,
    pub funding_wallet_id: i64,
    pub description: String,
}

/// Make Payment: the initiator's own (`via` None) or the approved one a
/// second admin's click carries out.
pub async fn make_payment_via(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    input: &PaymentInput,
    ip: Option<String>,
    via: Option<i64>,
) -> Result<PaymentOutcome, IncentiveError> {
    let ids = check_ids(&input.ids)?;
    let description = check_text(&input.description, "Description", 200, true)?;
    let key = input.idempotency_key.trim();
    let id_text: Vec<String> = ids.iter().map(i64::to_string).collect();
    let fingerprint = idempotency::fingerprint(&[
        PAY_SCOPE,
        &id_text.join(","),
        &input.funding_wallet_id.to_string(),
        &description,
    ]);
    let now = clock.now();
    let (txn, claimed_key) = match idempotency::begin(db, now, PAY_SCOPE, key, &fingerprint).await?
    {
        Begun::Replay(outcome) => return Ok(outcome),
        Begun::New(txn, claimed_key) => (txn, claimed_key),
    };
    let funding = wallet::Entity::find_by_id(input.funding_wallet_id)
        .one(&txn)
        .await?
        .filter(|w| WalletKind::of(w) == WalletKind::Funding)
        .ok_or_else(|| IncentiveError::invalid("Choose a funding wallet to pay from"))?;
    let assets = ledger::assets_by_id(&txn).await?;
    let asset = assets
        .get(&funding.asset_id)
        .cloned()
        .ok_or_else(|| IncentiveError::unexpected(anyhow::anyhow!("wallet without asset")))?;
    let scale = scale_of(&asset);
    let wallet_name = funding.name.clone().unwrap_or_default();

    // What would be paid, to refuse up front when the wallet is short.
    let mut due: i64 = 0;
    for chunk in ids.chunks(CHUNK) {
        let sum: Option<i64> = incentive::Entity::find()
            .select_only()
            .expr(
                Expr::col(incentive::Column::AmountMinor)
                    .sum()
                    .cast_as(sea_orm::sea_query::Alias::new("BIGINT")),
            )
            .filter(incentive::Column::Id.is_in(chunk.iter().copied()))
            .filter(incentive::Column::Status.eq(IncentiveStatus::Approved.as_str()))
            .filter(incentive::Column::AssetId.eq(asset.id))
            .filter(incentive::Column::MemberUserId.not_in_subquery(unconfirmed_members()))
            .into_tuple::<Option<i64>>()
            .one(&txn)
            .await?
            .flatten();
        due = due.saturating_add(sum.unwrap_or(0));
    }
    let waiting = waiting_members(&txn, &ids).await?;
    if due == 0 {
        return Err(IncentiveError::invalid(if waiting.is_empty() {
            format!(
                "None of the selected incentives is approved and in {}",
                asset.code
            )
        } else {
            format!(
                "None of the selected incentives can be paid now: {WAITING} (their members have not confirmed their email address yet), and none of the others is approved and in {}",
                asset.code
            )
        }));
    }
    if funding.balance < due {
        return Err(IncentiveError::invalid(format!(
            "{wallet_name} holds {} {code}; these incentives need {} {code} (short by {} {code})",
            decimal_string(funding.balance, scale),
            decimal_string(due, scale),
            decimal_string(due - funding.balance, scale),
            code = asset.code,
        )));
    }

    // Four-eyes: bound to the incentives asked for, what they come to now,
    // the wallet and the description; any change voids the approval.
    let binding = four_eyes::binding(&[
        "make_payment",
        &id_text.join(","),
        &due.to_string(),
        &funding.id.to_string(),
        &description,
    ]);
    let gate = four_eyes::gate(
        &txn,
        now,
        Hold {
            kind: HeldKind::MakePayment,
            subject: format!("make_payment:{}:{}", funding.id, &binding[..16]),
            asset: &asset,
            amount_minor: due,
            binding: binding.clone(),
            payload: serde_json::to_string(&PaymentPayload {
                ids: ids.clone(),
                funding_wallet_id: funding.id,
                description: description.clone(),
            })
            .map_err(IncentiveError::unexpected)?,
            summary: format!(
                "Make Payment of {} incentives, {} from {wallet_name}",
                ids.len(),
                format_amount(due, &asset.code, scale)
            ),
            note: Some(description.clone()),
            initiator: admin_user_id,
            barred: None,
        },
        via,
    )
    .await
    .map_err(|err| match err {
        FourEyesError::Void(why) | FourEyesError::Conflict(why) => IncentiveError::conflict(why),
        FourEyesError::Db(err) => err.into(),
    })?;
    let cleared = match gate {
        Gate::Open(cleared) => cleared,
        Gate::Held(held) => {
            let outcome = PaymentOutcome {
                paid: Vec::new(),
                skipped: Vec::new(),
                total: Money {
                    code: asset.code.clone(),
                    scale,
                    minor: due,
                },
                entry_id: 0,
                held: Some(held),
            };
            claimed_key.commit(txn, &outcome).await?;
            return Ok(outcome);
        }
    };

    // Claim them: only rows still approved move, so an incentive paid or
    // rejected by someone else meanwhile is never paid here.
    let mut claimed: Vec<incentive::Model> = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        claimed.extend(
            incentive::Entity::update_many()
                .col_expr(
                    incentive::Column::Status,
                    Expr::value(IncentiveStatus::Paid.as_str()),
                )
                .col_expr(incentive::Column::PaidAt, Expr::value(now))
                .col_expr(incentive::Column::FundingWalletId, Expr::value(funding.id))
                .filter(incentive::Column::Id.is_in(chunk.iter().copied()))
                .filter(incentive::Column::Status.eq(IncentiveStatus::Approved.as_str()))
                .filter(incentive::Column::AssetId.eq(asset.id))
                .filter(incentive::Column::MemberUserId.not_in_subquery(unconfirmed_members()))
                .exec_with_returning(&txn)
                .await?,
        );
    }
    if claimed.is_empty() {
        return Err(IncentiveError::conflict(
            "These incentives were paid or rejected by someone else meanwhile",
        ));
    }
    claimed.sort_by_key(|m| m.id);
    let member_ids: Vec<i64> = claimed.iter().map(|m| m.member_user_id).collect();
    let wallets = ledger::member_wallets(&txn, now, &member_ids, asset.id).await?;
    let mut legs = Vec::with_capacity(claimed.len());
    for m in &claimed {
        let to = wallets
            .get(&m.member_user_id)
            .ok_or_else(|| IncentiveError::unexpected(anyhow::anyhow!("member wallet missing")))?;
        legs.push((to, m.amount_minor));
    }
    let total: i64 = claimed.iter().map(|m| m.amount_minor).sum();
    let entry_id = ledger::post_fan_out(
        &txn,
        now,
        FanOut {
            kind: EntryKind::IncentivePayment,
            reference: Some(format!("incentives:wallet:{}", funding.id)),
            memo: Some(description.clone()),
            actor_user_id: Some(admin_user_id),
            from: &funding,
            legs,
        },
    )
    .await
    .map_err(|err| match err {
        LedgerError::InsufficientFunds { .. } => IncentiveError::conflict(format!(
            "{wallet_name} no longer holds enough {}; nothing was paid",
            asset.code
        )),
        overflow @ LedgerError::BalanceOverflow { .. } => {
            IncentiveError::invalid(overflow.to_string())
        }
        other => IncentiveError::unexpected(other),
    })?;
    let paid: Vec<i64> = claimed.iter().map(|m| m.id).collect();
    for chunk in paid.chunks(CHUNK) {
        incentive::Entity::update_many()
            .col_expr(incentive::Column::PaidEntryId, Expr::value(entry_id))
            .filter(incentive::Column::Id.is_in(chunk.iter().copied()))
            .exec(&txn)
            .await?;
    }
    enqueue_paid_emails(&txn, now, &claimed, entry_id, &asset).await?;
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::IncentivesPaid)
            .actor(admin_user_id)
            .subject(format!("entry:{entry_id}"))
            .ip(ip)
            .detail(format!(
                "{} incentives, {} {} from {wallet_name}: {}{}",
                paid.len(),
                decimal_string(total, scale),
                asset.code,
                id_list(&paid),
                cleared
                    .map(|c| format!(" (second approval #{})", c.approval_id))
                    .unwrap_or_default()
            )),
    )
    .await?;
    let done: HashSet<i64> = paid.iter().copied().collect();
    let code = asset.code.clone();
    let skipped = skip_reasons(&txn, &ids, &done, IncentiveAction::Pay, |m| {
        if m.asset_id != asset.id {
            let theirs = assets.get(&m.asset_id).map_or("", |a| a.code.as_str());
            return Some(format!("in {theirs}, not {code}"));
        }
        (m.status == IncentiveStatus::Approved.as_str() && waiting.contains(&m.member_user_id))
            .then(|| WAITING.to_owned())
    })
    .await?;
    let outcome = PaymentOutcome {
        paid,
        skipped,
        total: Money {
            code: asset.code.clone(),
            scale,
            minor: total,
        },
        entry_id,
        held: None,
    };
    claimed_key.commit(txn, &outcome).await?;
    Ok(outcome)
}

/// One "incentive paid" email per member, in the payment's transaction.
async fn enqueue_paid_emails(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    claimed: &[incentive::Model],
    entry_id: i64,
    asset: &asset::Model,
) -> Result<(), IncentiveError> {
    let mut per_member: std::collections::BTreeMap<i64, (i64, Vec<i64>)> = Default::default();
    for m in claimed {
        let (sum, ids) = per_member.entry(m.member_user_id).or_default();
        *sum += m.amount_minor;
        ids.push(m.id);
    }
    let rows: Vec<outbox_message::ActiveModel> = per_member
        .into_iter()
        .map(|(member, (sum, ids))| {
            let notice = Notice::IncentivePaid {
                entry_id,
                incentive_ids: ids,
                asset: asset.code.clone(),
                amount: decimal_string(sum, scale_of(asset)),
            };
            crate::email::notice::row(now, member, &notice)
        })
        .collect();
    for chunk in rows.chunks(500) {
        outbox_message::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}
