//! The ledger: assets, rates, wallets, the double-entry journal, withdrawal
//! requests with their timeline, the email outbox, idempotency keys and
//! settings.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Until identity verification has its own flow, an admin-set flag.
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(boolean(Users::IsVerified).default(false))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Assets::Table)
                    .col(big_pk_auto(Assets::Id))
                    .col(string_len_uniq(Assets::Code, 16))
                    .col(string_len(Assets::Kind, 16))
                    .col(small_integer(Assets::Scale))
                    .col(string_len(Assets::Name, 100))
                    .col(timestamp_with_time_zone(Assets::CreatedAt))
                    .to_owned(),
            )
            .await?;

        // "10 GEMS = 1.00 USD" is points = 10, money_minor = 100: exact, no
        // float. The newest row for a pair is the rate in force.
        manager
            .create_table(
                Table::create()
                    .table(ConversionRates::Table)
                    .col(big_pk_auto(ConversionRates::Id))
                    .col(big_integer(ConversionRates::PointsAssetId))
                    .col(big_integer(ConversionRates::CurrencyAssetId))
                    .col(
                        big_integer(ConversionRates::Points)
                            .check(Expr::col(ConversionRates::Points).gt(0)),
                    )
                    .col(
                        big_integer(ConversionRates::MoneyMinor)
                            .check(Expr::col(ConversionRates::MoneyMinor).gt(0)),
                    )
                    .col(big_integer_null(ConversionRates::SetBy))
                    .col(timestamp_with_time_zone(ConversionRates::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ConversionRates::Table, ConversionRates::PointsAssetId)
                            .to(Assets::Table, Assets::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ConversionRates::Table, ConversionRates::CurrencyAssetId)
                            .to(Assets::Table, Assets::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ConversionRates::Table, ConversionRates::SetBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Wallets::Table)
                    .col(big_pk_auto(Wallets::Id))
                    // member | funding | system
                    .col(string_len(Wallets::Kind, 16))
                    .col(big_integer(Wallets::AssetId))
                    .col(big_integer_null(Wallets::OwnerUserId))
                    .col(string_len_null(Wallets::Name, 100))
                    // in_flight | fees | outside_world, for system wallets
                    .col(string_len_null(Wallets::SystemRole, 32))
                    // Cached and guarded for member and funding wallets; left
                    // at zero for system wallets, whose balance is derived from
                    // the transfers so that no writer waits on a shared row.
                    .col(big_integer(Wallets::Balance).default(0))
                    .col(big_integer(Wallets::Version).default(0))
                    .col(timestamp_with_time_zone(Wallets::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Wallets::Table, Wallets::AssetId)
                            .to(Assets::Table, Assets::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Wallets::Table, Wallets::OwnerUserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // NULLs are distinct in unique indexes on both databases, so each
        // index only binds the wallets it is about.
        for (name, cols) in [
            (
                "idx_wallets_member_asset",
                vec![Wallets::OwnerUserId, Wallets::AssetId],
            ),
            (
                "idx_wallets_system_asset",
                vec![Wallets::SystemRole, Wallets::AssetId],
            ),
            (
                "idx_wallets_funding_name",
                vec![Wallets::Kind, Wallets::Name],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Wallets::Table).unique();
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(JournalEntries::Table)
                    .col(big_pk_auto(JournalEntries::Id))
                    .col(string_len(JournalEntries::Kind, 32))
                    // What caused it, e.g. "withdrawal:42".
                    .col(string_len_null(JournalEntries::Reference, 64))
                    .col(text_null(JournalEntries::Memo))
                    .col(big_integer_null(JournalEntries::ActorUserId))
                    .col(timestamp_with_time_zone(JournalEntries::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(JournalEntries::Table, JournalEntries::ActorUserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_journal_reference")
                    .table(JournalEntries::Table)
                    .col(JournalEntries::Reference)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Transfers::Table)
                    .col(big_pk_auto(Transfers::Id))
                    .col(big_integer(Transfers::EntryId))
                    // Money leaves the debit wallet and arrives in the credit wallet.
                    .col(big_integer(Transfers::DebitWalletId))
                    .col(big_integer(Transfers::CreditWalletId))
                    .col(big_integer(Transfers::AssetId))
                    .col(big_integer(Transfers::Amount).check(Expr::col(Transfers::Amount).gt(0)))
                    .col(timestamp_with_time_zone(Transfers::CreatedAt))
                    .check(
                        Expr::col(Transfers::DebitWalletId)
                            .ne(Expr::col(Transfers::CreditWalletId)),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Transfers::Table, Transfers::EntryId)
                            .to(JournalEntries::Table, JournalEntries::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Transfers::Table, Transfers::DebitWalletId)
                            .to(Wallets::Table, Wallets::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Transfers::Table, Transfers::CreditWalletId)
                            .to(Wallets::Table, Wallets::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Transfers::Table, Transfers::AssetId)
                            .to(Assets::Table, Assets::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_transfers_debit", Transfers::DebitWalletId),
            ("idx_transfers_credit", Transfers::CreditWalletId),
            ("idx_transfers_entry", Transfers::EntryId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Transfers::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(WithdrawalRequests::Table)
                    .col(big_pk_auto(WithdrawalRequests::Id))
                    .col(big_integer(WithdrawalRequests::MemberUserId))
                    .col(big_integer(WithdrawalRequests::WalletId))
                    .col(string_len(WithdrawalRequests::Method, 32))
                    // Debited from the wallet, in the wallet's asset (points for a points wallet).
                    .col(
                        big_integer(WithdrawalRequests::Amount)
                            .check(Expr::col(WithdrawalRequests::Amount).gt(0)),
                    )
                    .col(big_integer(WithdrawalRequests::CurrencyAssetId))
                    // Money owed before the fee, the fee, and what is paid out, in the currency.
                    .col(big_integer(WithdrawalRequests::GrossMinor))
                    .col(big_integer(WithdrawalRequests::FeeMinor))
                    .col(big_integer(WithdrawalRequests::NetMinor))
                    .col(big_integer_null(WithdrawalRequests::RatePoints))
                    .col(big_integer_null(WithdrawalRequests::RateMoneyMinor))
                    .col(string_len(WithdrawalRequests::Status, 16))
                    .col(text_null(WithdrawalRequests::Note))
                    .col(string_len_null(WithdrawalRequests::ExternalReference, 128))
                    .col(string_len_null(WithdrawalRequests::PaymentDate, 10))
                    .col(timestamp_with_time_zone(WithdrawalRequests::CreatedAt))
                    .col(timestamp_with_time_zone(WithdrawalRequests::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WithdrawalRequests::Table, WithdrawalRequests::MemberUserId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(WithdrawalRequests::Table, WithdrawalRequests::WalletId)
                            .to(Wallets::Table, Wallets::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                WithdrawalRequests::Table,
                                WithdrawalRequests::CurrencyAssetId,
                            )
                            .to(Assets::Table, Assets::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_withdrawals_member")
                    .table(WithdrawalRequests::Table)
                    .col(WithdrawalRequests::MemberUserId)
                    .col(WithdrawalRequests::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_withdrawals_status")
                    .table(WithdrawalRequests::Table)
                    .col(WithdrawalRequests::Status)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WithdrawalEvents::Table)
                    .col(big_pk_auto(WithdrawalEvents::Id))
                    .col(big_integer(WithdrawalEvents::RequestId))
                    .col(big_integer_null(WithdrawalEvents::ActorUserId))
                    .col(timestamp_with_time_zone(WithdrawalEvents::OccurredAt))
                    .col(string_len_null(WithdrawalEvents::FromStatus, 16))
                    .col(string_len(WithdrawalEvents::ToStatus, 16))
                    .col(text_null(WithdrawalEvents::Note))
                    .col(string_len_null(WithdrawalEvents::ExternalReference, 128))
                    .col(string_len_null(WithdrawalEvents::PaymentDate, 10))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WithdrawalEvents::Table, WithdrawalEvents::RequestId)
                            .to(WithdrawalRequests::Table, WithdrawalRequests::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(WithdrawalEvents::Table, WithdrawalEvents::ActorUserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_withdrawal_events_request")
                    .table(WithdrawalEvents::Table)
                    .col(WithdrawalEvents::RequestId)
                    .to_owned(),
            )
            .await?;

        // Emails to send, written in the same transaction as the change they
        // announce; a worker delivers them.
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(big_pk_auto(Outbox::Id))
                    .col(string_len(Outbox::Kind, 64))
                    .col(big_integer(Outbox::RecipientUserId))
                    .col(text(Outbox::Payload))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(Outbox::SentAt))
                    .col(integer(Outbox::Attempts).default(0))
                    .col(text_null(Outbox::LastError))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Outbox::Table, Outbox::RecipientUserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(big_pk_auto(IdempotencyKeys::Id))
                    // Whose key: "user:42" (keys are the client's, unique per caller).
                    .col(string_len(IdempotencyKeys::Scope, 64))
                    .col(string_len(IdempotencyKeys::Key, 128))
                    // A digest of the operation and its parameters.
                    .col(string_len(IdempotencyKeys::Fingerprint, 64))
                    .col(text_null(IdempotencyKeys::Outcome))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_idempotency_scope_key")
                    .table(IdempotencyKeys::Table)
                    .col(IdempotencyKeys::Scope)
                    .col(IdempotencyKeys::Key)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PayoutMethodRules::Table)
                    .col(big_pk_auto(PayoutMethodRules::Id))
                    .col(string_len(PayoutMethodRules::Method, 32))
                    .col(big_integer(PayoutMethodRules::CurrencyAssetId))
                    .col(boolean(PayoutMethodRules::Enabled).default(true))
                    .col(big_integer(PayoutMethodRules::MinMinor))
                    .col(big_integer_null(PayoutMethodRules::MaxMinor))
                    .col(big_integer(PayoutMethodRules::FeeFixedMinor).default(0))
                    // Hundredths of a percent: 250 is 2.5 %.
                    .col(big_integer(PayoutMethodRules::FeeBasisPoints).default(0))
                    .col(big_integer(PayoutMethodRules::FeeMinMinor).default(0))
                    .col(big_integer_null(PayoutMethodRules::FeeMaxMinor))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PayoutMethodRules::Table, PayoutMethodRules::CurrencyAssetId)
                            .to(Assets::Table, Assets::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_method_rules_method_currency")
                    .table(PayoutMethodRules::Table)
                    .col(PayoutMethodRules::Method)
                    .col(PayoutMethodRules::CurrencyAssetId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Settings::Table)
                    .col(string_len(Settings::Key, 64).primary_key())
                    .col(text(Settings::Value))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Settings::Table.into_iden(),
            PayoutMethodRules::Table.into_iden(),
            IdempotencyKeys::Table.into_iden(),
            Outbox::Table.into_iden(),
            WithdrawalEvents::Table.into_iden(),
            WithdrawalRequests::Table.into_iden(),
            Transfers::Table.into_iden(),
            JournalEntries::Table.into_iden(),
            Wallets::Table.into_iden(),
            ConversionRates::Table.into_iden(),
            Assets::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::IsVerified)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    IsVerified,
}

#[derive(DeriveIden)]
enum Assets {
    Table,
    Id,
    Code,
    Kind,
    Scale,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ConversionRates {
    Table,
    Id,
    PointsAssetId,
    CurrencyAssetId,
    Points,
    MoneyMinor,
    SetBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Wallets {
    Table,
    Id,
    Kind,
    AssetId,
    OwnerUserId,
    Name,
    SystemRole,
    Balance,
    Version,
    CreatedAt,
}

#[derive(DeriveIden)]
enum JournalEntries {
    Table,
    Id,
    Kind,
    Reference,
    Memo,
    ActorUserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Transfers {
    Table,
    Id,
    EntryId,
    DebitWalletId,
    CreditWalletId,
    AssetId,
    Amount,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WithdrawalRequests {
    Table,
    Id,
    MemberUserId,
    WalletId,
    Method,
    Amount,
    CurrencyAssetId,
    GrossMinor,
    FeeMinor,
    NetMinor,
    RatePoints,
    RateMoneyMinor,
    Status,
    Note,
    ExternalReference,
    PaymentDate,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WithdrawalEvents {
    Table,
    Id,
    RequestId,
    ActorUserId,
    OccurredAt,
    FromStatus,
    ToStatus,
    Note,
    ExternalReference,
    PaymentDate,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Kind,
    RecipientUserId,
    Payload,
    CreatedAt,
    SentAt,
    Attempts,
    LastError,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Id,
    Scope,
    Key,
    Fingerprint,
    Outcome,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PayoutMethodRules {
    Table,
    Id,
    Method,
    CurrencyAssetId,
    Enabled,
    MinMinor,
    MaxMinor,
    FeeFixedMinor,
    FeeBasisPoints,
    FeeMinMinor,
    FeeMaxMinor,
}

#[derive(DeriveIden)]
enum Settings {
    Table,
    Key,
    Value,
}
