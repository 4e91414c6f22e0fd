//! Requests as lists, the process view and the API return them.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::error::WithdrawalError;
use crate::entities::{asset, wallet, withdrawal_request};
use crate::ledger::service as ledger;
use crate::payout_details::method::PayoutMethod;
use crate::withdrawals::{status::WithdrawalStatus, WithdrawalView};

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
        held: None,
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
