use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payout_schedules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub idempotency_key: String,
    pub asset_id: i64,
    pub threshold_minor: i64,
    pub max_minor: Option<i64>,
    pub cadence: String,
    pub day: i32,
    pub hour: i32,
    pub next_run_at: DateTimeUtc,
    pub active: bool,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub stopped_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
