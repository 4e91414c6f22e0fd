//! Delivering the email outbox: when a message may be tried next, a lease
//! that keeps two workers off the same message, and when it was given up
//! on. Plus the single-use links that set a password (a reset, or claiming
//! an account an admin or the earnings API created).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        for column in [
            // Not before this time (backoff after a failure); null: now.
            timestamp_with_time_zone_null(Outbox::NextAttemptAt),
            // A worker holds the message until then; past it, the worker is
            // presumed dead and another may take it.
            timestamp_with_time_zone_null(Outbox::LockedUntil),
            // Given up after too many failures (an admin can retry).
            timestamp_with_time_zone_null(Outbox::DeadAt),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Outbox::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_undelivered")
                    .table(Outbox::Table)
                    .col(Outbox::SentAt)
                    .col(Outbox::DeadAt)
                    .col(Outbox::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PasswordLinks::Table)
                    .col(big_pk_auto(PasswordLinks::Id))
                    .col(big_integer(PasswordLinks::UserId))
                    // "reset" or "invite".
                    .col(string_len(PasswordLinks::Purpose, 16))
                    // SHA-256 of the token: the token itself is only in the
                    // email (and in the outbox row until it is delivered).
                    .col(string_len_uniq(PasswordLinks::TokenHash, 64))
                    .col(timestamp_with_time_zone(PasswordLinks::CreatedAt))
                    .col(timestamp_with_time_zone(PasswordLinks::ExpiresAt))
                    .col(timestamp_with_time_zone_null(PasswordLinks::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PasswordLinks::Table, PasswordLinks::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PasswordLinks::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_outbox_undelivered")
                    .table(Outbox::Table)
                    .to_owned(),
            )
            .await?;
        for column in [Outbox::NextAttemptAt, Outbox::LockedUntil, Outbox::DeadAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Outbox::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    SentAt,
    NextAttemptAt,
    LockedUntil,
    DeadAt,
}

#[derive(DeriveIden)]
enum PasswordLinks {
    Table,
    Id,
    UserId,
    Purpose,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
