use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payout_method_rules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub method: String,
    pub currency_asset_id: i64,
    pub enabled: bool,
    pub min_minor: i64,
    pub max_minor: Option<i64>,
    pub fee_fixed_minor: i64,
    pub fee_basis_points: i64,
    pub fee_min_minor: i64,
    pub fee_max_minor: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
