//! The ledger operations an admin performs, each one transaction with an
//! idempotency key and an audit row: record a deposit into a funding wallet,
//! and credit or debit a member's wallet with a reason.

use sea_orm::{ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter};

use super::four_eyes::{self, Cleared, FourEyesError, Gate, HeldKind, Hold};
use super::held::Moved;
use super::idempotency::{self, Begun, ClaimedKey, IdempotencyError};
use super::money::{format_amount, parse_amount, AmountError};
use super::service::{self as ledger, LedgerError, WalletKind};
use crate::entities::{asset, wallet};
use crate::error::{AppError, ErrorCode};
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    Clock,
};

#[derive(Debug, thiserror::Error)]
pub enum OperationError {
    #[error("{0}")]
    Amount(#[from] AmountError),
    #[error("{0}")]
    Invalid(String),
    #[error("Wallet not found")]
    WalletNotFound,
    #[error("Insufficient funds: the wallet holds less than that")]
    InsufficientFunds,
    #[error("{0}")]
    Idempotency(#[from] IdempotencyError),
    /// A second approval that no longer matches, or was spent meanwhile.
    #[error("{0}")]
    FourEyes(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for OperationError {
    fn from(err: sea_orm::DbErr) -> Self {
        OperationError::Unexpected(err.into())
    }
}

impl From<FourEyesError> for OperationError {
    fn from(err: FourEyesError) -> Self {
        match err {
            FourEyesError::Void(why) | FourEyesError::Conflict(why) => {
                OperationError::FourEyes(why)
            }
            FourEyesError::Db(err) => err.into(),
        }
    }
}

impl From<LedgerError> for OperationError {
    fn from(err: LedgerError) -> Self {
        match err {
            LedgerError::InsufficientFunds { .. } => OperationError::InsufficientFunds,
            overflow @ LedgerError::BalanceOverflow { .. } => {
                OperationError::Invalid(overflow.to_string())
            }
            other => OperationError::Unexpected(other.into()),
        }
    }
}

impl From<OperationError> for AppError {
    fn from(err: OperationError) -> Self {
        let code = match &err {
            OperationError::Amount(_)
            | OperationError::Invalid(_)
            | OperationError::InsufficientFunds => ErrorCode::Invalid,
            OperationError::WalletNotFound => ErrorCode::NotFound,
            OperationError::FourEyes(_) => ErrorCode::Conflict,
            OperationError::Idempotency(_) | OperationError::Unexpected(_) => {
                return match err {
                    OperationError::Idempotency(inner) => AppError::from(inner),
                    other => AppError::internal(anyhow::anyhow!("{other:#}")),
                };
            }
        };
        AppError::new(code, err.to_string())
    }
}

pub use super::money::Direction;

fn reason_text(reason: &str) -> Result<String, OperationError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(OperationError::Invalid(
            "Give a reason; the member and the audit log will see it".into(),
        ));
    }
    if reason.chars().count() > 500 {
        return Err(OperationError::Invalid(
            "The reason must be at most 500 characters".into(),
        ));
    }
    Ok(reason.to_owned())
}

async fn asset_of(
    db: &DatabaseConnection,
    wallet: &wallet::Model,
) -> Result<asset::Model, OperationError> {
    asset::Entity::find_by_id(wallet.asset_id)
        .one(db)
        .await?
        .ok_or_else(|| {
            OperationError::Unexpected(anyhow::anyhow!("asset {} missing", wallet.asset_id))
        })
}

/// Money arriving in a company funding wallet: the journal entry id, or,
/// above the asset's approval limit, held for a second approval.
pub async fn record_deposit(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    funding_wallet_id: i64,
    amount_text: &str,
    memo: &str,
    idempotency_key: &str,
) -> Result<Moved<i64>, OperationError> {
    record_deposit_via(
        db,
        clock,
        admin_user_id,
        DepositPayload {
            wallet_id: funding_wallet_id,
            amount: amount_text.to_owned(),
            memo: memo.to_owned(),
        },
        idempotency_key,
        None,
    )
    .await
}

/// What a held deposit or adjustment carries out when approved: the form
/// as the initiator posted it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct DepositPayload {
    pub wallet_id: i64,
    pub amount: String,
    pub memo: String,
}

/// A deposit: the initiator's own (`via` None) or the approved one a
/// second admin's click carries out.
pub async fn record_deposit_via(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    asked: DepositPayload,
    idempotency_key: &str,
    via: Option<i64>,
) -> Result<Moved<i64>, OperationError> {
    let funding_wallet_id = asked.wallet_id;
    let funding = wallet::Entity::find_by_id(funding_wallet_id)
        .filter(wallet::Column::Kind.eq(WalletKind::Funding.as_str()))
        .one(db)
        .await?
        .ok_or(OperationError::WalletNotFound)?;
    let asset = asset_of(db, &funding).await?;
    let scale = u32::try_from(asset.scale).unwrap_or(0);
    let amount = parse_amount(&asked.amount, &asset.code, scale)?;
    let memo = reason_text(&asked.memo)?;
    let scope = format!("user:{admin_user_id}");
    let fingerprint = idempotency::fingerprint(&[
        "ledger.deposit",
        &funding.id.to_string(),
        &amount.to_string(),
        &memo,
    ]);
    let now = clock.now();
    let (txn, claimed) =
        match idempotency::begin(db, now, &scope, idempotency_key, &fingerprint).await? {
            Begun::Replay(outcome) => return Ok(outcome),
            Begun::New(txn, claimed) => (txn, claimed),
        };
    let binding = four_eyes::binding(&[
        "deposit",
        &funding.id.to_string(),
        &amount.to_string(),
        &memo,
    ]);
    let hold = Hold {
        kind: HeldKind::Deposit,
        subject: format!("deposit:{}:{}", funding.id, &binding[..16]),
        asset: &asset,
        amount_minor: amount,
        binding: binding.clone(),
        payload: serde_json::to_string(&DepositPayload {
            memo: memo.clone(),
            ..asked
        })
        .map_err(anyhow::Error::from)?,
        summary: format!(
            "Deposit of {} into {}",
            format_amount(amount, &asset.code, scale),
            funding
                .name
                .clone()
                .unwrap_or_else(|| format!("funding wallet #{}", funding.id))
        ),
        note: Some(memo.clone()),
        initiator: admin_user_id,
        barred: None,
    };
    let (txn, claimed, cleared) = match pass_gate(txn, claimed, now, hold, via).await? {
        Gated::Go(txn, claimed, cleared) => (txn, claimed, cleared),
        Gated::Held(outcome) => return Ok(outcome),
    };
    let entry = ledger::record_deposit(
        &txn,
        now,
        &funding,
        amount,
        Some(memo.clone()),
        Some(admin_user_id),
    )
    .await?;
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::DepositRecorded)
            .actor(admin_user_id)
            .subject(format!("wallet:{}", funding.id))
            .detail(format!(
                "{amount} minor units of {}: {memo}{}",
                asset.code,
                second_approval_text(cleared)
            )),
    )
    .await?;
    let outcome = Moved::Done(entry);
    claimed.commit(txn, &outcome).await?;
    Ok(outcome)
}

/// What the four-eyes gate let through.
enum Gated {
    /// Go ahead in the transaction, with the approval used, if any.
    Go(DatabaseTransaction, ClaimedKey, Option<Cleared>),
    /// Held: the ask is committed with the key; this is the answer.
    Held(Moved<i64>),
}

/// Asks the gate before the operation writes; a held move commits the ask
/// together with its idempotency key, so the same key again answers "held".
async fn pass_gate(
    txn: DatabaseTransaction,
    claimed: ClaimedKey,
    now: chrono::DateTime<chrono::Utc>,
    hold: Hold<'_>,
    via: Option<i64>,
) -> Result<Gated, OperationError> {
    match four_eyes::gate(&txn, now, hold, via).await? {
        Gate::Open(cleared) => Ok(Gated::Go(txn, claimed, cleared)),
        Gate::Held(held) => {
            let outcome = Moved::Held(held);
            claimed.commit(txn, &outcome).await?;
            Ok(Gated::Held(outcome))
        }
    }
}

/// The audit detail's note of the second approval a move used.
fn second_approval_text(cleared: Option<Cleared>) -> String {
    cleared
        .map(|c| format!(" (second approval #{})", c.approval_id))
        .unwrap_or_default()
}

/// Credits or debits a member's wallet in an asset, with a reason. A debit
/// cannot take the wallet below zero. Returns the journal entry id, or,
/// above the asset's approval limit, holds it for a second approval.
#[allow(clippy::too_many_arguments)]
pub async fn adjust_member(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    member_user_id: i64,
    asset_code: &str,
    direction: Direction,
    amount_text: &str,
    reason: &str,
    idempotency_key: &str,
) -> Result<Moved<i64>, OperationError> {
    adjust_member_via(
        db,
        clock,
        admin_user_id,
        AdjustmentPayload {
            member_user_id,
            asset: asset_code.to_owned(),
            direction,
            amount: amount_text.to_owned(),
            reason: reason.to_owned(),
        },
        idempotency_key,
        None,
    )
    .await
}

/// What a held adjustment carries out when approved.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct AdjustmentPayload {
    pub member_user_id: i64,
    pub asset: String,
    pub direction: Direction,
    pub amount: String,
    pub reason: String,
}

/// An adjustment: the initiator's own (`via` None) or the approved one a
/// second admin's click carries out.
pub async fn adjust_member_via(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    asked: AdjustmentPayload,
    idempotency_key: &str,
    via: Option<i64>,
) -> Result<Moved<i64>, OperationError> {
    let member_user_id = asked.member_user_id;
    let direction = asked.direction;
    let asset = ledger::find_asset(db, &asked.asset)
        .await
        .map_err(|err| match err {
            LedgerError::UnknownAsset(code) => {
                OperationError::Invalid(format!("Unknown currency or point type {code}"))
            }
            other => other.into(),
        })?;
    let scale = u32::try_from(asset.scale).unwrap_or(0);
    let amount = parse_amount(&asked.amount, &asset.code, scale)?;
    let reason = reason_text(&asked.reason)?;
    let scope = format!("user:{admin_user_id}");
    let fingerprint = idempotency::fingerprint(&[
        "ledger.adjust",
        &member_user_id.to_string(),
        &asset.code,
        &format!("{direction:?}"),
        &amount.to_string(),
        &reason,
    ]);
    let now = clock.now();
    let (txn, claimed) =
        match idempotency::begin(db, now, &scope, idempotency_key, &fingerprint).await? {
            Begun::Replay(outcome) => return Ok(outcome),
            Begun::New(txn, claimed) => (txn, claimed),
        };
    let member = crate::entities::user::Entity::find_by_id(member_user_id)
        .one(&txn)
        .await?
        .filter(|user| user.is_member())
        .ok_or(OperationError::WalletNotFound)?;
    let binding = four_eyes::binding(&[
        "adjustment",
        &member.id.to_string(),
        &asset.code,
        &format!("{direction:?}"),
        &amount.to_string(),
        &reason,
    ]);
    let hold = Hold {
        kind: HeldKind::Adjustment,
        subject: format!("adjustment:{}:{}", member.id, &binding[..16]),
        asset: &asset,
        amount_minor: amount,
        binding: binding.clone(),
        payload: serde_json::to_string(&AdjustmentPayload {
            reason: reason.clone(),
            ..asked
        })
        .map_err(anyhow::Error::from)?,
        summary: format!(
            "{} of {} to {}'s wallet",
            match direction {
                Direction::Credit => "Credit",
                Direction::Debit => "Debit",
            },
            format_amount(amount, &asset.code, scale),
            member.display_name
        ),
        note: Some(reason.clone()),
        initiator: admin_user_id,
        barred: None,
    };
    let (txn, claimed, cleared) = match pass_gate(txn, claimed, now, hold, via).await? {
        Gated::Go(txn, claimed, cleared) => (txn, claimed, cleared),
        Gated::Held(outcome) => return Ok(outcome),
    };
    let wallet = ledger::member_wallet(&txn, now, member.id, asset.id).await?;
    let signed = match direction {
        Direction::Credit => amount,
        Direction::Debit => -amount,
    };
    let entry =
        ledger::adjust_member(&txn, now, &wallet, signed, &reason, Some(admin_user_id)).await?;
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::BalanceAdjusted)
            .actor(admin_user_id)
            .subject(format!("wallet:{}", wallet.id))
            .detail(format!(
                "{signed} minor units of {}: {reason}{}",
                asset.code,
                second_approval_text(cleared)
            )),
    )
    .await?;
    let outcome = Moved::Done(entry);
    claimed.commit(txn, &outcome).await?;
    Ok(outcome)
}
