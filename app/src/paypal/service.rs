//! "Send via PayPal": recording a batch and handing it to PayPal.
//!
//! Two steps, in this order, so no money can leave without a record:
//! 1. One transaction records the batch and its items and moves every
//!    request from approved to processing (guarded, like any transition).
//! 2. Only then is the batch created at PayPal, under our
//!    `sender_batch_id`. What PayPal answers decides what happens next:
//!    confirmed -> "open" (the poller and webhooks follow its items);
//!    refused -> every request failed with the money credited back;
//!    no definitive answer -> "unconfirmed", retried later under the same
//!    id, which PayPal never pays twice.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::{
    sea_query::{Expr, ExprTrait, Query},
    ActiveValue::Set,
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
};
use std::collections::HashMap;

use super::client::{PayPalClient, PayPalError, PayoutItem};
use super::error::PayPalServiceError;
use super::{SendOutcome, MAX_ITEMS_PER_BATCH};
use crate::entities::{paypal_batch, paypal_event, paypal_item, withdrawal_request};
use crate::ledger::four_eyes::{Gate, HeldKind};
use crate::ledger::{
    idempotency::{self, Begun},
    service as ledger,
};
use crate::payout_details::method::PayoutMethod;
use crate::payout_details::DetailsInput;
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    db, Clock,
};
use crate::ui::Skipped;
use crate::withdrawals::{
    service::{
        apply_transition,
        second_approval::{gate_request, Paying},
        EventDetails, WithdrawalError,
    },
    status::{WithdrawalAction, WithdrawalStatus},
};

pub use super::state;

/// Most requests one "Send via PayPal" takes (four full batches).
pub const SEND_LIMIT: usize = 4 * MAX_ITEMS_PER_BATCH;

/// Rows per statement when reading or writing many: well under the
/// parameter limits of SQLite and PostgreSQL.
const CHUNK: usize = 500;

fn transition_error(err: WithdrawalError) -> PayPalServiceError {
    match err {
        WithdrawalError::Stale | WithdrawalError::Transition(_) => PayPalServiceError::conflict(
            "A selected request was changed by someone else in the meantime. Reload and try again",
        ),
        other => other.into(),
    }
}

/// Sends the selected requests to PayPal, at most 15,000 per batch.
/// Requests that are not approved PayPal requests are skipped with the
/// reason. The same key again returns what the first call did.
/// A request above its currency's approval limit is held for a second
/// approval instead (listed in `skipped` with why).
pub async fn send(
    db: &DatabaseConnection,
    clock: &Clock,
    client: &PayPalClient,
    admin_user_id: i64,
    ids: &[i64],
    idempotency_key: &str,
) -> Result<SendOutcome, PayPalServiceError> {
    send_via(db, clock, client, admin_user_id, ids, idempotency_key, None).await
}

/// Carries out a held "Send via PayPal" once a second admin approved it:
/// the initiator's send of that one request, using that approval.
pub async fn send_approved(
    db: &DatabaseConnection,
    clock: &Clock,
    client: &PayPalClient,
    initiator: i64,
    request_id: i64,
    approval_id: i64,
) -> Result<SendOutcome, PayPalServiceError> {
    send_via(
        db,
        clock,
        client,
        initiator,
        &[request_id],
        &format!("second-approval:{approval_id}"),
        Some(approval_id),
    )
    .await
}

async fn send_via(
    db: &DatabaseConnection,
    clock: &Clock,
    client: &PayPalClient,
    admin_user_id: i64,
    ids: &[i64],
    idempotency_key: &str,
    via: Option<i64>,
) -> Result<SendOutcome, PayPalServiceError> {
    let key = idempotency_key.trim();
    if key.is_empty() {
        return Err(PayPalServiceError::invalid(
            "The idempotency key is missing",
        ));
    }
    let prefix = format!(
        "PD-{}-",
        &idempotency::fingerprint(&["paypal.send", &admin_user_id.to_string(), key])[..20]
    );
    // The key is claimed with what it was for: the same key again replays
    // what it did, the same key for other requests is refused.
    let ids_text = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let scope = format!("user:{admin_user_id}");
    let fingerprint = idempotency::fingerprint(&["paypal.send", &ids_text]);
    // The key commits on its own, before any batch is made: the batches
    // it leads to are found again by their sender_batch_id prefix.
    match idempotency::begin::<String>(db, clock.now(), &scope, key, &fingerprint).await? {
        Begun::New(txn, claimed) => claimed.commit(txn, &prefix).await?,
        Begun::Replay(_) => {
            let earlier = batches_with_prefix(db, &prefix).await?;
            return replayed(db, earlier).await;
        }
    }

    let (eligible, skipped) = eligible_requests(db, ids).await?;
    let mut outcome = SendOutcome {
        skipped,
        ..SendOutcome::default()
    };
    if eligible.is_empty() {
        return Ok(outcome);
    }
    // A refused credential would fail every request for a reason that is
    // ours to fix: ask for a token before anything moves.
    client.check_credentials().await.map_err(|err| match err {
        PayPalError::Refused { message, .. } => PayPalServiceError::invalid(format!(
            "PayPal refused Paydesk's credentials ({message}); nothing was sent. \
             Check PAYDESK_PAYPAL_CLIENT_ID and PAYDESK_PAYPAL_CLIENT_SECRET"
        )),
        other => PayPalServiceError::Unreachable(format!(
            "PayPal could not be reached ({other}); nothing was sent. Try again"
        )),
    })?;

    for (n, chunk) in eligible.chunks(MAX_ITEMS_PER_BATCH).enumerate() {
        let sender_batch_id = format!("{prefix}{}", n + 1);
        let recorded =
            record_batch(db, clock.now(), admin_user_id, &sender_batch_id, chunk, via).await?;
        outcome.skipped.extend(recorded.held);
        let Some(batch) = recorded.batch else {
            continue;
        };
        let ids = recorded.sent;
        outcome.batches.push(sender_batch_id);
        match submit(db, clock, client, batch.id).await? {
            Submitted::Confirmed => outcome.sent.extend(ids),
            Submitted::Unconfirmed => {
                outcome.unconfirmed += 1;
                outcome.sent.extend(ids);
            }
            Submitted::Refused => outcome.refused.extend(ids),
        }
    }
    Ok(outcome)
}

async fn batches_with_prefix(
    db: &DatabaseConnection,
    prefix: &str,
) -> Result<Vec<paypal_batch::Model>, PayPalServiceError> {
    Ok(paypal_batch::Entity::find()
        .filter(paypal_batch::Column::SenderBatchId.starts_with(prefix))
        .order_by_asc(paypal_batch::Column::Id)
        .all(db)
        .await?)
}

/// What an earlier call with the same key did, as it stands now.
async fn replayed(
    db: &DatabaseConnection,
    batches: Vec<paypal_batch::Model>,
) -> Result<SendOutcome, PayPalServiceError> {
    let mut outcome = SendOutcome::default();
    for batch in batches {
        let items = paypal_item::Entity::find()
            .filter(paypal_item::Column::BatchId.eq(batch.id))
            .order_by_asc(paypal_item::Column::RequestId)
            .all(db)
            .await?;
        let ids = items.iter().map(|item| item.request_id);
        match batch.state.as_str() {
            state::REFUSED => outcome.refused.extend(ids),
            state::UNCONFIRMED | state::SENDING => {
                outcome.unconfirmed += 1;
                outcome.sent.extend(ids);
            }
            _ => outcome.sent.extend(ids),
        }
        outcome.batches.push(batch.sender_batch_id);
    }
    Ok(outcome)
}

/// The approved PayPal requests among `ids`, and why the others are left.
async fn eligible_requests(
    db: &DatabaseConnection,
    ids: &[i64],
) -> Result<(Vec<withdrawal_request::Model>, Vec<Skipped>), PayPalServiceError> {
    let mut found: HashMap<i64, withdrawal_request::Model> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let rows = withdrawal_request::Entity::find()
            .filter(withdrawal_request::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?;
        found.extend(rows.into_iter().map(|row| (row.id, row)));
    }
    let mut eligible = Vec::new();
    let mut skipped = Vec::new();
    let mut skip = |id: i64, reason: &str| {
        skipped.push(Skipped {
            id,
            reason: reason.to_owned(),
        })
    };
    for &id in ids {
        let Some(request) = found.remove(&id) else {
            skip(id, "Withdrawal request not found");
            continue;
        };
        if request.method != PayoutMethod::Paypal.as_str() {
            skip(id, "Not a PayPal request");
        } else if request.status != WithdrawalStatus::Approved.as_str() {
            skip(
                id,
                &format!(
                    "Only approved requests can be sent; this one is {}",
                    request.status
                ),
            );
        } else if receiver_of(&request).is_none() {
            skip(id, "No PayPal email on record for this request");
        } else {
            eligible.push(request);
        }
    }
    Ok((eligible, skipped))
}

/// The PayPal email the request is paid to, from the details snapshot
/// taken when it was made.
fn receiver_of(request: &withdrawal_request::Model) -> Option<String> {
    request
        .payout_details
        .as_deref()
        .and_then(|json| serde_json::from_str::<DetailsInput>(json).ok())
        .map(|details| details.email)
        .filter(|email| !email.is_empty())
}

/// What one batch's transaction recorded.
struct Recorded {
    /// None when every request was held for a second approval.
    batch: Option<paypal_batch::Model>,
    sent: Vec<i64>,
    held: Vec<Skipped>,
}

/// One transaction: the batch, its items, their first history line, and
/// every request approved -> processing. Any request changed meanwhile
/// undoes it all. A request above the approval limit without a second
/// approval stays out, its ask for one recorded in the same transaction.
async fn record_batch(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    admin_user_id: i64,
    sender_batch_id: &str,
    chunk: &[withdrawal_request::Model],
    via: Option<i64>,
) -> Result<Recorded, PayPalServiceError> {
    let txn = db::begin_write(db).await?;
    let mut requests = Vec::with_capacity(chunk.len());
    let mut held = Vec::new();
    let mut approvers = HashMap::new();
    for request in chunk {
        match gate_request(
            &txn,
            now,
            request,
            Paying::plain(HeldKind::SendViaPaypal),
            admin_user_id,
            via,
        )
        .await
        {
            Ok(Gate::Open(cleared)) => {
                if let Some(cleared) = cleared {
                    approvers.insert(request.id, cleared.approved_by);
                }
                requests.push(request.clone());
            }
            Ok(Gate::Held(notice)) => held.push(Skipped {
                id: request.id,
                reason: notice.message,
            }),
            Err(WithdrawalError::FourEyes(why)) => held.push(Skipped {
                id: request.id,
                reason: why,
            }),
            Err(err) => return Err(transition_error(err)),
        }
    }
    if requests.is_empty() {
        txn.commit().await?;
        return Ok(Recorded {
            batch: None,
            sent: Vec::new(),
            held,
        });
    }
    let batch = paypal_batch::Entity::insert(paypal_batch::ActiveModel {
        sender_batch_id: Set(sender_batch_id.to_owned()),
        payout_batch_id: Set(None),
        state: Set(state::SENDING.to_owned()),
        batch_status: Set(None),
        item_count: Set(i32::try_from(requests.len()).map_err(anyhow::Error::from)?),
        attempts: Set(0),
        last_error: Set(None),
        created_by: Set(admin_user_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec_with_returning(&txn)
    .await?;
    let requests = requests.as_slice();
    for request in requests {
        apply_transition(
            &txn,
            now,
            request,
            WithdrawalAction::MarkProcessing,
            Some(admin_user_id),
            false,
            &EventDetails {
                second_approver: approvers.get(&request.id).copied(),
                ..EventDetails::default()
            },
        )
        .await
        .map_err(transition_error)?;
    }
    for chunk in requests.chunks(CHUNK) {
        paypal_item::Entity::insert_many(chunk.iter().map(|request| paypal_item::ActiveModel {
            batch_id: Set(batch.id),
            request_id: Set(request.id),
            payout_item_id: Set(None),
            transaction_status: Set(None),
            reason: Set(None),
            settled: Set(false),
            updated_at: Set(now),
            ..Default::default()
        }))
        .exec_without_returning(&txn)
        .await?;
        paypal_event::Entity::insert_many(chunk.iter().map(|request| paypal_event::ActiveModel {
            batch_id: Set(batch.id),
            request_id: Set(Some(request.id)),
            source: Set("send".to_owned()),
            webhook_event_id: Set(None),
            status: Set("QUEUED".to_owned()),
            detail: Set(Some(format!("In batch {sender_batch_id}"))),
            received_at: Set(now),
            ..Default::default()
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::PayPalBatchSent)
            .actor(admin_user_id)
            .subject(format!("paypal_batch:{sender_batch_id}"))
            .detail(format!("{} requests", requests.len())),
    )
    .await?;
    txn.commit().await?;
    Ok(Recorded {
        batch: Some(batch),
        sent: requests.iter().map(|r| r.id).collect(),
        held,
    })
}

/// How a create call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Submitted {
    Confirmed,
    Unconfirmed,
    Refused,
}

/// Creates the recorded batch at PayPal (again, after an ambiguous
/// outcome: the same `sender_batch_id` finds the batch PayPal already has)
/// and records the answer.
pub async fn submit(
    db: &DatabaseConnection,
    clock: &Clock,
    client: &PayPalClient,
    batch_id: i64,
) -> Result<Submitted, PayPalServiceError> {
    let batch = paypal_batch::Entity::find_by_id(batch_id)
        .one(db)
        .await?
        .ok_or_else(|| PayPalServiceError::invalid("PayPal batch not found"))?;
    let items = payout_items(db, batch.id).await?;
    let answer = client
        .create_batch(&batch.sender_batch_id, "You have a payout", &items)
        .await;
    let now = clock.now();
    let txn = db::begin_write(db).await?;
    let outcome = match answer {
        Ok(header) => {
            let confirmed = paypal_batch::Entity::update_many()
                .col_expr(paypal_batch::Column::State, Expr::value(state::OPEN))
                .col_expr(
                    paypal_batch::Column::PayoutBatchId,
                    Expr::value(header.payout_batch_id.clone()),
                )
                .col_expr(
                    paypal_batch::Column::BatchStatus,
                    Expr::value(header.batch_status.clone()),
                )
                .col_expr(
                    paypal_batch::Column::Attempts,
                    Expr::col(paypal_batch::Column::Attempts).add(1),
                )
                .col_expr(
                    paypal_batch::Column::LastError,
                    Expr::value(Option::<String>::None),
                )
                .col_expr(paypal_batch::Column::UpdatedAt, Expr::value(now))
                .filter(paypal_batch::Column::Id.eq(batch.id))
                .filter(paypal_batch::Column::State.is_in([state::SENDING, state::UNCONFIRMED]))
                .exec(&txn)
                .await?;
            if confirmed.rows_affected == 1 {
                batch_event(
                    &txn,
                    now,
                    batch.id,
                    "send",
                    &header.batch_status,
                    Some(format!("PayPal batch {}", header.payout_batch_id)),
                )
                .await?;
            }
            Submitted::Confirmed
        }
        Err(PayPalError::Refused {
            status,
            name,
            message,
        }) if refuses_the_batch(status) => {
            let reason = format!("PayPal refused the payment ({status} {name}): {message}");
            refuse_batch(&txn, now, &batch, &reason).await?;
            Submitted::Refused
        }
        // Not an answer about the batch (credentials, rate limit, ...):
        // PayPal may still hold it from an earlier attempt; ask again later.
        Err(err) => {
            tracing::warn!(batch = %batch.sender_batch_id, error = %err, "PayPal batch not confirmed yet");
            paypal_batch::Entity::update_many()
                .col_expr(paypal_batch::Column::State, Expr::value(state::UNCONFIRMED))
                .col_expr(
                    paypal_batch::Column::Attempts,
                    Expr::col(paypal_batch::Column::Attempts).add(1),
                )
                .col_expr(
                    paypal_batch::Column::LastError,
                    Expr::value(err.to_string()),
                )
                .col_expr(paypal_batch::Column::UpdatedAt, Expr::value(now))
                .filter(paypal_batch::Column::Id.eq(batch.id))
                .filter(paypal_batch::Column::State.is_in([state::SENDING, state::UNCONFIRMED]))
                .exec(&txn)
                .await?;
            batch_event(
                &txn,
                now,
                batch.id,
                "send",
                "UNCONFIRMED",
                Some(err.to_string()),
            )
            .await?;
            Submitted::Unconfirmed
        }
    };
    txn.commit().await?;
    Ok(outcome)
}

/// Whether a refusal of the create call is PayPal's verdict on the batch
/// itself (invalid, or a business rule such as insufficient funds), given
/// after it checked our `sender_batch_id` for a duplicate. Anything else
/// (401, 403, 429, ...) says nothing about whether the batch exists.
fn refuses_the_batch(status: u16) -> bool {
    matches!(status, 400 | 422)
}

/// The batch's items as PayPal wants them, read from the requests.
async fn payout_items(
    db: &DatabaseConnection,
    batch_id: i64,
) -> Result<Vec<PayoutItem>, PayPalServiceError> {
    let assets = ledger::assets_by_id(db).await?;
    let requests = withdrawal_request::Entity::find()
        .filter(
            withdrawal_request::Column::Id.in_subquery(
                Query::select()
                    .column(paypal_item::Column::RequestId)
                    .from(paypal_item::Entity)
                    .and_where(paypal_item::Column::BatchId.eq(batch_id))
                    .to_owned(),
            ),
        )
        .order_by_asc(withdrawal_request::Column::Id)
        .all(db)
        .await?;
    requests
        .iter()
        .map(|request| {
            let currency = assets
                .get(&request.currency_asset_id)
                .ok_or_else(|| PayPalServiceError::unexpected(anyhow::anyhow!("asset missing")))?;
            let scale = u32::try_from(currency.scale).map_err(anyhow::Error::from)?;
            Ok(PayoutItem {
                sender_item_id: request.id.to_string(),
                receiver: receiver_of(request).unwrap_or_default(),
                value: Decimal::new(request.net_minor, scale).to_string(),
                currency: currency.code.clone(),
                note: format!("Withdrawal #{}", request.id),
            })
        })
        .collect()
}

/// A batch-level line of history (no request).
pub(crate) async fn batch_event(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    batch_id: i64,
    source: &str,
    status: &str,
    detail: Option<String>,
) -> Result<(), PayPalServiceError> {
    paypal_event::Entity::insert(paypal_event::ActiveModel {
        batch_id: Set(batch_id),
        request_id: Set(None),
        source: Set(source.to_owned()),
        webhook_event_id: Set(None),
        status: Set(status.to_owned()),
        detail: Set(detail),
        received_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// PayPal refused the batch: nothing was paid, so every request fails and
/// its money goes back to the member's wallet, with the reason.
async fn refuse_batch(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    batch: &paypal_batch::Model,
    reason: &str,
) -> Result<(), PayPalServiceError> {
    let moved = paypal_batch::Entity::update_many()
        .col_expr(paypal_batch::Column::State, Expr::value(state::REFUSED))
        .col_expr(paypal_batch::Column::LastError, Expr::value(reason))
        .col_expr(
            paypal_batch::Column::Attempts,
            Expr::col(paypal_batch::Column::Attempts).add(1),
        )
        .col_expr(paypal_batch::Column::UpdatedAt, Expr::value(now))
        .filter(paypal_batch::Column::Id.eq(batch.id))
        .filter(paypal_batch::Column::State.is_in([state::SENDING, state::UNCONFIRMED]))
        .exec(txn)
        .await?;
    if moved.rows_affected == 0 {
        // Another instance settled it first.
        return Ok(());
    }
    batch_event(
        txn,
        now,
        batch.id,
        "send",
        "REFUSED",
        Some(reason.to_owned()),
    )
    .await?;
    let items = paypal_item::Entity::find()
        .filter(paypal_item::Column::BatchId.eq(batch.id))
        .all(txn)
        .await?;
    let details = EventDetails {
        note: Some(reason.to_owned()),
        ..EventDetails::default()
    };
    for item in items {
        paypal_item::Entity::update_many()
            .col_expr(paypal_item::Column::Settled, Expr::value(true))
            .col_expr(
                paypal_item::Column::TransactionStatus,
                Expr::value("REFUSED"),
            )
            .col_expr(paypal_item::Column::Reason, Expr::value(reason))
            .col_expr(paypal_item::Column::UpdatedAt, Expr::value(now))
            .filter(paypal_item::Column::Id.eq(item.id))
            .exec(txn)
            .await?;
        let request = withdrawal_request::Entity::find_by_id(item.request_id)
            .one(txn)
            .await?
            .ok_or_else(|| {
                PayPalServiceError::unexpected(anyhow::anyhow!(
                    "request {} missing",
                    item.request_id
                ))
            })?;
        apply_transition(
            txn,
            now,
            &request,
            WithdrawalAction::MarkFailed,
            None,
            false,
            &details,
        )
        .await
        .map_err(transition_error)?;
    }
    Ok(())
}
