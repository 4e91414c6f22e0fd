//! Four-eyes for withdrawal requests: paying one above the approval limit
//! of its currency (marking it paid, sending it via PayPal, putting it in a
//! payment file) waits for a second admin (`ledger::four_eyes`).
//!
//! The approval is bound to the request as it stands: amount, fee, currency,
//! wallet, method and the payout details it will be paid to. The admin who
//! made the request on the member's behalf cannot be its second approver.

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseTransaction, EntityTrait};

use super::error::WithdrawalError;
use crate::entities::{asset, user, withdrawal_request};
use crate::ledger::four_eyes::{self, Gate, HeldKind, Hold};
use crate::ledger::money::format_amount;
use crate::payout_details::method::PayoutMethod;

/// The subject of a request's approvals.
pub fn subject_of(request_id: i64) -> String {
    format!("withdrawal:{request_id}")
}

/// What an approval of this request is bound to.
pub fn binding_of(request: &withdrawal_request::Model) -> String {
    four_eyes::binding(&[
        "withdrawal",
        &request.id.to_string(),
        &request.member_user_id.to_string(),
        &request.wallet_id.to_string(),
        &request.amount.to_string(),
        &request.currency_asset_id.to_string(),
        &request.gross_minor.to_string(),
        &request.fee_minor.to_string(),
        &request.net_minor.to_string(),
        &request.method,
        request.payout_details.as_deref().unwrap_or(""),
    ])
}

/// How a request is about to be paid, as an approval of it records.
pub struct Paying {
    pub kind: HeldKind,
    /// What the approver's click carries out, as JSON.
    pub payload: String,
    /// Why, in the initiator's words.
    pub note: Option<String>,
}

impl Paying {
    /// A move that needs nothing but the request (a file, a PayPal send).
    pub fn plain(kind: HeldKind) -> Paying {
        Paying {
            kind,
            payload: "{}".to_owned(),
            note: None,
        }
    }
}

/// Asks the gate whether `initiator` may pay this request now (inside the
/// paying transaction, before it writes); `via` names the approval being
/// carried out.
pub async fn gate_request(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    request: &withdrawal_request::Model,
    paying: Paying,
    initiator: i64,
    via: Option<i64>,
) -> Result<Gate, WithdrawalError> {
    let Paying {
        kind,
        payload,
        note,
    } = paying;
    let currency = asset::Entity::find_by_id(request.currency_asset_id)
        .one(txn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("asset {} missing", request.currency_asset_id))?;
    let member = user::Entity::find_by_id(request.member_user_id)
        .one(txn)
        .await?
        .map(|member| member.display_name)
        .unwrap_or_default();
    let method = PayoutMethod::parse(&request.method)
        .map(PayoutMethod::label)
        .unwrap_or("another method");
    let scale = u32::try_from(currency.scale).unwrap_or(0);
    let summary = format!(
        "{}: request #{} of {}, {} to {}{}",
        kind.label(),
        request.id,
        member,
        format_amount(request.gross_minor, &currency.code, scale),
        method,
        request
            .payout_masked
            .as_deref()
            .map(|masked| format!(" ({masked})"))
            .unwrap_or_default(),
    );
    Ok(four_eyes::gate(
        txn,
        now,
        Hold {
            kind,
            subject: subject_of(request.id),
            asset: &currency,
            amount_minor: request.gross_minor,
            binding: binding_of(request),
            payload,
            summary,
            note,
            initiator,
            barred: request.created_by_user_id,
        },
        via,
    )
    .await?)
}
