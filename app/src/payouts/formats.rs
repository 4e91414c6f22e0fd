//! How requests are written into files: one line per request with what each
//! format needs (`Line`), pages of them read in id order (never the whole
//! set in memory), CSV with every member-typed cell defused, the CSV report
//! as a stream, the Excel report in constant-memory mode, and PayQuicker's
//! upload file.

use std::collections::HashMap;

use axum::body::Bytes;
use chrono::SecondsFormat;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, QueryFilter, QueryOrder, QuerySelect, Select,
};

use super::export::{PAYQUICKER_COLUMNS, PAYQUICKER_COLUMNS_SETTING};
use crate::auth::service::users_by_id;
use crate::entities::{asset, user, withdrawal_request};
use crate::ledger::money::decimal_string;
use crate::payout_details::method::PayoutMethod;
use crate::payout_details::DetailsInput;
use crate::payout_fields::MethodField;
use crate::payouts::error::PayoutsError;
use crate::withdrawals::WithdrawalStatus;

/// Rows read from the database per page of the file.
const PAGE: u64 = 500;

/// The configured PayQuicker columns, or the defaults.
pub async fn payquicker_columns(db: &DatabaseConnection) -> Result<Vec<String>, PayoutsError> {
    let configured =
        crate::platform::settings_store::get_setting(db, PAYQUICKER_COLUMNS_SETTING).await?;
    let Some(configured) = configured.filter(|v| !v.trim().is_empty()) else {
        return Ok(PAYQUICKER_COLUMNS.iter().map(|c| (*c).to_owned()).collect());
    };
    configured
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|column| {
            if PAYQUICKER_COLUMNS.contains(&column) {
                Ok(column.to_owned())
            } else {
                Err(PayoutsError::invalid(format!(
                    "The PayQuicker columns setting names an unknown column \"{column}\""
                )))
            }
        })
        .collect()
}

/// One request as the files show it.
pub struct Line {
    pub request: withdrawal_request::Model,
    member: Option<user::Model>,
    currency: Option<asset::Model>,
    pub details: DetailsInput,
}

impl Line {
    pub fn money(&self, minor: i64) -> String {
        decimal_string(
            minor,
            self.currency
                .as_ref()
                .map_or(0, |a| u32::try_from(a.scale).unwrap_or(0)),
        )
    }

    pub fn code(&self) -> String {
        self.currency
            .as_ref()
            .map(|a| a.code.clone())
            .unwrap_or_default()
    }

    fn member_email(&self) -> String {
        self.member
            .as_ref()
            .map(|m| m.email.clone())
            .unwrap_or_default()
    }

    /// Where the money goes by email: the payout email when there is
    /// one (PayPal, gift card), otherwise the member's account email.
    fn pay_email(&self) -> String {
        if self.details.email.is_empty() {
            self.member_email()
        } else {
            self.details.email.clone()
        }
    }

    fn generic(&self) -> Vec<String> {
        let r = &self.request;
        let status =
            WithdrawalStatus::parse(&r.status).map_or(r.status.clone(), |s| s.label().to_owned());
        let method =
            PayoutMethod::parse(&r.method).map_or(r.method.clone(), |m| m.label().to_owned());
        vec![
            r.id.to_string(),
            r.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            status,
            self.member
                .as_ref()
                .map(|m| m.display_name.clone())
                .unwrap_or_default(),
            self.member_email(),
            method,
            r.payout_masked.clone().unwrap_or_default(),
            self.code(),
            self.money(r.gross_minor),
            self.money(r.fee_minor),
            self.money(r.net_minor),
            r.external_reference.clone().unwrap_or_default(),
            r.payment_date.clone().unwrap_or_default(),
            r.note.clone().unwrap_or_default(),
        ]
    }

    /// The answers to every extra field, in column order (empty where
    /// the request's method has no such field).
    fn extras(&self, fields: &[MethodField]) -> Vec<String> {
        fields
            .iter()
            .map(|field| {
                self.details
                    .extra
                    .get(&field.key())
                    .cloned()
                    .unwrap_or_default()
            })
            .collect()
    }

    fn payquicker(&self, columns: &[String]) -> Vec<String> {
        let r = &self.request;
        columns
            .iter()
            .map(|column| match column.as_str() {
                "amount" => self.money(r.net_minor),
                "currency" => self.code(),
                "email" => self.pay_email(),
                "programUserId" => r.member_user_id.to_string(),
                "note" => r.note.clone().unwrap_or_default(),
                "memo" => format!("Paydesk withdrawal #{}", r.id),
                "purpose" => "withdrawal".to_owned(),
                "clientPaymentId" => r.id.to_string(),
                _ => String::new(),
            })
            .collect()
    }
}

const GENERIC_HEADER: [&str; 14] = [
    "request_id",
    "created_at",
    "status",
    "member_name",
    "member_email",
    "method",
    "payout_to",
    "currency",
    "amount",
    "fee",
    "net",
    "external_reference",
    "payment_date",
    "note",
];

/// The next page of the file's requests after `after`, with what the
/// lines need.
pub async fn page(
    db: &impl ConnectionTrait,
    rows: &Select<withdrawal_request::Entity>,
    assets: &HashMap<i64, asset::Model>,
    after: i64,
) -> Result<Vec<Line>, sea_orm::DbErr> {
    let models = rows
        .clone()
        .filter(withdrawal_request::Column::Id.gt(after))
        .order_by_asc(withdrawal_request::Column::Id)
        .limit(PAGE)
        .all(db)
        .await?;
    let members = users_by_id(db, models.iter().map(|m| m.member_user_id)).await?;
    Ok(models
        .into_iter()
        .map(|request| Line {
            member: members.get(&request.member_user_id).cloned(),
            currency: assets.get(&request.currency_asset_id).cloned(),
            details: request
                .payout_details
                .as_deref()
                .and_then(|json| serde_json::from_str(json).ok())
                .unwrap_or_default(),
            request,
        })
        .collect())
}

/// A cell a spreadsheet could take for a formula is made plain text.
pub fn defused(value: String) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value
    }
}

pub fn csv_bytes(records: impl IntoIterator<Item = Vec<String>>) -> std::io::Result<Bytes> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for record in records {
        writer.write_record(&record)?;
    }
    writer
        .into_inner()
        .map(Bytes::from)
        .map_err(|err| std::io::Error::other(err.to_string()))
}

/// PayQuicker's upload file: its header (the configured columns, then
/// one per extra payout field) and a row per request.
pub fn payquicker_file(
    lines: &[Line],
    columns: &[String],
    extra: &[MethodField],
) -> std::io::Result<Vec<u8>> {
    let header: Vec<String> = columns
        .iter()
        .cloned()
        .chain(extra.iter().map(MethodField::column))
        .collect();
    let rows = lines.iter().map(|line| {
        let mut record = line.payquicker(columns);
        record.extend(line.extras(extra));
        record.into_iter().map(defused).collect::<Vec<_>>()
    });
    csv_bytes(std::iter::once(header).chain(rows)).map(|bytes| bytes.to_vec())
}

/// The CSV report, one page of requests per chunk.
pub fn csv_stream(
    db: DatabaseConnection,
    rows: Select<withdrawal_request::Entity>,
    assets: HashMap<i64, asset::Model>,
    extra: Vec<MethodField>,
) -> impl futures::Stream<Item = std::io::Result<Bytes>> + Send {
    let mut header: Vec<String> = GENERIC_HEADER.iter().map(|h| (*h).to_owned()).collect();
    header.extend(extra.iter().map(MethodField::column));
    // State: the last id written, or None before the header.
    // Fused: the compression layer may poll again after the end, which
    // a bare `unfold` answers with a panic.
    futures::StreamExt::fuse(futures::stream::unfold(Some(None::<i64>), move |state| {
        let (db, rows, assets, header, extra) = (
            db.clone(),
            rows.clone(),
            assets.clone(),
            header.clone(),
            extra.clone(),
        );
        async move {
            let after = state?;
            let Some(after) = after else {
                return Some((csv_bytes([header]), Some(Some(0))));
            };
            let lines = match page(&db, &rows, &assets, after).await {
                Ok(lines) => lines,
                Err(err) => {
                    tracing::warn!(error = %err, "export: reading a page failed");
                    return Some((Err(std::io::Error::other(err.to_string())), None));
                }
            };
            let last = lines.last()?.request.id;
            let records = lines.iter().map(|line| {
                let mut record = line.generic();
                record.extend(line.extras(&extra));
                // Members type the extra answers: no cell of theirs may
                // become a formula, in any format.
                record.into_iter().map(defused).collect::<Vec<_>>()
            });
            Some((csv_bytes(records), Some(Some(last))))
        }
    }))
}

/// The Excel file. Rows go to the worksheet page by page in constant
/// memory mode (kept in a temporary file, not in memory); only the
/// finished, compressed file is held to send. Amounts are text cells,
/// exactly as stored, never floating-point numbers.
pub async fn xlsx(
    db: &DatabaseConnection,
    rows: &Select<withdrawal_request::Entity>,
    extra: &[MethodField],
    assets: &HashMap<i64, asset::Model>,
) -> Result<Vec<u8>, PayoutsError> {
    use rust_xlsxwriter::{Format, Workbook};

    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook
        .add_worksheet_with_constant_memory()
        .map_err(PayoutsError::unexpected)?;
    sheet
        .set_name("Requests")
        .map_err(PayoutsError::unexpected)?;
    let titles = GENERIC_HEADER
        .iter()
        .map(|title| (*title).to_owned())
        .chain(extra.iter().map(MethodField::column));
    for (col, title) in titles.enumerate() {
        sheet
            .write_string_with_format(0, col as u16, title, &bold)
            .map_err(PayoutsError::unexpected)?;
    }
    let mut row: u32 = 1;
    let mut after = 0;
    loop {
        let lines = page(db, rows, assets, after).await?;
        let Some(last) = lines.last() else { break };
        after = last.request.id;
        for line in &lines {
            let values = line.generic().into_iter().chain(line.extras(extra));
            for (col, value) in values.enumerate() {
                sheet
                    .write_string(row, col as u16, value)
                    .map_err(PayoutsError::unexpected)?;
            }
            row += 1;
        }
    }
    tokio::task::spawn_blocking(move || workbook.save_to_buffer())
        .await
        .map_err(PayoutsError::unexpected)?
        .map_err(PayoutsError::unexpected)
}
