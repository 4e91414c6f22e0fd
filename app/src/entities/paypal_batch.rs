use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "paypal_batches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub sender_batch_id: String,
    pub payout_batch_id: Option<String>,
    pub state: String,
    pub batch_status: Option<String>,
    pub item_count: i32,
    pub attempts: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
