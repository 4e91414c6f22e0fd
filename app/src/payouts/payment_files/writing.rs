//! Making a payment file: the scope's approved requests claimed (approved
//! -> processing) in the transaction that stores the file's bytes.

use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Select,
};
use std::collections::BTreeMap;

use super::{SkippedRequest, PAYPAL_FILE_ROWS, SKIPPED_KEPT};
use crate::entities::{payout_export, paypal_item, withdrawal_request};
use crate::ledger::four_eyes::{Gate, HeldKind};
use crate::ledger::idempotency::{self, Begun};
use crate::payout_details::method::PayoutMethod;
use crate::payouts::error::PayoutsError;
use crate::payouts::export::{ExportFormat, ExportScope};
use crate::payouts::formats::{self, Line};
use crate::platform::audit::{self, AuditAction, AuditEntry};
use crate::platform::AppState;
use crate::withdrawals::service::{
    apply_transition,
    second_approval::{gate_request, Paying},
    EventDetails, WithdrawalError,
};
use crate::withdrawals::{WithdrawalAction, WithdrawalStatus};
const SCOPE: &str = "payouts.payment_file";

/// What the export form asked for.
pub struct NewPaymentFile<'a> {
    pub format: ExportFormat,
    pub scope: ExportScope,
    /// What the form's scope matched, in any status.
    pub chosen: Select<withdrawal_request::Entity>,
    /// The form's fields, for the idempotency key's fingerprint.
    pub fingerprint: String,
    pub idempotency_key: &'a str,
}

/// Makes a payment file of the approved requests in `chosen` (what the
/// export form's scope matched), claiming each; answers the file's id.
/// Refused, with nothing written, when nothing can be claimed, or when a
/// PayPal file would need more than one file (several currencies, more
/// than 5,000 rows). The same idempotency key again answers the same file.
pub async fn create(
    state: &AppState,
    admin_id: i64,
    ip: Option<String>,
    asked: NewPaymentFile<'_>,
) -> Result<i64, PayoutsError> {
    let NewPaymentFile {
        format,
        scope,
        chosen,
        fingerprint: fingerprint_of_form,
        idempotency_key,
    } = asked;
    let payquicker_columns = formats::payquicker_columns(&state.db).await?;
    let extra = crate::payout_fields::service::fields(&state.db, true).await?;
    let now = state.clock.now();
    let fingerprint = idempotency::fingerprint(&[SCOPE, format.as_str(), &fingerprint_of_form]);
    let (txn, claimed_key) =
        match idempotency::begin(&state.db, now, SCOPE, idempotency_key, &fingerprint).await? {
            Begun::Replay(file_id) => return Ok(file_id),
            Begun::New(txn, claimed_key) => (txn, claimed_key),
        };

    // What the file can take: approved, in no file yet, and for PayPal
    // paid by PayPal. Counted per currency before anything is read, so
    // a scope over years of history costs a count, not a load.
    let takes = {
        let mut takes = Condition::all()
            .add(withdrawal_request::Column::Status.eq(WithdrawalStatus::Approved.as_str()))
            .add(withdrawal_request::Column::PaymentFileId.is_null());
        if format == ExportFormat::PaypalCsv {
            takes = takes.add(withdrawal_request::Column::Method.eq(PayoutMethod::Paypal.as_str()));
        }
        takes
    };
    let assets = crate::ledger::service::assets_by_id(&txn).await?;
    let counts: Vec<(i64, i64)> = chosen
        .clone()
        .filter(takes.clone())
        .select_only()
        .column(withdrawal_request::Column::CurrencyAssetId)
        .column_as(Expr::col(withdrawal_request::Column::Id).count(), "n")
        .group_by(withdrawal_request::Column::CurrencyAssetId)
        .into_tuple()
        .all(&txn)
        .await?;
    let mut per_currency: BTreeMap<String, usize> = BTreeMap::new();
    for (asset_id, n) in counts {
        let code = assets
            .get(&asset_id)
            .map_or_else(String::new, |a| a.code.clone());
        *per_currency.entry(code).or_default() += usize::try_from(n).unwrap_or(usize::MAX);
    }
    let claimable_count: usize = per_currency.values().sum();
    // The rest of the scope: counted, and the first few hundred read
    // for their reasons.
    let left_out = chosen.clone().filter(takes.clone().not());
    let left_out_count = left_out.clone().count(&txn).await?;
    let left_out_rows: Vec<withdrawal_request::Model> = left_out
        .order_by_asc(withdrawal_request::Column::Id)
        .limit(SKIPPED_KEPT as u64)
        .all(&txn)
        .await?;
    let held: std::collections::HashSet<i64> = paypal_item::Entity::find()
        .select_only()
        .column(paypal_item::Column::RequestId)
        .filter(paypal_item::Column::Settled.eq(false))
        .filter(
            paypal_item::Column::RequestId
                .is_in(left_out_rows.iter().map(|r| r.id).collect::<Vec<_>>()),
        )
        .into_tuple()
        .all(&txn)
        .await?
        .into_iter()
        .collect();
    let mut skipped: Vec<SkippedRequest> = left_out_rows
        .iter()
        .map(|request| SkippedRequest {
            request_id: request.id,
            reason: skip_reason(request, format, held.contains(&request.id)),
        })
        .collect();
    let mut skipped_count = usize::try_from(left_out_count).unwrap_or(usize::MAX);
    if claimable_count == 0 {
        return Err(PayoutsError::invalid(nothing_to_claim(
            scope,
            &skipped,
            skipped_count,
        )));
    }
    if format == ExportFormat::PaypalCsv {
        refuse_what_paypal_cannot_read(&per_currency, claimable_count)?;
    } else if claimable_count > crate::payouts::service::BULK_LIMIT {
        return Err(PayoutsError::invalid(format!(
            "{claimable_count} requests are more than one file takes ({}): narrow the filter",
            crate::payouts::service::BULK_LIMIT
        )));
    }
    let claimable: Vec<withdrawal_request::Model> = chosen
        .filter(takes)
        .order_by_asc(withdrawal_request::Column::Id)
        .all(&txn)
        .await?;

    let file = payout_export::ActiveModel {
        admin_user_id: Set(admin_id),
        format: Set(format.as_str().to_owned()),
        scope: Set(scope.as_str().to_owned()),
        row_count: Set(0),
        created_at: Set(now),
        skipped_count: Set(0),
        downloads: Set(0),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let details = EventDetails {
        payment_file_id: Some(file.id),
        ..EventDetails::default()
    };
    let mut claimed = Vec::with_capacity(claimable.len());
    let mut awaiting = Vec::new();
    for request in claimable {
        // Four-eyes: a request above its currency's approval limit goes in
        // a file only with another admin's approval of exactly this payout.
        let mut details = details.clone();
        match gate_request(
            &txn,
            now,
            &request,
            Paying::plain(HeldKind::PaymentFile),
            admin_id,
            None,
        )
        .await
        {
            Ok(Gate::Open(cleared)) => details.second_approver = cleared.map(|c| c.approved_by),
            Ok(Gate::Held(held)) => {
                awaiting.push(request.clone());
                skipped_count += 1;
                skipped.push(SkippedRequest {
                    request_id: request.id,
                    reason: held.message,
                });
                continue;
            }
            Err(WithdrawalError::FourEyes(why)) => {
                skipped_count += 1;
                skipped.push(SkippedRequest {
                    request_id: request.id,
                    reason: why,
                });
                continue;
            }
            Err(err) => return Err(err.into()),
        }
        match apply_transition(
            &txn,
            now,
            &request,
            WithdrawalAction::MarkProcessing,
            Some(admin_id),
            false,
            &details,
        )
        .await
        {
            Ok(_) => claimed.push(request.id),
            // Moved by someone else since it was read (PostgreSQL): it
            // is theirs now, not this file's.
            Err(WithdrawalError::Stale) => {
                skipped_count += 1;
                skipped.push(SkippedRequest {
                    request_id: request.id,
                    reason: "Changed while the file was being made".into(),
                });
            }
            Err(err) => return Err(err.into()),
        }
    }
    if claimed.is_empty() && !awaiting.is_empty() {
        // No file (and the key stays unused), but the asks for a second
        // approval are kept, each in its own transaction.
        txn.rollback().await?;
        let count = awaiting.len();
        for request in awaiting {
            let txn = crate::platform::db::begin_write(&state.db).await?;
            gate_request(
                &txn,
                now,
                &request,
                Paying::plain(HeldKind::PaymentFile),
                admin_id,
                None,
            )
            .await?;
            txn.commit().await?;
        }
        return Err(PayoutsError::invalid(format!(
            "No file was made: {count} of the requests are above the approval limit and now \
             wait for a second approval by another admin (Approvals). Make the file again once \
             they are approved"
        )));
    }
    if claimed.is_empty() {
        return Err(PayoutsError::conflict(
            "Every request changed while the file was being made; nothing was claimed",
        ));
    }
    // The file, from the claimed requests as they now are.
    let rows = withdrawal_request::Entity::find()
        .filter(withdrawal_request::Column::PaymentFileId.eq(file.id));
    let mut lines = Vec::with_capacity(claimed.len());
    let mut after = 0;
    loop {
        let page = formats::page(&txn, &rows, &assets, after).await?;
        let Some(last) = page.last() else { break };
        after = last.request.id;
        lines.extend(page);
    }
    let content = match format {
        ExportFormat::PaypalCsv => paypal_payouts_web(&lines),
        _ => formats::payquicker_file(&lines, &payquicker_columns, &extra),
    }
    .map_err(PayoutsError::unexpected)?;
    let single_currency = (per_currency.len() == 1)
        .then(|| per_currency.keys().next().cloned())
        .flatten();
    let total = single_currency
        .as_ref()
        .map(|_| lines.iter().map(|l| l.request.net_minor).sum::<i64>());
    skipped.sort_by_key(|s| s.request_id);
    skipped.truncate(SKIPPED_KEPT);
    let mut recorded: payout_export::ActiveModel = file.into();
    recorded.row_count = Set(i64::try_from(claimed.len()).map_err(PayoutsError::unexpected)?);
    recorded.content = Set(Some(content));
    recorded.currency_code = Set(single_currency.clone());
    recorded.total_minor = Set(total);
    recorded.skipped = Set(Some(
        serde_json::to_string(&skipped).map_err(PayoutsError::unexpected)?,
    ));
    recorded.skipped_count = Set(i64::try_from(skipped_count).map_err(PayoutsError::unexpected)?);
    let file = recorded.update(&txn).await?;
    // "Only new" means never exported before, by a report or a file.
    withdrawal_request::Entity::update_many()
        .col_expr(
            withdrawal_request::Column::FirstExportId,
            Expr::value(file.id),
        )
        .filter(withdrawal_request::Column::PaymentFileId.eq(file.id))
        .filter(withdrawal_request::Column::FirstExportId.is_null())
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::PayoutsExported)
            .actor(admin_id)
            .subject(format!("export:{}", file.id))
            .ip(ip)
            .detail(format!(
                "payment file {} of {} requests ({}), {} skipped",
                format.as_str(),
                claimed.len(),
                scope.as_str(),
                skipped_count
            )),
    )
    .await?;
    claimed_key.commit(txn, &file.id).await?;
    Ok(file.id)
}

/// Why a request the scope matched is not in this file.
fn skip_reason(
    request: &withdrawal_request::Model,
    format: ExportFormat,
    held_by_paypal: bool,
) -> String {
    if let Some(file) = request.payment_file_id {
        return format!("Already in payment file #{file}");
    }
    if held_by_paypal {
        return "Held by PayPal (sent through the API)".into();
    }
    match WithdrawalStatus::parse(&request.status) {
        Some(WithdrawalStatus::Requested) => return "Not approved yet".into(),
        Some(WithdrawalStatus::Approved) => {}
        Some(other) => return format!("{}, not approved", other.label()),
        None => return format!("Unknown status {:?}", request.status),
    }
    if format == ExportFormat::PaypalCsv && request.method != PayoutMethod::Paypal.as_str() {
        let method = PayoutMethod::parse(&request.method)
            .map_or(request.method.clone(), |m| m.label().to_owned());
        return format!("Paid by {method}, not PayPal");
    }
    "Not payable by this file".into()
}

fn nothing_to_claim(scope: ExportScope, skipped: &[SkippedRequest], total: usize) -> String {
    if skipped.is_empty() {
        return match scope {
            ExportScope::New => "No new requests to export since the last export".into(),
            _ => "No requests to export".into(),
        };
    }
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for skip in skipped {
        *reasons.entry(skip.reason.as_str()).or_default() += 1;
    }
    let mut said: Vec<String> = reasons
        .into_iter()
        .map(|(reason, n)| format!("{n} {}", reason.to_lowercase()))
        .collect();
    if total > skipped.len() {
        said.push(format!("{} more", total - skipped.len()));
    }
    format!(
        "No request here can go in a payment file: a payment file takes approved requests \
         only, each once ({}). Approve requests first, or choose a report to list them",
        said.join("; ")
    )
}

/// PayPal Payouts Web reads one currency and at most 5,000 rows a file.
fn refuse_what_paypal_cannot_read(
    per_currency: &BTreeMap<String, usize>,
    rows: usize,
) -> Result<(), PayoutsError> {
    let files: usize = per_currency
        .values()
        .map(|n| n.div_ceil(PAYPAL_FILE_ROWS))
        .sum();
    if files <= 1 {
        return Ok(());
    }
    let counts: Vec<String> = per_currency
        .iter()
        .map(|(code, n)| format!("{n} in {code}"))
        .collect();
    Err(PayoutsError::invalid(format!(
        "PayPal takes one currency and at most {PAYPAL_FILE_ROWS} payouts per file: these {rows} \
         approved requests ({}) need {files} files. Filter by currency{} and export each",
        counts.join(", "),
        if per_currency.values().any(|n| *n > PAYPAL_FILE_ROWS) {
            " and select at most 5,000 at a time"
        } else {
            ""
        }
    )))
}

/// PayPal Payouts Web, as PayPal documents it: no header row; recipient
/// (the PayPal email), amount (`12.34`), currency, customer id (the
/// request id), note to recipient, recipient wallet (`PAYPAL`).
fn paypal_payouts_web(lines: &[Line]) -> std::io::Result<Vec<u8>> {
    let records = lines.iter().map(|line| {
        let r = &line.request;
        [
            line.details.email.clone(),
            line.money(r.net_minor),
            line.code(),
            r.id.to_string(),
            format!("Paydesk withdrawal #{}", r.id),
            "PAYPAL".to_owned(),
        ]
        .into_iter()
        .map(formats::defused)
        .collect::<Vec<_>>()
    });
    formats::csv_bytes(records).map(|bytes| bytes.to_vec())
}
