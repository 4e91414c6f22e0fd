//! Idempotency keys: a mutation the UI sends carries a client-generated key;
//! a retry or a double click with the same key returns the first outcome
//! and moves no money twice.
//!
//! The key is claimed inside the operation's own transaction, so it commits
//! (with its outcome) exactly when the operation does. A concurrent request
//! with the same key waits on the first one's insert (PostgreSQL's unique
//! index, SQLite's write lock) and then finds it.

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::OnConflict, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter,
};
use sha2::{Digest, Sha256};

use crate::entities::idempotency_key;

#[derive(Debug, thiserror::Error)]
pub enum IdempotencyError {
    #[error("Missing idempotency key: reload the page and try again")]
    Missing,
    #[error("This request key was already used for a different request")]
    Reused,
    #[error("The same request is still being processed")]
    InProgress,
    #[error(transparent)]
    Db(#[from] DbErr),
}

pub enum Claim {
    /// First use: go ahead, then `complete` in the same transaction.
    New,
    /// Seen before with the same parameters: this was its outcome.
    Replay(String),
}

/// A digest of what the operation is and the parameters it was given.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub async fn claim(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    scope: &str,
    key: &str,
    fingerprint: &str,
) -> Result<Claim, IdempotencyError> {
    let key = key.trim();
    if key.is_empty() || key.len() > 128 {
        return Err(IdempotencyError::Missing);
    }
    let inserted = idempotency_key::Entity::insert(idempotency_key::ActiveModel {
        scope: Set(scope.to_owned()),
        key: Set(key.to_owned()),
        fingerprint: Set(fingerprint.to_owned()),
        outcome: Set(None),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([idempotency_key::Column::Scope, idempotency_key::Column::Key])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    if inserted == 1 {
        return Ok(Claim::New);
    }
    let existing = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::Scope.eq(scope))
        .filter(idempotency_key::Column::Key.eq(key))
        .one(conn)
        .await?
        .ok_or(IdempotencyError::InProgress)?;
    if existing.fingerprint != fingerprint {
        return Err(IdempotencyError::Reused);
    }
    existing
        .outcome
        .map(Claim::Replay)
        .ok_or(IdempotencyError::InProgress)
}

/// Stores the outcome of a claimed key, in the operation's transaction.
pub async fn complete(
    conn: &impl ConnectionTrait,
    scope: &str,
    key: &str,
    outcome: &str,
) -> Result<(), DbErr> {
    idempotency_key::Entity::update_many()
        .col_expr(
            idempotency_key::Column::Outcome,
            sea_orm::sea_query::Expr::value(outcome),
        )
        .filter(idempotency_key::Column::Scope.eq(scope))
        .filter(idempotency_key::Column::Key.eq(key.trim()))
        .exec(conn)
        .await?;
    Ok(())
}

impl From<IdempotencyError> for crate::error::AppError {
    fn from(err: IdempotencyError) -> Self {
        use crate::error::AppError;
        match err {
            IdempotencyError::Missing => AppError::invalid(err.to_string()),
            IdempotencyError::Db(cause) => AppError::internal(cause),
            IdempotencyError::Reused | IdempotencyError::InProgress => {
                AppError::conflict(err.to_string())
            }
        }
    }
}
