//! The admins' digest: once a day, when switched on (off by default), each
//! active admin gets one email saying how many withdrawal requests wait.
//! The delivery worker asks on every tick; the day's digest is claimed with
//! a guarded update of the last run's time, so with several instances it is
//! written once.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    sea_query::{Expr, OnConflict},
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter,
};

use super::notice::{self, Notice};
use crate::auth::Role;
use crate::entities::{setting, user, withdrawal_request};

use super::error::EmailError;
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    db, Clock,
};
use crate::withdrawals::WithdrawalStatus;

/// Setting: "true" sends the digest.
pub const DIGEST: &str = "email.admin_digest";
/// Setting: when the last digest was written (RFC 3339).
const LAST: &str = "email.admin_digest_last";
pub const EVERY: Duration = Duration::hours(24);

pub async fn enabled(conn: &impl ConnectionTrait) -> Result<bool, DbErr> {
    Ok(crate::platform::settings_store::get_setting(conn, DIGEST)
        .await?
        .as_deref()
        == Some("true"))
}

/// Switches the digest on or off (audited).
pub async fn set_enabled(
    conn: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    on: bool,
) -> Result<(), EmailError> {
    let txn = db::begin_write(conn).await?;
    crate::platform::settings_store::put_setting(&txn, DIGEST, if on { "true" } else { "false" })
        .await?;
    audit::record(
        &txn,
        clock.now(),
        AuditEntry::new(AuditAction::SettingsChanged)
            .actor(admin_user_id)
            .subject("settings:email")
            .detail(if on {
                "daily digest to admins on"
            } else {
                "daily digest to admins off"
            }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Writes the digest when it is on and a day has passed since the last
/// one; returns how many admins it was written for.
pub async fn write_if_due(conn: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, DbErr> {
    if !enabled(conn).await? {
        return Ok(0);
    }
    let last = crate::platform::settings_store::get_setting(conn, LAST).await?;
    let due = match last.as_deref().map(DateTime::parse_from_rfc3339) {
        Some(Ok(at)) => now - at.with_timezone(&Utc) >= EVERY,
        // Never sent, or unreadable: send now.
        _ => true,
    };
    if !due {
        return Ok(0);
    }
    let txn = db::begin_write(conn).await?;
    // The claim: only the instance that still sees the old value moves it.
    let stamp = now.to_rfc3339();
    let claimed = match &last {
        Some(old) => {
            setting::Entity::update_many()
                .col_expr(setting::Column::Value, Expr::value(stamp))
                .filter(setting::Column::Key.eq(LAST))
                .filter(setting::Column::Value.eq(old.as_str()))
                .exec(&txn)
                .await?
                .rows_affected
        }
        None => {
            setting::Entity::insert(setting::ActiveModel {
                key: Set(LAST.to_owned()),
                value: Set(stamp),
            })
            .on_conflict(
                OnConflict::column(setting::Column::Key)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?
        }
    };
    if claimed == 0 {
        return Ok(0);
    }
    let waiting = withdrawal_request::Entity::find()
        .filter(withdrawal_request::Column::Status.eq(WithdrawalStatus::Requested.as_str()))
        .count(&txn)
        .await?;
    let mut written = 0;
    // Nothing waiting, nothing to say: the day is still counted as done.
    if waiting > 0 {
        let admins = user::Entity::find()
            .filter(user::Column::Role.eq(Role::Admin.as_str()))
            .filter(user::Column::IsActive.eq(true))
            .all(&txn)
            .await?;
        for admin in &admins {
            notice::enqueue(&txn, now, admin.id, &Notice::AdminDigest { waiting }).await?;
        }
        written = admins.len();
    }
    txn.commit().await?;
    Ok(written)
}
