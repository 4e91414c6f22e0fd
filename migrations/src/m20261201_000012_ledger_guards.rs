//! The database itself keeps the ledger's two hardest rules, whatever code
//! (or person with a SQL prompt) writes to it:
//! - journal entries and transfers are append-only: an update or a delete is
//!   refused (a mistake is fixed by a correcting transfer);
//! - a cached wallet balance never goes below zero (system wallets cache
//!   nothing and stay at zero, so the rule holds for every wallet).
//!
//! SQLite cannot add a CHECK to an existing table, so it gets triggers for
//! both; PostgreSQL gets a CHECK constraint and a trigger function.
//! `paydesk verify` reports it when any of them is missing.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The guards by name, as `verify` looks for them.
pub const SQLITE_TRIGGERS: [&str; 6] = [
    "transfers_no_update",
    "transfers_no_delete",
    "journal_entries_no_update",
    "journal_entries_no_delete",
    "wallets_balance_insert",
    "wallets_balance_update",
];

const SQLITE_UP: &str = "
CREATE TRIGGER transfers_no_update BEFORE UPDATE ON transfers
BEGIN SELECT RAISE(ABORT, 'transfers are append-only: record a correcting transfer instead'); END;
CREATE TRIGGER transfers_no_delete BEFORE DELETE ON transfers
BEGIN SELECT RAISE(ABORT, 'transfers are append-only: record a correcting transfer instead'); END;
CREATE TRIGGER journal_entries_no_update BEFORE UPDATE ON journal_entries
BEGIN SELECT RAISE(ABORT, 'journal entries are append-only'); END;
CREATE TRIGGER journal_entries_no_delete BEFORE DELETE ON journal_entries
BEGIN SELECT RAISE(ABORT, 'journal entries are append-only'); END;
CREATE TRIGGER wallets_balance_insert BEFORE INSERT ON wallets WHEN NEW.balance < 0
BEGIN SELECT RAISE(ABORT, 'a wallet balance cannot go below zero'); END;
CREATE TRIGGER wallets_balance_update BEFORE UPDATE OF balance ON wallets WHEN NEW.balance < 0
BEGIN SELECT RAISE(ABORT, 'a wallet balance cannot go below zero'); END;
";

const SQLITE_DOWN: &str = "
DROP TRIGGER IF EXISTS transfers_no_update;
DROP TRIGGER IF EXISTS transfers_no_delete;
DROP TRIGGER IF EXISTS journal_entries_no_update;
DROP TRIGGER IF EXISTS journal_entries_no_delete;
DROP TRIGGER IF EXISTS wallets_balance_insert;
DROP TRIGGER IF EXISTS wallets_balance_update;
";

pub const POSTGRES_TRIGGERS: [&str; 2] = ["transfers_append_only", "journal_entries_append_only"];
pub const POSTGRES_CHECK: &str = "wallets_balance_not_negative";

const POSTGRES_UP: &str = "
CREATE OR REPLACE FUNCTION paydesk_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: record a correcting transfer instead', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER transfers_append_only BEFORE UPDATE OR DELETE ON transfers
  FOR EACH ROW EXECUTE FUNCTION paydesk_append_only();
CREATE TRIGGER transfers_no_truncate BEFORE TRUNCATE ON transfers
  FOR EACH STATEMENT EXECUTE FUNCTION paydesk_append_only();
CREATE TRIGGER journal_entries_append_only BEFORE UPDATE OR DELETE ON journal_entries
  FOR EACH ROW EXECUTE FUNCTION paydesk_append_only();
CREATE TRIGGER journal_entries_no_truncate BEFORE TRUNCATE ON journal_entries
  FOR EACH STATEMENT EXECUTE FUNCTION paydesk_append_only();
ALTER TABLE wallets ADD CONSTRAINT wallets_balance_not_negative CHECK (balance >= 0);
";

const POSTGRES_DOWN: &str = "
ALTER TABLE wallets DROP CONSTRAINT IF EXISTS wallets_balance_not_negative;
DROP TRIGGER IF EXISTS transfers_append_only ON transfers;
DROP TRIGGER IF EXISTS transfers_no_truncate ON transfers;
DROP TRIGGER IF EXISTS journal_entries_append_only ON journal_entries;
DROP TRIGGER IF EXISTS journal_entries_no_truncate ON journal_entries;
DROP FUNCTION IF EXISTS paydesk_append_only();
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, SQLITE_UP, POSTGRES_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, SQLITE_DOWN, POSTGRES_DOWN).await
    }
}

async fn run(manager: &SchemaManager<'_>, sqlite: &str, postgres: &str) -> Result<(), DbErr> {
    let sql = match manager.get_database_backend() {
        DbBackend::Sqlite => sqlite,
        DbBackend::Postgres => postgres,
        other => return Err(DbErr::Migration(format!("no ledger guards for {other:?}"))),
    };
    manager.get_connection().execute_unprepared(sql).await?;
    Ok(())
}
