//! Extra fields an administrator adds to a payout method ("Tax form on
//! file", "Wallet memo"). Members' answers live in their payout details,
//! keyed by the field's id, so a field renamed or retired keeps them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PayoutMethodFields::Table)
                    .col(big_pk_auto(PayoutMethodFields::Id))
                    .col(string_len(PayoutMethodFields::Method, 16))
                    .col(string_len(PayoutMethodFields::Label, 100))
                    .col(string_len(PayoutMethodFields::Help, 300))
                    .col(boolean(PayoutMethodFields::Required))
                    // A regular expression the whole answer must match; empty: any.
                    .col(string_len(PayoutMethodFields::Pattern, 300))
                    .col(integer(PayoutMethodFields::Position))
                    .col(timestamp_with_time_zone(PayoutMethodFields::CreatedAt))
                    .col(timestamp_with_time_zone_null(PayoutMethodFields::RetiredAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_payout_method_fields_method")
                    .table(PayoutMethodFields::Table)
                    .col(PayoutMethodFields::Method)
                    .col(PayoutMethodFields::Position)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PayoutMethodFields::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PayoutMethodFields {
    Table,
    Id,
    Method,
    Label,
    Help,
    Required,
    Pattern,
    Position,
    CreatedAt,
    RetiredAt,
}
