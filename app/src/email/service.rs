//! The admin's view of the outbox, and retrying a message given up on.

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use super::{DeliveryState, EmailList, EmailQuery, EmailRow, EMAIL_PAGE_SIZE};
use crate::auth::service::users_by_id;
use crate::entities::{outbox_message, outbox_message::Column};

use super::error::EmailError;
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    db, paging, Clock,
};

fn state_condition(state: DeliveryState) -> Condition {
    match state {
        DeliveryState::Waiting => Condition::all()
            .add(Column::SentAt.is_null())
            .add(Column::DeadAt.is_null()),
        DeliveryState::Sent => Condition::all()
            .add(Column::SentAt.is_not_null())
            .add(Column::LastError.is_null()),
        DeliveryState::Skipped => Condition::all()
            .add(Column::SentAt.is_not_null())
            .add(Column::LastError.is_not_null()),
        DeliveryState::Dead => Condition::all().add(Column::DeadAt.is_not_null()),
    }
}

fn state_of(row: &outbox_message::Model) -> DeliveryState {
    match (row.sent_at, row.dead_at) {
        (Some(_), _) if row.last_error.is_some() => DeliveryState::Skipped,
        (Some(_), _) => DeliveryState::Sent,
        (None, Some(_)) => DeliveryState::Dead,
        (None, None) => DeliveryState::Waiting,
    }
}

fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

pub async fn list(
    conn: &DatabaseConnection,
    query: &EmailQuery,
    smtp_configured: bool,
) -> Result<EmailList, EmailError> {
    let state = match query.state.trim() {
        "" => None,
        other => Some(
            DeliveryState::parse(other)
                .ok_or_else(|| EmailError::invalid(format!("Unknown email state {other:?}")))?,
        ),
    };
    let page = paging::page(query.page);
    let mut select = outbox_message::Entity::find();
    if let Some(state) = state {
        select = select.filter(state_condition(state));
    }
    let total = select.clone().count(conn).await?;
    let models = select
        .order_by_desc(Column::Id)
        .offset(paging::offset(page, EMAIL_PAGE_SIZE))
        .limit(EMAIL_PAGE_SIZE)
        .all(conn)
        .await?;
    let recipients = users_by_id(conn, models.iter().map(|m| m.recipient_user_id)).await?;
    let count = |state| {
        outbox_message::Entity::find()
            .filter(state_condition(state))
            .count(conn)
    };
    let waiting = count(DeliveryState::Waiting).await?;
    let dead = count(DeliveryState::Dead).await?;
    let rows = models
        .into_iter()
        .map(|m| {
            let state = state_of(&m);
            let when = match state {
                DeliveryState::Sent | DeliveryState::Skipped => m.sent_at,
                DeliveryState::Dead => m.dead_at,
                DeliveryState::Waiting => m.next_attempt_at,
            };
            EmailRow {
                id: m.id,
                recipient: recipients.get(&m.recipient_user_id).map_or_else(
                    || format!("user #{}", m.recipient_user_id),
                    |u| u.email.clone(),
                ),
                kind: m.kind,
                created_at: time(m.created_at),
                state,
                attempts: m.attempts,
                last_error: m.last_error,
                when: when.map(time),
            }
        })
        .collect();
    Ok(EmailList {
        rows,
        total,
        page,
        waiting,
        dead,
        smtp_configured,
        digest: super::digest::enabled(conn).await?,
        // The server function sets them for the viewing admin.
        can_retry: false,
        can_switch_digest: false,
    })
}

/// Puts a message given up on (or waiting for its next attempt) back in the
/// queue for now, with its attempts counted afresh. A sent one stays sent.
pub async fn retry(
    conn: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    id: i64,
) -> Result<(), EmailError> {
    let now = clock.now();
    let txn = db::begin_write(conn).await?;
    let moved = outbox_message::Entity::update_many()
        .col_expr(Column::DeadAt, Expr::value(None::<DateTime<Utc>>))
        .col_expr(Column::NextAttemptAt, Expr::value(None::<DateTime<Utc>>))
        .col_expr(Column::Attempts, Expr::value(0))
        .filter(Column::Id.eq(id))
        .filter(Column::SentAt.is_null())
        .exec(&txn)
        .await?;
    if moved.rows_affected == 0 {
        return Err(EmailError::conflict(format!(
            "Email #{id} cannot be retried: it was sent, or does not exist"
        )));
    }
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::EmailRetried)
            .actor(admin_user_id)
            .subject(format!("email:{id}")),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
