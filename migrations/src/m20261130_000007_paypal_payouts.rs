//! Automatic transfers through the PayPal Payouts API: the batches we send
//! (our `sender_batch_id` is PayPal's idempotency key), one item per
//! withdrawal request, and the raw status history PayPal reported.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PaypalBatches::Table)
                    .col(big_pk_auto(PaypalBatches::Id))
                    .col(string_len_uniq(PaypalBatches::SenderBatchId, 64))
                    // Null until PayPal has confirmed the batch.
                    .col(string_len_null(PaypalBatches::PayoutBatchId, 64))
                    // Ours: "sending", "unconfirmed", "open", "closed", "refused".
                    .col(string_len(PaypalBatches::State, 16))
                    // PayPal's batch_status as last read.
                    .col(string_len_null(PaypalBatches::BatchStatus, 32))
                    .col(integer(PaypalBatches::ItemCount))
                    .col(integer(PaypalBatches::Attempts))
                    .col(text_null(PaypalBatches::LastError))
                    .col(big_integer(PaypalBatches::CreatedBy))
                    .col(timestamp_with_time_zone(PaypalBatches::CreatedAt))
                    .col(timestamp_with_time_zone(PaypalBatches::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PaypalBatches::Table, PaypalBatches::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_paypal_batches_state")
                    .table(PaypalBatches::Table)
                    .col(PaypalBatches::State)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PaypalItems::Table)
                    .col(big_pk_auto(PaypalItems::Id))
                    .col(big_integer(PaypalItems::BatchId))
                    // A request goes to PayPal at most once.
                    .col(big_integer_uniq(PaypalItems::RequestId))
                    .col(string_len_null(PaypalItems::PayoutItemId, 64))
                    .col(string_len_null(PaypalItems::TransactionStatus, 32))
                    // Why an item waits or failed, as PayPal put it.
                    .col(text_null(PaypalItems::Reason))
                    // Once true, only a reversal of a success can change it.
                    .col(boolean(PaypalItems::Settled))
                    .col(timestamp_with_time_zone(PaypalItems::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PaypalItems::Table, PaypalItems::BatchId)
                            .to(PaypalBatches::Table, PaypalBatches::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PaypalItems::Table, PaypalItems::RequestId)
                            .to(WithdrawalRequests::Table, WithdrawalRequests::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_paypal_items_batch")
                    .table(PaypalItems::Table)
                    .col(PaypalItems::BatchId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PaypalEvents::Table)
                    .col(big_pk_auto(PaypalEvents::Id))
                    .col(big_integer(PaypalEvents::BatchId))
                    .col(big_integer_null(PaypalEvents::RequestId))
                    // "send", "poll" or "webhook".
                    .col(string_len(PaypalEvents::Source, 16))
                    // A webhook's event id: the same event twice is recorded once.
                    .col(string_len_null(PaypalEvents::WebhookEventId, 64).unique_key())
                    .col(string_len(PaypalEvents::Status, 48))
                    .col(text_null(PaypalEvents::Detail))
                    .col(timestamp_with_time_zone(PaypalEvents::ReceivedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PaypalEvents::Table, PaypalEvents::BatchId)
                            .to(PaypalBatches::Table, PaypalBatches::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_paypal_events_request")
                    .table(PaypalEvents::Table)
                    .col(PaypalEvents::RequestId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PaypalEvents::Table.into_iden(),
            PaypalItems::Table.into_iden(),
            PaypalBatches::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum PaypalBatches {
    Table,
    Id,
    SenderBatchId,
    PayoutBatchId,
    State,
    BatchStatus,
    ItemCount,
    Attempts,
    LastError,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PaypalItems {
    Table,
    Id,
    BatchId,
    RequestId,
    PayoutItemId,
    TransactionStatus,
    Reason,
    Settled,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PaypalEvents {
    Table,
    Id,
    BatchId,
    RequestId,
    Source,
    WebhookEventId,
    Status,
    Detail,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum WithdrawalRequests {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
