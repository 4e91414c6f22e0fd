//! Single-use links sent to an address: "forgot password", claiming an
//! account someone else opened for the member (an admin, or the earnings
//! API), and confirming the address after sign-up. The token travels only
//! in the email; the database keeps its SHA-256, so a copy of the database
//! opens no account. Using any of them proves the mailbox is the account's,
//! so each one confirms the address.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    sea_query::Expr, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use sha2::{Digest, Sha256};

use super::password;
use super::{normalize_email, sign_in, AuthError};
use crate::email::notice::{self, LinkPurpose, Notice};
use crate::entities::{password_link, payout_detail, reset_request, session, user};
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    db,
    request::RequestMeta,
    AppState, Clock, Settings,
};

/// What the forgot-password form always answers, whether or not the
/// address has an account: the form must not tell who is a member.
pub const RESET_SENT: &str = "If an account uses this address, we sent it a link to choose a new password. The link works once, for an hour.";

pub const INVALID_LINK: &str =
    "This link is invalid, already used or expired. Ask for a new one on the sign-in page.";

pub const INVALID_CONFIRM_LINK: &str = "This confirmation link is invalid, already used or expired. Sign in and ask for a new one on your account page.";

fn valid_for(purpose: LinkPurpose) -> Duration {
    match purpose {
        LinkPurpose::Reset => Duration::hours(1),
        LinkPurpose::Invite => Duration::days(7),
        LinkPurpose::Confirm => Duration::hours(24),
        LinkPurpose::TeamInvite => Duration::days(3),
    }
}

/// A new reset link is not sent more often than this per account, so the
/// form cannot be used to flood a member's mailbox.
const RESEND_AFTER: Duration = Duration::minutes(2);

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Makes a link for the user and writes its email to the outbox, in the
/// caller's transaction.
pub async fn issue(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    user_id: i64,
    purpose: LinkPurpose,
) -> Result<(), DbErr> {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let expires_at = now + valid_for(purpose);
    password_link::Entity::insert(password_link::ActiveModel {
        user_id: Set(user_id),
        purpose: Set(purpose.as_str().to_owned()),
        token_hash: Set(hash(&token)),
        created_at: Set(now),
        expires_at: Set(expires_at),
        ..Default::default()
    })
    .exec_without_returning(conn)
    .await?;
    notice::enqueue(
        conn,
        now,
        user_id,
        &Notice::PasswordLink {
            purpose,
            token,
            expires_at,
        },
    )
    .await
}

/// Whether a link of this purpose went to the account within
/// [`RESEND_AFTER`]: another is not sent then.
async fn sent_lately(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    user_id: i64,
    purpose: LinkPurpose,
) -> Result<bool, DbErr> {
    Ok(password_link::Entity::find()
        .filter(password_link::Column::UserId.eq(user_id))
        .filter(password_link::Column::Purpose.eq(purpose.as_str()))
        .filter(password_link::Column::CreatedAt.gt(now - RESEND_AFTER))
        .one(conn)
        .await?
        .is_some())
}

/// "Forgot password": queues the request. The caller answers
/// [`RESET_SENT`] either way, and the work is the same either way: one
/// write transaction with the queued request and its audit row, whether or
/// not the address has an account (the lookup and the link happen later,
/// in [`send_reset_links`], off the request), so neither the answer nor its
/// timing tells who is a member. One address may ask
/// `account_requests_per_address` times per window.
pub async fn request_reset(
    conn: &DatabaseConnection,
    clock: &Clock,
    settings: &Settings,
    raw_email: &str,
    meta: &RequestMeta,
) -> Result<(), AuthError> {
    if raw_email.trim().is_empty() {
        return Err(AuthError::invalid(
            "Email: enter the address you sign in with",
        ));
    }
    let email = normalize_email(raw_email)
        .map_err(|_| AuthError::invalid("Email: this is not a valid email address"))?;
    let now = clock.now();
    let txn = db::begin_write(conn).await?;
    super::throttle::check_address(
        &txn,
        settings,
        AuditAction::PasswordResetRequested,
        meta.ip.as_deref(),
        now,
    )
    .await?;
    reset_request::Entity::insert(reset_request::ActiveModel {
        email: Set(email.clone()),
        requested_at: Set(now),
        ip: Set(meta.ip.clone()),
        ..Default::default()
    })
    .exec_without_returning(&txn)
    .await?;
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::PasswordResetRequested)
            .subject(email)
            .ip(meta.ip.clone())
            .detail("queued"),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Sends the links of queued "forgot password" requests (the email worker
/// calls it before each delivery pass): a link where the address has an
/// account and none went out in the last two minutes, nothing otherwise.
/// Each request is taken by a guarded update, so two workers send one link.
/// Returns how many requests were handled.
pub async fn send_reset_links(conn: &DatabaseConnection, clock: &Clock) -> Result<usize, DbErr> {
    let waiting = reset_request::Entity::find()
        .filter(reset_request::Column::ProcessedAt.is_null())
        .order_by_asc(reset_request::Column::Id)
        .limit(200)
        .all(conn)
        .await?;
    let mut handled = 0;
    for request in waiting {
        let now = clock.now();
        let txn = db::begin_write(conn).await?;
        let taken = reset_request::Entity::update_many()
            .col_expr(reset_request::Column::ProcessedAt, Expr::value(now))
            .filter(reset_request::Column::Id.eq(request.id))
            .filter(reset_request::Column::ProcessedAt.is_null())
            .exec(&txn)
            .await?;
        if taken.rows_affected == 0 {
            continue;
        }
        let member = user::Entity::find()
            .filter(user::Column::Email.eq(request.email.as_str()))
            .one(&txn)
            .await?;
        let outcome = match &member {
            None => "unknown email",
            Some(member) if sent_lately(&txn, now, member.id, LinkPurpose::Reset).await? => {
                "a link was sent moments ago"
            }
            Some(member) => {
                issue(&txn, now, member.id, LinkPurpose::Reset).await?;
                "link sent"
            }
        };
        reset_request::Entity::update_many()
            .col_expr(reset_request::Column::Outcome, Expr::value(outcome))
            .filter(reset_request::Column::Id.eq(request.id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        handled += 1;
    }
    Ok(handled)
}

/// Handled "forgot password" requests older than a day (the throttle
/// counts audit rows, not these).
pub async fn purge_reset_requests(
    conn: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    Ok(reset_request::Entity::delete_many()
        .filter(reset_request::Column::ProcessedAt.lt(now - Duration::days(1)))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Sets a new password with a link: once, before it expires. Every session
/// of the account ends (whoever knew the old password is signed out), and
/// every other link of the account stops working. Returns the email, for
/// the sign-in page.
pub async fn redeem(
    conn: &DatabaseConnection,
    clock: &Clock,
    token: &str,
    new_password: &str,
    confirm: &str,
    meta: &RequestMeta,
) -> Result<String, AuthError> {
    let now = clock.now();
    let link = usable(
        conn,
        now,
        token,
        &[
            LinkPurpose::Reset,
            LinkPurpose::Invite,
            LinkPurpose::TeamInvite,
        ],
    )
    .await?
    .ok_or_else(|| AuthError::invalid(INVALID_LINK))?;
    password::check_policy(new_password).map_err(|err| AuthError::invalid(err.to_string()))?;
    if new_password != confirm {
        return Err(AuthError::invalid(
            "The two passwords differ: type the same one twice",
        ));
    }
    let hashed = password::hash(new_password.to_owned()).await?;
    let txn = db::begin_write(conn).await?;
    // The guard: of two uses of one link, only the first gets here.
    let used = password_link::Entity::update_many()
        .col_expr(password_link::Column::UsedAt, Expr::value(now))
        .filter(password_link::Column::Id.eq(link.id))
        .filter(password_link::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if used.rows_affected == 0 {
        return Err(AuthError::invalid(INVALID_LINK));
    }
    password_link::Entity::update_many()
        .col_expr(password_link::Column::UsedAt, Expr::value(now))
        .filter(password_link::Column::UserId.eq(link.user_id))
        .filter(password_link::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hashed))
        .filter(user::Column::Id.eq(link.user_id))
        .exec(&txn)
        .await?;
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(link.user_id))
        .exec(&txn)
        .await?;
    let member = user::Entity::find_by_id(link.user_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AuthError::invalid(INVALID_LINK))?;
    let mut detail = link.purpose.clone();
    if member.email_confirmed_at.is_none() {
        // The link reached the mailbox: the address is the account's now.
        // Whoever signed up without proving it may have saved payout
        // details of their own; the owner taking the account over through
        // "forgot password" must not have money sent there.
        let removed = if link.purpose == LinkPurpose::Reset.as_str() {
            payout_detail::Entity::delete_many()
                .filter(payout_detail::Column::UserId.eq(member.id))
                .exec(&txn)
                .await?
                .rows_affected
        } else {
            0
        };
        mark_confirmed(&txn, now, member.id).await?;
        detail.push_str("; email confirmed");
        if removed > 0 {
            detail.push_str(&format!(
                "; {removed} payout details saved before the address was confirmed were removed"
            ));
        }
    }
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::PasswordReset)
            .actor(member.id)
            .subject(member.email.clone())
            .detail(detail)
            .ip(meta.ip.clone()),
    )
    .await?;
    txn.commit().await?;
    Ok(member.email)
}

/// A link of one of these purposes that can still be used (not used, not
/// expired), by its token.
async fn usable(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    token: &str,
    purposes: &[LinkPurpose],
) -> Result<Option<password_link::Model>, DbErr> {
    let token_hash = hash(token.trim());
    Ok(password_link::Entity::find()
        .filter(password_link::Column::TokenHash.eq(token_hash.as_str()))
        .filter(password_link::Column::Purpose.is_in(purposes.iter().map(|p| p.as_str())))
        .one(conn)
        .await?
        .filter(|link| link.used_at.is_none() && link.expires_at > now))
}

/// Sets the account's address confirmed, once: a repeat changes nothing.
async fn mark_confirmed(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    user_id: i64,
) -> Result<u64, DbErr> {
    Ok(user::Entity::update_many()
        .col_expr(user::Column::EmailConfirmedAt, Expr::value(now))
        .filter(user::Column::Id.eq(user_id))
        .filter(user::Column::EmailConfirmedAt.is_null())
        .exec(conn)
        .await?
        .rows_affected)
}

/// Confirms the address with the sign-up link and the account's password,
/// and signs the account in. The password is asked for because the link
/// alone goes to whoever owns the mailbox: if a stranger signed up with
/// someone's address, the owner clicking the link must not hand the
/// stranger's account the owner's earnings. The password check is a
/// sign-in, counted and throttled like any other.
pub async fn confirm_email(
    state: &AppState,
    token: &str,
    password: &str,
    previous_token: Option<&str>,
    meta: &RequestMeta,
) -> Result<sign_in::SignedIn, AuthError> {
    let now = state.clock.now();
    let link = usable(&state.db, now, token, &[LinkPurpose::Confirm])
        .await?
        .ok_or_else(|| AuthError::invalid(INVALID_CONFIRM_LINK))?;
    if password.is_empty() {
        return Err(AuthError::invalid(
            "Password: enter the password you chose when you signed up",
        ));
    }
    let member = user::Entity::find_by_id(link.user_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AuthError::invalid(INVALID_CONFIRM_LINK))?;
    let mut issued = sign_in::log_in(state, &member.email, password, previous_token, meta)
        .await
        .map_err(|err| match err {
            AuthError::InvalidCredentials => AuthError::WrongConfirmPassword,
            other => other,
        })?;
    let txn = db::begin_write(&state.db).await?;
    // Guarded: of two uses of one link, one marks it; the address is
    // confirmed either way.
    password_link::Entity::update_many()
        .col_expr(password_link::Column::UsedAt, Expr::value(now))
        .filter(password_link::Column::Id.eq(link.id))
        .filter(password_link::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if mark_confirmed(&txn, now, member.id).await? == 1 {
        audit::record(
            &txn,
            now,
            AuditEntry::new(AuditAction::EmailConfirmed)
                .actor(member.id)
                .subject(member.email.clone())
                .ip(meta.ip.clone()),
        )
        .await?;
    }
    txn.commit().await?;
    if let sign_in::SignedIn::Session(issued) = &mut issued {
        issued.user.email_confirmed = true;
    }
    Ok(issued)
}

/// Sends the signed-in member a new confirmation link (at most one every
/// two minutes). Answers what to tell them.
pub async fn resend_confirmation(
    conn: &DatabaseConnection,
    clock: &Clock,
    user_id: i64,
    meta: &RequestMeta,
) -> Result<String, AuthError> {
    let now = clock.now();
    let txn = db::begin_write(conn).await?;
    let member = user::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .ok_or(AuthError::SignedOut)?;
    if member.email_confirmed_at.is_some() {
        return Ok("Your email address is confirmed already: nothing to do.".to_owned());
    }
    if sent_lately(&txn, now, member.id, LinkPurpose::Confirm).await? {
        return Ok(format!(
            "We sent a link to {} moments ago: check your inbox and spam folder. You can ask for another in two minutes.",
            member.email
        ));
    }
    issue(&txn, now, member.id, LinkPurpose::Confirm).await?;
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::ConfirmationSent)
            .actor(member.id)
            .subject(member.email.clone())
            .ip(meta.ip.clone()),
    )
    .await?;
    txn.commit().await?;
    Ok(format!(
        "We sent a new link to {}. It works once, for 24 hours.",
        member.email
    ))
}
