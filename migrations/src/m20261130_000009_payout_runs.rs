//! Payout runs: a request for every member whose balance in an asset is at
//! or above a threshold. A run remembers its members, so it is worked
//! through in steps (with progress), resumed after an interruption, and
//! never makes a member's request twice.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PayoutRuns::Table)
                    .col(big_pk_auto(PayoutRuns::Id))
                    // "admin:{id}:{key}": the same confirm twice is one run.
                    .col(string_len_uniq(PayoutRuns::IdempotencyKey, 200))
                    .col(big_integer(PayoutRuns::AssetId))
                    .col(big_integer(PayoutRuns::ThresholdMinor))
                    .col(big_integer_null(PayoutRuns::MaxMinor))
                    // "running" or "done".
                    .col(string_len(PayoutRuns::Status, 16))
                    .col(integer(PayoutRuns::Total))
                    .col(big_integer(PayoutRuns::CreatedBy))
                    .col(timestamp_with_time_zone(PayoutRuns::CreatedAt))
                    .col(timestamp_with_time_zone_null(PayoutRuns::FinishedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PayoutRuns::Table, PayoutRuns::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PayoutRunMembers::Table)
                    .col(big_pk_auto(PayoutRunMembers::Id))
                    .col(big_integer(PayoutRunMembers::RunId))
                    .col(big_integer(PayoutRunMembers::MemberUserId))
                    .col(big_integer(PayoutRunMembers::WalletId))
                    // "pending", "created" or "skipped".
                    .col(string_len(PayoutRunMembers::Status, 16))
                    .col(big_integer_null(PayoutRunMembers::RequestId))
                    .col(text_null(PayoutRunMembers::Reason))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PayoutRunMembers::Table, PayoutRunMembers::RunId)
                            .to(PayoutRuns::Table, PayoutRuns::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_payout_run_members_unique")
                    .table(PayoutRunMembers::Table)
                    .col(PayoutRunMembers::RunId)
                    .col(PayoutRunMembers::MemberUserId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_payout_run_members_status")
                    .table(PayoutRunMembers::Table)
                    .col(PayoutRunMembers::RunId)
                    .col(PayoutRunMembers::Status)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PayoutRunMembers::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(PayoutRuns::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PayoutRuns {
    Table,
    Id,
    IdempotencyKey,
    AssetId,
    ThresholdMinor,
    MaxMinor,
    Status,
    Total,
    CreatedBy,
    CreatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum PayoutRunMembers {
    Table,
    Id,
    RunId,
    MemberUserId,
    WalletId,
    Status,
    RequestId,
    Reason,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
