//! Server functions for open sessions: a person's own (any signed-in user),
//! a member's (admins allowed to manage members) and an admin's (owners);
//! and changing one's password, which ends the other sessions. Ending
//! sessions is audited.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::SessionView;
use crate::error::AppError;
use crate::ui::CsrfClient;

/// The digest of the asking browser's session, if it has one.
#[cfg(feature = "ssr")]
fn current_session(state: &crate::platform::AppState) -> Option<String> {
    crate::platform::request::request_cookie(super::session::cookie_name(&state.settings))
        .map(|token| super::session::token_id(&token))
}

#[cfg(feature = "ssr")]
async fn audit_ended(
    state: &crate::platform::AppState,
    actor: i64,
    subject: &str,
    detail: String,
) -> Result<(), AppError> {
    use crate::platform::audit::{self, AuditAction, AuditEntry};
    use crate::platform::request::request_meta;
    audit::record(
        &state.db,
        state.clock.now(),
        AuditEntry::new(AuditAction::SessionsEnded)
            .actor(actor)
            .subject(subject.to_owned())
            .ip(request_meta().ip)
            .detail(detail),
    )
    .await?;
    Ok(())
}

/// The signed-in person's sessions, this one marked.
#[server(endpoint = "account/sessions", input = Json)]
pub async fn my_sessions() -> Result<Vec<SessionView>, AppError> {
    use crate::platform::state::app_state;

    let user = super::session::require_user().await?;
    let state = app_state()?;
    let current = current_session(&state);
    Ok(super::devices::list(&state.db, user.id, current.as_deref()).await?)
}

/// Ends one of the signed-in person's sessions (this one too, if asked).
#[server(endpoint = "account/sessions/end", client = CsrfClient)]
pub async fn end_my_session(handle: String) -> Result<(), AppError> {
    use crate::platform::state::app_state;

    let user = super::session::require_user().await?;
    let state = app_state()?;
    if !super::devices::end(&state.db, user.id, &handle).await? {
        return Err(AppError::new(
            crate::error::ErrorCode::NotFound,
            "That session has ended already. Reload the list",
        ));
    }
    audit_ended(&state, user.id, &user.email, "one session".into()).await
}

/// Signs the person out everywhere but here.
#[server(endpoint = "account/sessions/end-others", client = CsrfClient)]
pub async fn end_my_other_sessions() -> Result<u64, AppError> {
    use crate::platform::state::app_state;

    let user = super::session::require_user().await?;
    let state = app_state()?;
    let current = current_session(&state);
    let ended = super::devices::end_all(&state.db, user.id, current.as_deref()).await?;
    audit_ended(
        &state,
        user.id,
        &user.email,
        format!("{ended} other sessions"),
    )
    .await?;
    Ok(ended)
}

/// Changes the signed-in person's password (the current one first) and
/// signs them out everywhere else; answers how many sessions ended.
#[server(endpoint = "account/password", client = CsrfClient)]
pub async fn change_password(
    current: String,
    password: String,
    confirm: String,
) -> Result<u64, AppError> {
    use crate::platform::{request::request_meta, state::app_state};

    let user = super::session::require_user().await?;
    let state = app_state()?;
    let here = current_session(&state);
    Ok(super::sign_in::change_password(
        &state,
        user.id,
        here.as_deref(),
        &current,
        &password,
        &confirm,
        &request_meta(),
    )
    .await?)
}

/// The user another user's sessions belong to, if the asking admin's role
/// may manage them: members need `ManageMembers`, admins `ManageTeam`.
#[cfg(feature = "ssr")]
async fn managed_user(
    state: &crate::platform::AppState,
    user_id: i64,
    admins: bool,
) -> Result<(super::UserView, crate::entities::user::Model), AppError> {
    use super::{session::require, Permission, Role};
    use crate::entities::user;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let (permission, role) = if admins {
        (Permission::ManageTeam, Role::Admin)
    } else {
        (Permission::ManageMembers, Role::Member)
    };
    let admin = require(permission).await?;
    let target = user::Entity::find_by_id(user_id)
        .filter(user::Column::Role.eq(role.as_str()))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::new(crate::error::ErrorCode::NotFound, "No such account"))?;
    Ok((admin, target))
}

#[server(endpoint = "admin/members/sessions", input = Json)]
pub async fn member_sessions(member_id: i64) -> Result<Vec<SessionView>, AppError> {
    use crate::platform::state::app_state;

    let state = app_state()?;
    let (_, member) = managed_user(&state, member_id, false).await?;
    Ok(super::devices::list(&state.db, member.id, None).await?)
}

/// Signs a member out everywhere.
#[server(endpoint = "admin/members/end-sessions", client = CsrfClient)]
pub async fn end_member_sessions(member_id: i64) -> Result<u64, AppError> {
    use crate::platform::state::app_state;

    let state = app_state()?;
    let (admin, member) = managed_user(&state, member_id, false).await?;
    let ended = super::devices::end_all(&state.db, member.id, None).await?;
    audit_ended(&state, admin.id, &member.email, format!("{ended} sessions")).await?;
    Ok(ended)
}

#[server(endpoint = "admin/team/sessions", input = Json)]
pub async fn admin_sessions(user_id: i64) -> Result<Vec<SessionView>, AppError> {
    use crate::platform::state::app_state;

    let state = app_state()?;
    let (_, admin) = managed_user(&state, user_id, true).await?;
    Ok(super::devices::list(&state.db, admin.id, None).await?)
}

/// Signs an admin out everywhere (an owner's tool for a lost laptop).
#[server(endpoint = "admin/team/end-sessions", client = CsrfClient)]
pub async fn end_admin_sessions(user_id: i64) -> Result<u64, AppError> {
    use crate::platform::state::app_state;

    let state = app_state()?;
    let (owner, admin) = managed_user(&state, user_id, true).await?;
    let ended = super::devices::end_all(&state.db, admin.id, None).await?;
    audit_ended(&state, owner.id, &admin.email, format!("{ended} sessions")).await?;
    Ok(ended)
}
