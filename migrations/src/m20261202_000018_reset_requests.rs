//! "Forgot password" requests, queued: the form writes one row (and its
//! audit row) whether or not the address has an account, so the request
//! does the same work and takes the same time either way; the email worker
//! then sends a link where there is an account to send it to.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ResetRequests::Table)
                    .col(big_pk_auto(ResetRequests::Id))
                    .col(string_len(ResetRequests::Email, 254))
                    .col(timestamp_with_time_zone(ResetRequests::RequestedAt))
                    .col(string_len_null(ResetRequests::Ip, 64))
                    .col(timestamp_with_time_zone_null(ResetRequests::ProcessedAt))
                    .col(string_len_null(ResetRequests::Outcome, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_reset_requests_waiting")
                    .table(ResetRequests::Table)
                    .col(ResetRequests::ProcessedAt)
                    .col(ResetRequests::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ResetRequests::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ResetRequests {
    Table,
    Id,
    Email,
    RequestedAt,
    Ip,
    ProcessedAt,
    Outcome,
}
