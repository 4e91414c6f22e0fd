use sea_orm::entity::prelude::*;

/// One money move an admin made (a payout marked paid or sent, a payment
/// file, a Make Payment, a deposit, an adjustment), written by the
/// four-eyes gate in the move's transaction. Step-up sums it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "admin_moves")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    /// `four_eyes::HeldKind` as stored.
    pub action: String,
    pub asset_code: String,
    pub amount_minor: i64,
    pub moved_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
