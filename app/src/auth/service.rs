//! Accounts: sign-up, accounts an operator or the earnings API opens, and
//! user lookups. The domain rules and the database work, one transaction per
//! operation; no HTTP in here. Signing in and out is `sign_in.rs`.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter,
};
use std::collections::HashMap;

use super::{normalize_email, password, user_view, AuthError, Role, TeamRole, UserView};
use crate::email::notice::{self, LinkPurpose, Notice};
use crate::entities::user;
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    db,
    request::RequestMeta,
    AppState,
};

/// The users with these ids, by id: one query per 5,000 distinct ids (well
/// inside every backend's limit on bound parameters). Lists use it to name
/// the members and actors of a page in one go.
pub async fn users_by_id(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, user::Model>, DbErr> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut found = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(5_000) {
        for model in user::Entity::find()
            .filter(user::Column::Id.is_in(chunk.iter().copied()))
            .all(conn)
            .await?
        {
            found.insert(model.id, model);
        }
    }
    Ok(found)
}

fn normalize_display_name(raw: &str) -> Result<String, AuthError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(AuthError::Invalid("Enter your name".into()));
    }
    if name.chars().count() > 100 {
        return Err(AuthError::Invalid(
            "Name must be at most 100 characters long".into(),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AuthError::Invalid(
            "Name cannot contain control characters".into(),
        ));
    }
    Ok(name.to_owned())
}

fn check_password(password: &str) -> Result<(), AuthError> {
    password::check_policy(password).map_err(|err| AuthError::Invalid(err.to_string()))
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    pub role: Role,
    /// Some for an admin (their role on the team), None for a member.
    pub team_role: Option<TeamRole>,
}

/// Validates and inserts a user; the caller's transaction commits it with
/// its audit row. `confirmed` says whether the address counts as proven
/// already (an account an operator made), or waits for its owner's link.
async fn insert_user(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    new_user: &NewUser<'_>,
    password_hash: String,
    confirmed: bool,
) -> Result<user::Model, AuthError> {
    let email = normalize_email(new_user.email)?;
    let inserted = user::Entity::insert(user::ActiveModel {
        email: Set(email),
        display_name: Set(normalize_display_name(new_user.display_name)?),
        password_hash: Set(password_hash),
        role: Set(new_user.role.as_str().to_owned()),
        team_role: Set(new_user.team_role.map(|role| role.as_str().to_owned())),
        is_active: Set(true),
        created_at: Set(now),
        email_confirmed_at: Set(confirmed.then_some(now)),
        ..Default::default()
    })
    .exec_with_returning(conn)
    .await;
    match inserted {
        Ok(model) => Ok(model),
        Err(err) if db::is_unique_violation(&err) => Err(AuthError::EmailTaken),
        Err(err) => Err(err.into()),
    }
}

/// Validates everything that does not need the database, before the slow hash.
fn validate_new_user(new_user: &NewUser<'_>) -> Result<(), AuthError> {
    match (new_user.role, new_user.team_role) {
        (Role::Admin, None) => {
            return Err(AuthError::invalid("Choose the admin's role on the team"))
        }
        (Role::Member, Some(_)) => {
            return Err(AuthError::invalid("Members have no role on the team"))
        }
        _ => {}
    }
    normalize_email(new_user.email)?;
    normalize_display_name(new_user.display_name)?;
    check_password(new_user.password)
}

/// What sign-up answers, whether the address was new or had an account:
/// the form must not tell who is a member.
pub const SIGN_UP_SENT: &str = "Check your inbox: we sent a link to the address you entered. Open it within 24 hours and enter your password to confirm the address. Until then you can sign in and fill in your details, but no earnings are paid to the account and it cannot withdraw.";

/// A "someone tried to sign up with your address" email is sent to an
/// owner at most this often, so the form cannot flood their mailbox.
const ATTEMPT_NOTICE_EVERY: chrono::Duration = chrono::Duration::hours(1);

/// Sign-up: a new address gets an account and a confirmation link (the
/// account signs in, but no money follows the address until the link is
/// used); an address that has an account already gets an email telling its
/// owner. The caller answers [`SIGN_UP_SENT`] either way, and the work is
/// the same either way (the password is hashed, one write transaction with
/// an outbox row and an audit row), so neither the answer nor its timing
/// tells whether the address is taken.
#[tracing::instrument(skip_all)]
pub async fn sign_up(
    state: &AppState,
    new_user: NewUser<'_>,
    meta: &RequestMeta,
) -> Result<(), AuthError> {
    validate_new_user(&new_user)?;
    let email = normalize_email(new_user.email)?;
    let now = state.clock.now();
    super::throttle::check_address(
        &state.db,
        &state.settings,
        AuditAction::SignedUp,
        meta.ip.as_deref(),
        now,
    )
    .await?;
    let hash = password::hash(new_user.password.to_owned()).await?;
    let txn = db::begin_write(&state.db).await?;
    if let Some(owner) = account_of(&txn, &email).await? {
        tell_owner_of_attempt(&txn, &owner, meta, now).await?;
        txn.commit().await?;
        return Ok(());
    }
    let model = match insert_user(&txn, now, &new_user, hash, false).await {
        Ok(model) => model,
        Err(AuthError::EmailTaken) => {
            // Taken meanwhile by a parallel sign-up. PostgreSQL cannot go
            // on in a transaction after a failed insert: a new one.
            drop(txn);
            let txn = db::begin_write(&state.db).await?;
            let owner = account_of(&txn, &email)
                .await?
                .ok_or_else(|| anyhow::anyhow!("the account of a taken address vanished"))?;
            tell_owner_of_attempt(&txn, &owner, meta, now).await?;
            txn.commit().await?;
            return Ok(());
        }
        Err(other) => return Err(other),
    };
    super::links::issue(&txn, now, model.id, LinkPurpose::Confirm).await?;
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::SignedUp)
            .actor(model.id)
            .subject(model.email.clone())
            .ip(meta.ip.clone())
            .detail("confirmation link sent"),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn account_of(
    conn: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(conn)
        .await
}

/// The taken-address half of [`sign_up`]: the owner hears of the attempt
/// (at most once an hour), and the audit row counts against the address's
/// sign-up limit like any other sign-up.
async fn tell_owner_of_attempt(
    txn: &impl ConnectionTrait,
    owner: &user::Model,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> Result<(), AuthError> {
    use crate::entities::outbox_message;
    let attempted = Notice::SignUpAttempted;
    let told_lately = outbox_message::Entity::find()
        .filter(outbox_message::Column::RecipientUserId.eq(owner.id))
        .filter(outbox_message::Column::Kind.eq(attempted.kind()))
        .filter(outbox_message::Column::CreatedAt.gt(now - ATTEMPT_NOTICE_EVERY))
        .one(txn)
        .await?
        .is_some();
    if !told_lately {
        notice::enqueue(txn, now, owner.id, &attempted).await?;
    }
    audit::record(
        txn,
        now,
        AuditEntry::new(AuditAction::SignedUp)
            .subject(owner.email.clone())
            .ip(meta.ip.clone())
            .detail(if told_lately {
                "address has an account; its owner was told less than an hour ago"
            } else {
                "address has an account; its owner was told"
            }),
    )
    .await?;
    Ok(())
}

/// Creates an account on an operator's behalf (the `create-admin` and
/// `demo` commands), with an audit row saying how.
#[tracing::instrument(skip_all)]
pub async fn create_account(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    new_user: NewUser<'_>,
    how: &str,
) -> Result<UserView, AuthError> {
    validate_new_user(&new_user)?;
    let hash = password::hash(new_user.password.to_owned()).await?;
    let txn = db::begin_write(db).await?;
    // The operator vouches for the address.
    let model = insert_user(&txn, now, &new_user, hash, true).await?;
    let action = match new_user.role {
        Role::Admin => AuditAction::AdminCreated,
        Role::Member => AuditAction::SignedUp,
    };
    audit::record(
        &txn,
        now,
        AuditEntry::new(action)
            .subject(model.email.clone())
            .detail(how.to_owned()),
    )
    .await?;
    txn.commit().await?;
    user_view(&model)
}

/// Creates an administrator with a role on the team (the `create-admin`
/// command; the first admin of a new desk is its owner).
pub async fn create_admin(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    email: &str,
    display_name: &str,
    password: &str,
    team_role: TeamRole,
) -> Result<UserView, AuthError> {
    let new_user = NewUser {
        email,
        display_name,
        password,
        role: Role::Admin,
        team_role: Some(team_role),
    };
    create_account(db, now, new_user, "created with the create-admin command").await
}

/// Marks a member's identity as verified (until verification has its own
/// review flow).
pub async fn set_verified(
    conn: &impl ConnectionTrait,
    user_id: i64,
    verified: bool,
) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(
            user::Column::IsVerified,
            sea_orm::sea_query::Expr::value(verified),
        )
        .filter(user::Column::Id.eq(user_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Creates a member account for someone who has not signed up (an
/// incentive reported for a new email), in the caller's transaction. Its
/// password hash matches no known password: the member claims the account
/// by choosing one through the link in the invitation email.
pub async fn invite_member(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    email: &str,
    display_name: &str,
    how: &str,
) -> Result<user::Model, AuthError> {
    let new_user = NewUser {
        email,
        display_name,
        password: "",
        role: Role::Member,
        team_role: None,
    };
    let model = insert_unclaimed(conn, now, &new_user).await?;
    audit::record(
        conn,
        now,
        AuditEntry::new(AuditAction::SignedUp)
            .subject(model.email.clone())
            .detail(format!("invited: {how}")),
    )
    .await?;
    super::links::issue(conn, now, model.id, LinkPurpose::Invite).await?;
    Ok(model)
}

/// Creates an admin account an owner invited, in the caller's transaction
/// (which also writes the audit row): unclaimed like an invited member's,
/// until the invitee chooses a password through the link it emails.
pub async fn invite_admin(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    email: &str,
    display_name: &str,
    team_role: TeamRole,
) -> Result<user::Model, AuthError> {
    let new_user = NewUser {
        email,
        display_name,
        password: "",
        role: Role::Admin,
        team_role: Some(team_role),
    };
    let model = insert_unclaimed(conn, now, &new_user).await?;
    super::links::issue(conn, now, model.id, LinkPurpose::TeamInvite).await?;
    Ok(model)
}

/// A user whose password hash matches no password, their address not yet
/// confirmed: using their link sets both.
async fn insert_unclaimed(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    new_user: &NewUser<'_>,
) -> Result<user::Model, AuthError> {
    let hash = tokio::task::spawn_blocking(password::unguessable_hash)
        .await
        .map_err(|err| AuthError::Unexpected(err.into()))?;
    insert_user(conn, now, new_user, hash, false).await
}
