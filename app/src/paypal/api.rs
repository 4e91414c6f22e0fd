//! Server functions for automatic transfers: administrators only.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{AlertView, PayPalStatus, PayPalTrail, SendOutcome};
use crate::error::AppError;
use crate::payouts::Selection;

/// Whether PayPal is configured (the desk shows "Send via PayPal" only then).
#[server(endpoint = "admin/paypal/status", input = Json)]
pub async fn paypal_status() -> Result<PayPalStatus, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    require(Permission::Read).await?;
    let state = app_state()?;
    let attention = super::unclaimed::needs_attention(&state.db, state.clock.now()).await?;
    let alerts = super::alerts::open(&state.db).await?;
    Ok(
        match (&state.settings.paypal, super::client::shared(&state)) {
            (Some(settings), Some(_)) => PayPalStatus {
                configured: true,
                mode: settings.mode.clone(),
                webhook_configured: settings.webhook_id.is_some(),
                attention,
                alerts,
            },
            _ => PayPalStatus {
                attention,
                alerts,
                ..PayPalStatus::default()
            },
        },
    )
}

/// Sends the selected approved PayPal requests in PayPal payout batches.
#[server(endpoint = "admin/paypal/send", input = Json)]
pub async fn send_via_paypal(
    selection: Selection,
    idempotency_key: String,
) -> Result<SendOutcome, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    let admin = require(Permission::SendViaPaypal).await?;
    let state = app_state()?;
    crate::auth::step_up::require(&state, admin.id).await?;
    let client = super::client::shared(&state).ok_or_else(|| {
        AppError::invalid(
            "PayPal is not configured: set PAYDESK_PAYPAL_CLIENT_ID and PAYDESK_PAYPAL_CLIENT_SECRET",
        )
    })?;
    let ids =
        crate::payouts::service::selected_ids(&state.db, selection, super::service::SEND_LIMIT)
            .await?;
    let outcome = super::service::send(
        &state.db,
        &state.clock,
        &client,
        admin.id,
        &ids,
        &idempotency_key,
    )
    .await?;
    if !outcome.sent.is_empty() || !outcome.refused.is_empty() {
        state.live.requests_changed(&state.db).await;
    }
    Ok(outcome)
}

/// A request's PayPal batch, item and status history, if it was sent.
#[server(endpoint = "admin/paypal/trail", input = Json)]
pub async fn paypal_trail(request_id: i64) -> Result<Option<PayPalTrail>, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    require(Permission::Read).await?;
    let state = app_state()?;
    Ok(super::trail::trail(&state.db, request_id).await?)
}

/// Resolves a late PayPal report that contradicts a settled request: the
/// correcting action (take the money back, credit the member back, or
/// nothing) with the admin's note, audited, once.
#[server(endpoint = "admin/paypal/resolve-alert", client = crate::ui::CsrfClient)]
pub async fn resolve_alert(
    alert_id: i64,
    resolution: String,
    note: String,
) -> Result<AlertView, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::{request::request_meta, state::app_state};

    let admin = require(Permission::SendViaPaypal).await?;
    let state = app_state()?;
    let resolution = super::AlertResolution::parse(&resolution)
        .ok_or_else(|| AppError::invalid("Choose what to do about the report"))?;
    let view = super::alerts::resolve(
        &state.db,
        &state.clock,
        admin.id,
        alert_id,
        resolution,
        &note,
        request_meta().ip,
    )
    .await?;
    state.live.requests_changed(&state.db).await;
    Ok(view)
}
