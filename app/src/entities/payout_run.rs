use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payout_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub idempotency_key: String,
    pub asset_id: i64,
    pub threshold_minor: i64,
    pub max_minor: Option<i64>,
    pub status: String,
    pub total: i32,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    /// The schedule that started it; none when an admin did.
    pub schedule_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
