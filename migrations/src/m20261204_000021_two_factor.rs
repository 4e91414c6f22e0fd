//! Two-factor sign-in (TOTP) and step-up before money moves.
//!
//! - `two_factor`: one row per account that has started enrolling. The
//!   secret is encrypted at rest (`platform::secrets`); `confirmed_at` is
//!   set once the owner has typed a code from their app, and only then does
//!   sign-in ask for one. `last_step` is the newest 30-second step a code
//!   was accepted for: a code for it or an older step is a replay.
//! - `recovery_codes`: ten single-use codes per account, stored as digests.
//! - `login_challenges`: the half-finished sign-in between a right password
//!   and the code (the browser holds the token, the row only its digest).
//! - `sessions.step_up_at`: when a fresh code was last given in this
//!   session (the step-up window starts there).
//! - `admin_moves`: every money move an admin made, written by the
//!   four-eyes gate in the move's own transaction: the running total since
//!   the last code is summed from it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TwoFactor::Table)
                    .col(big_integer(TwoFactor::UserId).primary_key())
                    .col(text(TwoFactor::Secret))
                    .col(timestamp_with_time_zone_null(TwoFactor::ConfirmedAt))
                    .col(big_integer(TwoFactor::LastStep).default(0))
                    .col(timestamp_with_time_zone(TwoFactor::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RecoveryCodes::Table)
                    .col(big_pk_auto(RecoveryCodes::Id))
                    .col(big_integer(RecoveryCodes::UserId))
                    .col(string_len(RecoveryCodes::CodeHash, 64))
                    .col(timestamp_with_time_zone(RecoveryCodes::CreatedAt))
                    .col(timestamp_with_time_zone_null(RecoveryCodes::UsedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uniq_recovery_codes_user_code")
                    .table(RecoveryCodes::Table)
                    .col(RecoveryCodes::UserId)
                    .col(RecoveryCodes::CodeHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LoginChallenges::Table)
                    .col(string_len(LoginChallenges::Id, 64).primary_key())
                    .col(big_integer(LoginChallenges::UserId))
                    .col(timestamp_with_time_zone(LoginChallenges::CreatedAt))
                    .col(integer(LoginChallenges::Failures).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .add_column(timestamp_with_time_zone_null(Sessions::StepUpAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AdminMoves::Table)
                    .col(big_pk_auto(AdminMoves::Id))
                    .col(big_integer(AdminMoves::UserId))
                    .col(string_len(AdminMoves::Action, 64))
                    .col(string_len(AdminMoves::AssetCode, 16))
                    .col(big_integer(AdminMoves::AmountMinor))
                    .col(timestamp_with_time_zone(AdminMoves::MovedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_admin_moves_user_time")
                    .table(AdminMoves::Table)
                    .col(AdminMoves::UserId)
                    .col(AdminMoves::MovedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AdminMoves::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .drop_column(Sessions::StepUpAt)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(LoginChallenges::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(RecoveryCodes::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(TwoFactor::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum TwoFactor {
    Table,
    UserId,
    Secret,
    ConfirmedAt,
    LastStep,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RecoveryCodes {
    Table,
    Id,
    UserId,
    CodeHash,
    CreatedAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum LoginChallenges {
    Table,
    Id,
    UserId,
    CreatedAt,
    Failures,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    StepUpAt,
}

#[derive(DeriveIden)]
enum AdminMoves {
    Table,
    Id,
    UserId,
    Action,
    AssetCode,
    AmountMinor,
    MovedAt,
}
