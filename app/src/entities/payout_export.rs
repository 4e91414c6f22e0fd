use sea_orm::entity::prelude::*;

/// One export an admin made: a report, or a payment file (with its bytes).
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
    /// A payment file's exact bytes (reports keep none).
    #[sea_orm(column_type = "Blob", nullable)]
    pub content: Option<Vec<u8>>,
    pub currency_code: Option<String>,
    pub total_minor: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub skipped: Option<String>,
    pub skipped_count: i64,
    pub downloads: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
