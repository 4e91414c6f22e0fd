//! Carrying out an approved move: the feature that owns the move does it,
//! as the initiator's action with the details they gave, under an
//! idempotency key of the approval (`second-approval:{id}`), passing the
//! approval so that only it can open the gate. Each answer is a sentence for
//! the approver; an `Err` is why nothing moved.

use sea_orm::EntityTrait;

use crate::auth::{Permission, TeamRole};
use crate::entities::{second_approval, user};
use crate::ledger::four_eyes::HeldKind;
use crate::ledger::held::Moved;
use crate::ledger::operations::{self, AdjustmentPayload, DepositPayload};
use crate::platform::AppState;

fn payload<T: serde::de::DeserializeOwned>(approval: &second_approval::Model) -> Result<T, String> {
    serde_json::from_str(&approval.payload)
        .map_err(|err| format!("its stored details do not read back ({err})"))
}

fn request_id(approval: &second_approval::Model) -> Result<i64, String> {
    approval
        .subject
        .strip_prefix("withdrawal:")
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| format!("it names no withdrawal request ({})", approval.subject))
}

fn key(approval: &second_approval::Model) -> String {
    format!("second-approval:{}", approval.id)
}

fn moved<T>(outcome: Moved<T>) -> Result<T, String> {
    match outcome {
        Moved::Done(value) => Ok(value),
        // Only the approval itself opens the gate; held again means it
        // did not match, and the gate said so.
        Moved::Held(held) => Err(held.message),
    }
}

/// What the initiator must still be allowed to do for their ask to be
/// carried out in their name.
fn permission_of(kind: HeldKind) -> Permission {
    match kind {
        HeldKind::MarkPaid => Permission::ProcessPayouts,
        HeldKind::SendViaPaypal => Permission::SendViaPaypal,
        HeldKind::PaymentFile => Permission::ExportPayouts,
        HeldKind::MakePayment => Permission::PayIncentives,
        HeldKind::Deposit => Permission::Deposit,
        HeldKind::Adjustment => Permission::AdjustBalances,
    }
}

/// The move is the initiator's: if they were deactivated or lost the role
/// that allows it since they asked, it is not made in their name.
async fn initiator_still_may(
    state: &AppState,
    approval: &second_approval::Model,
    kind: HeldKind,
) -> Result<(), String> {
    let initiator = user::Entity::find_by_id(approval.requested_by)
        .one(&state.db)
        .await
        .map_err(|err| crate::error::AppError::internal(err).message)?;
    let allowed = initiator.as_ref().is_some_and(|admin| {
        admin.is_active
            && admin
                .team_role
                .as_deref()
                .and_then(TeamRole::parse)
                .is_some_and(|role| role.allows(permission_of(kind)))
    });
    if allowed {
        Ok(())
    } else {
        Err(format!(
            "{} may no longer do this (deactivated, or their role changed since they asked)",
            initiator.map_or_else(|| "The admin who asked".to_owned(), |u| u.display_name)
        ))
    }
}

pub async fn carry_out(
    state: &AppState,
    approval: &second_approval::Model,
) -> Result<String, String> {
    let kind = HeldKind::parse(&approval.action)
        .ok_or_else(|| format!("unknown action {}", approval.action))?;
    initiator_still_may(state, approval, kind).await?;
    let initiator = approval.requested_by;
    let db = &state.db;
    let clock = &state.clock;
    match kind {
        HeldKind::MarkPaid => {
            use crate::withdrawals::service::{mark_paid_approved, EventDetails, MarkPaidPayload};
            let asked: MarkPaidPayload = payload(approval)?;
            let id = request_id(approval)?;
            let view = mark_paid_approved(
                db,
                clock,
                initiator,
                id,
                EventDetails {
                    note: asked.note,
                    external_reference: asked.external_reference,
                    payment_date: asked.payment_date,
                    ..EventDetails::default()
                },
                approval.id,
            )
            .await
            .map_err(|err| crate::error::AppError::from(err).message)?;
            state.live.requests_changed(db).await;
            Ok(format!("Approved: request #{} is marked paid", view.id))
        }
        HeldKind::SendViaPaypal => {
            let id = request_id(approval)?;
            let Some(client) = crate::paypal::client::shared(state) else {
                return Ok(format!(
                    "Approved: PayPal is not configured on this server, so request #{id} goes \
                     with the next Send via PayPal"
                ));
            };
            let outcome = crate::paypal::service::send_approved(
                db,
                clock,
                &client,
                initiator,
                id,
                approval.id,
            )
            .await
            .map_err(|err| crate::error::AppError::from(err).message)?;
            state.live.requests_changed(db).await;
            if outcome.sent.contains(&id) {
                Ok(format!("Approved: request #{id} is sent to PayPal"))
            } else if outcome.refused.contains(&id) {
                Ok(format!(
                    "Approved and sent, but PayPal refused request #{id}: it failed and the \
                     money is back in the member's wallet"
                ))
            } else {
                Err(outcome
                    .skipped
                    .into_iter()
                    .find(|s| s.id == id)
                    .map_or_else(|| "PayPal did not take it".to_owned(), |s| s.reason))
            }
        }
        // A file is made for many requests at once: the approval waits
        // for the next one, which uses it.
        HeldKind::PaymentFile => Ok(format!(
            "Approved: the next payment file takes request #{}",
            request_id(approval)?
        )),
        HeldKind::MakePayment => {
            use crate::incentives::service::{make_payment_via, PaymentInput, PaymentPayload};
            let asked: PaymentPayload = payload(approval)?;
            let outcome = make_payment_via(
                db,
                clock,
                initiator,
                &PaymentInput {
                    ids: asked.ids,
                    funding_wallet_id: asked.funding_wallet_id,
                    description: asked.description,
                    idempotency_key: key(approval),
                },
                None,
                Some(approval.id),
            )
            .await
            .map_err(|err| crate::error::AppError::from(err).message)?;
            if let Some(held) = outcome.held {
                return Err(held.message);
            }
            Ok(format!(
                "Approved: {} incentives are paid, {}",
                outcome.paid.len(),
                crate::ledger::money::format_amount(
                    outcome.total.minor,
                    &outcome.total.code,
                    outcome.total.scale
                )
            ))
        }
        HeldKind::Deposit => {
            let asked: DepositPayload = payload(approval)?;
            let entry = operations::record_deposit_via(
                db,
                clock,
                initiator,
                asked,
                &key(approval),
                Some(approval.id),
            )
            .await
            .map_err(|err| crate::error::AppError::from(err).message)
            .and_then(moved)?;
            Ok(format!(
                "Approved: the deposit is recorded (entry #{entry})"
            ))
        }
        HeldKind::Adjustment => {
            let asked: AdjustmentPayload = payload(approval)?;
            let entry = operations::adjust_member_via(
                db,
                clock,
                initiator,
                asked,
                &key(approval),
                Some(approval.id),
            )
            .await
            .map_err(|err| crate::error::AppError::from(err).message)
            .and_then(moved)?;
            Ok(format!(
                "Approved: the member's wallet is adjusted (entry #{entry})"
            ))
        }
    }
}
