//! Reading the audit trail: filters on indexed columns where it matters
//! (action and time), newest first by primary key.

use sea_orm::{
    sea_query::{Expr, ExprTrait, Func, Query},
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::error::AuditLogError;
use super::{ActionChoice, AuditPage, AuditQuery, AuditRow, PAGE_SIZES};
use crate::auth::service::users_by_id;
use crate::entities::{audit_event, user};
use crate::platform::audit::AuditAction;
use crate::platform::dates::day_range;
use crate::platform::paging;

fn like(text: &str, what: &str) -> Result<Option<String>, AuditLogError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > 200 {
        return Err(AuditLogError::invalid(format!(
            "The {what} search is too long"
        )));
    }
    Ok(Some(format!("%{}%", text.to_lowercase())))
}

pub async fn list(db: &DatabaseConnection, query: &AuditQuery) -> Result<AuditPage, AuditLogError> {
    let per_page = crate::ui::list::per_page(query.per_page, &PAGE_SIZES);
    let page = paging::page(query.page);
    let mut select = audit_event::Entity::find();
    if !query.action.is_empty() {
        let action = AuditAction::parse(&query.action)
            .ok_or_else(|| AuditLogError::invalid(format!("Unknown action {:?}", query.action)))?;
        select = select.filter(audit_event::Column::Action.eq(action.as_str()));
    }
    if let Some(pattern) = like(&query.actor, "actor")? {
        let actors = Query::select()
            .column(user::Column::Id)
            .from(user::Entity)
            .cond_where(
                Condition::any()
                    .add(
                        Expr::expr(Func::lower(Expr::col(user::Column::Email)))
                            .like(pattern.clone()),
                    )
                    .add(
                        Expr::expr(Func::lower(Expr::col(user::Column::DisplayName))).like(pattern),
                    ),
            )
            .to_owned();
        select = select.filter(audit_event::Column::ActorUserId.in_subquery(actors));
    }
    if let Some(pattern) = like(&query.subject, "subject")? {
        select = select
            .filter(Expr::expr(Func::lower(Expr::col(audit_event::Column::Subject))).like(pattern));
    }
    let range = day_range(&query.from, &query.to)?;
    if let Some(start) = range.start {
        select = select.filter(audit_event::Column::OccurredAt.gte(start));
    }
    if let Some(end) = range.end {
        select = select.filter(audit_event::Column::OccurredAt.lt(end));
    }

    let total = select.clone().count(db).await?;
    let events = select
        .order_by_desc(audit_event::Column::Id)
        .limit(per_page)
        .offset(paging::offset(page, per_page))
        .all(db)
        .await?;
    let actors = users_by_id(db, events.iter().filter_map(|e| e.actor_user_id)).await?;
    let rows = events
        .into_iter()
        .map(|event| AuditRow {
            id: event.id,
            at: event.occurred_at.format("%Y-%m-%d %H:%M:%S").to_string(),
            action_label: AuditAction::parse(&event.action)
                .map_or_else(|| event.action.clone(), |a| a.label().to_owned()),
            action: event.action,
            actor: event
                .actor_user_id
                .and_then(|id| actors.get(&id))
                .map(|u| format!("{} <{}>", u.display_name, u.email))
                .unwrap_or_default(),
            subject: event.subject.unwrap_or_default(),
            ip: event.ip.unwrap_or_default(),
            detail: event.detail.unwrap_or_default(),
        })
        .collect();
    Ok(AuditPage {
        rows,
        total,
        page,
        per_page,
        actions: AuditAction::ALL
            .into_iter()
            .map(|a| ActionChoice {
                name: a.as_str().to_owned(),
                label: a.label().to_owned(),
            })
            .collect(),
    })
}
