//! The member's statement server function.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::AppError;
use crate::ledger::statement::StatementPage;

/// One page (20 lines) of a wallet's transfers with running balance; the
/// member's first wallet when `wallet_id` is absent.
#[server(endpoint = "account/statement", input = Json)]
pub async fn statement(wallet_id: Option<i64>, page: u64) -> Result<StatementPage, AppError> {
    use crate::auth::session::require_member;
    use crate::platform::state::app_state;

    let user = require_member().await?;
    let state = app_state()?;
    crate::ledger::statement::statement(&state.db, user.id, wallet_id, page)
        .await
        .map_err(AppError::internal)?
        .ok_or_else(|| AppError::new(crate::error::ErrorCode::NotFound, "Wallet not found"))
}
