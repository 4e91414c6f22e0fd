//! PayPal payouts waiting for their member to accept them: the list the
//! admins see once the claim period is past, and the reminders members get.

use chrono::Duration as Span;
use sea_orm::{
    sea_query::Expr, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use std::collections::HashMap;

use super::error::PayPalServiceError;
use super::report::UNCLAIMED_EXPIRY_DAYS;
use crate::entities::{paypal_batch, paypal_item, withdrawal_request};
use crate::platform::db;

/// PayPal payouts unclaimed past the claim period, oldest first.
pub async fn needs_attention(
    db: &DatabaseConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<super::AttentionItem>, PayPalServiceError> {
    let cutoff = now - Span::days(UNCLAIMED_EXPIRY_DAYS);
    let old_batches: HashMap<i64, chrono::DateTime<chrono::Utc>> = paypal_batch::Entity::find()
        .filter(paypal_batch::Column::CreatedAt.lte(cutoff))
        .filter(
            paypal_batch::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(paypal_item::Column::BatchId)
                    .from(paypal_item::Entity)
                    .and_where(paypal_item::Column::Settled.eq(false))
                    .and_where(paypal_item::Column::TransactionStatus.eq("UNCLAIMED"))
                    .to_owned(),
            ),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|batch| (batch.id, batch.created_at))
        .collect();
    let items = paypal_item::Entity::find()
        .filter(paypal_item::Column::Settled.eq(false))
        .filter(paypal_item::Column::TransactionStatus.eq("UNCLAIMED"))
        .filter(paypal_item::Column::BatchId.is_in(old_batches.keys().copied()))
        .order_by_asc(paypal_item::Column::RequestId)
        .all(db)
        .await?;
    let mut attention: Vec<super::AttentionItem> = items
        .into_iter()
        .filter_map(|item| {
            let sent = old_batches.get(&item.batch_id)?;
            Some(super::AttentionItem {
                request_id: item.request_id,
                days: (now - *sent).num_days(),
            })
        })
        .collect();
    attention.sort_by_key(|item| std::cmp::Reverse(item.days));
    Ok(attention)
}

/// Reminds members of PayPal payouts waiting for them to accept them:
/// once when PayPal first reports one unclaimed, and once more past the
/// claim period (when it is also listed for admins). Each reminder is
/// written with a guarded update of the item, so two instances polling at
/// once send it once. Returns how many were written.
pub async fn remind_unclaimed(
    db: &DatabaseConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, PayPalServiceError> {
    use crate::email::notice::{self, Notice};
    use sea_orm::QuerySelect;

    let first: Vec<i64> = paypal_item::Entity::find()
        .select_only()
        .column(paypal_item::Column::Id)
        .filter(paypal_item::Column::Settled.eq(false))
        .filter(paypal_item::Column::TransactionStatus.eq("UNCLAIMED"))
        .filter(paypal_item::Column::UnclaimedRemindedAt.is_null())
        .limit(500)
        .into_tuple()
        .all(db)
        .await?;
    let overdue: Vec<i64> = needs_attention(db, now)
        .await?
        .into_iter()
        .map(|item| item.request_id)
        .collect();
    let overdue_items: Vec<i64> = paypal_item::Entity::find()
        .select_only()
        .column(paypal_item::Column::Id)
        .filter(paypal_item::Column::RequestId.is_in(overdue))
        .filter(paypal_item::Column::OverdueRemindedAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    let mut reminded = 0;
    for (item_id, is_overdue) in first
        .into_iter()
        .map(|id| (id, false))
        .chain(overdue_items.into_iter().map(|id| (id, true)))
    {
        let column = if is_overdue {
            paypal_item::Column::OverdueRemindedAt
        } else {
            paypal_item::Column::UnclaimedRemindedAt
        };
        let txn = db::begin_write(db).await?;
        let claimed = paypal_item::Entity::update_many()
            .col_expr(column, Expr::value(now))
            .filter(paypal_item::Column::Id.eq(item_id))
            .filter(column.is_null())
            .filter(paypal_item::Column::Settled.eq(false))
            .exec(&txn)
            .await?;
        if claimed.rows_affected == 1 {
            let item = paypal_item::Entity::find_by_id(item_id)
                .one(&txn)
                .await?
                .ok_or_else(|| {
                    PayPalServiceError::unexpected(anyhow::anyhow!("item {item_id} vanished"))
                })?;
            let request = withdrawal_request::Entity::find_by_id(item.request_id)
                .one(&txn)
                .await?
                .ok_or_else(|| {
                    PayPalServiceError::unexpected(anyhow::anyhow!(
                        "request {} missing",
                        item.request_id
                    ))
                })?;
            notice::enqueue(
                &txn,
                now,
                request.member_user_id,
                &Notice::PayPalUnclaimed {
                    request_id: request.id,
                    overdue: is_overdue,
                },
            )
            .await?;
            reminded += 1;
        }
        txn.commit().await?;
    }
    Ok(reminded)
}
