//! Incentives (money or points owed to a member, pending -> approved ->
//! paid, or rejected) and the API keys the vendor's website uses to report
//! them. An incentive's external id is unique per source, which is what
//! makes the earnings API and CSV import idempotent.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .col(big_pk_auto(ApiKeys::Id))
                    .col(string_len(ApiKeys::Name, 100))
                    // The first characters of the key, to tell keys apart;
                    // the key itself is never stored, only its SHA-256.
                    .col(string_len(ApiKeys::Prefix, 16))
                    .col(string_len_uniq(ApiKeys::KeyHash, 64))
                    .col(big_integer(ApiKeys::CreatedBy))
                    .col(timestamp_with_time_zone(ApiKeys::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::RevokedAt))
                    .col(big_integer_null(ApiKeys::RevokedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiKeys::Table, ApiKeys::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Incentives::Table)
                    .col(big_pk_auto(Incentives::Id))
                    .col(big_integer(Incentives::MemberUserId))
                    .col(string_len(Incentives::Program, 40))
                    .col(big_integer(Incentives::AssetId))
                    .col(big_integer(Incentives::AmountMinor))
                    .col(string_len(Incentives::Description, 500))
                    .col(string_len(Incentives::Source, 16))
                    .col(string_len_null(Incentives::ExternalId, 128))
                    .col(string_len(Incentives::Status, 16))
                    .col(text_null(Incentives::Note))
                    .col(big_integer_null(Incentives::CreatedBy))
                    .col(big_integer_null(Incentives::ApiKeyId))
                    .col(timestamp_with_time_zone(Incentives::CreatedAt))
                    .col(big_integer_null(Incentives::DecidedBy))
                    .col(timestamp_with_time_zone_null(Incentives::DecidedAt))
                    .col(big_integer_null(Incentives::PaidEntryId))
                    .col(big_integer_null(Incentives::FundingWalletId))
                    .col(timestamp_with_time_zone_null(Incentives::PaidAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Incentives::Table, Incentives::MemberUserId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Incentives::Table, Incentives::AssetId)
                            .to(Assets::Table, Assets::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Incentives::Table, Incentives::PaidEntryId)
                            .to(JournalEntries::Table, JournalEntries::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_incentives_external")
                    .table(Incentives::Table)
                    .col(Incentives::Source)
                    .col(Incentives::ExternalId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_incentives_status")
                    .table(Incentives::Table)
                    .col(Incentives::Status)
                    .col(Incentives::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_incentives_member")
                    .table(Incentives::Table)
                    .col(Incentives::MemberUserId)
                    .col(Incentives::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Incentives::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ApiKeys::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    Name,
    Prefix,
    KeyHash,
    CreatedBy,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
    RevokedBy,
}

#[derive(DeriveIden)]
enum Incentives {
    Table,
    Id,
    MemberUserId,
    Program,
    AssetId,
    AmountMinor,
    Description,
    Source,
    ExternalId,
    Status,
    Note,
    CreatedBy,
    ApiKeyId,
    CreatedAt,
    DecidedBy,
    DecidedAt,
    PaidEntryId,
    FundingWalletId,
    PaidAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Assets {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum JournalEntries {
    Table,
    Id,
}
