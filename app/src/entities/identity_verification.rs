use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "identity_verifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    pub status: String,
    pub first_name: String,
    pub last_name: String,
    /// Sealed by `platform::secrets` (purpose `tax_id:{user id}`); plain
    /// text only in rows from before, until the server's start seals them.
    pub tax_id: String,
    /// The last four characters, for masking without opening the seal.
    pub tax_id_last4: String,
    pub mobile: String,
    pub country: String,
    #[sea_orm(column_type = "Text")]
    pub address: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub review_note: Option<String>,
    pub submitted_at: DateTimeUtc,
    pub reviewed_at: Option<DateTimeUtc>,
    pub reviewed_by: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
