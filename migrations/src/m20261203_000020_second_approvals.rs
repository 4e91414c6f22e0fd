//! Four-eyes: money moves above an approval limit wait for a second admin.
//!
//! Each row is one held action, bound to exactly what was asked for (the
//! `binding` fingerprint of amount, payout details and method) and carrying
//! what to do when approved (`payload`). A subject (one withdrawal request,
//! one deposit...) has at most one open approval: the partial unique index
//! makes a second "ask" for the same thing find the first. Timeline events
//! of a withdrawal name the second approver beside the actor.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SecondApprovals::Table)
                    .col(big_pk_auto(SecondApprovals::Id))
                    .col(string_len(SecondApprovals::Action, 64))
                    .col(string_len(SecondApprovals::Subject, 200))
                    .col(text(SecondApprovals::Summary))
                    .col(big_integer(SecondApprovals::AssetId))
                    .col(big_integer(SecondApprovals::AmountMinor))
                    .col(string_len(SecondApprovals::Binding, 128))
                    .col(text(SecondApprovals::Payload))
                    .col(string_len(SecondApprovals::Status, 16))
                    .col(big_integer(SecondApprovals::RequestedBy))
                    .col(text_null(SecondApprovals::RequestNote))
                    .col(big_integer_null(SecondApprovals::BarredUserId))
                    .col(timestamp_with_time_zone(SecondApprovals::RequestedAt))
                    .col(big_integer_null(SecondApprovals::DecidedBy))
                    .col(text_null(SecondApprovals::DecisionNote))
                    .col(timestamp_with_time_zone_null(SecondApprovals::DecidedAt))
                    .col(text_null(SecondApprovals::Outcome))
                    .col(timestamp_with_time_zone(SecondApprovals::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_second_approvals_queue")
                    .table(SecondApprovals::Table)
                    .col(SecondApprovals::Status)
                    .col(SecondApprovals::RequestedAt)
                    .to_owned(),
            )
            .await?;
        // The same SQL on SQLite and PostgreSQL: one open approval per subject.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uniq_second_approvals_open ON second_approvals (subject) \
                 WHERE status IN ('pending', 'approved')",
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(WithdrawalEvents::Table)
                    .add_column(big_integer_null(WithdrawalEvents::SecondApproverUserId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(WithdrawalEvents::Table)
                    .drop_column(WithdrawalEvents::SecondApproverUserId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(SecondApprovals::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SecondApprovals {
    Table,
    Id,
    Action,
    Subject,
    Summary,
    AssetId,
    AmountMinor,
    Binding,
    Payload,
    Status,
    RequestedBy,
    RequestNote,
    BarredUserId,
    RequestedAt,
    DecidedBy,
    DecisionNote,
    DecidedAt,
    Outcome,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WithdrawalEvents {
    Table,
    SecondApproverUserId,
}
