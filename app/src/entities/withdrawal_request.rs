use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "withdrawal_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub member_user_id: i64,
    pub wallet_id: i64,
    pub method: String,
    pub amount: i64,
    pub currency_asset_id: i64,
    pub gross_minor: i64,
    pub fee_minor: i64,
    pub net_minor: i64,
    pub rate_points: Option<i64>,
    pub rate_money_minor: Option<i64>,
    pub status: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub external_reference: Option<String>,
    pub payment_date: Option<String>,
    pub payout_masked: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub payout_details: Option<String>,
    /// The first export that carried this request ("only new" skips it).
    pub first_export_id: Option<i64>,
    /// The payment file that claimed it (approved -> processing).
    pub payment_file_id: Option<i64>,
    /// The administrator who made it on the member's behalf (None: the member).
    pub created_by_user_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
