//! A new withdrawal request: the member's own, or one an administrator
//! makes for them. Load what the rules need, let `decision::decide` judge,
//! then write the request, its hold, event, audit row and email.

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::LockType, ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::error::WithdrawalError;
use super::transitions::{enqueue_email, record_event, scope_of, EventDetails};
use super::views::{find, view_of};
use crate::auth::Role;
use crate::entities::{asset, user, wallet, withdrawal_request};
use crate::ledger::{
    idempotency::{self, Begun},
    money::{format_amount, AssetKind, Rate},
    service::{self as ledger, EntryKind, LedgerError, Leg, NewEntry, SystemRole},
};
use crate::payout_details::method::PayoutMethod;
use crate::payout_details::service as payout_details;
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    Clock,
};
use crate::withdrawals::decision::{decide, AmountRequest, Context, Decision, Problem};
use crate::withdrawals::{rules, status::WithdrawalStatus, WithdrawalView};

pub struct NewWithdrawal<'a> {
    pub member_user_id: i64,
    pub wallet_id: i64,
    pub method: &'a str,
    pub amount: AmountRequest,
    pub idempotency_key: &'a str,
}

/// A member asks to withdraw. The amount leaves their wallet at once (held
/// in flight), so it cannot be asked for twice.
#[tracing::instrument(skip_all, fields(member = input.member_user_id, wallet = input.wallet_id))]
pub async fn request_withdrawal(
    db: &DatabaseConnection,
    clock: &Clock,
    input: NewWithdrawal<'_>,
) -> Result<WithdrawalView, WithdrawalError> {
    let now = clock.now();
    let scope = scope_of(input.member_user_id);
    let fingerprint = idempotency::fingerprint(&[
        "withdrawal.request",
        &input.wallet_id.to_string(),
        input.method,
        &input.amount.canonical(),
    ]);
    let (txn, claimed) =
        match idempotency::begin(db, now, &scope, input.idempotency_key, &fingerprint).await? {
            Begun::Replay(id) => return find(db, id).await,
            Begun::New(txn, claimed) => (txn, claimed),
        };
    let view = create_request(&txn, now, &input, None).await?;
    claimed.commit(txn, &view.id).await?;
    Ok(view)
}

/// An administrator makes a request for a member: the member's own rules,
/// limits and ledger effects, recorded as made by the admin, with a note
/// the member sees.
pub async fn request_on_behalf(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    input: NewWithdrawal<'_>,
    note: Option<String>,
    only_if_none_open: bool,
) -> Result<WithdrawalView, WithdrawalError> {
    let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 2_000) {
        return Err(WithdrawalError::Invalid(
            "The note must be at most 2000 characters".into(),
        ));
    }
    let now = clock.now();
    // The admin's key, in the admin's scope.
    let scope = scope_of(admin_user_id);
    let fingerprint = idempotency::fingerprint(&[
        "withdrawal.request_on_behalf",
        &input.member_user_id.to_string(),
        &input.wallet_id.to_string(),
        input.method,
        &input.amount.canonical(),
        note.as_deref().unwrap_or(""),
    ]);
    let (txn, claimed) =
        match idempotency::begin(db, now, &scope, input.idempotency_key, &fingerprint).await? {
            Begun::Replay(id) => return find(db, id).await,
            Begun::New(txn, claimed) => (txn, claimed),
        };
    let admin = user::Entity::find_by_id(admin_user_id)
        .one(&txn)
        .await?
        .filter(|admin| admin.role == Role::Admin.as_str())
        .ok_or(WithdrawalError::Forbidden)?;
    let member = user::Entity::find_by_id(input.member_user_id)
        .one(&txn)
        .await?
        .filter(|member| member.role == Role::Member.as_str())
        .ok_or_else(|| WithdrawalError::Invalid("Member not found".into()))?;
    let by = OnBehalf {
        admin_user_id: admin.id,
        note,
        only_if_none_open,
    };
    let view = create_request(&txn, now, &input, Some(&by)).await?;
    claimed.commit(txn, &view.id).await?;
    tracing::info!(
        request = view.id,
        member = member.id,
        admin = admin.id,
        "withdrawal requested on a member's behalf"
    );
    Ok(view)
}

/// What `request_on_behalf` would decide for this input now, without
/// keeping anything: the request is made inside a savepoint of the
/// caller's transaction and undone. A preview that runs the very code
/// that decides cannot disagree with it.
pub async fn dry_run(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    admin_user_id: i64,
    input: &NewWithdrawal<'_>,
    only_if_none_open: bool,
) -> Result<WithdrawalView, WithdrawalError> {
    use sea_orm::TransactionTrait;
    let savepoint = txn.begin().await?;
    let by = OnBehalf {
        admin_user_id,
        note: None,
        only_if_none_open,
    };
    let outcome = create_request(&savepoint, now, input, Some(&by)).await;
    savepoint.rollback().await?;
    outcome
}

/// Who made a request for the member, and what they told them.
struct OnBehalf {
    admin_user_id: i64,
    note: Option<String>,
    /// Refuse a member with an open request even when the desk allows
    /// several (payout runs never stack a second request).
    only_if_none_open: bool,
}

async fn create_request(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    input: &NewWithdrawal<'_>,
    by: Option<&OnBehalf>,
) -> Result<WithdrawalView, WithdrawalError> {
    // The member's row is locked for the rest of the transaction, so the
    // "one open request" and "minimum delay" rules below read what every
    // earlier request of theirs committed: on PostgreSQL two requests at once
    // would otherwise both see none open (SQLite's write lock already
    // serialises them). NO KEY UPDATE leaves rows that merely reference the
    // member (sessions, audit rows) free to be written meanwhile.
    let member = user::Entity::find_by_id(input.member_user_id)
        .lock(LockType::NoKeyUpdate)
        .one(txn)
        .await?
        .ok_or(WithdrawalError::Inactive)?;
    if !member.is_active {
        return Err(WithdrawalError::Inactive);
    }
    // Money follows an address only once its owner has proven it: a
    // stranger who signed up with someone's address withdraws nothing.
    if member.email_confirmed_at.is_none() {
        return Err(WithdrawalError::EmailNotConfirmed);
    }
    // Scoped by owner: another member's wallet is simply not found.
    let wallet = wallet::Entity::find_by_id(input.wallet_id)
        .filter(wallet::Column::OwnerUserId.eq(input.member_user_id))
        .one(txn)
        .await?
        .ok_or(WithdrawalError::WalletNotFound)?;
    let method = PayoutMethod::parse(input.method).ok_or_else(|| {
        WithdrawalError::Invalid(format!("Unknown payout method {:?}", input.method))
    })?;
    let wallet_asset = asset::Entity::find_by_id(wallet.asset_id)
        .one(txn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("asset {} missing", wallet.asset_id))?;
    let wallet_view = ledger::asset_view(&wallet_asset);

    // Requests are asked for in money. A points wallet converts at the rate in force.
    let (currency, rate) = match wallet_view.kind {
        AssetKind::Currency => (wallet_asset.clone(), None),
        AssetKind::Points => {
            let (currency_id, rate) = ledger::current_rate(txn, wallet.asset_id)
                .await?
                .ok_or_else(|| WithdrawalError::NoRate(wallet_asset.code.clone()))?;
            let currency = asset::Entity::find_by_id(currency_id)
                .one(txn)
                .await?
                .ok_or_else(|| anyhow::anyhow!("asset {currency_id} missing"))?;
            (currency, Some(rate))
        }
    };
    // Paid to the details saved now: later edits do not redirect it. (Asked
    // before the method's rule, as members have always met the two.)
    let (payout_masked, payout_details) = payout_details::for_method(txn, member.id, method)
        .await?
        .ok_or(Problem::NoPayoutDetails(method.label()))?;
    let currency_view = ledger::asset_view(&currency);
    let money = |minor: i64| format_amount(minor, &currency_view.code, currency_view.scale);
    let rule = rules::method_rule(txn, method, currency.id)
        .await?
        .filter(|rule| rule.enabled)
        .ok_or_else(|| WithdrawalError::MethodUnavailable {
            method: method.label(),
            currency: currency.code.clone(),
        })?;
    let context = Context {
        balance: wallet.balance,
        currency: &currency_view,
        rate,
        method_label: method.label(),
        limits: rule.limits(),
        has_details: true,
        verification_threshold: rules::verification_threshold(txn, &currency.code).await?,
        verified: member.is_verified,
    };
    let Decision {
        gross,
        fee,
        net,
        debit,
    } = decide(&context, &input.amount)?;
    let member_rules = rules::withdrawal_rules(txn).await?;
    if member_rules.one_open_request || by.is_some_and(|by| by.only_if_none_open) {
        let open = withdrawal_request::Entity::find()
            .filter(withdrawal_request::Column::MemberUserId.eq(member.id))
            .filter(
                withdrawal_request::Column::Status.is_in(
                    WithdrawalStatus::ALL
                        .into_iter()
                        .filter(|s| s.is_open())
                        .map(WithdrawalStatus::as_str),
                ),
            )
            .count(txn)
            .await?;
        if open > 0 {
            return Err(WithdrawalError::OneOpenRequest);
        }
    }
    if member_rules.min_delay_seconds > 0 {
        let last = withdrawal_request::Entity::find()
            .filter(withdrawal_request::Column::MemberUserId.eq(member.id))
            .order_by_desc(withdrawal_request::Column::CreatedAt)
            .one(txn)
            .await?;
        if let Some(last) = last {
            let ready_at =
                last.created_at + chrono::Duration::seconds(member_rules.min_delay_seconds);
            if now < ready_at {
                let wait = (ready_at - now).num_seconds().max(1);
                return Err(WithdrawalError::TooSoon(human_duration(wait)));
            }
        }
    }

    let inserted = withdrawal_request::Entity::insert(withdrawal_request::ActiveModel {
        member_user_id: Set(member.id),
        wallet_id: Set(wallet.id),
        method: Set(method.as_str().to_owned()),
        amount: Set(debit),
        currency_asset_id: Set(currency.id),
        gross_minor: Set(gross),
        fee_minor: Set(fee),
        net_minor: Set(net),
        rate_points: Set(rate.map(|r: Rate| r.points)),
        rate_money_minor: Set(rate.map(|r| r.money_minor)),
        status: Set(WithdrawalStatus::Requested.as_str().to_owned()),
        payout_masked: Set(Some(payout_masked)),
        payout_details: Set(Some(payout_details)),
        note: Set(by.and_then(|by| by.note.clone())),
        created_by_user_id: Set(by.map(|by| by.admin_user_id)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec_with_returning(txn)
    .await?;

    let in_flight = ledger::system_wallet(txn, now, SystemRole::InFlight, wallet.asset_id).await?;
    let held = ledger::post_entry(
        txn,
        now,
        NewEntry {
            kind: EntryKind::WithdrawalHold,
            reference: Some(format!("withdrawal:{}", inserted.id)),
            memo: None,
            actor_user_id: Some(member.id),
            legs: vec![Leg {
                from: &wallet,
                to: &in_flight,
                amount: debit,
            }],
        },
    )
    .await;
    match held {
        Ok(_) => {}
        Err(LedgerError::InsufficientFunds { .. }) => {
            // Someone else spent the balance since we read it: the guard held.
            return Err(Problem::insufficient(&context).into());
        }
        Err(err) => return Err(anyhow::Error::from(err).into()),
    }
    let actor = by.map_or(member.id, |by| by.admin_user_id);
    let details = EventDetails {
        note: by.and_then(|by| by.note.clone()),
        ..EventDetails::default()
    };
    record_event(
        txn,
        now,
        &inserted,
        Some(actor),
        None,
        WithdrawalStatus::Requested,
        &details,
    )
    .await?;
    let detail = match by {
        None => format!("{} via {}", money(gross), method.label()),
        Some(_) => format!(
            "{} via {} on behalf of user:{}",
            money(gross),
            method.label(),
            member.id
        ),
    };
    audit::record(
        txn,
        now,
        AuditEntry::new(AuditAction::WithdrawalRequested)
            .actor(actor)
            .subject(format!("withdrawal:{}", inserted.id))
            .detail(detail),
    )
    .await?;
    enqueue_email(
        txn,
        now,
        &inserted,
        WithdrawalStatus::Requested,
        by.is_none(),
        &details,
    )
    .await?;
    view_of(txn, &inserted).await
}

/// A wait, rounded up, in the largest unit that still reads naturally.
fn human_duration(seconds: i64) -> String {
    let (count, unit) = match seconds {
        s if s < 60 => (s, "second"),
        s if s <= 3_600 => ((s + 59) / 60, "minute"),
        s => ((s + 3_599) / 3_600, "hour"),
    };
    if count == 1 {
        format!("1 {unit}")
    } else {
        format!("{count} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::human_duration;

    #[test]
    fn waits_read_naturally() {
        let check =
            |seconds: i64, text: &str| assert_eq!(human_duration(seconds), text, "{seconds}");
        check(1, "1 second");
        check(59, "59 seconds");
        check(60, "1 minute");
        check(61, "2 minutes");
        check(3_600, "60 minutes");
        check(3_601, "2 hours");
        check(86_400, "24 hours");
    }
}
