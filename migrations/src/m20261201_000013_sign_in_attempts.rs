//! Every sign-in attempt, written before its password is checked, so that
//! attempts made at once all count (the throttle reads them) and none is
//! lost when a password check is refused or fails half-way.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SignInAttempts::Table)
                    .col(big_pk_auto(SignInAttempts::Id))
                    // As typed (normalised, cut to 254): unknown emails count too.
                    .col(string_len(SignInAttempts::Email, 254))
                    .col(string_len_null(SignInAttempts::Ip, 64))
                    .col(timestamp_with_time_zone(SignInAttempts::StartedAt))
                    // pending | failed | succeeded | refused
                    .col(string_len(SignInAttempts::Outcome, 16))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_sign_in_attempts_email",
                vec![SignInAttempts::Email, SignInAttempts::StartedAt],
            ),
            (
                "idx_sign_in_attempts_ip",
                vec![SignInAttempts::Ip, SignInAttempts::StartedAt],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(SignInAttempts::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SignInAttempts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SignInAttempts {
    Table,
    Id,
    Email,
    Ip,
    StartedAt,
    Outcome,
}
