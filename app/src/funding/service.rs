//! Funding wallets: listing with history, and creating one. Deposits are
//! `ledger::operations::record_deposit` (keyed and audited).

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use super::error::FundingError;
use super::{AssetChoice, FundingView};
use crate::entities::{asset, wallet};
use crate::ledger::service::{self as ledger, WalletKind};
use crate::ledger::statement::{wallet_statement, StatementWallet};
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    db, Clock,
};

async fn funding_wallets(db: &DatabaseConnection) -> Result<Vec<wallet::Model>, FundingError> {
    Ok(wallet::Entity::find()
        .filter(wallet::Column::Kind.eq(WalletKind::Funding.as_str()))
        .order_by_asc(wallet::Column::Id)
        .all(db)
        .await?)
}

/// Every funding wallet with its name, asset and balance.
pub async fn wallets(db: &DatabaseConnection) -> Result<Vec<StatementWallet>, FundingError> {
    let assets = ledger::assets_by_id(db).await?;
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
) -> Result<FundingView, FundingError> {
    let funding = funding_wallets(db).await?;
    let statement = wallet_statement(db, funding, wallet_id, page)
        .await?
        .ok_or_else(|| FundingError::not_found("Funding wallet not found"))?;
    let assets = asset::Entity::find()
        .order_by_asc(asset::Column::Code)
        .all(db)
        .await?
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
        // The server function sets them for the viewing admin.
        can_deposit: false,
        can_create: false,
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
) -> Result<i64, FundingError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(FundingError::invalid("Give the wallet a name"));
    }
    if name.chars().count() > 100 {
        return Err(FundingError::invalid(
            "The name must be at most 100 characters",
        ));
    }
    let code = asset_code.trim().to_ascii_uppercase();
    let asset = asset::Entity::find()
        .filter(asset::Column::Code.eq(code.clone()))
        .one(db)
        .await?
        .ok_or_else(|| FundingError::invalid(format!("Unknown asset {code:?}")))?;
    let now = clock.now();
    let txn = db::begin_write(db).await?;
    // Checked inside the write transaction, which serialises writers on
    // SQLite; on PostgreSQL two identical creations at once could both
    // pass, which leaves two wallets with one name: harmless for money.
    let taken = wallet::Entity::find()
        .filter(wallet::Column::Kind.eq(WalletKind::Funding.as_str()))
        .all(&txn)
        .await?
        .into_iter()
        .any(|w| {
            w.name
                .is_some_and(|n| n.to_lowercase() == name.to_lowercase())
        });
    if taken {
        return Err(FundingError::invalid(format!(
            "A funding wallet named \"{name}\" already exists"
        )));
    }
    let created = ledger::create_funding_wallet(&txn, now, name, asset.id).await?;
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::FundingWalletCreated)
            .actor(admin_user_id)
            .subject(format!("wallet:{}", created.id))
            .ip(ip)
            .detail(format!("{name} ({})", asset.code)),
    )
    .await?;
    txn.commit().await?;
    Ok(created.id)
}
