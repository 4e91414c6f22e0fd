use sea_orm::entity::prelude::*;

/// Money or points owed to a member: pending, approved, paid or rejected.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "incentives")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub member_user_id: i64,
    pub program: String,
    pub asset_id: i64,
    pub amount_minor: i64,
    pub description: String,
    pub source: String,
    pub external_id: Option<String>,
    pub status: String,
    pub note: Option<String>,
    pub created_by: Option<i64>,
    pub api_key_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
    pub paid_entry_id: Option<i64>,
    pub funding_wallet_id: Option<i64>,
    pub paid_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
