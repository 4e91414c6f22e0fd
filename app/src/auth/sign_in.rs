//! Signing in and out: the password check behind the throttle, then (with
//! two-factor on) the code, and the session it opens or ends, each in one
//! transaction with its audit row.

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use super::session::CHALLENGE_LIFETIME;
use super::throttle::Outcome;
use super::two_factor::Accepted;
use super::{normalize_email, password, user_view, AuthError, IssuedSession};
use crate::entities::{login_challenge, user};
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
) -> Result<SignedIn, AuthError> {
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
        Ok(SignedIn::Session(_)) => Outcome::Succeeded,
        // Not yet signed in: the failures before stay counted until the
        // code is right too.
        Ok(SignedIn::CodeNeeded { .. }) => Outcome::Passed,
        Err(AuthError::Busy(_)) => Outcome::Refused,
        Err(_) => Outcome::Failed,
    };
    super::throttle::finish(&state.db, attempt, ended).await?;
    outcome
}

/// What a right password leads to.
pub enum SignedIn {
    Session(IssuedSession),
    /// Two-factor is on: the code comes next, against this challenge (the
    /// browser keeps it in a cookie; the database only its digest).
    CodeNeeded {
        challenge: String,
    },
}

async fn check_password_and_sign_in(
    state: &AppState,
    email: &str,
    password: &str,
    previous_token: Option<&str>,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> Result<SignedIn, AuthError> {
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
    if super::two_factor::is_on(&txn, user.id).await? {
        let challenge = new_challenge(&txn, user.id, now).await?;
        txn.commit().await?;
        return Ok(SignedIn::CodeNeeded { challenge });
    }
    let token = open_session(&txn, &user, previous_token, meta, now, None).await?;
    txn.commit().await?;
    Ok(SignedIn::Session(IssuedSession {
        token,
        user: user_view(&user)?,
    }))
}

/// The session a successful sign-in opens, in the sign-in's transaction:
/// the browser's old session ends, the account's last sign-in moves, the
/// audit row says how (`code`: which second factor, if one was given; it
/// also counts as the session's first step-up).
async fn open_session(
    txn: &impl ConnectionTrait,
    user: &user::Model,
    previous_token: Option<&str>,
    meta: &RequestMeta,
    now: DateTime<Utc>,
    code: Option<Accepted>,
) -> Result<String, AuthError> {
    if let Some(previous) = previous_token {
        super::session::delete(txn, previous).await?;
    }
    let token = super::session::insert(txn, now, user.id, meta).await?;
    if code.is_some() {
        super::session::mark_stepped_up(txn, &super::session::token_id(&token), now).await?;
    }
    // The team page shows it ("last sign-in").
    user::Entity::update_many()
        .col_expr(user::Column::LastSignedInAt, Expr::value(now))
        .filter(user::Column::Id.eq(user.id))
        .exec(txn)
        .await?;
    let mut entry = AuditEntry::new(AuditAction::LoginSucceeded)
        .actor(user.id)
        .subject(user.email.clone())
        .ip(meta.ip.clone());
    if let Some(code) = code {
        entry = entry.detail(code.describe());
    }
    audit::record(txn, now, entry).await?;
    Ok(token)
}

/// Wrong codes one challenge takes before the password must be typed again
/// (the throttle counts them across challenges too).
const CHALLENGE_FAILURES: i32 = 5;

async fn new_challenge(
    txn: &impl ConnectionTrait,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<String, AuthError> {
    let token = super::session::new_token();
    login_challenge::Entity::insert(login_challenge::ActiveModel {
        id: Set(super::session::token_id(&token)),
        user_id: Set(user_id),
        created_at: Set(now),
        failures: Set(0),
    })
    .exec_without_returning(txn)
    .await?;
    // Old challenges of anyone: a sign-in abandoned at the code step.
    login_challenge::Entity::delete_many()
        .filter(login_challenge::Column::CreatedAt.lt(now - CHALLENGE_LIFETIME))
        .exec(txn)
        .await?;
    Ok(token)
}

/// The second step of a sign-in with two-factor on: the code from the app
/// (or a recovery code) against the challenge the right password opened.
#[tracing::instrument(skip_all)]
pub async fn log_in_with_code(
    state: &AppState,
    challenge: &str,
    code: &str,
    previous_token: Option<&str>,
    meta: &RequestMeta,
) -> Result<IssuedSession, AuthError> {
    if code.trim().is_empty() {
        return Err(AuthError::invalid(
            "Enter the six-digit code from your authenticator app, or a recovery code",
        ));
    }
    let now = state.clock.now();
    let id = super::session::token_id(challenge);
    let Some(pending) = login_challenge::Entity::find_by_id(id.clone())
        .one(&state.db)
        .await?
        .filter(|pending| pending.created_at > now - CHALLENGE_LIFETIME)
    else {
        return Err(AuthError::ChallengeExpired);
    };
    let Some(user) = user::Entity::find_by_id(pending.user_id)
        .one(&state.db)
        .await?
    else {
        return Err(AuthError::ChallengeExpired);
    };
    if !user.is_active {
        login_challenge::Entity::delete_by_id(id)
            .exec(&state.db)
            .await?;
        return Err(AuthError::Deactivated);
    }
    let attempt = super::throttle::begin(
        &state.db,
        &state.settings,
        &user.email,
        meta.ip.as_deref(),
        now,
    )
    .await?;
    let outcome =
        check_code_and_sign_in(state, &pending, &user, code, previous_token, meta, now).await;
    let ended = match &outcome {
        Ok(_) => Outcome::Succeeded,
        Err(AuthError::WrongCode) => Outcome::Failed,
        Err(_) => Outcome::Refused,
    };
    super::throttle::finish(&state.db, attempt, ended).await?;
    outcome
}

async fn check_code_and_sign_in(
    state: &AppState,
    pending: &login_challenge::Model,
    user: &user::Model,
    code: &str,
    previous_token: Option<&str>,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> Result<IssuedSession, AuthError> {
    let txn = db::begin_write(&state.db).await?;
    // Used up first, guarded: of two tabs sending a code for one
    // challenge, one signs in.
    let taken = login_challenge::Entity::delete_many()
        .filter(login_challenge::Column::Id.eq(&pending.id))
        .filter(login_challenge::Column::Failures.eq(pending.failures))
        .exec(&txn)
        .await?
        .rows_affected;
    if taken != 1 {
        return Err(AuthError::ChallengeExpired);
    }
    let accepted =
        super::two_factor::accept(&txn, &state.settings.secret_key, user.id, code, now, true)
            .await?;
    let Some(accepted) = accepted else {
        // Put back with one more failure, unless that was the last allowed.
        if pending.failures + 1 < CHALLENGE_FAILURES {
            login_challenge::Entity::insert(login_challenge::ActiveModel {
                id: Set(pending.id.clone()),
                user_id: Set(pending.user_id),
                created_at: Set(pending.created_at),
                failures: Set(pending.failures + 1),
            })
            .exec_without_returning(&txn)
            .await?;
        }
        audit::record(
            &txn,
            now,
            AuditEntry::new(AuditAction::LoginFailed)
                .actor(user.id)
                .subject(user.email.clone())
                .ip(meta.ip.clone())
                .detail("wrong or already used two-factor code"),
        )
        .await?;
        txn.commit().await?;
        return Err(AuthError::WrongCode);
    };
    let token = open_session(&txn, user, previous_token, meta, now, Some(accepted)).await?;
    txn.commit().await?;
    Ok(IssuedSession {
        token,
        user: user_view(user)?,
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
