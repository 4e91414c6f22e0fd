use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payout_method_fields")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub method: String,
    pub label: String,
    pub help: String,
    pub required: bool,
    pub pattern: String,
    pub position: i32,
    pub created_at: DateTimeUtc,
    pub retired_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
