//! Exports of withdrawal requests: one row per file an admin downloaded, and
//! on each request the first export that carried it, which is what "only
//! new requests" means.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PayoutExports::Table)
                    .col(big_pk_auto(PayoutExports::Id))
                    .col(big_integer(PayoutExports::AdminUserId))
                    .col(string_len(PayoutExports::Format, 32))
                    .col(string_len(PayoutExports::Scope, 16))
                    .col(big_integer(PayoutExports::RowCount))
                    .col(timestamp_with_time_zone(PayoutExports::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PayoutExports::Table, PayoutExports::AdminUserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // SQLite cannot add a foreign key to an existing table; the export
        // id is only ever written by the export code, from a row it made.
        manager
            .alter_table(
                Table::alter()
                    .table(WithdrawalRequests::Table)
                    .add_column(big_integer_null(WithdrawalRequests::FirstExportId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_withdrawals_first_export")
                    .table(WithdrawalRequests::Table)
                    .col(WithdrawalRequests::FirstExportId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_withdrawals_first_export")
                    .table(WithdrawalRequests::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(WithdrawalRequests::Table)
                    .drop_column(WithdrawalRequests::FirstExportId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(PayoutExports::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PayoutExports {
    Table,
    Id,
    AdminUserId,
    Format,
    Scope,
    RowCount,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WithdrawalRequests {
    Table,
    FirstExportId,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
