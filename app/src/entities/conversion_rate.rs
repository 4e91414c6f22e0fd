use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "conversion_rates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub points_asset_id: i64,
    pub currency_asset_id: i64,
    pub points: i64,
    pub money_minor: i64,
    pub set_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
