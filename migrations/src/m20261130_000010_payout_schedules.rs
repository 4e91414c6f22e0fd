//! Scheduled payout runs: a run's parameters with a cadence. The worker
//! claims an occurrence by moving `next_run_at` on with a guarded update,
//! and the run it starts carries the occurrence in its idempotency key, so
//! several app instances start each occurrence once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PayoutSchedules::Table)
                    .col(big_pk_auto(PayoutSchedules::Id))
                    // "admin:{id}:{key}": the same save twice is one schedule.
                    .col(string_len_uniq(PayoutSchedules::IdempotencyKey, 200))
                    .col(big_integer(PayoutSchedules::AssetId))
                    .col(big_integer(PayoutSchedules::ThresholdMinor))
                    .col(big_integer_null(PayoutSchedules::MaxMinor))
                    // "monthly" (day 1-28) or "weekly" (day 1 = Monday .. 7).
                    .col(string_len(PayoutSchedules::Cadence, 16))
                    .col(integer(PayoutSchedules::Day))
                    // Hour of the day, UTC.
                    .col(integer(PayoutSchedules::Hour))
                    .col(timestamp_with_time_zone(PayoutSchedules::NextRunAt))
                    .col(boolean(PayoutSchedules::Active))
                    .col(big_integer(PayoutSchedules::CreatedBy))
                    .col(timestamp_with_time_zone(PayoutSchedules::CreatedAt))
                    .col(timestamp_with_time_zone_null(PayoutSchedules::StoppedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PayoutSchedules::Table, PayoutSchedules::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_payout_schedules_due")
                    .table(PayoutSchedules::Table)
                    .col(PayoutSchedules::Active)
                    .col(PayoutSchedules::NextRunAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PayoutRuns::Table)
                    .add_column(big_integer_null(PayoutRuns::ScheduleId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PayoutRuns::Table)
                    .drop_column(PayoutRuns::ScheduleId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(PayoutSchedules::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PayoutSchedules {
    Table,
    Id,
    IdempotencyKey,
    AssetId,
    ThresholdMinor,
    MaxMinor,
    Cadence,
    Day,
    Hour,
    NextRunAt,
    Active,
    CreatedBy,
    CreatedAt,
    StoppedAt,
}

#[derive(DeriveIden)]
enum PayoutRuns {
    Table,
    ScheduleId,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
