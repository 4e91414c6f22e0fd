use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub is_active: bool,
    pub is_verified: bool,
    pub created_at: DateTimeUtc,
    /// When the owner of the mailbox proved it (None: not yet). Money
    /// follows the address only once it is set.
    pub email_confirmed_at: Option<DateTimeUtc>,
    /// An admin's role on the team (`auth::TeamRole` as stored); None for
    /// members.
    pub team_role: Option<String>,
    pub last_signed_in_at: Option<DateTimeUtc>,
}

/// The `role` of a member's row: `auth::Role::Member` as stored (a test in
/// `auth` keeps the two one), here so the ledger can tell a member without
/// importing a feature.
pub const MEMBER_ROLE: &str = "member";

impl Model {
    pub fn is_member(&self) -> bool {
        self.role == MEMBER_ROLE
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
