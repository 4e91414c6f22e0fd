//! Sessions: stored in the database, identified by a random token in an
//! HttpOnly cookie, ended by sign-out, idleness or age.
//!
//! Every server function that needs a user calls [`require_user`],
//! [`require_member`] or [`require`] (an admin allowed a
//! [`Permission`]) itself; the UI's guards are a convenience only.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chrono::{DateTime, Duration, Utc};
use http::{header::SET_COOKIE, HeaderValue};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use sea_orm::{
    sea_query::Expr, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter,
};
use sha2::{Digest, Sha256};

use super::{user_view, Permission, Role, UserView};
use crate::entities::{session, user};
use crate::error::AppError;
use crate::platform::{
    request::{request_cookie, RequestMeta},
    state::app_state,
    AppState,
};

pub const COOKIE_NAME: &str = "paydesk_session";
/// The name behind HTTPS: a browser takes a `__Host-` cookie only when it
/// is Secure, for the whole site and for this host alone (no Domain), so a
/// sibling subdomain or a plain-HTTP page cannot plant or overwrite it.
pub const SECURE_COOKIE_NAME: &str = "__Host-paydesk_session";

/// The session cookie's name under these settings.
pub fn cookie_name(settings: &crate::platform::Settings) -> &'static str {
    if settings.cookie_secure {
        SECURE_COOKIE_NAME
    } else {
        COOKIE_NAME
    }
}

/// Bumping `last_seen_at` on every request would make each page view a
/// write; once a minute is precise enough for an idle timeout of minutes.
const TOUCH_EVERY: Duration = Duration::seconds(60);

pub(super) fn token_id(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

pub(super) fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(super) async fn insert(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    user_id: i64,
    meta: &RequestMeta,
) -> Result<String, DbErr> {
    let token = new_token();
    session::Entity::insert(session::ActiveModel {
        id: Set(token_id(&token)),
        user_id: Set(user_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        ip: Set(meta.ip.clone()),
        user_agent: Set(meta.user_agent.clone()),
        step_up_at: Set(None),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(token)
}

/// Records that the session (by digest) just gave a fresh two-factor code:
/// the step-up window, and its running total, start again from now.
pub(super) async fn mark_stepped_up(
    conn: &impl ConnectionTrait,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    session::Entity::update_many()
        .col_expr(session::Column::StepUpAt, Expr::value(now))
        .filter(session::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Deletes a session, returning it if it existed.
pub(super) async fn delete(
    conn: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<session::Model>, DbErr> {
    let id = token_id(token);
    let Some(found) = session::Entity::find_by_id(id.clone()).one(conn).await? else {
        return Ok(None);
    };
    session::Entity::delete_by_id(id).exec(conn).await?;
    Ok(Some(found))
}

/// Sessions last seen before the first instant, or created before the
/// second, are over.
pub(super) fn cutoffs(state: &AppState, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let idle =
        Duration::from_std(state.settings.session_idle_timeout).unwrap_or(Duration::hours(1));
    let absolute =
        Duration::from_std(state.settings.session_absolute_timeout).unwrap_or(Duration::hours(12));
    (now - idle, now - absolute)
}

/// The user behind a session token, if the session is live. An expired
/// session is deleted on sight.
pub async fn authenticate(state: &AppState, token: &str) -> Result<Option<UserView>, AppError> {
    let now = state.clock.now();
    let id = token_id(token);
    let Some(found) = session::Entity::find_by_id(id.clone())
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    let owner = user::Entity::find_by_id(found.user_id)
        .one(&state.db)
        .await?;
    let (idle_cutoff, absolute_cutoff) = cutoffs(state, now);
    let owner = match owner {
        Some(owner) if owner.is_active => owner,
        _ => {
            session::Entity::delete_by_id(id).exec(&state.db).await?;
            return Ok(None);
        }
    };
    if found.last_seen_at <= idle_cutoff || found.created_at <= absolute_cutoff {
        session::Entity::delete_by_id(id).exec(&state.db).await?;
        return Ok(None);
    }
    if now - found.last_seen_at >= TOUCH_EVERY {
        // Guarded on the old value: of two concurrent requests, one touches.
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .filter(session::Column::Id.eq(id))
            .filter(session::Column::LastSeenAt.eq(found.last_seen_at))
            .exec(&state.db)
            .await?;
    }
    Ok(Some(user_view(&owner)?))
}

/// The digest of the current request's session, if it has a cookie.
pub fn current_session_id(state: &AppState) -> Option<String> {
    request_cookie(cookie_name(&state.settings)).map(|token| token_id(&token))
}

/// The digest of a plain route's session, from its headers.
pub fn session_id_of(state: &AppState, headers: &http::HeaderMap) -> Option<String> {
    crate::platform::request::cookie_value(headers, cookie_name(&state.settings))
        .map(|token| token_id(&token))
}

/// The signed-in user of the current request, if any.
pub async fn current_user() -> Result<Option<UserView>, AppError> {
    let state = app_state()?;
    match request_cookie(cookie_name(&state.settings)) {
        Some(token) => authenticate(&state, &token).await,
        None => Ok(None),
    }
}

/// The signed-in user, or "please sign in".
pub async fn require_user() -> Result<UserView, AppError> {
    current_user().await?.ok_or_else(AppError::unauthenticated)
}

/// The signed-in member: the member area is for members' own money, so an
/// administrator gets "not allowed" rather than an empty wallet.
pub async fn require_member() -> Result<UserView, AppError> {
    let user = require_user().await?;
    if user.role != Role::Member {
        return Err(AppError::forbidden());
    }
    Ok(user)
}

/// The signed-in administrator whose team role allows `permission`, or
/// "please sign in" / "not allowed".
pub async fn require(permission: Permission) -> Result<UserView, AppError> {
    let user = require_user().await?;
    if !user.can(permission) {
        return Err(if user.is_admin() {
            AppError::new(
                crate::error::ErrorCode::Forbidden,
                "Your role on the team does not allow this. Ask an owner if you need it",
            )
        } else {
            AppError::forbidden()
        });
    }
    Ok(user)
}

/// The signed-in administrator of a plain axum route (exports, payment
/// file downloads and the live stream are not server functions) whose role
/// allows `permission`, or the answer refusing.
pub async fn admin_for_route(
    state: &AppState,
    headers: &http::HeaderMap,
    permission: Permission,
) -> Result<UserView, axum::response::Response> {
    use axum::response::IntoResponse;
    use http::StatusCode;
    let Some(token) = crate::platform::request::cookie_value(headers, cookie_name(&state.settings))
    else {
        return Err((StatusCode::UNAUTHORIZED, "Please sign in").into_response());
    };
    match authenticate(state, &token).await {
        Ok(Some(user)) if user.can(permission) => Ok(user),
        Ok(Some(user)) if user.is_admin() => Err((
            StatusCode::FORBIDDEN,
            "Your role on the team does not allow this. Ask an owner",
        )
            .into_response()),
        Ok(Some(_)) => Err((StatusCode::FORBIDDEN, "Administrators only").into_response()),
        Ok(None) => Err((StatusCode::UNAUTHORIZED, "Please sign in").into_response()),
        Err(err) => {
            tracing::warn!(error = %err.message, "a plain route could not check the session");
            Err((
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side. Please try again",
            )
                .into_response())
        }
    }
}

fn cookie_attributes(state: &AppState) -> &'static str {
    if state.settings.cookie_secure {
        "; Path=/; HttpOnly; SameSite=Lax; Secure"
    } else {
        "; Path=/; HttpOnly; SameSite=Lax"
    }
}

fn set_cookie_header(value: String) -> Result<(), AppError> {
    let header = HeaderValue::from_str(&value).map_err(AppError::internal)?;
    let response = use_context::<ResponseOptions>()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("ResponseOptions missing")))?;
    response.append_header(SET_COOKIE, header);
    Ok(())
}

/// Hands the browser its new session cookie. No Max-Age: the cookie ends
/// with the browser, the session itself with the server's timeouts.
pub fn set_session_cookie(state: &AppState, token: &str) -> Result<(), AppError> {
    set_cookie_header(format!(
        "{}={token}{}",
        cookie_name(&state.settings),
        cookie_attributes(state)
    ))
}

pub fn clear_session_cookie(state: &AppState) -> Result<(), AppError> {
    set_cookie_header(format!(
        "{}={}; Max-Age=0",
        cookie_name(&state.settings),
        cookie_attributes(state)
    ))
}

/// How long a right password waits for its code (the challenge and its
/// cookie).
pub const CHALLENGE_LIFETIME: Duration = Duration::minutes(5);

/// The half-finished sign-in waiting for its two-factor code.
pub const CHALLENGE_COOKIE_NAME: &str = "paydesk_signin";
pub const SECURE_CHALLENGE_COOKIE_NAME: &str = "__Host-paydesk_signin";

pub fn challenge_cookie_name(settings: &crate::platform::Settings) -> &'static str {
    if settings.cookie_secure {
        SECURE_CHALLENGE_COOKIE_NAME
    } else {
        CHALLENGE_COOKIE_NAME
    }
}

/// Lives as long as the challenge it names.
pub fn set_challenge_cookie(state: &AppState, token: &str) -> Result<(), AppError> {
    set_cookie_header(format!(
        "{}={token}; Max-Age={}{}",
        challenge_cookie_name(&state.settings),
        CHALLENGE_LIFETIME.num_seconds(),
        cookie_attributes(state)
    ))
}

pub fn clear_challenge_cookie(state: &AppState) -> Result<(), AppError> {
    set_cookie_header(format!(
        "{}=; Max-Age=0{}",
        challenge_cookie_name(&state.settings),
        cookie_attributes(state)
    ))
}

/// Removes every expired session (run periodically by the server).
pub async fn purge_expired_sessions(state: &AppState) -> Result<u64, DbErr> {
    let now = state.clock.now();
    let (idle_cutoff, absolute_cutoff) = cutoffs(state, now);
    let removed = session::Entity::delete_many()
        .filter(
            Condition::any()
                .add(session::Column::LastSeenAt.lt(idle_cutoff))
                .add(session::Column::CreatedAt.lt(absolute_cutoff)),
        )
        .exec(&state.db)
        .await?
        .rows_affected;
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_stored_only_as_a_digest() {
        let first = new_token();
        let second = new_token();
        assert_ne!(first, second);
        assert_eq!(first.len(), 43, "32 bytes in unpadded base64url");
        let id = token_id(&first);
        assert_eq!(id.len(), 64);
        assert!(!id.contains(&first));
        assert_eq!(id, token_id(&first), "the digest is stable");
    }
}
