//! Step-up before money moves (Open Collective's model): an admin with
//! two-factor on confirms a fresh code before moving money, unless they
//! gave one in this session within the last ten minutes and what they have
//! moved since is still under their step-up limit (per asset, 10,000 in the
//! asset's units unless Settings says otherwise).
//!
//! What has moved is summed from `admin_moves`, which the four-eyes gate
//! writes inside every money move's own transaction, so no move can slip
//! past the count, and the check needs nothing from the move but who makes
//! it. The money server functions call [`require`] before the service.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

use super::AuthError;
use crate::entities::{admin_move, asset, session};
use crate::error::{AppError, ErrorCode};
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    db,
    request::RequestMeta,
    settings_store::get_setting,
    AppState,
};

/// A code counts for this long.
pub const WINDOW: Duration = Duration::minutes(10);
/// The limit where none is set: this many of the asset's units.
pub const DEFAULT_LIMIT_UNITS: i64 = 10_000;

pub fn limit_key(asset_code: &str) -> String {
    format!("step_up_limit:{asset_code}")
}

/// The step-up limit in an asset, in minor units.
pub async fn limit(conn: &impl ConnectionTrait, asset: &asset::Model) -> Result<i64, DbErr> {
    if let Some(set) = get_setting(conn, &limit_key(&asset.code))
        .await?
        .and_then(|text| text.parse::<i64>().ok())
    {
        return Ok(set);
    }
    let scale = u32::try_from(asset.scale).unwrap_or(0);
    Ok(DEFAULT_LIMIT_UNITS.saturating_mul(10i64.saturating_pow(scale)))
}

fn needed(message: String) -> AppError {
    AppError::new(ErrorCode::StepUpRequired, message)
}

/// Why a money move needs a fresh code now, or None when it does not.
pub async fn reason(
    conn: &impl ConnectionTrait,
    user_id: i64,
    session_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, DbErr> {
    if !super::two_factor::is_on(conn, user_id).await? {
        // No second factor to ask for (whether one must be set up is the
        // sign-in rule's business, not this one's).
        return Ok(None);
    }
    let since = session::Entity::find_by_id(session_id.to_owned())
        .one(conn)
        .await?
        .and_then(|found| found.step_up_at)
        .filter(|at| *at > now - WINDOW);
    let Some(since) = since else {
        return Ok(Some(
            "Confirm it is you before money moves: enter the code from your authenticator app. \
             A code counts for 10 minutes of money moves in this session."
                .to_owned(),
        ));
    };
    // Summed here, saturating: ten minutes of one admin's moves are few
    // rows, and SQL's SUM would overflow on SQLite and widen on PostgreSQL.
    let rows: Vec<(String, i64)> = admin_move::Entity::find()
        .select_only()
        .column(admin_move::Column::AssetCode)
        .column(admin_move::Column::AmountMinor)
        .filter(admin_move::Column::UserId.eq(user_id))
        .filter(admin_move::Column::MovedAt.gte(since))
        .into_tuple()
        .all(conn)
        .await?;
    let mut moved: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
    for (code, amount) in rows {
        let total = moved.entry(code).or_insert(0);
        *total = total.saturating_add(amount);
    }
    for (code, total) in moved {
        let Some(found) = asset::Entity::find()
            .filter(asset::Column::Code.eq(&code))
            .one(conn)
            .await?
        else {
            continue;
        };
        let limit = limit(conn, &found).await?;
        if total >= limit {
            let scale = u32::try_from(found.scale).unwrap_or(0);
            return Ok(Some(format!(
                "You have moved {} since your last code, which reaches your step-up limit of {}: \
                 enter a fresh code from your authenticator app to go on.",
                crate::ledger::money::format_amount(total, &code, scale),
                crate::ledger::money::format_amount(limit, &code, scale),
            )));
        }
    }
    Ok(None)
}

/// For a money server function, before it calls its service: refuses with
/// "step-up required" (the page then asks for a code) when this session
/// must confirm a fresh one first.
pub async fn require(state: &AppState, user_id: i64) -> Result<(), AppError> {
    let Some(here) = super::session::current_session_id(state) else {
        return Err(AppError::unauthenticated());
    };
    require_for(state, user_id, &here).await
}

/// [`require`] for a plain route, which names its session itself.
pub async fn require_for(state: &AppState, user_id: i64, session_id: &str) -> Result<(), AppError> {
    match reason(&state.db, user_id, session_id, state.clock.now()).await? {
        Some(message) => Err(needed(message)),
        None => Ok(()),
    }
}

/// A fresh code for this session: the window and its running total start
/// again. Behind the sign-in throttle, like every code.
pub async fn confirm(
    state: &AppState,
    user_id: i64,
    email: &str,
    session_id: &str,
    code: &str,
    meta: &RequestMeta,
) -> Result<(), AuthError> {
    let now = state.clock.now();
    super::two_factor::throttled(state, email, meta, async {
        let txn = db::begin_write(&state.db).await?;
        let accepted =
            super::two_factor::accept(&txn, &state.settings.secret_key, user_id, code, now, true)
                .await?;
        let Some(accepted) = accepted else {
            return Err(AuthError::WrongCode);
        };
        super::session::mark_stepped_up(&txn, session_id, now).await?;
        audit::record(
            &txn,
            now,
            AuditEntry::new(AuditAction::SteppedUp)
                .actor(user_id)
                .subject(email)
                .ip(meta.ip.clone())
                .detail(accepted.describe()),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    })
    .await
}
