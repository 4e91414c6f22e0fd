//! Changing the team: each change is one write transaction with its audit
//! row. The last-owner rule is checked inside that transaction with every
//! owner row locked (PostgreSQL: `FOR UPDATE`, in id order so two owners
//! demoting each other queue instead of deadlocking; SQLite: the write
//! transaction itself is exclusive), so two owners changing each other at
//! once cannot leave the desk without one.

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::{Expr, LockType},
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::error::TeamError;
use super::{Standing, TeamMemberView, TeamView};
use crate::auth::{normalize_email, TeamRole};
use crate::email::notice::LinkPurpose;
use crate::entities::{asset, outbox_message, password_link, session, setting, user};
use crate::ledger::four_eyes;
use crate::ledger::money::{decimal_string, parse_optional_amount};
use crate::platform::settings_store::put_setting;
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    db, Clock,
};

const ADMIN: &str = "admin";

fn at(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M").to_string()
}

/// The audit row of a change to the team, written in its transaction.
async fn audited(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    action: AuditAction,
    owner_id: i64,
    subject: &str,
    ip: Option<String>,
    detail: Option<String>,
) -> Result<(), TeamError> {
    let mut entry = AuditEntry::new(action)
        .actor(owner_id)
        .subject(subject.to_owned())
        .ip(ip);
    if let Some(detail) = detail {
        entry = entry.detail(detail);
    }
    audit::record(txn, now, entry).await?;
    Ok(())
}

/// The newest invitation link of an unclaimed admin, if it still works.
async fn open_invitation(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    user_id: i64,
) -> Result<Option<DateTime<Utc>>, TeamError> {
    let link = password_link::Entity::find()
        .filter(password_link::Column::UserId.eq(user_id))
        .filter(password_link::Column::Purpose.eq(LinkPurpose::TeamInvite.as_str()))
        .filter(password_link::Column::UsedAt.is_null())
        .filter(password_link::Column::ExpiresAt.gt(now))
        .order_by_desc(password_link::Column::ExpiresAt)
        .one(conn)
        .await?;
    Ok(link.map(|link| link.expires_at))
}

async fn view(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    admin: &user::Model,
) -> Result<TeamMemberView, TeamError> {
    let role = admin
        .team_role
        .as_deref()
        .and_then(TeamRole::parse)
        .unwrap_or(TeamRole::Viewer);
    let (standing, expires) = if !admin.is_active {
        (Standing::Deactivated, None)
    } else if admin.email_confirmed_at.is_none() {
        match open_invitation(conn, now, admin.id).await? {
            Some(expires) => (Standing::Invited, Some(at(expires))),
            None => (Standing::InvitationExpired, None),
        }
    } else {
        (Standing::Active, None)
    };
    Ok(TeamMemberView {
        id: admin.id,
        email: admin.email.clone(),
        display_name: admin.display_name.clone(),
        role,
        standing,
        last_signed_in_at: admin.last_signed_in_at.map(at),
        two_factor: crate::auth::two_factor::is_on(conn, admin.id).await?,
        invitation_expires_at: expires,
        value_limits: value_limits(conn, admin.id).await?,
    })
}

/// An admin's own value limits, as decimal text per asset code: their
/// settings rows in one query, read against the assets.
async fn value_limits(
    conn: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Vec<(String, String)>, TeamError> {
    let rows = setting::Entity::find()
        .filter(setting::Column::Key.starts_with("approval_limit:"))
        .filter(setting::Column::Key.ends_with(format!(":admin:{user_id}")))
        .order_by_asc(setting::Column::Key)
        .all(conn)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let assets = crate::ledger::service::assets_by_id(conn).await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let code = four_eyes::value_limit_asset(&row.key, user_id)?;
            let asset = assets.values().find(|asset| asset.code == code)?;
            let minor = row.value.parse::<i64>().ok()?;
            let scale = u32::try_from(asset.scale).unwrap_or(0);
            Some((asset.code.clone(), decimal_string(minor, scale)))
        })
        .collect())
}

/// Sets (or, with an empty amount, removes) an admin's own value limit in
/// one asset: their moves above it wait for a second approval even under
/// the desk's limit. Audited.
pub async fn set_value_limit(
    db: &DatabaseConnection,
    clock: &Clock,
    owner_id: i64,
    user_id: i64,
    asset_code: &str,
    amount: &str,
    ip: Option<String>,
) -> Result<(), TeamError> {
    let code = asset_code.trim().to_ascii_uppercase();
    let asset = crate::ledger::service::find_asset(db, &code)
        .await
        .map_err(|_| TeamError::invalid(format!("Unknown currency or point type {code:?}")))?;
    let scale = u32::try_from(asset.scale).unwrap_or(0);
    let limit = parse_optional_amount(amount, &asset.code, scale)
        .map_err(|err| TeamError::invalid(format!("Value limit: {err}")))?;
    let now = clock.now();
    let txn = db::begin_write(db).await?;
    let target = admin(&txn, user_id).await?;
    let key = four_eyes::value_limit_key(&asset.code, target.id);
    match limit {
        Some(minor) => put_setting(&txn, &key, &minor.to_string()).await?,
        None => {
            setting::Entity::delete_by_id(key).exec(&txn).await?;
        }
    }
    audited(
        &txn,
        now,
        AuditAction::SettingsChanged,
        owner_id,
        &target.email,
        ip,
        Some(format!(
            "value limit in {}: {}",
            asset.code,
            limit.map_or_else(|| "none".to_owned(), |minor| decimal_string(minor, scale))
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Every admin: owners first, then the other roles, each by name.
pub async fn page(db: &DatabaseConnection, clock: &Clock, you: i64) -> Result<TeamView, TeamError> {
    let now = clock.now();
    let admins = user::Entity::find()
        .filter(user::Column::Role.eq(ADMIN))
        .order_by_asc(user::Column::DisplayName)
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?;
    let mut members = Vec::with_capacity(admins.len());
    for admin in &admins {
        members.push(view(db, now, admin).await?);
    }
    members.sort_by_key(|member| member.role);
    let assets = asset::Entity::find()
        .order_by_asc(asset::Column::Code)
        .all(db)
        .await?
        .into_iter()
        .map(|asset| asset.code)
        .collect();
    Ok(TeamView {
        members,
        you,
        assets,
    })
}

/// An admin of this desk, or "not found" (members are not on the team).
async fn admin(conn: &impl ConnectionTrait, user_id: i64) -> Result<user::Model, TeamError> {
    user::Entity::find_by_id(user_id)
        .filter(user::Column::Role.eq(ADMIN))
        .one(conn)
        .await?
        .ok_or_else(|| TeamError::not_found("No admin with this id"))
}

/// The owners who can act (active, signed up), locked for the rest of the
/// transaction.
async fn active_owners(conn: &impl ConnectionTrait) -> Result<Vec<i64>, TeamError> {
    let mut select = user::Entity::find()
        .filter(user::Column::Role.eq(ADMIN))
        .filter(user::Column::TeamRole.eq(TeamRole::Owner.as_str()))
        .filter(user::Column::IsActive.eq(true))
        .filter(user::Column::EmailConfirmedAt.is_not_null())
        .order_by_asc(user::Column::Id);
    if conn.get_database_backend() == DbBackend::Postgres {
        select = select.lock(LockType::Update);
    }
    Ok(select.all(conn).await?.into_iter().map(|u| u.id).collect())
}

/// Refuses a change that would take `user_id` out of the active owners
/// when they are the last one.
async fn keep_an_owner(conn: &impl ConnectionTrait, user_id: i64) -> Result<(), TeamError> {
    let owners = active_owners(conn).await?;
    if owners == [user_id] {
        return Err(TeamError::conflict(
            "This is the desk's last active owner: make another admin an owner first",
        ));
    }
    Ok(())
}

/// Invites an admin: an account with the role, waiting for its password,
/// and an email with a single-use link (valid three days).
pub async fn invite(
    db: &DatabaseConnection,
    clock: &Clock,
    owner_id: i64,
    email: &str,
    display_name: &str,
    role: TeamRole,
    ip: Option<String>,
) -> Result<TeamMemberView, TeamError> {
    let now = clock.now();
    let email = normalize_email(email)?;
    let name = match display_name.trim() {
        "" => email.split('@').next().unwrap_or_default().to_owned(),
        name => name.to_owned(),
    };
    let txn = db::begin_write(db).await?;
    let invited = crate::auth::service::invite_admin(&txn, now, &email, &name, role).await?;
    audited(
        &txn,
        now,
        AuditAction::AdminInvited,
        owner_id,
        &invited.email,
        ip,
        Some(format!("as {}", role.label())),
    )
    .await?;
    let shown = view(&txn, now, &invited).await?;
    txn.commit().await?;
    Ok(shown)
}

/// An invitation not yet taken up, or "conflict".
fn unclaimed(admin: &user::Model) -> Result<(), TeamError> {
    if admin.email_confirmed_at.is_some() {
        return Err(TeamError::conflict(
            "This admin has already joined: there is no invitation to change",
        ));
    }
    Ok(())
}

/// Sends the invitation again with a new link; the old links stop working.
pub async fn resend(
    db: &DatabaseConnection,
    clock: &Clock,
    owner_id: i64,
    user_id: i64,
    ip: Option<String>,
) -> Result<(), TeamError> {
    let now = clock.now();
    let txn = db::begin_write(db).await?;
    let invited = admin(&txn, user_id).await?;
    unclaimed(&invited)?;
    if !invited.is_active {
        return Err(TeamError::conflict(
            "This admin is deactivated: reactivate them first",
        ));
    }
    void_links(&txn, now, user_id).await?;
    crate::auth::links::issue(&txn, now, user_id, LinkPurpose::TeamInvite).await?;
    audited(
        &txn,
        now,
        AuditAction::AdminInvited,
        owner_id,
        &invited.email,
        ip,
        Some("invitation sent again".into()),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn void_links(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    user_id: i64,
) -> Result<(), TeamError> {
    password_link::Entity::update_many()
        .col_expr(password_link::Column::UsedAt, Expr::value(now))
        .filter(password_link::Column::UserId.eq(user_id))
        .filter(password_link::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Withdraws an invitation not yet taken up: the account goes, with its
/// links and any invitation email still waiting to be sent, so the
/// address can be invited again.
pub async fn revoke(
    db: &DatabaseConnection,
    clock: &Clock,
    owner_id: i64,
    user_id: i64,
    ip: Option<String>,
) -> Result<(), TeamError> {
    let now = clock.now();
    let txn = db::begin_write(db).await?;
    let invited = admin(&txn, user_id).await?;
    unclaimed(&invited)?;
    password_link::Entity::delete_many()
        .filter(password_link::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    outbox_message::Entity::delete_many()
        .filter(outbox_message::Column::RecipientUserId.eq(user_id))
        .exec(&txn)
        .await?;
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    // Guarded: an invitee who joined in the meantime (their link's use
    // commits first) keeps the account, and this revoke changes nothing.
    let removed = user::Entity::delete_many()
        .filter(user::Column::Id.eq(user_id))
        .filter(user::Column::EmailConfirmedAt.is_null())
        .exec(&txn)
        .await?;
    if removed.rows_affected == 0 {
        return Err(TeamError::conflict(
            "This admin has just joined: there is no invitation to revoke",
        ));
    }
    audited(
        &txn,
        now,
        AuditAction::AdminInviteRevoked,
        owner_id,
        &invited.email,
        ip,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Gives an admin another role. The last active owner keeps theirs.
pub async fn change_role(
    db: &DatabaseConnection,
    clock: &Clock,
    owner_id: i64,
    user_id: i64,
    role: TeamRole,
    ip: Option<String>,
) -> Result<(), TeamError> {
    let now = clock.now();
    let txn = db::begin_write(db).await?;
    let target = admin(&txn, user_id).await?;
    let before = target.team_role.as_deref().and_then(TeamRole::parse);
    if before == Some(role) {
        return Ok(());
    }
    if role != TeamRole::Owner {
        keep_an_owner(&txn, user_id).await?;
    }
    // Guarded on the role read above: a change another owner made in the
    // meantime is not overwritten unseen.
    let mut update = user::Entity::update_many()
        .col_expr(user::Column::TeamRole, Expr::value(role.as_str()))
        .filter(user::Column::Id.eq(user_id));
    update = match before {
        Some(before) => update.filter(user::Column::TeamRole.eq(before.as_str())),
        None => update.filter(user::Column::TeamRole.is_null()),
    };
    if update.exec(&txn).await?.rows_affected == 0 {
        return Err(TeamError::conflict(
            "Another owner changed this admin's role just now: reload and try again",
        ));
    }
    audited(
        &txn,
        now,
        AuditAction::AdminRoleChanged,
        owner_id,
        &target.email,
        ip,
        Some(format!(
            "{} -> {}",
            before.map_or("none", TeamRole::label),
            role.label()
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Deactivates an admin (their sessions end at once) or reactivates one.
/// Nobody deactivates themselves, and the last active owner stays.
pub async fn set_active(
    db: &DatabaseConnection,
    clock: &Clock,
    owner_id: i64,
    user_id: i64,
    active: bool,
    ip: Option<String>,
) -> Result<(), TeamError> {
    let now = clock.now();
    if !active && user_id == owner_id {
        return Err(TeamError::conflict(
            "You cannot deactivate yourself: ask another owner",
        ));
    }
    let txn = db::begin_write(db).await?;
    let target = admin(&txn, user_id).await?;
    if target.is_active == active {
        return Ok(());
    }
    if !active {
        keep_an_owner(&txn, user_id).await?;
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
    }
    // Guarded on the old value: of two owners pressing at once, one
    // changes it and writes the audit row.
    let changed = user::Entity::update_many()
        .col_expr(user::Column::IsActive, Expr::value(active))
        .filter(user::Column::Id.eq(user_id))
        .filter(user::Column::IsActive.eq(!active))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        return Ok(());
    }
    audited(
        &txn,
        now,
        AuditAction::AdminActiveChanged,
        owner_id,
        &target.email,
        ip,
        Some(if active { "reactivated" } else { "deactivated" }.into()),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::auth::Role;

    #[test]
    fn the_team_reads_admins_as_auth_stores_them() {
        assert_eq!(super::ADMIN, Role::Admin.as_str());
    }
}
