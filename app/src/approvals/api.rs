//! The approvals queue's server functions. Reading is any admin's; deciding
//! needs `Permission::SecondApprove`, and the service refuses one's own ask
//! whatever the role.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{ApprovalQueue, Decided};
use crate::error::AppError;
use crate::ui::CsrfClient;

/// The queue, oldest first, and the latest decisions.
#[server(endpoint = "admin/approvals/page", input = Json)]
pub async fn approvals_page() -> Result<ApprovalQueue, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    let admin = require(Permission::Read).await?;
    let state = app_state()?;
    let mut page = super::service::page(&state.db, admin.id).await?;
    if !admin.can(Permission::SecondApprove) {
        for approval in &mut page.waiting {
            approval
                .cannot_decide
                .get_or_insert_with(|| "Your role does not give second approvals".to_owned());
        }
    }
    Ok(page)
}

/// How many moves wait for a second approval: the sidebar badge.
#[server(endpoint = "admin/approvals/waiting", input = Json)]
pub async fn approvals_waiting() -> Result<u64, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    require(Permission::Read).await?;
    let state = app_state()?;
    Ok(super::service::waiting_count(&state.db).await?)
}

/// Approves a held move (never one's own); it is carried out at once.
#[server(endpoint = "admin/approvals/approve", client = CsrfClient)]
pub async fn approve_held(
    approval_id: i64,
    #[server(default)] note: String,
) -> Result<Decided, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::{request::request_meta, state::app_state};

    let admin = require(Permission::SecondApprove).await?;
    let state = app_state()?;
    Ok(super::service::approve(&state, admin.id, approval_id, &note, request_meta().ip).await?)
}

/// Declines a held move with a note (or withdraws one's own ask).
#[server(endpoint = "admin/approvals/decline", client = CsrfClient)]
pub async fn decline_held(approval_id: i64, note: String) -> Result<Decided, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::{request::request_meta, state::app_state};

    let admin = require(Permission::SecondApprove).await?;
    let state = app_state()?;
    Ok(super::service::decline(
        &state.db,
        &state.clock,
        admin.id,
        approval_id,
        &note,
        request_meta().ip,
    )
    .await?)
}
