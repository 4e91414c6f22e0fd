//! The ledger operations an admin performs, each one transaction with an
//! idempotency key and an audit row: record a deposit into a funding wallet,
//! and credit or debit a member's wallet with a reason.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::idempotency::{self, Begun, IdempotencyError};
use super::money::{parse_amount, AmountError};
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
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for OperationError {
    fn from(err: sea_orm::DbErr) -> Self {
        OperationError::Unexpected(err.into())
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

/// Money arriving in a company funding wallet. Returns the journal entry id.
pub async fn record_deposit(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    funding_wallet_id: i64,
    amount_text: &str,
    memo: &str,
    idempotency_key: &str,
) -> Result<i64, OperationError> {
    let funding = wallet::Entity::find_by_id(funding_wallet_id)
        .filter(wallet::Column::Kind.eq(WalletKind::Funding.as_str()))
        .one(db)
        .await?
        .ok_or(OperationError::WalletNotFound)?;
    let asset = asset_of(db, &funding).await?;
    let amount = parse_amount(
        amount_text,
        &asset.code,
        u32::try_from(asset.scale).unwrap_or(0),
    )?;
    let memo = reason_text(memo)?;
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
            Begun::Replay(entry) => return Ok(entry),
            Begun::New(txn, claimed) => (txn, claimed),
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
            .detail(format!("{amount} minor units of {}: {memo}", asset.code)),
    )
    .await?;
    claimed.commit(txn, &entry).await?;
    Ok(entry)
}

/// Credits or debits a member's wallet in an asset, with a reason. A debit
/// cannot take the wallet below zero. Returns the journal entry id.
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
) -> Result<i64, OperationError> {
    let asset = ledger::find_asset(db, asset_code)
        .await
        .map_err(|err| match err {
            LedgerError::UnknownAsset(code) => {
                OperationError::Invalid(format!("Unknown currency or point type {code}"))
            }
            other => other.into(),
        })?;
    let amount = parse_amount(
        amount_text,
        &asset.code,
        u32::try_from(asset.scale).unwrap_or(0),
    )?;
    let reason = reason_text(reason)?;
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
            Begun::Replay(entry) => return Ok(entry),
            Begun::New(txn, claimed) => (txn, claimed),
        };
    let member = crate::entities::user::Entity::find_by_id(member_user_id)
        .one(&txn)
        .await?
        .filter(|user| user.is_member())
        .ok_or(OperationError::WalletNotFound)?;
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
            .detail(format!("{signed} minor units of {}: {reason}", asset.code)),
    )
    .await?;
    claimed.commit(txn, &entry).await?;
    Ok(entry)
}
