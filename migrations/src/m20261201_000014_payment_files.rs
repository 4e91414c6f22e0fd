//! Payment files: an export a provider pays from (PayPal Payouts Web,
//! PayQuicker) keeps its exact bytes, so a second download is the same file,
//! and the requests it carries name it (`payment_file_id`): a request is in
//! at most one payment file, and from there ends only as paid or failed.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for column in [
            blob_null(PayoutExports::Content),
            string_len_null(PayoutExports::CurrencyCode, 16),
            big_integer_null(PayoutExports::TotalMinor),
            // What the scope matched but the file did not take, with why
            // (JSON, the first few hundred), and how many in all.
            text_null(PayoutExports::Skipped),
            big_integer(PayoutExports::SkippedCount)
                .default(0)
                .to_owned(),
            integer(PayoutExports::Downloads).default(0).to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(PayoutExports::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(WithdrawalRequests::Table)
                    .add_column(big_integer_null(WithdrawalRequests::PaymentFileId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_withdrawals_payment_file")
                    .table(WithdrawalRequests::Table)
                    .col(WithdrawalRequests::PaymentFileId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_withdrawals_payment_file")
                    .table(WithdrawalRequests::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(WithdrawalRequests::Table)
                    .drop_column(WithdrawalRequests::PaymentFileId)
                    .to_owned(),
            )
            .await?;
        for column in [
            PayoutExports::Content,
            PayoutExports::CurrencyCode,
            PayoutExports::TotalMinor,
            PayoutExports::Skipped,
            PayoutExports::SkippedCount,
            PayoutExports::Downloads,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(PayoutExports::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum PayoutExports {
    Table,
    Content,
    CurrencyCode,
    TotalMinor,
    Skipped,
    SkippedCount,
    Downloads,
}

#[derive(DeriveIden)]
enum WithdrawalRequests {
    Table,
    PaymentFileId,
}
