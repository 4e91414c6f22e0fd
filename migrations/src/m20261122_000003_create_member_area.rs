//! The member area: saved payout details, identity verification, the payout
//! details a withdrawal request was made with, and the indexes a member's
//! statement and history read through.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One set of details per member per method; `details` is the
        // validated fields as JSON, `masked` what lists may show.
        manager
            .create_table(
                Table::create()
                    .table(PayoutDetails::Table)
                    .col(big_pk_auto(PayoutDetails::Id))
                    .col(big_integer(PayoutDetails::UserId))
                    .col(string_len(PayoutDetails::Method, 32))
                    .col(text(PayoutDetails::Details))
                    .col(string_len(PayoutDetails::Masked, 200))
                    .col(boolean(PayoutDetails::IsDefault).default(false))
                    .col(timestamp_with_time_zone(PayoutDetails::CreatedAt))
                    .col(timestamp_with_time_zone(PayoutDetails::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PayoutDetails::Table, PayoutDetails::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_payout_details_user_method")
                    .table(PayoutDetails::Table)
                    .col(PayoutDetails::UserId)
                    .col(PayoutDetails::Method)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(IdentityVerifications::Table)
                    .col(big_integer(IdentityVerifications::UserId).primary_key())
                    .col(string_len(IdentityVerifications::Status, 16))
                    .col(string_len(IdentityVerifications::FirstName, 100))
                    .col(string_len(IdentityVerifications::LastName, 100))
                    .col(string_len(IdentityVerifications::TaxId, 64))
                    .col(string_len(IdentityVerifications::Mobile, 32))
                    .col(string_len(IdentityVerifications::Country, 2))
                    .col(text(IdentityVerifications::Address))
                    .col(text_null(IdentityVerifications::ReviewNote))
                    .col(timestamp_with_time_zone(IdentityVerifications::SubmittedAt))
                    .col(timestamp_with_time_zone_null(
                        IdentityVerifications::ReviewedAt,
                    ))
                    .col(big_integer_null(IdentityVerifications::ReviewedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(IdentityVerifications::Table, IdentityVerifications::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;

        // What the request will be paid to, frozen when it is made: later
        // edits to the member's details do not redirect money in flight.
        // SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(WithdrawalRequests::Table)
                    .add_column(string_len_null(WithdrawalRequests::PayoutMasked, 200))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(WithdrawalRequests::Table)
                    .add_column(text_null(WithdrawalRequests::PayoutDetails))
                    .to_owned(),
            )
            .await?;

        // A statement reads a wallet's transfers newest first, on either side.
        for (name, column) in [
            ("idx_transfers_debit_wallet", Transfers::DebitWalletId),
            ("idx_transfers_credit_wallet", Transfers::CreditWalletId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Transfers::Table)
                        .col(column)
                        .col(Transfers::Id)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_withdrawals_member_created")
                    .table(WithdrawalRequests::Table)
                    .col(WithdrawalRequests::MemberUserId)
                    .col(WithdrawalRequests::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "idx_withdrawals_member_created",
            "idx_transfers_credit_wallet",
            "idx_transfers_debit_wallet",
        ] {
            manager
                .drop_index(Index::drop().name(name).to_owned())
                .await?;
        }
        for column in [
            WithdrawalRequests::PayoutDetails,
            WithdrawalRequests::PayoutMasked,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(WithdrawalRequests::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            IdentityVerifications::Table.into_iden(),
            PayoutDetails::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PayoutDetails {
    Table,
    Id,
    UserId,
    Method,
    Details,
    Masked,
    IsDefault,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum IdentityVerifications {
    Table,
    UserId,
    Status,
    FirstName,
    LastName,
    TaxId,
    Mobile,
    Country,
    Address,
    ReviewNote,
    SubmittedAt,
    ReviewedAt,
    ReviewedBy,
}

#[derive(DeriveIden)]
enum WithdrawalRequests {
    Table,
    Id,
    MemberUserId,
    PayoutMasked,
    PayoutDetails,
}

#[derive(DeriveIden)]
enum Transfers {
    Table,
    Id,
    DebitWalletId,
    CreditWalletId,
}
