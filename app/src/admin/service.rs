//! Admin dashboard queries.

use super::api::AdminFigures;
use crate::auth::Role;
use crate::entities::user;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter};

pub async fn overview(conn: &impl ConnectionTrait) -> Result<AdminFigures, DbErr> {
    let count = |role: Role| {
        user::Entity::find()
            .filter(user::Column::Role.eq(role.as_str()))
            .count(conn)
    };
    Ok(AdminFigures {
        members: count(Role::Member).await?,
        admins: count(Role::Admin).await?,
    })
}
