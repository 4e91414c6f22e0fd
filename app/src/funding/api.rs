//! Funding wallets' server functions: administrators only.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::FundingView;
use crate::error::AppError;
use crate::ui::CsrfClient;

/// Every funding wallet, and the history of `wallet_id` (or the first).
#[server(endpoint = "admin/wallets/page", input = Json)]
pub async fn funding_page(wallet_id: Option<i64>, page: u64) -> Result<FundingView, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    let admin = require(Permission::Read).await?;
    let state = app_state()?;
    let mut view = super::service::page(&state.db, wallet_id, page).await?;
    view.can_deposit = admin.can(Permission::Deposit);
    view.can_create = admin.can(Permission::ManageFundingWallets);
    Ok(view)
}

/// Creates an empty funding wallet; answers its id.
#[server(endpoint = "admin/wallets/create", client = CsrfClient)]
pub async fn create_funding_wallet(name: String, asset: String) -> Result<i64, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::{request::request_meta, state::app_state};

    let admin = require(Permission::ManageFundingWallets).await?;
    let state = app_state()?;
    let id = super::service::create(
        &state.db,
        &state.clock,
        admin.id,
        &name,
        &asset,
        request_meta().ip,
    )
    .await?;
    leptos_axum::redirect(&format!("/admin/wallets?wallet={id}"));
    Ok(id)
}

/// Records money arriving in a funding wallet; answers the journal entry id,
/// or, above the approval limit, that it waits for a second approval. The
/// same `idempotency_key` twice records one deposit.
#[server(endpoint = "admin/wallets/deposit", client = CsrfClient)]
pub async fn record_deposit(
    wallet_id: i64,
    amount: String,
    memo: String,
    idempotency_key: String,
) -> Result<crate::ledger::held::Moved<i64>, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    let admin = require(Permission::Deposit).await?;
    let state = app_state()?;
    crate::auth::step_up::require(&state, admin.id).await?;
    let entry = crate::ledger::operations::record_deposit(
        &state.db,
        &state.clock,
        admin.id,
        wallet_id,
        &amount,
        &memo,
        &idempotency_key,
    )
    .await?;
    // Without the bundle the form posts and follows the redirect: a held
    // deposit says so on the page it lands on.
    let held = if entry.held().is_some() {
        "&held=1"
    } else {
        ""
    };
    leptos_axum::redirect(&format!("/admin/wallets?wallet={wallet_id}{held}"));
    Ok(entry)
}
