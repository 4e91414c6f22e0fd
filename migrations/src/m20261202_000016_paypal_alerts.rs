//! PayPal reports that arrive after Paydesk settled their request and
//! contradict it (SUCCESS after the money was credited back, FAILED after
//! it was paid). Never swallowed: each is kept here until an admin resolves
//! it with an audited correcting action. One alert per item and reported
//! status, so a report repeated by every poll or webhook raises it once.
//!
//! And when the member was reminded of a payout waiting at PayPal for them
//! to accept it (unclaimed), once at first and once past the claim period.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PaypalAlerts::Table)
                    .col(big_pk_auto(PaypalAlerts::Id))
                    .col(big_integer(PaypalAlerts::RequestId))
                    .col(big_integer(PaypalAlerts::ItemId))
                    .col(string_len(PaypalAlerts::SettledStatus, 32))
                    .col(string_len(PaypalAlerts::ReportedStatus, 32))
                    .col(text_null(PaypalAlerts::Detail))
                    .col(timestamp_with_time_zone(PaypalAlerts::RaisedAt))
                    .col(timestamp_with_time_zone_null(PaypalAlerts::ResolvedAt))
                    .col(big_integer_null(PaypalAlerts::ResolvedBy))
                    .col(string_len_null(PaypalAlerts::Resolution, 32))
                    .col(text_null(PaypalAlerts::Note))
                    .to_owned(),
            )
            .await?;
        for column in [
            timestamp_with_time_zone_null(PaypalItems::UnclaimedRemindedAt),
            timestamp_with_time_zone_null(PaypalItems::OverdueRemindedAt),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(PaypalItems::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_paypal_alerts_item_status")
                    .table(PaypalAlerts::Table)
                    .col(PaypalAlerts::ItemId)
                    .col(PaypalAlerts::ReportedStatus)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_paypal_alerts_request")
                    .table(PaypalAlerts::Table)
                    .col(PaypalAlerts::RequestId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            PaypalItems::UnclaimedRemindedAt,
            PaypalItems::OverdueRemindedAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(PaypalItems::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(PaypalAlerts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PaypalAlerts {
    Table,
    Id,
    RequestId,
    ItemId,
    SettledStatus,
    ReportedStatus,
    Detail,
    RaisedAt,
    ResolvedAt,
    ResolvedBy,
    Resolution,
    Note,
}

#[derive(DeriveIden)]
enum PaypalItems {
    Table,
    UnclaimedRemindedAt,
    OverdueRemindedAt,
}
