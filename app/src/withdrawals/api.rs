//! The member's withdrawal server functions. Thin: the member is the
//! session's user; the services decide.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::preview::{HistoryPage, WithdrawPage};
use super::WithdrawalView;
use crate::error::AppError;
use crate::ui::CsrfClient;

/// Wallets, methods with limits and fees, verification state, and a fresh
/// idempotency key for the request form.
#[server(endpoint = "withdrawals/page", input = Json)]
pub async fn load_withdraw_page() -> Result<WithdrawPage, AppError> {
    use crate::auth::session::require_member;
    use crate::platform::state::app_state;

    let user = require_member().await?;
    let state = app_state()?;
    super::queries::withdraw_page(&state.db, user.id)
        .await
        .map_err(AppError::internal)
}

/// One page (10 rows) of the member's requests, newest first.
#[server(endpoint = "withdrawals/history", input = Json)]
pub async fn withdrawal_history(page: u64) -> Result<HistoryPage, AppError> {
    use crate::auth::session::require_member;
    use crate::platform::state::app_state;

    let user = require_member().await?;
    let state = app_state()?;
    Ok(super::queries::history(&state.db, user.id, page).await?)
}

/// Requests a withdrawal. `max` (any value) asks for the whole available
/// balance, up to the method's maximum; otherwise `amount` is in the payout
/// currency. The same `idempotency_key` twice makes one request.
#[server(endpoint = "withdrawals/request", client = CsrfClient)]
pub async fn request_withdrawal(
    wallet_id: i64,
    method: String,
    amount: Option<String>,
    max: Option<String>,
    idempotency_key: String,
) -> Result<WithdrawalView, AppError> {
    use super::service::{self, AmountRequest, NewWithdrawal};
    use crate::auth::session::require_member;
    use crate::platform::state::app_state;

    let user = require_member().await?;
    let state = app_state()?;
    let amount = AmountRequest::from_form(amount, max.as_deref())?;
    let view = service::request_withdrawal(
        &state.db,
        &state.clock,
        NewWithdrawal {
            member_user_id: user.id,
            wallet_id,
            method: &method,
            amount,
            idempotency_key: &idempotency_key,
        },
    )
    .await?;
    state.live.requests_changed(&state.db).await;
    // Back to a clean form, with the confirmation for this request.
    leptos_axum::redirect(&format!("/account/withdrawals?requested={}", view.id));
    Ok(view)
}

/// Cancels one of the member's own requests while it is still requested.
#[server(endpoint = "withdrawals/cancel", client = CsrfClient)]
pub async fn cancel_withdrawal(
    request_id: i64,
    idempotency_key: String,
) -> Result<WithdrawalView, AppError> {
    use super::service::{self, Actor, EventDetails};
    use super::WithdrawalAction;
    use crate::auth::{session::require_member, Role};
    use crate::platform::state::app_state;

    let user = require_member().await?;
    let state = app_state()?;
    let view = service::change_status(
        &state.db,
        &state.clock,
        Actor {
            user_id: user.id,
            role: Role::Member,
        },
        request_id,
        WithdrawalAction::Cancel,
        EventDetails::default(),
        &idempotency_key,
    )
    .await?;
    state.live.requests_changed(&state.db).await;
    Ok(view)
}
