//! Tax IDs sealed at rest (seed 001's "securely held"). The value itself
//! becomes a sealed string the server opens with its data key (longer than
//! the 64 characters the column held: it becomes text on PostgreSQL;
//! SQLite never enforced the length); masking reads `tax_id_last4`, kept
//! beside it. Rows written before this were
//! plain text: the server seals them on start (`serve`), where the key is,
//! and marks nothing here so that a restored old dump is sealed the same
//! way.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm_migration::sea_orm::DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "ALTER TABLE identity_verifications ALTER COLUMN tax_id TYPE TEXT",
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(IdentityVerifications::Table)
                    .add_column(string_len(IdentityVerifications::TaxIdLast4, 8).default(""))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(IdentityVerifications::Table)
                    .drop_column(IdentityVerifications::TaxIdLast4)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum IdentityVerifications {
    Table,
    TaxIdLast4,
}
