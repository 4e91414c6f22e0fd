//! Requesting withdrawals and moving them through their statuses. Each
//! operation is one transaction: the guarded status change, its transfers,
//! its timeline event, its audit row and its outbox row commit together.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    sea_query::{Expr, LockType},
    ActiveValue::Set,
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

pub use super::decision::AmountRequest;
use super::decision::{decide, Context, Decision, Problem};
use super::{
    rules,
    status::{transition, MoneyEffect, TransitionError, WithdrawalAction, WithdrawalStatus},
    WithdrawalView,
};
use crate::auth::Role;
use crate::email::notice::{self, Notice};
use crate::entities::{asset, user, wallet, withdrawal_event, withdrawal_request};
use crate::error::{AppError, ErrorCode};
use crate::ledger::{
    idempotency::{self, Claim, IdempotencyError},
    money::{format_amount, AssetKind, Rate},
    service::{self as ledger, EntryKind, LedgerError, Leg, NewEntry, SystemRole},
};
use crate::payout_details::method::PayoutMethod;
use crate::payout_details::service as payout_details;
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    db, Clock,
};

#[derive(Debug, thiserror::Error)]
pub enum WithdrawalError {
    /// A rule of the decision (`decision::decide`) refused the request.
    #[error(transparent)]
    Refused(#[from] Problem),
    #[error("{0}")]
    Invalid(String),
    #[error("Wallet not found")]
    WalletNotFound,
    #[error("Withdrawal request not found")]
    RequestNotFound,
    #[error("{method} is not available for {currency} withdrawals")]
    MethodUnavailable {
        method: &'static str,
        currency: String,
    },
    #[error("No conversion rate is set for {0}; withdrawals from it are not possible yet")]
    NoRate(String),
    #[error("This account is not active")]
    Inactive,
    #[error("Confirm your email address before withdrawing: open the link we sent to it (your account page can send a new one)")]
    EmailNotConfirmed,
    #[error(
        "You already have an open withdrawal request. Wait until it is completed or cancel it"
    )]
    OneOpenRequest,
    #[error("Please wait {0} before requesting another withdrawal")]
    TooSoon(String),
    #[error("{0}")]
    Transition(#[from] TransitionError),
    #[error("This request was changed by someone else in the meantime. Reload and try again")]
    Stale,
    #[error("You cannot do that with this request")]
    Forbidden,
    #[error("This request is being paid through PayPal: its status follows PayPal's reports")]
    WithPayPal,
    #[error("{0}")]
    Idempotency(#[from] IdempotencyError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for WithdrawalError {
    fn from(err: sea_orm::DbErr) -> Self {
        WithdrawalError::Unexpected(err.into())
    }
}

impl From<WithdrawalError> for AppError {
    fn from(err: WithdrawalError) -> Self {
        let code = match &err {
            WithdrawalError::Refused(_)
            | WithdrawalError::Invalid(_)
            | WithdrawalError::MethodUnavailable { .. }
            | WithdrawalError::NoRate(_)
            | WithdrawalError::Inactive
            | WithdrawalError::EmailNotConfirmed
            | WithdrawalError::OneOpenRequest
            | WithdrawalError::TooSoon(_) => ErrorCode::Invalid,
            WithdrawalError::WalletNotFound | WithdrawalError::RequestNotFound => {
                ErrorCode::NotFound
            }
            WithdrawalError::Transition(_)
            | WithdrawalError::Stale
            | WithdrawalError::WithPayPal => ErrorCode::Conflict,
            WithdrawalError::Forbidden => ErrorCode::Forbidden,
            WithdrawalError::Idempotency(IdempotencyError::Missing) => ErrorCode::Invalid,
            WithdrawalError::Idempotency(IdempotencyError::Db(_)) => {
                return AppError::internal(anyhow::anyhow!("{err}"));
            }
            WithdrawalError::Idempotency(_) => ErrorCode::Conflict,
            WithdrawalError::Unexpected(_) => {
                return AppError::internal(anyhow::anyhow!("{err:#}"))
            }
        };
        AppError::new(code, err.to_string())
    }
}

pub struct NewWithdrawal<'a> {
    pub member_user_id: i64,
    pub wallet_id: i64,
    pub method: &'a str,
    pub amount: AmountRequest,
    pub idempotency_key: &'a str,
}

fn scope_of(user_id: i64) -> String {
    format!("user:{user_id}")
}

/// Views of many rows with three queries, not three per row.
pub async fn views_of(
    conn: &impl sea_orm::ConnectionTrait,
    requests: &[withdrawal_request::Model],
) -> Result<Vec<WithdrawalView>, WithdrawalError> {
    use std::collections::HashMap;
    let assets = ledger::assets_by_id(conn).await?;
    let wallet_ids: Vec<i64> = requests.iter().map(|r| r.wallet_id).collect();
    let wallets: HashMap<i64, wallet::Model> = wallet::Entity::find()
        .filter(wallet::Column::Id.is_in(wallet_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|w| (w.id, w))
        .collect();
    requests
        .iter()
        .map(|request| {
            let wallet = wallets
                .get(&request.wallet_id)
                .ok_or(WithdrawalError::WalletNotFound)?;
            let wallet_asset = assets
                .get(&wallet.asset_id)
                .ok_or_else(|| anyhow::anyhow!("asset {} missing", wallet.asset_id))?;
            let currency = assets
                .get(&request.currency_asset_id)
                .ok_or_else(|| anyhow::anyhow!("asset {} missing", request.currency_asset_id))?;
            view_from(request, wallet_asset, currency)
        })
        .collect()
}

/// The view of a request row, as lists and the API return it.
pub async fn view_of(
    conn: &impl sea_orm::ConnectionTrait,
    request: &withdrawal_request::Model,
) -> Result<WithdrawalView, WithdrawalError> {
    views_of(conn, std::slice::from_ref(request))
        .await?
        .pop()
        .ok_or(WithdrawalError::RequestNotFound)
}

fn view_from(
    request: &withdrawal_request::Model,
    wallet_asset: &asset::Model,
    currency: &asset::Model,
) -> Result<WithdrawalView, WithdrawalError> {
    Ok(WithdrawalView {
        id: request.id,
        member_user_id: request.member_user_id,
        wallet_id: request.wallet_id,
        method: PayoutMethod::parse(&request.method)
            .ok_or_else(|| anyhow::anyhow!("unknown method {:?}", request.method))?,
        status: WithdrawalStatus::parse(&request.status)
            .ok_or_else(|| anyhow::anyhow!("unknown status {:?}", request.status))?,
        amount: request.amount,
        wallet_asset: wallet_asset.code.clone(),
        currency: currency.code.clone(),
        currency_scale: u32::try_from(currency.scale).unwrap_or(0),
        gross_minor: request.gross_minor,
        fee_minor: request.fee_minor,
        net_minor: request.net_minor,
        note: request.note.clone(),
        external_reference: request.external_reference.clone(),
        payment_date: request.payment_date.clone(),
        created_at: request.created_at.format("%Y-%m-%d %H:%M").to_string(),
        payout_masked: request.payout_masked.clone(),
        on_behalf: request.created_by_user_id.is_some(),
    })
}

pub async fn find(
    db: &DatabaseConnection,
    request_id: i64,
) -> Result<WithdrawalView, WithdrawalError> {
    let request = withdrawal_request::Entity::find_by_id(request_id)
        .one(db)
        .await?
        .ok_or(WithdrawalError::RequestNotFound)?;
    view_of(db, &request).await
}

fn replayed_id(outcome: &str) -> Result<i64, WithdrawalError> {
    outcome.parse().map_err(|_| {
        WithdrawalError::Unexpected(anyhow::anyhow!(
            "stored outcome {outcome:?} is not a request id"
        ))
    })
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
    let txn = db::begin_write(db).await?;
    match idempotency::claim(&txn, now, &scope, input.idempotency_key, &fingerprint).await? {
        Claim::Replay(outcome) => {
            txn.rollback().await?;
            return find(db, replayed_id(&outcome)?).await;
        }
        Claim::New => {}
    }
    let view = create_request(&txn, now, &input, None).await?;
    idempotency::complete(&txn, &scope, input.idempotency_key, &view.id.to_string()).await?;
    txn.commit().await?;
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
    let txn = db::begin_write(db).await?;
    match idempotency::claim(&txn, now, &scope, input.idempotency_key, &fingerprint).await? {
        Claim::Replay(outcome) => {
            txn.rollback().await?;
            return find(db, replayed_id(&outcome)?).await;
        }
        Claim::New => {}
    }
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
    idempotency::complete(&txn, &scope, input.idempotency_key, &view.id.to_string()).await?;
    txn.commit().await?;
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

async fn record_event(
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
        ..Default::default()
    })
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// The member hears about their request, except where they would learn
/// nothing: it moving to processing, or a cancellation they made themselves.
async fn enqueue_email(
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
/// moves no money.
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
    let details = details.validated()?;
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
    let txn = db::begin_write(db).await?;
    if let Claim::Replay(_) =
        idempotency::claim(&txn, now, &scope, idempotency_key, &fingerprint).await?
    {
        txn.rollback().await?;
        return find(db, request_id).await;
    }
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
    idempotency::complete(&txn, &scope, idempotency_key, &request.id.to_string()).await?;
    let updated = withdrawal_request::Entity::find_by_id(request.id)
        .one(&txn)
        .await?
        .ok_or(WithdrawalError::RequestNotFound)?;
    let view = view_of(&txn, &updated).await?;
    txn.commit().await?;
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
