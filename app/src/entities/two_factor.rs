use sea_orm::entity::prelude::*;

/// An account's TOTP enrolment (see the migration for the rules).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "two_factor")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    /// Sealed by `platform::secrets` (never the base32 text itself).
    pub secret: String,
    /// None while enrolling: sign-in asks for no code until it is set.
    pub confirmed_at: Option<DateTimeUtc>,
    /// The newest 30-second step a code was accepted for.
    pub last_step: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
