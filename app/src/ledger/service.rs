//! Wallets and journal entries: the only code that writes transfers or
//! changes a cached balance.

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::{Expr, ExprTrait, OnConflict},
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
};

use crate::entities::{journal_entry, transfer, wallet};

pub use super::assets::{
    asset_view, assets_by_id, current_rate, ensure_asset, find_asset, set_rate,
};
pub use super::error::LedgerError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WalletKind {
    Member,
    Funding,
    System,
}

impl WalletKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WalletKind::Member => "member",
            WalletKind::Funding => "funding",
            WalletKind::System => "system",
        }
    }

    pub fn of(model: &wallet::Model) -> WalletKind {
        match model.kind.as_str() {
            "member" => WalletKind::Member,
            "funding" => WalletKind::Funding,
            _ => WalletKind::System,
        }
    }

    /// Whether the wallet keeps a cached, guarded balance.
    pub fn caches_balance(self) -> bool {
        match self {
            WalletKind::Member | WalletKind::Funding => true,
            WalletKind::System => false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SystemRole {
    /// Amounts held for open withdrawal requests.
    InFlight,
    /// Withdrawal fees kept.
    Fees,
    /// Where deposits come from and payouts go to.
    OutsideWorld,
}

impl SystemRole {
    pub fn as_str(self) -> &'static str {
        match self {
            SystemRole::InFlight => "in_flight",
            SystemRole::Fees => "fees",
            SystemRole::OutsideWorld => "outside_world",
        }
    }
}

/// Journal entry kinds. Stored as the snake-case name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    Deposit,
    Adjustment,
    IncentivePayment,
    WithdrawalHold,
    WithdrawalSettle,
    CreditBack,
    WithdrawalReturn,
    /// PayPal paid after Paydesk credited the money back: the member's
    /// wallet gives it back (an admin's resolution of the alert).
    PayPalRecovery,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Deposit => "deposit",
            EntryKind::Adjustment => "adjustment",
            EntryKind::IncentivePayment => "incentive_payment",
            EntryKind::WithdrawalHold => "withdrawal_hold",
            EntryKind::WithdrawalSettle => "withdrawal_settle",
            EntryKind::CreditBack => "credit_back",
            EntryKind::WithdrawalReturn => "withdrawal_return",
            EntryKind::PayPalRecovery => "paypal_recovery",
        }
    }
}

/// Finds the one wallet matching `filter`, creating it from `model` if it
/// does not exist yet. Safe under concurrency: of two creators, the second
/// insert does nothing (`ON CONFLICT DO NOTHING` on the wallet's unique
/// index) and both then find the same row.
async fn find_or_create_wallet(
    conn: &impl ConnectionTrait,
    filter: sea_orm::Condition,
    model: wallet::ActiveModel,
    conflict_columns: [wallet::Column; 2],
) -> Result<wallet::Model, DbErr> {
    let find = || wallet::Entity::find().filter(filter.clone()).one(conn);
    if let Some(found) = find().await? {
        return Ok(found);
    }
    wallet::Entity::insert(model)
        .on_conflict(
            OnConflict::columns(conflict_columns)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    find()
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("wallet after insert".into()))
}

/// A member's wallet for an asset, created on first use.
pub async fn member_wallet(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    user_id: i64,
    asset_id: i64,
) -> Result<wallet::Model, DbErr> {
    find_or_create_wallet(
        conn,
        sea_orm::Condition::all()
            .add(wallet::Column::OwnerUserId.eq(user_id))
            .add(wallet::Column::AssetId.eq(asset_id)),
        wallet::ActiveModel {
            kind: Set(WalletKind::Member.as_str().to_owned()),
            asset_id: Set(asset_id),
            owner_user_id: Set(Some(user_id)),
            balance: Set(0),
            version: Set(0),
            created_at: Set(now),
            ..Default::default()
        },
        [wallet::Column::OwnerUserId, wallet::Column::AssetId],
    )
    .await
}

/// The system wallet with a role for an asset, created on first use.
pub async fn system_wallet(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    role: SystemRole,
    asset_id: i64,
) -> Result<wallet::Model, DbErr> {
    find_or_create_wallet(
        conn,
        sea_orm::Condition::all()
            .add(wallet::Column::SystemRole.eq(role.as_str()))
            .add(wallet::Column::AssetId.eq(asset_id)),
        wallet::ActiveModel {
            kind: Set(WalletKind::System.as_str().to_owned()),
            asset_id: Set(asset_id),
            system_role: Set(Some(role.as_str().to_owned())),
            balance: Set(0),
            version: Set(0),
            created_at: Set(now),
            ..Default::default()
        },
        [wallet::Column::SystemRole, wallet::Column::AssetId],
    )
    .await
}

pub async fn create_funding_wallet(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    name: &str,
    asset_id: i64,
) -> Result<wallet::Model, DbErr> {
    wallet::Entity::insert(wallet::ActiveModel {
        kind: Set(WalletKind::Funding.as_str().to_owned()),
        asset_id: Set(asset_id),
        name: Set(Some(name.to_owned())),
        balance: Set(0),
        version: Set(0),
        created_at: Set(now),
        ..Default::default()
    })
    .exec_with_returning(conn)
    .await
}

/// One leg of a journal entry.
#[derive(Clone, Debug)]
pub struct Leg<'a> {
    pub from: &'a wallet::Model,
    pub to: &'a wallet::Model,
    pub amount: i64,
}

pub struct NewEntry<'a> {
    pub kind: EntryKind,
    pub reference: Option<String>,
    pub memo: Option<String>,
    pub actor_user_id: Option<i64>,
    pub legs: Vec<Leg<'a>>,
}

/// Takes `amount` from a wallet's cached balance. The guard is the balance
/// check in the UPDATE itself: no read-modify-write, so it cannot overdraw
/// under concurrency.
async fn debit_cached(
    conn: &impl ConnectionTrait,
    wallet_id: i64,
    amount: i64,
) -> Result<(), LedgerError> {
    let debited = wallet::Entity::update_many()
        .col_expr(
            wallet::Column::Balance,
            Expr::col(wallet::Column::Balance).sub(amount),
        )
        .col_expr(
            wallet::Column::Version,
            Expr::col(wallet::Column::Version).add(1),
        )
        .filter(wallet::Column::Id.eq(wallet_id))
        .filter(wallet::Column::Balance.gte(amount))
        .exec(conn)
        .await?;
    if debited.rows_affected == 0 {
        return Err(LedgerError::InsufficientFunds { wallet_id });
    }
    Ok(())
}

/// Adds `amount` to a wallet's cached balance, guarded like a debit: a
/// balance that would pass `i64::MAX` is refused (the database would fail
/// the statement with an overflow otherwise, which reads as a 500).
async fn credit_cached(
    conn: &impl ConnectionTrait,
    wallet_id: i64,
    amount: i64,
) -> Result<(), LedgerError> {
    let credited = wallet::Entity::update_many()
        .col_expr(
            wallet::Column::Balance,
            Expr::col(wallet::Column::Balance).add(amount),
        )
        .col_expr(
            wallet::Column::Version,
            Expr::col(wallet::Column::Version).add(1),
        )
        .filter(wallet::Column::Id.eq(wallet_id))
        .filter(wallet::Column::Balance.lte(i64::MAX - amount))
        .exec(conn)
        .await?;
    if credited.rows_affected == 0 {
        return Err(LedgerError::BalanceOverflow { wallet_id });
    }
    Ok(())
}

/// The journal entry row that a set of transfers belongs to.
async fn insert_entry(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    kind: EntryKind,
    reference: Option<String>,
    memo: Option<String>,
    actor_user_id: Option<i64>,
) -> Result<i64, DbErr> {
    let inserted = journal_entry::Entity::insert(journal_entry::ActiveModel {
        kind: Set(kind.as_str().to_owned()),
        reference: Set(reference),
        memo: Set(memo),
        actor_user_id: Set(actor_user_id),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    Ok(inserted.last_insert_id)
}

/// Writes a journal entry and its transfers, moving cached balances with
/// guarded updates. Must run inside the caller's transaction: a refused leg
/// (insufficient funds) leaves the transaction to be rolled back.
pub async fn post_entry(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    entry: NewEntry<'_>,
) -> Result<i64, LedgerError> {
    for leg in &entry.legs {
        if leg.amount <= 0 || leg.from.id == leg.to.id || leg.from.asset_id != leg.to.asset_id {
            return Err(LedgerError::MalformedTransfer);
        }
    }
    let entry_id = insert_entry(
        conn,
        now,
        entry.kind,
        entry.reference,
        entry.memo,
        entry.actor_user_id,
    )
    .await?;

    for leg in &entry.legs {
        if WalletKind::of(leg.from).caches_balance() {
            debit_cached(conn, leg.from.id, leg.amount).await?;
        }
        if WalletKind::of(leg.to).caches_balance() {
            credit_cached(conn, leg.to.id, leg.amount).await?;
        }
        transfer::Entity::insert(transfer::ActiveModel {
            entry_id: Set(entry_id),
            debit_wallet_id: Set(leg.from.id),
            credit_wallet_id: Set(leg.to.id),
            asset_id: Set(leg.from.asset_id),
            amount: Set(leg.amount),
            created_at: Set(now),
            ..Default::default()
        })
        .exec_without_returning(conn)
        .await?;
    }
    Ok(entry_id)
}

/// Money into a funding wallet from outside.
pub async fn record_deposit(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    funding: &wallet::Model,
    amount: i64,
    memo: Option<String>,
    actor_user_id: Option<i64>,
) -> Result<i64, LedgerError> {
    let outside = system_wallet(conn, now, SystemRole::OutsideWorld, funding.asset_id).await?;
    post_entry(
        conn,
        now,
        NewEntry {
            kind: EntryKind::Deposit,
            reference: Some(format!("wallet:{}", funding.id)),
            memo,
            actor_user_id,
            legs: vec![Leg {
                from: &outside,
                to: funding,
                amount,
            }],
        },
    )
    .await
}

/// Credits (positive) or debits (negative) a member wallet with a reason. A
/// debit cannot overdraw.
pub async fn adjust_member(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    member: &wallet::Model,
    signed_amount: i64,
    reason: &str,
    actor_user_id: Option<i64>,
) -> Result<i64, LedgerError> {
    let outside = system_wallet(conn, now, SystemRole::OutsideWorld, member.asset_id).await?;
    let (from, to) = if signed_amount >= 0 {
        (&outside, member)
    } else {
        (member, &outside)
    };
    post_entry(
        conn,
        now,
        NewEntry {
            kind: EntryKind::Adjustment,
            reference: Some(format!("wallet:{}", member.id)),
            memo: Some(reason.to_owned()),
            actor_user_id,
            legs: vec![Leg {
                from,
                to,
                amount: signed_amount
                    .checked_abs()
                    .ok_or(LedgerError::MalformedTransfer)?,
            }],
        },
    )
    .await
}

/// Pays a member from a company funding wallet (an incentive payment); the
/// funding wallet cannot go below zero.
pub async fn pay_member_from_funding(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    funding: &wallet::Model,
    member: &wallet::Model,
    amount: i64,
    memo: Option<String>,
    actor_user_id: Option<i64>,
) -> Result<i64, LedgerError> {
    post_entry(
        conn,
        now,
        NewEntry {
            kind: EntryKind::IncentivePayment,
            reference: Some(format!("wallet:{}", member.id)),
            memo,
            actor_user_id,
            legs: vec![Leg {
                from: funding,
                to: member,
                amount,
            }],
        },
    )
    .await
}

/// Rows per multi-row statement: well under SQLite's and PostgreSQL's
/// bound-parameter limits for the widest table written in batches.
const BATCH: usize = 500;

/// Members' wallets for an asset, created where missing, by user id: the
/// batched form of [`member_wallet`] for payments to thousands of members.
pub async fn member_wallets(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    user_ids: &[i64],
    asset_id: i64,
) -> Result<std::collections::HashMap<i64, wallet::Model>, DbErr> {
    let mut ids = user_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut found = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(BATCH) {
        let find = || {
            wallet::Entity::find()
                .filter(wallet::Column::AssetId.eq(asset_id))
                .filter(wallet::Column::OwnerUserId.is_in(chunk.iter().copied()))
                .all(conn)
        };
        let existing = find().await?;
        if existing.len() < chunk.len() {
            let have: std::collections::HashSet<i64> =
                existing.iter().filter_map(|w| w.owner_user_id).collect();
            let missing =
                chunk
                    .iter()
                    .filter(|id| !have.contains(id))
                    .map(|&id| wallet::ActiveModel {
                        kind: Set(WalletKind::Member.as_str().to_owned()),
                        asset_id: Set(asset_id),
                        owner_user_id: Set(Some(id)),
                        balance: Set(0),
                        version: Set(0),
                        created_at: Set(now),
                        ..Default::default()
                    });
            // A wallet created meanwhile by someone else is simply kept.
            wallet::Entity::insert_many(missing)
                .on_conflict(
                    OnConflict::columns([wallet::Column::OwnerUserId, wallet::Column::AssetId])
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(conn)
                .await?;
        }
        for w in find().await? {
            if let Some(owner) = w.owner_user_id {
                found.insert(owner, w);
            }
        }
    }
    Ok(found)
}

/// One journal entry paying many wallets from one: the payer is debited
/// once for the total, guarded so it cannot go below zero; each payee's
/// balance moves once by what it receives; and every leg is its own
/// transfer, so each payment shows as a line in its wallet's statement.
/// Statements are batched, so thousands of legs stay one quick transaction.
pub async fn post_fan_out(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    entry: FanOut<'_>,
) -> Result<i64, LedgerError> {
    let from = entry.from;
    let mut total: i64 = 0;
    let mut per_payee: std::collections::BTreeMap<i64, i64> = std::collections::BTreeMap::new();
    for (to, amount) in &entry.legs {
        if *amount <= 0 || to.id == from.id || to.asset_id != from.asset_id {
            return Err(LedgerError::MalformedTransfer);
        }
        total = total
            .checked_add(*amount)
            .ok_or(LedgerError::MalformedTransfer)?;
        let sum = per_payee.entry(to.id).or_insert(0);
        *sum = sum
            .checked_add(*amount)
            .ok_or(LedgerError::MalformedTransfer)?;
    }
    if entry.legs.is_empty() {
        return Err(LedgerError::MalformedTransfer);
    }
    let entry_id = insert_entry(
        conn,
        now,
        entry.kind,
        entry.reference,
        entry.memo,
        entry.actor_user_id,
    )
    .await?;
    if WalletKind::of(from).caches_balance() {
        debit_cached(conn, from.id, total).await?;
    }
    let caching: std::collections::HashSet<i64> = entry
        .legs
        .iter()
        .filter(|(to, _)| WalletKind::of(to).caches_balance())
        .map(|(to, _)| to.id)
        .collect();
    for (wallet_id, amount) in per_payee {
        if !caching.contains(&wallet_id) {
            continue;
        }
        credit_cached(conn, wallet_id, amount).await?;
    }
    for chunk in entry.legs.chunks(BATCH) {
        transfer::Entity::insert_many(chunk.iter().map(|(to, amount)| transfer::ActiveModel {
            entry_id: Set(entry_id),
            debit_wallet_id: Set(from.id),
            credit_wallet_id: Set(to.id),
            asset_id: Set(from.asset_id),
            amount: Set(*amount),
            created_at: Set(now),
            ..Default::default()
        }))
        .exec_without_returning(conn)
        .await?;
    }
    Ok(entry_id)
}

/// A journal entry from one wallet to many, for [`post_fan_out`].
pub struct FanOut<'a> {
    pub kind: EntryKind,
    pub reference: Option<String>,
    pub memo: Option<String>,
    pub actor_user_id: Option<i64>,
    pub from: &'a wallet::Model,
    pub legs: Vec<(&'a wallet::Model, i64)>,
}
