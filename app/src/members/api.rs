//! Members' server functions for admins: administrators only.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{MemberList, MemberView};
use crate::error::AppError;
use crate::ui::CsrfClient;

/// One page of members (20), newest first, with balances and totals.
#[server(endpoint = "admin/members/list", input = Json)]
pub async fn list_members(q: String, page: u64) -> Result<MemberList, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    require(Permission::Read).await?;
    let state = app_state()?;
    Ok(super::service::list(&state.db, &q, page).await?)
}

/// Everything the member page shows, with the statement of `wallet_id` (or
/// the member's first wallet) at `page` (from 1; 0 counts as 1).
#[server(endpoint = "admin/members/get", input = Json)]
pub async fn member_detail(
    member_id: i64,
    #[server(default)] wallet_id: Option<i64>,
    #[server(default)] page: u64,
) -> Result<MemberView, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    let admin = require(Permission::Read).await?;
    let state = app_state()?;
    let mut view = super::service::detail(&state.db, member_id, wallet_id, page).await?;
    view.can = super::MemberActions {
        switch_active: admin.can(Permission::ManageMembers),
        review: admin.can(Permission::ReviewVerifications),
        reveal: admin.can(Permission::RevealDetails),
        adjust: admin.can(Permission::AdjustBalances),
        request: admin.can(Permission::ProcessPayouts),
        add_incentive: admin.can(Permission::CreateIncentives),
    };
    Ok(view)
}

/// Turns a member's account on (`active` = "true") or off.
#[server(endpoint = "admin/members/active", client = CsrfClient)]
pub async fn set_member_active(member_id: i64, active: bool) -> Result<(), AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::{request::request_meta, state::app_state};

    let admin = require(Permission::ManageMembers).await?;
    let state = app_state()?;
    Ok(super::service::set_active(
        &state.db,
        &state.clock,
        admin.id,
        member_id,
        active,
        request_meta().ip,
    )
    .await?)
}

/// Credits or debits one of the member's wallets, with a reason the member
/// sees in their statement. The same `idempotency_key` twice moves money once.
#[server(endpoint = "admin/members/adjust", client = CsrfClient)]
pub async fn adjust_member_balance(
    member_id: i64,
    asset: String,
    direction: crate::ledger::money::Direction,
    amount: String,
    reason: String,
    idempotency_key: String,
) -> Result<crate::ledger::held::Moved<i64>, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::ledger::operations::adjust_member;
    use crate::platform::state::app_state;

    let admin = require(Permission::AdjustBalances).await?;
    let state = app_state()?;
    // Only members have wallets to adjust.
    super::service::find_member(&state.db, member_id).await?;
    crate::auth::step_up::require(&state, admin.id).await?;
    Ok(adjust_member(
        &state.db,
        &state.clock,
        admin.id,
        member_id,
        &asset,
        direction,
        &amount,
        &reason,
        &idempotency_key,
    )
    .await?)
}

/// Makes a withdrawal request for the member, from one of their wallets to
/// one of their saved payout methods, with their own rules and limits.
/// `max` ("on") withdraws all that is available, up to the method maximum.
#[server(endpoint = "admin/members/request", client = CsrfClient)]
pub async fn request_for_member(
    member_id: i64,
    wallet_id: i64,
    method: String,
    amount: Option<String>,
    max: Option<String>,
    note: Option<String>,
    idempotency_key: String,
) -> Result<crate::withdrawals::WithdrawalView, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;
    use crate::withdrawals::service::{request_on_behalf, AmountRequest, NewWithdrawal};

    let admin = require(Permission::ProcessPayouts).await?;
    let state = app_state()?;
    super::service::find_member(&state.db, member_id).await?;
    let amount = AmountRequest::from_form(amount, max.as_deref())?;
    let view = request_on_behalf(
        &state.db,
        &state.clock,
        admin.id,
        NewWithdrawal {
            member_user_id: member_id,
            wallet_id,
            method: &method,
            amount,
            idempotency_key: &idempotency_key,
        },
        note,
        false,
    )
    .await?;
    state.live.requests_changed(&state.db).await;
    Ok(view)
}

/// Approves or rejects (with a note the member sees) a submitted identity.
#[server(endpoint = "admin/members/review", client = CsrfClient)]
pub async fn review_member_verification(
    member_id: i64,
    decision: crate::verification::ReviewDecision,
    note: Option<String>,
    #[server(default)] submission: String,
) -> Result<crate::verification::VerificationView, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    let admin = require(Permission::ReviewVerifications).await?;
    let state = app_state()?;
    let approve = decision == crate::verification::ReviewDecision::Approve;
    Ok(crate::verification::service::review(
        &state.db,
        &state.clock,
        admin.id,
        member_id,
        approve,
        note.as_deref(),
        &submission,
    )
    .await?)
}

/// One method's saved payout details in full; the reveal is audit-logged.
#[server(endpoint = "admin/members/reveal", client = CsrfClient)]
pub async fn reveal_member_details(
    member_id: i64,
    method: String,
) -> Result<crate::payouts::RevealedDetails, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::{request::request_meta, state::app_state};

    let admin = require(Permission::RevealDetails).await?;
    let state = app_state()?;
    Ok(super::service::reveal(
        &state.db,
        &state.clock,
        admin.id,
        member_id,
        &method,
        request_meta().ip,
    )
    .await?)
}
