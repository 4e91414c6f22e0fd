//! API keys for the earnings API. A key is 32 random bytes, shown once when
//! it is made; the database keeps only its SHA-256 (a key has far too much
//! entropy for a slow hash to add anything) and a short prefix to tell keys
//! apart. Revoked keys stop working at once, expired ones at their expiry.
//! A key reads only the incentives made through it.

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use sha2::{Digest, Sha256};

use super::ApiKeyView;
use crate::entities::api_key;

use super::service::IncentiveError;
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    db, Clock,
};

const KEY_PREFIX: &str = "pdk_";

fn view(model: &api_key::Model, now: DateTime<Utc>) -> ApiKeyView {
    let at = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M").to_string();
    ApiKeyView {
        expires_at: model.expires_at.map(at),
        expired: model.expires_at.is_some_and(|t| t <= now),
        id: model.id,
        name: model.name.clone(),
        prefix: model.prefix.clone(),
        created_at: at(model.created_at),
        last_used_at: model.last_used_at.map(at),
        revoked_at: model.revoked_at.map(at),
    }
}

pub fn digest(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// How long a key may be made to last, in days.
pub const MAX_LIFETIME_DAYS: u32 = 3_650;

/// A new key, named by the admin, working until revoked or for
/// `expires_in_days`. Returns the key in full: the only time anyone sees it.
pub async fn create(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    name: &str,
    expires_in_days: Option<u32>,
    ip: Option<String>,
) -> Result<(ApiKeyView, String), IncentiveError> {
    if let Some(days) = expires_in_days {
        if days == 0 || days > MAX_LIFETIME_DAYS {
            return Err(IncentiveError::invalid(format!(
                "Expires: between 1 and {MAX_LIFETIME_DAYS} days, or never"
            )));
        }
    }
    let name = name.trim();
    if name.is_empty() {
        return Err(IncentiveError::invalid(
            "Name: say what the key is for, like \"Website\"",
        ));
    }
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(IncentiveError::invalid(
            "Name: at most 100 characters, no control characters",
        ));
    }
    let mut random = [0u8; 32];
    rand::fill(&mut random);
    let key: String = std::iter::once(KEY_PREFIX.to_owned())
        .chain(random.iter().map(|b| format!("{b:02x}")))
        .collect();
    let now = clock.now();
    let txn = db::begin_write(db).await?;
    let model = api_key::Entity::insert(api_key::ActiveModel {
        name: Set(name.to_owned()),
        prefix: Set(key[..12].to_owned()),
        key_hash: Set(digest(&key)),
        created_by: Set(admin_user_id),
        created_at: Set(now),
        expires_at: Set(expires_in_days.map(|days| now + chrono::Duration::days(i64::from(days)))),
        ..Default::default()
    })
    .exec_with_returning(&txn)
    .await?;
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::ApiKeyCreated)
            .actor(admin_user_id)
            .subject(format!("api_key:{}", model.id))
            .ip(ip)
            .detail(match model.expires_at {
                Some(at) => format!(
                    "{} ({}…), expires {}",
                    model.name,
                    model.prefix,
                    at.format("%Y-%m-%d")
                ),
                None => format!("{} ({}…)", model.name, model.prefix),
            }),
    )
    .await?;
    txn.commit().await?;
    Ok((view(&model, now), key))
}

pub async fn list(
    db: &DatabaseConnection,
    clock: &Clock,
) -> Result<Vec<ApiKeyView>, IncentiveError> {
    let now = clock.now();
    Ok(api_key::Entity::find()
        .order_by_desc(api_key::Column::Id)
        .all(db)
        .await?
        .iter()
        .map(|model| view(model, now))
        .collect())
}

/// Revokes a key; revoking it again changes (and records) nothing.
pub async fn revoke(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    id: i64,
    ip: Option<String>,
) -> Result<(), IncentiveError> {
    let now = clock.now();
    let txn = db::begin_write(db).await?;
    let key = api_key::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| IncentiveError::not_found("API key not found"))?;
    let revoked = api_key::Entity::update_many()
        .col_expr(api_key::Column::RevokedAt, Expr::value(now))
        .col_expr(api_key::Column::RevokedBy, Expr::value(admin_user_id))
        .filter(api_key::Column::Id.eq(id))
        .filter(api_key::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if revoked == 1 {
        audit::record(
            &txn,
            now,
            AuditEntry::new(AuditAction::ApiKeyRevoked)
                .actor(admin_user_id)
                .subject(format!("api_key:{id}"))
                .ip(ip)
                .detail(format!("{} ({}…)", key.name, key.prefix)),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The live key matching `presented`, its last use noted; None for a
/// wrong, unknown, revoked or expired key.
pub async fn authenticate(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    presented: &str,
) -> Result<Option<api_key::Model>, IncentiveError> {
    if !presented.starts_with(KEY_PREFIX) || presented.len() > 100 {
        return Ok(None);
    }
    let found = api_key::Entity::find()
        .filter(api_key::Column::KeyHash.eq(digest(presented)))
        .filter(api_key::Column::RevokedAt.is_null())
        .one(db)
        .await?
        .filter(|key| key.expires_at.is_none_or(|at| at > now));
    if let Some(key) = &found {
        api_key::Entity::update_many()
            .col_expr(api_key::Column::LastUsedAt, Expr::value(now))
            .filter(api_key::Column::Id.eq(key.id))
            .exec(db)
            .await?;
    }
    Ok(found)
}
