//! The team's server functions: owners only (`Permission::ManageTeam`).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{TeamMemberView, TeamView};
use crate::auth::TeamRole;
use crate::error::AppError;
use crate::ui::CsrfClient;

/// Every admin with their role and standing.
#[server(endpoint = "admin/team/page", input = Json)]
pub async fn team_page() -> Result<TeamView, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    let owner = require(Permission::ManageTeam).await?;
    let state = app_state()?;
    Ok(super::service::page(&state.db, &state.clock, owner.id).await?)
}

/// Invites an admin by email with a role; the invitee chooses a password
/// through the emailed link.
#[server(endpoint = "admin/team/invite", client = CsrfClient)]
pub async fn invite_admin(
    email: String,
    #[server(default)] display_name: String,
    role: TeamRole,
) -> Result<TeamMemberView, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::{request::request_meta, state::app_state};

    let owner = require(Permission::ManageTeam).await?;
    let state = app_state()?;
    Ok(super::service::invite(
        &state.db,
        &state.clock,
        owner.id,
        &email,
        &display_name,
        role,
        request_meta().ip,
    )
    .await?)
}

#[server(endpoint = "admin/team/role", client = CsrfClient)]
pub async fn change_admin_role(user_id: i64, role: TeamRole) -> Result<(), AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::{request::request_meta, state::app_state};

    let owner = require(Permission::ManageTeam).await?;
    let state = app_state()?;
    Ok(super::service::change_role(
        &state.db,
        &state.clock,
        owner.id,
        user_id,
        role,
        request_meta().ip,
    )
    .await?)
}

/// Deactivates (ending their sessions at once) or reactivates an admin.
#[server(endpoint = "admin/team/active", client = CsrfClient)]
pub async fn set_admin_active(user_id: i64, active: bool) -> Result<(), AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::{request::request_meta, state::app_state};

    let owner = require(Permission::ManageTeam).await?;
    let state = app_state()?;
    Ok(super::service::set_active(
        &state.db,
        &state.clock,
        owner.id,
        user_id,
        active,
        request_meta().ip,
    )
    .await?)
}

#[server(endpoint = "admin/team/resend", client = CsrfClient)]
pub async fn resend_invitation(user_id: i64) -> Result<(), AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::{request::request_meta, state::app_state};

    let owner = require(Permission::ManageTeam).await?;
    let state = app_state()?;
    Ok(super::service::resend(
        &state.db,
        &state.clock,
        owner.id,
        user_id,
        request_meta().ip,
    )
    .await?)
}

#[server(endpoint = "admin/team/revoke", client = CsrfClient)]
pub async fn revoke_invitation(user_id: i64) -> Result<(), AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::{request::request_meta, state::app_state};

    let owner = require(Permission::ManageTeam).await?;
    let state = app_state()?;
    Ok(super::service::revoke(
        &state.db,
        &state.clock,
        owner.id,
        user_id,
        request_meta().ip,
    )
    .await?)
}

/// Sets an admin's own value limit in one asset (empty amount: none): their
/// money moves above it wait for a second approval even under the desk's.
#[server(endpoint = "admin/team/value-limit", client = CsrfClient)]
pub async fn set_value_limit(user_id: i64, asset: String, amount: String) -> Result<(), AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::{request::request_meta, state::app_state};

    let owner = require(Permission::ManageTeam).await?;
    let state = app_state()?;
    Ok(super::service::set_value_limit(
        &state.db,
        &state.clock,
        owner.id,
        user_id,
        &asset,
        &amount,
        request_meta().ip,
    )
    .await?)
}
