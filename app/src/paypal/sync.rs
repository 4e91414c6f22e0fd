//! Applying PayPal's item statuses to requests, from the poller or from a
//! webhook, each at most once whatever the order they arrive in.
//!
//! An item is "settled" once its outcome moved money: paid, or failed with
//! the money credited back. After that only a reversal of a success
//! (RETURNED, REFUNDED, REVERSED) changes anything; a late PENDING or a
//! repeated SUCCESS is recorded in the history and changes nothing, and a
//! report that contradicts the settlement (SUCCESS after a credit-back,
//! FAILED after paid) raises an alert for a person (`alerts.rs`). The
//! item row is updated with a guard on what was read, so two instances
//! reporting the same change move money once.

use chrono::Duration as Span;
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveValue::Set,
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use std::{collections::HashMap, time::Duration};

use super::client::{PayPalClient, PayPalError};
use super::error::PayPalServiceError;
use super::report::{classify, is_reversal, Outcome};
use super::service::{batch_event, submit};
use super::state;
use crate::entities::{paypal_batch, paypal_event, paypal_item, withdrawal_request};
use crate::platform::{db, Clock};
use crate::withdrawals::{
    service::{apply_transition, EventDetails, WithdrawalError},
    status::WithdrawalAction,
};

/// A batch still "sending" this long after it was recorded lost its
/// create call (the process stopped in it): the poller retries it.
const SENDING_GRACE: Span = Span::minutes(2);

/// Where a status report came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Poll,
    Webhook,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Poll => "poll",
            Source::Webhook => "webhook",
        }
    }
}

/// One item's status as PayPal reported it.
#[derive(Clone, Debug)]
pub struct Report {
    pub payout_item_id: Option<String>,
    /// Our request id, as sent.
    pub sender_item_id: Option<String>,
    pub status: String,
    pub error: Option<String>,
    pub source: Source,
    /// A webhook's event id: the same event twice is applied once.
    pub event_id: Option<String>,
}

/// What applying a report did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// Not an item Paydesk sent.
    Unknown,
    /// This webhook event was already applied.
    Duplicate,
    /// Recorded; nothing to change (same status, or late news).
    Unchanged,
    /// Still at PayPal; the reason was updated.
    Waiting,
    Paid,
    Failed,
    Returned,
    /// Contradicts how the request settled: an alert was raised.
    Alerted,
}

impl Applied {
    /// Whether a request's status changed (open pages should refresh).
    pub fn moved(self) -> bool {
        matches!(self, Applied::Paid | Applied::Failed | Applied::Returned)
    }
}

async fn find_item(
    conn: &impl sea_orm::ConnectionTrait,
    report: &Report,
) -> Result<Option<paypal_item::Model>, PayPalServiceError> {
    if let Some(id) = &report.payout_item_id {
        let found = paypal_item::Entity::find()
            .filter(paypal_item::Column::PayoutItemId.eq(id.clone()))
            .one(conn)
            .await?;
        if found.is_some() {
            return Ok(found);
        }
    }
    let Some(request_id) = report
        .sender_item_id
        .as_deref()
        .and_then(|id| id.parse::<i64>().ok())
    else {
        return Ok(None);
    };
    Ok(paypal_item::Entity::find()
        .filter(paypal_item::Column::RequestId.eq(request_id))
        .one(conn)
        .await?)
}

/// Applies one report in one transaction: the history line, the item, and
/// the request's transition with its money effect.
pub async fn apply_report(
    db: &DatabaseConnection,
    clock: &Clock,
    report: &Report,
) -> Result<Applied, PayPalServiceError> {
    let now = clock.now();
    let txn = db::begin_write(db).await?;
    let Some(item) = find_item(&txn, report).await? else {
        txn.rollback().await?;
        return Ok(Applied::Unknown);
    };
    let batch = paypal_batch::Entity::find_by_id(item.batch_id)
        .one(&txn)
        .await?
        .ok_or_else(|| {
            PayPalServiceError::unexpected(anyhow::anyhow!("batch {} missing", item.batch_id))
        })?;
    let status = report.status.trim().to_ascii_uppercase();
    let news = item.transaction_status.as_deref() != Some(status.as_str())
        || item.payout_item_id.is_none();

    // History: every webhook event once; polls only when something changed.
    if report.source == Source::Webhook || news {
        let line = paypal_event::ActiveModel {
            batch_id: Set(batch.id),
            request_id: Set(Some(item.request_id)),
            source: Set(report.source.as_str().to_owned()),
            webhook_event_id: Set(report.event_id.clone()),
            status: Set(status.clone()),
            detail: Set(report.error.clone()),
            received_at: Set(now),
            ..Default::default()
        };
        if let Err(err) = paypal_event::Entity::insert(line)
            .exec_without_returning(&txn)
            .await
        {
            txn.rollback().await?;
            return if db::is_unique_violation(&err) {
                Ok(Applied::Duplicate)
            } else {
                Err(err.into())
            };
        }
    }

    let outcome = classify(&status, report.error.as_deref(), now - batch.created_at);
    let previous = item.transaction_status.clone().unwrap_or_default();
    // What to do, from what the item was and what PayPal says now.
    let (action, settles, applied) = match (&outcome, item.settled) {
        (Outcome::Paid, false) => (Some(WithdrawalAction::MarkPaid), true, Applied::Paid),
        (Outcome::Failed(_), false) => (Some(WithdrawalAction::MarkFailed), true, Applied::Failed),
        (Outcome::Waiting(_), false) => (None, false, Applied::Waiting),
        (Outcome::Failed(_), true) if previous == "SUCCESS" && is_reversal(&status) => (
            Some(WithdrawalAction::MarkReturned),
            true,
            Applied::Returned,
        ),
        (_, true) => {
            // Late or repeated news about a settled item: history only,
            // unless it contradicts how the item settled; then a person
            // must look (never money moved on it by itself).
            let raised =
                super::alerts::raise(&txn, now, &item, &status, report.error.clone()).await?;
            txn.commit().await?;
            return Ok(if raised {
                Applied::Alerted
            } else {
                Applied::Unchanged
            });
        }
    };
    if applied == Applied::Waiting && !news {
        txn.commit().await?;
        return Ok(Applied::Unchanged);
    }

    let reason = match &outcome {
        Outcome::Paid => None,
        Outcome::Failed(reason) | Outcome::Waiting(reason) => Some(reason.clone()),
    };
    let mut update = paypal_item::Entity::update_many()
        .col_expr(
            paypal_item::Column::TransactionStatus,
            Expr::value(status.clone()),
        )
        .col_expr(paypal_item::Column::Reason, Expr::value(reason.clone()))
        .col_expr(paypal_item::Column::Settled, Expr::value(settles))
        .col_expr(paypal_item::Column::UpdatedAt, Expr::value(now));
    if let Some(id) = &report.payout_item_id {
        update = update.col_expr(paypal_item::Column::PayoutItemId, Expr::value(id.clone()));
    }
    // The guard: only the transaction that still sees the item as read
    // moves on; a concurrent report of the same change finds nothing.
    let mut guarded = update
        .filter(paypal_item::Column::Id.eq(item.id))
        .filter(paypal_item::Column::Settled.eq(item.settled));
    if item.settled {
        guarded = guarded.filter(paypal_item::Column::TransactionStatus.eq(previous.clone()));
    }
    let moved = guarded.exec(&txn).await?;
    if moved.rows_affected == 0 {
        txn.rollback().await?;
        return Ok(Applied::Unchanged);
    }

    if let Some(action) = action {
        let request = withdrawal_request::Entity::find_by_id(item.request_id)
            .one(&txn)
            .await?
            .ok_or_else(|| {
                PayPalServiceError::unexpected(anyhow::anyhow!(
                    "request {} missing",
                    item.request_id
                ))
            })?;
        let details = match action {
            WithdrawalAction::MarkPaid => EventDetails {
                note: None,
                external_reference: report
                    .payout_item_id
                    .clone()
                    .or_else(|| item.payout_item_id.clone()),
                payment_date: Some(now.date_naive().format("%Y-%m-%d").to_string()),
                ..EventDetails::default()
            },
            _ => EventDetails {
                note: reason,
                ..EventDetails::default()
            },
        };
        match apply_transition(&txn, now, &request, action, None, false, &details).await {
            Ok(_) => {}
            Err(WithdrawalError::Transition(err)) => {
                // Only PayPal moves a request it holds, so this means the
                // request was changed some other way; never move money
                // twice: leave it to a person.
                tracing::error!(request = request.id, error = %err, status, "PayPal report does not fit the request's status");
                txn.rollback().await?;
                return Ok(Applied::Unchanged);
            }
            Err(WithdrawalError::Stale) => {
                txn.rollback().await?;
                return Ok(Applied::Unchanged);
            }
            Err(err) => return Err(err.into()),
        }
    }
    if applied == Applied::Returned {
        super::alerts::supersede_on_return(&txn, now, item.id, &status).await?;
    }
    txn.commit().await?;
    Ok(applied)
}

/// What one polling pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pass {
    /// Unconfirmed batches PayPal now confirmed.
    pub confirmed: usize,
    /// Batches read back from PayPal.
    pub read: usize,
    /// Requests whose status changed.
    pub moved: usize,
    /// Members reminded of a payout waiting for them at PayPal.
    pub reminded: usize,
}

/// Reads back every batch PayPal has not finished with, and retries the
/// create call of batches it never confirmed.
pub async fn poll_once(
    db: &DatabaseConnection,
    clock: &Clock,
    client: &PayPalClient,
) -> Result<Pass, PayPalServiceError> {
    let mut pass = Pass::default();
    let now = clock.now();
    let stuck = paypal_batch::Entity::find()
        .filter(
            paypal_batch::Column::State
                .eq(state::UNCONFIRMED)
                .or(paypal_batch::Column::State
                    .eq(state::SENDING)
                    .and(paypal_batch::Column::UpdatedAt.lt(now - SENDING_GRACE))),
        )
        .order_by_asc(paypal_batch::Column::Id)
        .all(db)
        .await?;
    for batch in stuck {
        if submit(db, clock, client, batch.id).await? == super::service::Submitted::Confirmed {
            pass.confirmed += 1;
        }
    }
    let open = paypal_batch::Entity::find()
        .filter(paypal_batch::Column::State.eq(state::OPEN))
        .order_by_asc(paypal_batch::Column::Id)
        .all(db)
        .await?;
    for batch in open {
        pass.moved += read_batch(db, clock, client, &batch).await?;
        pass.read += 1;
    }
    pass.reminded = super::unclaimed::remind_unclaimed(db, clock.now()).await?;
    Ok(pass)
}

/// Reads one batch back and applies each item's status; closes the batch
/// once every item has settled. Returns how many requests moved.
pub async fn read_batch(
    db: &DatabaseConnection,
    clock: &Clock,
    client: &PayPalClient,
    batch: &paypal_batch::Model,
) -> Result<usize, PayPalServiceError> {
    let Some(payout_batch_id) = &batch.payout_batch_id else {
        return Ok(0);
    };
    let remote = match client.get_batch(payout_batch_id).await {
        Ok(remote) => remote,
        Err(err @ (PayPalError::Ambiguous(_) | PayPalError::Unreadable(_))) => {
            tracing::warn!(batch = %batch.sender_batch_id, error = %err, "could not read a PayPal batch; trying again later");
            return Ok(0);
        }
        Err(err) => {
            tracing::error!(batch = %batch.sender_batch_id, error = %err, "PayPal refused to show a batch");
            return Ok(0);
        }
    };
    // What Paydesk knows of the batch's items: an item PayPal reports
    // unchanged costs no transaction, and the many first "still pending"
    // answers of a big batch are recorded a few hundred at a time.
    let known: HashMap<i64, paypal_item::Model> = paypal_item::Entity::find()
        .filter(paypal_item::Column::BatchId.eq(batch.id))
        .all(db)
        .await?
        .into_iter()
        .map(|item| (item.request_id, item))
        .collect();
    let age = clock.now() - batch.created_at;
    let mut waiting = Vec::new();
    let mut moved = 0;
    for item in remote.items {
        let Some(local) = item
            .sender_item_id
            .parse::<i64>()
            .ok()
            .and_then(|id| known.get(&id))
        else {
            tracing::warn!(item = %item.payout_item_id, "PayPal lists an item Paydesk did not send");
            continue;
        };
        let same = local.transaction_status.as_deref() == Some(item.transaction_status.as_str())
            && local.payout_item_id.is_some();
        let outcome = classify(&item.transaction_status, item.error.as_deref(), age);
        if let (Outcome::Waiting(reason), false) = (&outcome, local.settled) {
            if !same {
                waiting.push((local.id, local.request_id, item, reason.clone()));
            }
            continue;
        }
        if same && local.settled {
            continue;
        }
        let report = Report {
            payout_item_id: Some(item.payout_item_id),
            sender_item_id: Some(item.sender_item_id),
            status: item.transaction_status,
            error: item.error,
            source: Source::Poll,
            event_id: None,
        };
        if apply_report(db, clock, &report).await?.moved() {
            moved += 1;
        }
    }
    for chunk in waiting.chunks(500) {
        record_waiting(db, clock.now(), batch.id, chunk).await?;
    }
    let now = clock.now();
    let open_items = paypal_item::Entity::find()
        .filter(paypal_item::Column::BatchId.eq(batch.id))
        .filter(paypal_item::Column::Settled.eq(false))
        .count(db)
        .await?;
    let mut update = paypal_batch::Entity::update_many()
        .col_expr(
            paypal_batch::Column::BatchStatus,
            Expr::value(remote.header.batch_status.clone()),
        )
        .col_expr(paypal_batch::Column::UpdatedAt, Expr::value(now));
    if open_items == 0 {
        update = update.col_expr(paypal_batch::Column::State, Expr::value(state::CLOSED));
    }
    let changed = update
        .filter(paypal_batch::Column::Id.eq(batch.id))
        .filter(paypal_batch::Column::State.eq(state::OPEN))
        .exec(db)
        .await?;
    if changed.rows_affected == 1
        && batch.batch_status.as_deref() != Some(&remote.header.batch_status)
    {
        let txn = db::begin_write(db).await?;
        batch_event(
            &txn,
            now,
            batch.id,
            "poll",
            &remote.header.batch_status,
            None,
        )
        .await?;
        txn.commit().await?;
    }
    Ok(moved)
}

/// Items still at PayPal with news (their PayPal id, a new waiting status
/// and its reason), in one transaction: no money moves for them.
async fn record_waiting(
    db: &DatabaseConnection,
    now: chrono::DateTime<chrono::Utc>,
    batch_id: i64,
    items: &[(i64, i64, super::client::BatchItem, String)],
) -> Result<(), PayPalServiceError> {
    let txn = db::begin_write(db).await?;
    let mut lines = Vec::new();
    for (id, request_id, item, reason) in items {
        let updated = paypal_item::Entity::update_many()
            .col_expr(
                paypal_item::Column::PayoutItemId,
                Expr::value(item.payout_item_id.clone()),
            )
            .col_expr(
                paypal_item::Column::TransactionStatus,
                Expr::value(item.transaction_status.clone()),
            )
            .col_expr(paypal_item::Column::Reason, Expr::value(reason.clone()))
            .col_expr(paypal_item::Column::UpdatedAt, Expr::value(now))
            .filter(paypal_item::Column::Id.eq(*id))
            // Settled meanwhile (a webhook): that news is newer.
            .filter(paypal_item::Column::Settled.eq(false))
            .exec(&txn)
            .await?;
        if updated.rows_affected == 1 {
            lines.push(paypal_event::ActiveModel {
                batch_id: Set(batch_id),
                request_id: Set(Some(*request_id)),
                source: Set(Source::Poll.as_str().to_owned()),
                webhook_event_id: Set(None),
                status: Set(item.transaction_status.clone()),
                detail: Set(item.error.clone()),
                received_at: Set(now),
                ..Default::default()
            });
        }
    }
    if !lines.is_empty() {
        paypal_event::Entity::insert_many(lines)
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Polls until `stop` turns true; announces moved requests to open pages.
pub async fn run(
    db: DatabaseConnection,
    clock: Clock,
    client: std::sync::Arc<PayPalClient>,
    every: Duration,
    live: crate::platform::live::Live,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        match poll_once(&db, &clock, &client).await {
            Ok(pass) if pass.moved > 0 || pass.confirmed > 0 => {
                tracing::info!(
                    moved = pass.moved,
                    confirmed = pass.confirmed,
                    "PayPal statuses applied"
                );
                live.requests_changed(&db).await;
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "PayPal polling pass failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paypal::report::UNCLAIMED_EXPIRY_DAYS;

    #[test]
    fn every_paypal_status_maps_to_an_outcome() {
        let young = Span::days(1);
        assert_eq!(classify("SUCCESS", None, young), Outcome::Paid);
        for failed in [
            "FAILED", "BLOCKED", "RETURNED", "REFUNDED", "REVERSED", "DENIED", "CANCELED",
        ] {
            assert!(
                matches!(classify(failed, None, young), Outcome::Failed(_)),
                "{failed}"
            );
        }
        for waiting in ["PENDING", "ONHOLD", "UNCLAIMED", "NEW", "SOMETHING_NEW"] {
            assert!(
                matches!(classify(waiting, None, young), Outcome::Waiting(_)),
                "{waiting}"
            );
        }
        // Never failed on Paydesk's clock, however long it waits.
        assert!(matches!(
            classify("UNCLAIMED", None, Span::days(UNCLAIMED_EXPIRY_DAYS)),
            Outcome::Waiting(reason) if reason.contains("needs attention")
        ));
        assert!(matches!(
            classify("UNCLAIMED", None, Span::days(3_650)),
            Outcome::Waiting(_)
        ));
        assert!(matches!(
            classify(
                "UNCLAIMED",
                None,
                Span::days(UNCLAIMED_EXPIRY_DAYS) - Span::seconds(1)
            ),
            Outcome::Waiting(_)
        ));
    }

    #[test]
    fn reasons_carry_paypal_error() {
        let Outcome::Failed(reason) = classify(
            "FAILED",
            Some("RECEIVER_UNREGISTERED: no account"),
            Span::zero(),
        ) else {
            panic!("FAILED must fail");
        };
        assert_eq!(
            reason,
            "PayPal could not pay it (RECEIVER_UNREGISTERED: no account)"
        );
    }
}
