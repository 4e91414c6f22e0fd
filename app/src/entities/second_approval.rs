use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "second_approvals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// What is held (`ledger::four_eyes::HeldKind`).
    pub action: String,
    /// What it acts on, like `withdrawal:12`: one open approval each.
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    pub asset_id: i64,
    pub amount_minor: i64,
    /// Fingerprint of exactly what was asked for; any change voids it.
    pub binding: String,
    /// The held action's parameters, as JSON.
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    /// pending | approved | done | declined | void
    pub status: String,
    pub requested_by: i64,
    #[sea_orm(column_type = "Text", nullable)]
    pub request_note: Option<String>,
    /// Someone besides the initiator who may not approve (the admin who
    /// made the request on the member's behalf).
    pub barred_user_id: Option<i64>,
    pub requested_at: DateTimeUtc,
    pub decided_by: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub decision_note: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub outcome: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
