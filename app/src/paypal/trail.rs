//! A request's story at PayPal, for the process view: its batch, its item
//! and every report about either, with any open alerts.

use sea_orm::{
    sea_query::ExprTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};

use super::error::PayPalServiceError;
use crate::entities::{paypal_batch, paypal_event, paypal_item};

/// A request's PayPal batch, item and history, if it was sent.
pub async fn trail(
    db: &DatabaseConnection,
    request_id: i64,
) -> Result<Option<super::PayPalTrail>, PayPalServiceError> {
    let Some(item) = paypal_item::Entity::find()
        .filter(paypal_item::Column::RequestId.eq(request_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let batch = paypal_batch::Entity::find_by_id(item.batch_id)
        .one(db)
        .await?
        .ok_or_else(|| {
            PayPalServiceError::unexpected(anyhow::anyhow!("batch {} missing", item.batch_id))
        })?;
    // The batch's own lines (no request) belong to every item's story.
    let history = paypal_event::Entity::find()
        .filter(paypal_event::Column::BatchId.eq(batch.id))
        .filter(
            paypal_event::Column::RequestId
                .eq(request_id)
                .or(paypal_event::Column::RequestId.is_null()),
        )
        .order_by_asc(paypal_event::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|event| super::PayPalEventView {
            at: event.received_at.to_rfc3339(),
            source: event.source,
            status: event.status,
            detail: event.detail,
        })
        .collect();
    Ok(Some(super::PayPalTrail {
        sender_batch_id: batch.sender_batch_id,
        payout_batch_id: batch.payout_batch_id,
        batch_state: batch.state,
        batch_error: batch.last_error,
        payout_item_id: item.payout_item_id,
        transaction_status: item.transaction_status,
        reason: item.reason,
        settled: item.settled,
        history,
        alerts: super::alerts::for_request(db, request_id).await?,
    }))
}
