//! Idempotency keys: a mutation the UI sends carries a client-generated key;
//! a retry or a double click with the same key returns the first outcome
//! and moves no money twice.
//!
//! The key is claimed inside the operation's own transaction, so it commits
//! (with its outcome) exactly when the operation does. A concurrent request
//! with the same key waits on the first one's insert (PostgreSQL's unique
//! index, SQLite's write lock) and then finds it.
//!
//! Every keyed operation has the same skeleton, written once here:
//! [`begin`] opens the write transaction and claims the key, or hands back
//! the typed outcome of the first run; the operation does its work in the
//! transaction; [`ClaimedKey::commit`] stores the outcome (as JSON) and
//! commits both together.

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::OnConflict, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
};
use serde::{de::DeserializeOwned, Serialize};
use sha2::{Digest, Sha256};

use crate::entities::idempotency_key;
use crate::platform::db;

#[derive(Debug, thiserror::Error)]
pub enum IdempotencyError {
    #[error("Missing idempotency key: reload the page and try again")]
    Missing,
    #[error("This request key was already used for a different request")]
    Reused,
    #[error("The same request is still being processed")]
    InProgress,
    /// An outcome that does not write as JSON, or a stored one that does
    /// not read as the operation's outcome type: a bug or a hand-edited
    /// row, never the client's doing.
    #[error("the outcome of an idempotency key does not convert to or from JSON: {0}")]
    Unreadable(#[source] serde_json::Error),
    #[error(transparent)]
    Db(#[from] DbErr),
}

enum Claim {
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

async fn claim(
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

/// What [`begin`] found: a new claim with its open transaction, or the
/// outcome the first run with this key stored.
pub enum Begun<T> {
    New(DatabaseTransaction, ClaimedKey),
    Replay(T),
}

/// A key claimed in an open transaction, waiting for its outcome.
#[must_use = "store the outcome before the transaction commits, or a retry finds the key still in progress"]
pub struct ClaimedKey {
    scope: String,
    key: String,
}

/// Opens a write transaction and claims `key` in `scope` for the operation
/// `fingerprint` describes. On a replay the transaction is rolled back and
/// the first run's outcome is returned, decoded.
pub async fn begin<T: DeserializeOwned>(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    scope: &str,
    key: &str,
    fingerprint: &str,
) -> Result<Begun<T>, IdempotencyError> {
    let txn = db::begin_write(db).await?;
    match claim_typed(&txn, now, scope, key, fingerprint).await? {
        Claimed::New(claimed) => Ok(Begun::New(txn, claimed)),
        Claimed::Replay(outcome) => {
            txn.rollback().await?;
            Ok(Begun::Replay(outcome))
        }
    }
}

/// What [`claim_typed`] found, in a transaction the caller owns.
pub enum Claimed<T> {
    New(ClaimedKey),
    Replay(T),
}

/// [`claim`] with the outcome decoded, for operations that open their
/// transaction themselves (an optional key, say).
pub async fn claim_typed<T: DeserializeOwned>(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    scope: &str,
    key: &str,
    fingerprint: &str,
) -> Result<Claimed<T>, IdempotencyError> {
    match claim(conn, now, scope, key, fingerprint).await? {
        Claim::New => Ok(Claimed::New(ClaimedKey {
            scope: scope.to_owned(),
            key: key.trim().to_owned(),
        })),
        Claim::Replay(stored) => decode(&stored).map(Claimed::Replay),
    }
}

/// Outcomes are JSON; the oldest rows hold plain text (an id, or the
/// PayPal batch prefix), which reads as a JSON number or string.
fn decode<T: DeserializeOwned>(stored: &str) -> Result<T, IdempotencyError> {
    serde_json::from_str(stored).or_else(|first| {
        serde_json::from_value(serde_json::Value::String(stored.to_owned()))
            .map_err(|_| IdempotencyError::Unreadable(first))
    })
}

impl ClaimedKey {
    /// Stores the operation's outcome with the key and commits the
    /// transaction: both land, or neither does.
    pub async fn commit<T: Serialize>(
        self,
        txn: DatabaseTransaction,
        outcome: &T,
    ) -> Result<(), IdempotencyError> {
        self.store(&txn, outcome).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Stores the outcome in a transaction the caller commits.
    pub async fn store<T: Serialize>(
        self,
        conn: &impl ConnectionTrait,
        outcome: &T,
    ) -> Result<(), IdempotencyError> {
        let outcome = serde_json::to_string(outcome).map_err(IdempotencyError::Unreadable)?;
        complete(conn, &self.scope, &self.key, &outcome).await?;
        Ok(())
    }
}

/// Stores the outcome of a claimed key, in the operation's transaction.
async fn complete(
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
            IdempotencyError::Unreadable(cause) => AppError::internal(cause),
            IdempotencyError::Reused | IdempotencyError::InProgress => {
                AppError::conflict(err.to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_outcomes_read_back_typed_old_plain_text_included() {
        assert_eq!(decode::<i64>("42").unwrap(), 42);
        assert_eq!(decode::<String>("\"PD-abc-\"").unwrap(), "PD-abc-");
        // Written before outcomes were JSON: plain text reads as a string.
        assert_eq!(decode::<String>("PD-abc-").unwrap(), "PD-abc-");
        assert!(matches!(
            decode::<i64>("not a number"),
            Err(IdempotencyError::Unreadable(_))
        ));
    }

    #[test]
    fn fingerprints_separate_their_parts() {
        assert_ne!(fingerprint(&["ab", "c"]), fingerprint(&["a", "bc"]));
        assert_eq!(fingerprint(&["x"]), fingerprint(&["x"]));
    }
}
