//! Two-factor sign-in with TOTP (RFC 6238: HMAC-SHA1, 30-second steps, six
//! digits, one step of clock skew) and single-use recovery codes.
//!
//! The secret is sealed at rest (`platform::secrets`, purpose
//! `totp:{user id}`). A code is accepted for a step newer than the last
//! step accepted, by a guarded update, so a code seen over a shoulder or
//! sent twice at once signs in once. Recovery codes are stored as digests
//! and used up by a guarded update too. Every check goes through the
//! sign-in throttle: six digits are a small space.

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter,
};
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Secret, Totp};

use super::throttle::Outcome;
use super::{AuthError, EnrolmentView, TwoFactorView};
use crate::entities::{recovery_code, two_factor, user};
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    db,
    request::RequestMeta,
    secrets::SecretKey,
    AppState,
};

/// The name authenticator apps show beside the account.
pub const ISSUER: &str = "Paydesk";
pub const RECOVERY_CODES: usize = 10;
const STEP_SECONDS: i64 = 30;
const SECRET_BYTES: usize = 20;

fn purpose(user_id: i64) -> String {
    format!("totp:{user_id}")
}

/// The TOTP of a secret; `account` names it in the app (`:` is the
/// separator of the otpauth label, so it cannot appear in it).
fn totp(secret: &[u8], account: &str) -> Result<Totp, AuthError> {
    Builder::new()
        .with_secret(Secret::new(secret.to_vec().into_boxed_slice()))
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(STEP_SECONDS as u64)
        .with_issuer(Some(ISSUER))
        .with_account_name(account.replace(':', "_"))
        .build()
        .map_err(|err| AuthError::Unexpected(anyhow::anyhow!("TOTP set-up: {err}")))
}

fn unix(now: DateTime<Utc>) -> u64 {
    u64::try_from(now.timestamp()).unwrap_or(0)
}

fn digest(code: &str) -> String {
    let digest = Sha256::digest(format!("paydesk recovery code:{code}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// "ABCD EFGH ..." : the secret as base32, in groups of four for typing.
fn grouped(base32: &str) -> String {
    base32
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The otpauth URI as a QR code, an SVG drawn on the server (no script,
/// no image request to anyone).
fn qr_svg(uri: &str) -> Result<String, AuthError> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|err| AuthError::Unexpected(anyhow::anyhow!("QR code: {err}")))?;
    Ok(code
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

async fn row(
    conn: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Option<two_factor::Model>, DbErr> {
    two_factor::Entity::find_by_id(user_id).one(conn).await
}

/// Whether the account signs in with a second factor.
pub async fn is_on(conn: &impl ConnectionTrait, user_id: i64) -> Result<bool, DbErr> {
    Ok(row(conn, user_id)
        .await?
        .is_some_and(|found| found.confirmed_at.is_some()))
}

async fn codes_left(conn: &impl ConnectionTrait, user_id: i64) -> Result<u64, DbErr> {
    recovery_code::Entity::find()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .filter(recovery_code::Column::UsedAt.is_null())
        .count(conn)
        .await
}

fn enrolment(
    key: &SecretKey,
    found: &two_factor::Model,
    email: &str,
) -> Result<EnrolmentView, AuthError> {
    let secret = key
        .open(&purpose(found.user_id), &found.secret)
        .map_err(|err| AuthError::Unexpected(anyhow::anyhow!("two-factor secret: {err}")))?;
    let totp = totp(&secret, email)?;
    let uri = totp
        .to_url()
        .map_err(|err| AuthError::Unexpected(anyhow::anyhow!("otpauth URI: {err}")))?;
    Ok(EnrolmentView {
        secret: grouped(&totp.secret().to_base32()),
        qr_svg: qr_svg(&uri)?,
        uri,
    })
}

/// Where the account stands: on, being set up (with what to scan), or off.
pub async fn status(
    state: &AppState,
    user_id: i64,
    email: &str,
) -> Result<TwoFactorView, AuthError> {
    let found = row(&state.db, user_id).await?;
    Ok(match found {
        Some(found) if found.confirmed_at.is_some() => TwoFactorView {
            on: true,
            enrolment: None,
            recovery_codes_left: codes_left(&state.db, user_id).await?,
        },
        Some(found) => TwoFactorView {
            on: false,
            enrolment: Some(enrolment(&state.settings.secret_key, &found, email)?),
            recovery_codes_left: 0,
        },
        None => TwoFactorView {
            on: false,
            enrolment: None,
            recovery_codes_left: 0,
        },
    })
}

/// Starts (or starts over) setting up an authenticator app: a new secret,
/// not yet asked for at sign-in. Refused while two-factor is on: turning it
/// off first takes a code, so a stolen session cannot move it to a new app.
pub async fn begin_enrolment(
    state: &AppState,
    user_id: i64,
    email: &str,
) -> Result<EnrolmentView, AuthError> {
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    if let Some(found) = row(&txn, user_id).await? {
        if found.confirmed_at.is_some() {
            return Err(AuthError::invalid(
                "Two-factor sign-in is already on. To move it to another app, turn it off with a code first, then set it up again",
            ));
        }
        two_factor::Entity::delete_by_id(user_id).exec(&txn).await?;
    }
    let mut secret = [0u8; SECRET_BYTES];
    rand::fill(&mut secret);
    let model = two_factor::Model {
        user_id,
        secret: state.settings.secret_key.seal(&purpose(user_id), &secret),
        confirmed_at: None,
        last_step: 0,
        created_at: now,
    };
    two_factor::Entity::insert(two_factor::ActiveModel {
        user_id: Set(model.user_id),
        secret: Set(model.secret.clone()),
        confirmed_at: Set(None),
        last_step: Set(0),
        created_at: Set(now),
    })
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    enrolment(&state.settings.secret_key, &model, email)
}

/// What a typed code turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accepted {
    /// A code from the app, for this 30-second step.
    App { step: i64 },
    /// One of the recovery codes, now used up.
    Recovery,
}

impl Accepted {
    pub fn describe(self) -> &'static str {
        match self {
            Accepted::App { .. } => "with a two-factor code",
            Accepted::Recovery => "with a recovery code",
        }
    }
}

/// Just the characters a person means: spaces and dashes are for reading.
fn normalize(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_lowercase()
}

/// Checks `code` for the account and uses it up, inside the caller's
/// transaction (so the sign-in, enrolment or step-up it allows commits with
/// it). `confirmed` says which secret may answer: the one signed in with,
/// or the one being set up. None: wrong, already used, or no secret.
pub async fn accept(
    conn: &impl ConnectionTrait,
    key: &SecretKey,
    user_id: i64,
    code: &str,
    now: DateTime<Utc>,
    confirmed: bool,
) -> Result<Option<Accepted>, AuthError> {
    let Some(found) = row(conn, user_id).await? else {
        return Ok(None);
    };
    if found.confirmed_at.is_some() != confirmed {
        return Ok(None);
    }
    let typed = normalize(code);
    if typed.len() == 6 && typed.bytes().all(|b| b.is_ascii_digit()) {
        let secret = key
            .open(&purpose(user_id), &found.secret)
            .map_err(|err| AuthError::Unexpected(anyhow::anyhow!("two-factor secret: {err}")))?;
        let Some(step) = totp(&secret, "")?.check(&typed, unix(now)) else {
            return Ok(None);
        };
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        // Guarded: a step already used (or an older one) is a replay, and of
        // two requests with the same code at once, one moves `last_step`.
        let used = two_factor::Entity::update_many()
            .col_expr(two_factor::Column::LastStep, Expr::value(step))
            .filter(two_factor::Column::UserId.eq(user_id))
            .filter(two_factor::Column::LastStep.lt(step))
            .exec(conn)
            .await?
            .rows_affected;
        return Ok((used == 1).then_some(Accepted::App { step }));
    }
    if !confirmed || typed.len() != RECOVERY_CODE_LEN {
        return Ok(None);
    }
    let used = recovery_code::Entity::update_many()
        .col_expr(recovery_code::Column::UsedAt, Expr::value(now))
        .filter(recovery_code::Column::UserId.eq(user_id))
        .filter(recovery_code::Column::CodeHash.eq(digest(&typed)))
        .filter(recovery_code::Column::UsedAt.is_null())
        .exec(conn)
        .await?
        .rows_affected;
    Ok((used == 1).then_some(Accepted::Recovery))
}

/// Recovery codes: ten characters from an alphabet without look-alikes,
/// shown as `xxxxx-xxxxx`.
const RECOVERY_CODE_LEN: usize = 10;
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

fn new_recovery_code() -> String {
    let mut code = String::with_capacity(RECOVERY_CODE_LEN + 1);
    for i in 0..RECOVERY_CODE_LEN {
        if i == 5 {
            code.push('-');
        }
        let pick = rand::random_range(0..RECOVERY_ALPHABET.len());
        code.push(char::from(RECOVERY_ALPHABET[pick]));
    }
    code
}

/// Replaces the account's recovery codes with ten new ones, returned once.
async fn issue_recovery_codes(
    conn: &impl ConnectionTrait,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<String>, DbErr> {
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .exec(conn)
        .await?;
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
    recovery_code::Entity::insert_many(codes.iter().map(|code| recovery_code::ActiveModel {
        user_id: Set(user_id),
        code_hash: Set(digest(&normalize(code))),
        created_at: Set(now),
        ..Default::default()
    }))
    .exec_without_returning(conn)
    .await?;
    Ok(codes)
}

/// A code check for a signed-in person, behind the sign-in throttle (a
/// wrong code or password counts as a failure).
pub(super) async fn throttled<T, F>(
    state: &AppState,
    email: &str,
    meta: &RequestMeta,
    check: F,
) -> Result<T, AuthError>
where
    F: std::future::Future<Output = Result<T, AuthError>>,
{
    let now = state.clock.now();
    let attempt =
        super::throttle::begin(&state.db, &state.settings, email, meta.ip.as_deref(), now).await?;
    let outcome = check.await;
    let ended = match &outcome {
        Ok(_) => Outcome::Succeeded,
        Err(AuthError::WrongCode | AuthError::WrongPassword) => Outcome::Failed,
        Err(_) => Outcome::Refused,
    };
    super::throttle::finish(&state.db, attempt, ended).await?;
    outcome
}

/// Turns two-factor on with a first code from the app and the account's
/// password (a session left open on someone's desk must not be enough to
/// tie the account to a stranger's phone); answers the recovery codes
/// (shown once). Every other session of the account ends, and this one
/// counts as having just given a code (step-up).
pub async fn confirm_enrolment(
    state: &AppState,
    user_id: i64,
    email: &str,
    confirm: (&str, &str),
    current_session: Option<&str>,
    meta: &RequestMeta,
) -> Result<Vec<String>, AuthError> {
    let (code, password) = confirm;
    let now = state.clock.now();
    throttled(state, email, meta, async {
        let hash = user::Entity::find_by_id(user_id)
            .one(&state.db)
            .await?
            .ok_or(AuthError::SignedOut)?
            .password_hash;
        if !super::password::verify(password.to_owned(), Some(hash)).await? {
            return Err(AuthError::WrongPassword);
        }
        let txn = db::begin_write(&state.db).await?;
        match row(&txn, user_id).await? {
            None => {
                return Err(AuthError::invalid(
                    "Start setting up two-factor sign-in first: there is no code to check yet",
                ))
            }
            Some(found) if found.confirmed_at.is_some() => {
                return Err(AuthError::invalid("Two-factor sign-in is already on"))
            }
            Some(_) => {}
        }
        if accept(&txn, &state.settings.secret_key, user_id, code, now, false)
            .await?
            .is_none()
        {
            return Err(AuthError::WrongCode);
        }
        let turned_on = two_factor::Entity::update_many()
            .col_expr(two_factor::Column::ConfirmedAt, Expr::value(now))
            .filter(two_factor::Column::UserId.eq(user_id))
            .filter(two_factor::Column::ConfirmedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected;
        if turned_on != 1 {
            return Err(AuthError::invalid("Two-factor sign-in is already on"));
        }
        let codes = issue_recovery_codes(&txn, user_id, now).await?;
        let ended = super::devices::end_all(&txn, user_id, current_session).await?;
        if let Some(here) = current_session {
            super::session::mark_stepped_up(&txn, here, now).await?;
        }
        audit::record(
            &txn,
            now,
            AuditEntry::new(AuditAction::TwoFactorEnabled)
                .actor(user_id)
                .subject(email)
                .ip(meta.ip.clone())
                .detail(format!("{ended} other sessions ended")),
        )
        .await?;
        txn.commit().await?;
        Ok(codes)
    })
    .await
}

/// Turns two-factor off, with a current code or a recovery code. Every
/// other session ends.
pub async fn turn_off(
    state: &AppState,
    user_id: i64,
    email: &str,
    code: &str,
    current_session: Option<&str>,
    meta: &RequestMeta,
) -> Result<(), AuthError> {
    let now = state.clock.now();
    throttled(state, email, meta, async {
        let txn = db::begin_write(&state.db).await?;
        if !is_on(&txn, user_id).await? {
            return Err(AuthError::invalid("Two-factor sign-in is not on"));
        }
        let Some(accepted) =
            accept(&txn, &state.settings.secret_key, user_id, code, now, true).await?
        else {
            return Err(AuthError::WrongCode);
        };
        remove(&txn, user_id).await?;
        let ended = super::devices::end_all(&txn, user_id, current_session).await?;
        audit::record(
            &txn,
            now,
            AuditEntry::new(AuditAction::TwoFactorDisabled)
                .actor(user_id)
                .subject(email)
                .ip(meta.ip.clone())
                .detail(format!(
                    "{}; {ended} other sessions ended",
                    accepted.describe()
                )),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    })
    .await
}

/// Ten new recovery codes for a code; the old ones stop working.
pub async fn renew_recovery_codes(
    state: &AppState,
    user_id: i64,
    email: &str,
    code: &str,
    meta: &RequestMeta,
) -> Result<Vec<String>, AuthError> {
    let now = state.clock.now();
    throttled(state, email, meta, async {
        let txn = db::begin_write(&state.db).await?;
        if !is_on(&txn, user_id).await? {
            return Err(AuthError::invalid("Two-factor sign-in is not on"));
        }
        if accept(&txn, &state.settings.secret_key, user_id, code, now, true)
            .await?
            .is_none()
        {
            return Err(AuthError::WrongCode);
        }
        let codes = issue_recovery_codes(&txn, user_id, now).await?;
        audit::record(
            &txn,
            now,
            AuditEntry::new(AuditAction::RecoveryCodesRenewed)
                .actor(user_id)
                .subject(email)
                .ip(meta.ip.clone()),
        )
        .await?;
        txn.commit().await?;
        Ok(codes)
    })
    .await
}

async fn remove(conn: &impl ConnectionTrait, user_id: i64) -> Result<(), DbErr> {
    two_factor::Entity::delete_by_id(user_id).exec(conn).await?;
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// `paydesk reset-2fa --email`: for someone who lost their phone and their
/// recovery codes. Their second factor is removed and every session of
/// theirs ends; they sign in with the password and set it up again.
/// Audited as done from the server's command line.
pub async fn reset(
    conn: &sea_orm::DatabaseConnection,
    now: DateTime<Utc>,
    raw_email: &str,
) -> Result<bool, AuthError> {
    let email = super::normalize_email(raw_email)?;
    let txn = db::begin_write(conn).await?;
    let Some(owner) = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(&txn)
        .await?
    else {
        return Err(AuthError::invalid(format!(
            "There is no account for {email}"
        )));
    };
    let had = row(&txn, owner.id).await?.is_some();
    remove(&txn, owner.id).await?;
    let ended = super::devices::end_all(&txn, owner.id, None).await?;
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::TwoFactorReset)
            .subject(email)
            .detail(format!(
                "from the server's command line; {}; {ended} sessions ended",
                if had {
                    "second factor removed"
                } else {
                    "none was set up"
                }
            )),
    )
    .await?;
    txn.commit().await?;
    Ok(had)
}

/// Re-seals every two-factor secret under `new` (`paydesk rotate-key`),
/// in the caller's transaction; answers how many.
pub async fn reseal(
    conn: &impl ConnectionTrait,
    old: &SecretKey,
    new: &SecretKey,
) -> Result<u64, AuthError> {
    let mut count = 0;
    for found in two_factor::Entity::find().all(conn).await? {
        let purpose = purpose(found.user_id);
        let secret = old.open(&purpose, &found.secret).map_err(|err| {
            AuthError::Unexpected(anyhow::anyhow!("user {}: {err}", found.user_id))
        })?;
        two_factor::Entity::update_many()
            .col_expr(
                two_factor::Column::Secret,
                Expr::value(new.seal(&purpose, &secret)),
            )
            .filter(two_factor::Column::UserId.eq(found.user_id))
            .exec(conn)
            .await?;
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_ten_characters_without_look_alikes() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 11);
        assert_eq!(&code[5..6], "-");
        let bare = normalize(&code);
        assert_eq!(bare.len(), RECOVERY_CODE_LEN);
        assert!(bare.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)));
        assert_eq!(normalize(" ABCDE-fghjk "), "abcdefghjk");
    }

    #[test]
    fn the_rfc_6238_sha1_vector_holds() {
        // RFC 6238 appendix B: the ASCII secret "12345678901234567890" at
        // T = 59 s gives 94287082 in eight digits; six digits are its tail.
        let totp = totp(b"12345678901234567890", "").unwrap();
        assert_eq!(totp.generate(59).to_string(), "287082");
        assert_eq!(totp.generate(1_111_111_109).to_string(), "081804");
    }
}
