//! Payment files: the exports a provider pays from (PayPal Payouts Web,
//! PayQuicker), as opposed to reports (CSV, Excel), which carry anything and
//! move nothing.
//!
//! A payment file carries only requests it claims itself. In the export's
//! one transaction each approved request of the scope moves approved ->
//! processing through the one transition function (guarded, with its
//! timeline event "In payment file #N", audit row and the file's id on the
//! request), and the file's exact bytes are stored. From there a request can
//! only end as paid or failed: it is no longer approved, so nobody can
//! cancel, reject or send it through the PayPal API, and no second payment
//! file takes it. Everything else the scope matched is listed as skipped,
//! with the reason. Downloading again gives the same bytes and says so.

use serde::{Deserialize, Serialize};

/// Where a payment file's page lives: `/admin/payouts/files/{id}`.
pub const FILES_PATH: &str = "/admin/payouts/files";

/// PayPal Payouts Web reads at most this many rows from one file.
pub const PAYPAL_FILE_ROWS: usize = 5_000;

/// A request the scope matched that the file did not take.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedRequest {
    pub request_id: i64,
    pub reason: String,
}

/// One request the file carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileLine {
    pub request_id: i64,
    pub member: String,
    pub amount: String,
}

/// A payment file as its page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentFileView {
    pub id: i64,
    pub format_label: String,
    pub created_at: String,
    pub created_by: String,
    pub rows: i64,
    pub currency: Option<String>,
    pub total: Option<String>,
    pub downloads: i32,
    pub download_href: String,
    /// The first lines (at most [`LINES_SHOWN`]); the file has them all.
    pub lines: Vec<FileLine>,
    pub skipped: Vec<SkippedRequest>,
    pub skipped_count: i64,
}

/// How many of a file's requests its page lists.
pub const LINES_SHOWN: u64 = 200;
/// How many skipped requests a file keeps, with their reasons.
pub const SKIPPED_KEPT: usize = 500;

/// An export in the history list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportSummary {
    pub id: i64,
    pub payment_file: bool,
    pub format_label: String,
    pub created_at: String,
    pub created_by: String,
    pub rows: i64,
    pub currency: Option<String>,
    pub downloads: i32,
}

#[cfg(feature = "ssr")]
pub mod reading;
#[cfg(feature = "ssr")]
pub mod writing;
