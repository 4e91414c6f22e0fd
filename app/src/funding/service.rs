//! Funding wallets: listing with history, and creating one. Deposits are
//! `ledger::operations::record_deposit` (keyed and audited).

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use super::{AssetChoice, FundingView};
use crate::entities::{asset, wallet};
use crate::error::{AppError, ErrorCode};
use crate::ledger::service::{self as ledger, WalletKind};
use crate::ledger::statement::{wallet_statement, StatementWallet};
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    db, Clock,
};

async fn funding_wallets(db: &DatabaseConnection) -> Result<Vec<wallet::Model>, AppError> {
    wallet::Entity::find()
        .filter(wallet::Column::Kind.eq(WalletKind::Funding.as_str()))
        .order_by_asc(wallet::Column::Id)
        .all(db)
        .await
        .map_err(AppError::internal)
}

/// Every funding wallet with its name, asset and balance.
pub async fn wallets(db: &DatabaseConnection) -> Result<Vec<StatementWallet>, AppError> {
    let assets = ledger::assets_by_id(db).await.map_err(AppError::internal)?;
    Ok(funding_wallets(db)
        .await?
        .into_iter()
        .filter_map(|w| {
            Some(StatementWallet {
                wallet_id: w.id,
                name: w.name.clone(),
                asset: ledger::asset_view(assets.get(&w.asset_id)?),
                balance: w.balance,
            })
        })
        .collect())
}

pub async fn page(
    db: &DatabaseConnection,
    wallet_id: Option<i64>,
    page: u64,
) -> Result<FundingView, AppError> {
    let funding = funding_wallets(db).await?;
    let statement = wallet_statement(db, funding, wallet_id, page)
        .await
        .map_err(AppError::internal)?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound, "Funding wallet not found"))?;
    let assets = asset::Entity::find()
        .order_by_asc(asset::Column::Code)
        .all(db)
        .await
        .map_err(AppError::internal)?
        .into_iter()
        .map(|a| AssetChoice {
            code: a.code,
            name: a.name,
        })
        .collect();
    Ok(FundingView {
        statement,
        assets,
        fresh_key: crate::withdrawals::queries::fresh_key(),
    })
}

/// A new, empty funding wallet. Names are unique (ignoring case), so the
/// wallet chosen in a payment is never ambiguous.
pub async fn create(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    name: &str,
    asset_code: &str,
    ip: Option<String>,
) -> Result<i64, AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::invalid("Give the wallet a name"));
    }
    if name.chars().count() > 100 {
        return Err(AppError::invalid("The name must be at most 100 characters"));
    }
    let code = asset_code.trim().to_ascii_uppercase();
    let asset = asset::Entity::find()
        .filter(asset::Column::Code.eq(code.clone()))
        .one(db)
        .await
        .map_err(AppError::internal)?
        .ok_or_else(|| AppError::invalid(format!("Unknown asset {code:?}")))?;
    let now = clock.now();
    let txn = db::begin_write(db).await.map_err(AppError::internal)?;
    // Checked inside the write transaction, which serialises writers on
    // SQLite; on PostgreSQL two identical creations at once could both
    // pass, which leaves two wallets with one name: harmless for money.
    let taken = wallet::Entity::find()
        .filter(wallet::Column::Kind.eq(WalletKind::Funding.as_str()))
        .all(&txn)
        .await
        .map_err(AppError::internal)?
        .into_iter()
        .any(|w| {
            w.name
                .is_some_and(|n| n.to_lowercase() == name.to_lowercase())
        });
    if taken {
        return Err(AppError::invalid(format!(
            "A funding wallet named \"{name}\" already exists"
        )));
    }
    let created = ledger::create_funding_wallet(&txn, now, name, asset.id)
        .await
        .map_err(AppError::internal)?;
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::FundingWalletCreated)
            .actor(admin_user_id)
            .subject(format!("wallet:{}", created.id))
            .ip(ip)
            .detail(format!("{name} ({})", asset.code)),
    )
    .await
    .map_err(AppError::internal)?;
    txn.commit().await.map_err(AppError::internal)?;
    Ok(created.id)
}
