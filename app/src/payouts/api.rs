//! The payouts desk's server functions: administrators only.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{BulkRequest, PayoutList, PayoutQuery};
use crate::error::AppError;
use crate::ui::BulkOutcome;

/// One page of withdrawal requests matching the query, with the total.
#[server(endpoint = "admin/payouts/list", input = Json)]
pub async fn list_payouts(query: PayoutQuery) -> Result<PayoutList, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    let admin = require(Permission::Read).await?;
    let state = app_state()?;
    let mut list = super::service::list(&state.db, &query).await?;
    list.can_process = admin.can(Permission::ProcessPayouts);
    list.can_send = admin.can(Permission::SendViaPaypal);
    list.can_export = admin.can(Permission::ExportPayouts);
    Ok(list)
}

/// Applies one action to the selected (or all matching) requests; reports
/// which succeeded and why any were skipped.
#[server(endpoint = "admin/payouts/bulk", input = Json)]
pub async fn bulk_payouts(request: BulkRequest) -> Result<BulkOutcome, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    let admin = require(Permission::ProcessPayouts).await?;
    let state = app_state()?;
    if request.action == crate::withdrawals::WithdrawalAction::MarkPaid {
        crate::auth::step_up::require(&state, admin.id).await?;
    }
    let outcome = super::service::bulk(&state.db, &state.clock, admin.id, request).await?;
    if !outcome.succeeded.is_empty() {
        state.live.requests_changed(&state.db).await;
    }
    Ok(outcome)
}

/// How many requests wait for an administrator (status requested): the
/// sidebar badge's first value; `/admin/live/requested` streams the rest.
#[server(endpoint = "admin/payouts/requested", input = Json)]
pub async fn requested_count() -> Result<u64, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    require(Permission::Read).await?;
    let state = app_state()?;
    Ok(super::service::requested_count(&state.db).await?)
}

/// Everything about one request, for the process view.
#[server(endpoint = "admin/payouts/get", input = Json)]
pub async fn payout_process_view(request_id: i64) -> Result<super::ProcessView, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    let admin = require(Permission::Read).await?;
    let state = app_state()?;
    let mut view = super::service::process_view(&state.db, request_id).await?;
    // The page offers only what this admin's role may do; the server
    // functions behind the buttons check again.
    if !admin.can(Permission::ProcessPayouts) {
        view.allowed.clear();
    }
    view.can_reveal = admin.can(Permission::RevealDetails);
    Ok(view)
}

/// The request's payout details in full; the reveal is audit-logged.
#[server(endpoint = "admin/payouts/reveal", client = crate::ui::CsrfClient)]
pub async fn reveal_payout_details(request_id: i64) -> Result<super::RevealedDetails, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::{request::request_meta, state::app_state};

    let admin = require(Permission::RevealDetails).await?;
    let state = app_state()?;
    Ok(super::service::reveal(
        &state.db,
        &state.clock,
        admin.id,
        request_id,
        request_meta().ip,
    )
    .await?)
}

/// One action on one request, with what the member will see.
#[server(endpoint = "admin/payouts/act", client = crate::ui::CsrfClient)]
pub async fn act_on_payout(
    request_id: i64,
    action: crate::withdrawals::WithdrawalAction,
    note: Option<String>,
    external_reference: Option<String>,
    payment_date: Option<String>,
    idempotency_key: String,
) -> Result<crate::withdrawals::WithdrawalView, AppError> {
    use crate::auth::{session::require, Permission, Role};
    use crate::platform::state::app_state;
    use crate::withdrawals::{
        service::{self, Actor, EventDetails},
        WithdrawalAction,
    };

    let admin = require(Permission::ProcessPayouts).await?;
    let state = app_state()?;
    if action == WithdrawalAction::Reject && note.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(AppError::invalid(
            "Rejecting needs a note: the member sees it in their history",
        ));
    }
    if action == WithdrawalAction::MarkPaid {
        crate::auth::step_up::require(&state, admin.id).await?;
    }
    let view = service::change_status(
        &state.db,
        &state.clock,
        Actor {
            user_id: admin.id,
            role: Role::Admin,
        },
        request_id,
        action,
        EventDetails {
            note,
            external_reference,
            payment_date,
            payment_file_id: None,
            second_approver: None,
        },
        &idempotency_key,
    )
    .await?;
    state.live.requests_changed(&state.db).await;
    Ok(view)
}

/// One payment file: what it claimed, what it skipped and why, and where to
/// download it.
#[server(endpoint = "admin/payouts/files/get", input = Json)]
pub async fn payment_file(id: i64) -> Result<super::payment_files::PaymentFileView, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    require(Permission::Read).await?;
    let state = app_state()?;
    Ok(super::payment_files::reading::view(&state.db, id).await?)
}

/// The latest exports, payment files and reports, newest first.
#[server(endpoint = "admin/payouts/files/list", input = Json)]
pub async fn export_history() -> Result<Vec<super::payment_files::ExportSummary>, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    require(Permission::Read).await?;
    let state = app_state()?;
    Ok(super::payment_files::reading::history(&state.db).await?)
}
