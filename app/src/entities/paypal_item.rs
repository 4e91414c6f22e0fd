use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "paypal_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub batch_id: i64,
    pub request_id: i64,
    pub payout_item_id: Option<String>,
    pub transaction_status: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    pub settled: bool,
    pub updated_at: DateTimeUtc,
    /// When the member was told the payout waits for them at PayPal.
    pub unclaimed_reminded_at: Option<DateTimeUtc>,
    /// When they were reminded again, past PayPal's claim period.
    pub overdue_reminded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
