use sea_orm::entity::prelude::*;

/// One export file an admin downloaded.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payout_exports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub admin_user_id: i64,
    pub format: String,
    pub scope: String,
    pub row_count: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
