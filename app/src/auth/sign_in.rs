//! Signing in and out: the password check behind the throttle, and the
//! session it opens or ends, each in one transaction with its audit row.

use chrono::{DateTime, Utc};
use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};

use super::throttle::Outcome;
use super::{normalize_email, password, user_view, AuthError, IssuedSession};
use crate::entities::user;
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    db,
    request::RequestMeta,
    AppState,
};

/// Signs a user in. Any session the browser already had is ended, so the
/// session id always changes at sign-in.
#[tracing::instrument(skip_all)]
pub async fn log_in(
    state: &AppState,
    raw_email: &str,
    password: &str,
    previous_token: Option<&str>,
    meta: &RequestMeta,
) -> Result<IssuedSession, AuthError> {
    if raw_email.trim().is_empty() || password.is_empty() {
        return Err(AuthError::Invalid("Enter your email and password".into()));
    }
    // An address that cannot be valid is simply a wrong email: same message,
    // same work, so malformed input reveals nothing either.
    let email = normalize_email(raw_email)
        .unwrap_or_else(|_| audit::subject_text(&raw_email.trim().to_lowercase()));
    let now = state.clock.now();
    let attempt =
        super::throttle::begin(&state.db, &state.settings, &email, meta.ip.as_deref(), now).await?;
    let outcome =
        check_password_and_sign_in(state, &email, password, previous_token, meta, now).await;
    let ended = match &outcome {
        Ok(_) => Outcome::Succeeded,
        Err(AuthError::Busy(_)) => Outcome::Refused,
        Err(_) => Outcome::Failed,
    };
    super::throttle::finish(&state.db, attempt, ended).await?;
    outcome
}

async fn check_password_and_sign_in(
    state: &AppState,
    email: &str,
    password: &str,
    previous_token: Option<&str>,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> Result<IssuedSession, AuthError> {
    let found = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(&state.db)
        .await?;
    let verified = password::verify(
        password.to_owned(),
        found.as_ref().map(|user| user.password_hash.clone()),
    )
    .await?;

    let txn = db::begin_write(&state.db).await?;
    let user = match found {
        Some(user) if verified => user,
        found => {
            audit::record(
                &txn,
                now,
                AuditEntry::new(AuditAction::LoginFailed)
                    .subject(email)
                    .ip(meta.ip.clone())
                    .detail(if found.is_some() {
                        "wrong password"
                    } else {
                        "unknown email"
                    }),
            )
            .await?;
            txn.commit().await?;
            return Err(AuthError::InvalidCredentials);
        }
    };
    if !user.is_active {
        audit::record(
            &txn,
            now,
            AuditEntry::new(AuditAction::LoginFailed)
                .actor(user.id)
                .subject(email)
                .ip(meta.ip.clone())
                .detail("account deactivated"),
        )
        .await?;
        txn.commit().await?;
        return Err(AuthError::Deactivated);
    }
    if let Some(previous) = previous_token {
        super::session::delete(&txn, previous).await?;
    }
    let token = super::session::insert(&txn, now, user.id, meta).await?;
    // The team page shows it ("last sign-in").
    user::Entity::update_many()
        .col_expr(user::Column::LastSignedInAt, Expr::value(now))
        .filter(user::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::LoginSucceeded)
            .actor(user.id)
            .subject(email)
            .ip(meta.ip.clone()),
    )
    .await?;
    txn.commit().await?;
    Ok(IssuedSession {
        token,
        user: user_view(&user)?,
    })
}

/// Ends a session. Signing out twice, or with an expired session, is not an error.
#[tracing::instrument(skip_all)]
pub async fn log_out(state: &AppState, token: &str, meta: &RequestMeta) -> Result<(), AuthError> {
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    if let Some(ended) = super::session::delete(&txn, token).await? {
        audit::record(
            &txn,
            now,
            AuditEntry::new(AuditAction::LoggedOut)
                .actor(ended.user_id)
                .ip(meta.ip.clone()),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Changes a signed-in user's password: the current one is checked behind
/// the sign-in throttle (a stolen session cannot guess it freely), and
/// every other session of the account ends in the same transaction.
#[tracing::instrument(skip_all)]
pub async fn change_password(
    state: &AppState,
    user_id: i64,
    current_session: Option<&str>,
    current: &str,
    new_password: &str,
    confirm: &str,
    meta: &RequestMeta,
) -> Result<u64, AuthError> {
    password::check_policy(new_password).map_err(|err| AuthError::invalid(err.to_string()))?;
    if new_password != confirm {
        return Err(AuthError::invalid(
            "The two new passwords differ: type the same one twice",
        ));
    }
    let owner = user::Entity::find_by_id(user_id)
        .one(&state.db)
        .await?
        .ok_or(AuthError::SignedOut)?;
    let now = state.clock.now();
    let attempt = super::throttle::begin(
        &state.db,
        &state.settings,
        &owner.email,
        meta.ip.as_deref(),
        now,
    )
    .await?;
    let verified = password::verify(current.to_owned(), Some(owner.password_hash.clone())).await;
    let outcome = match verified {
        Ok(true) => Outcome::Succeeded,
        Ok(false) => Outcome::Failed,
        Err(_) => Outcome::Refused,
    };
    super::throttle::finish(&state.db, attempt, outcome).await?;
    if !verified? {
        return Err(AuthError::invalid(
            "Your current password is not right: nothing was changed",
        ));
    }
    let hashed = password::hash(new_password.to_owned()).await?;
    let txn = db::begin_write(&state.db).await?;
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hashed))
        .filter(user::Column::Id.eq(user_id))
        .exec(&txn)
        .await?;
    let ended = super::devices::end_all(&txn, user_id, current_session).await?;
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::PasswordChanged)
            .actor(user_id)
            .subject(owner.email.clone())
            .ip(meta.ip.clone())
            .detail(format!("{ended} other sessions ended")),
    )
    .await?;
    txn.commit().await?;
    Ok(ended)
}
