//! Withdrawal requests an administrator made on a member's behalf record
//! who made them (null: the member).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(WithdrawalRequests::Table)
                    .add_column(big_integer_null(WithdrawalRequests::CreatedByUserId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(WithdrawalRequests::Table)
                    .drop_column(WithdrawalRequests::CreatedByUserId)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum WithdrawalRequests {
    Table,
    CreatedByUserId,
}
