//! Connecting to the database and opening write transactions.
//!
//! One binary serves SQLite and PostgreSQL; the backend follows the URL.
//! SQLite is set up to keep money safe: WAL, `synchronous=FULL`, foreign keys,
//! a busy timeout, and write transactions that take the write lock up front
//! (`BEGIN IMMEDIATE`), so a transaction that has read something can never be
//! refused with SQLITE_BUSY half-way when it comes to write.

use sea_orm::{
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, SqlErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::time::Duration;

/// Used when `DATABASE_URL` is not set: a file under `./data`, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/paydesk.db?mode=rwc";

pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options.sqlx_logging(false);
    if is_sqlite(url) {
        ensure_sqlite_parent_dir(url)?;
        options
            // Writers queue on the write lock (busy_timeout) rather than on
            // the pool, so a handful of connections is plenty.
            .max_connections(8)
            .min_connections(1)
            .map_sqlx_sqlite_opts(|opts| {
                opts.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(30))
            });
    } else {
        options.max_connections(16).min_connections(1);
    }
    options.acquire_timeout(Duration::from_secs(30));
    Database::connect(options).await
}

/// Begins a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`;
/// PostgreSQL's default `BEGIN` already locks row by row.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Whether an error is a unique-constraint violation, by kind, never by the
/// wording of a constraint name.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

pub fn backend_name(db: &DatabaseConnection) -> &'static str {
    match db.get_database_backend() {
        DbBackend::Sqlite => "sqlite",
        DbBackend::Postgres => "postgres",
        _ => "other",
    }
}

fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

/// `sqlite://data/paydesk.db?mode=rwc` creates the file but not its folder.
fn ensure_sqlite_parent_dir(url: &str) -> Result<(), DbErr> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = std::path::Path::new(path).parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent).map_err(|err| {
                DbErr::Custom(format!(
                    "cannot create the database folder {}: {err}",
                    parent.display()
                ))
            })?;
        }
    }
    Ok(())
}
