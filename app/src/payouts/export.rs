//! Exports of withdrawal requests, in two kinds. **Reports** (CSV, Excel)
//! carry requests in any status and move nothing; they are labelled "not for
//! upload". **Payment files** (PayPal Payouts Web, PayQuicker) claim the
//! approved requests they carry: see `payment_files`. An export is a form
//! POST to `/admin/payouts/export`, so it works without the wasm bundle: a
//! report is answered with the file, streamed page by page and never loaded
//! whole; a payment file is made and the admin is sent to its page, which
//! lists what it claimed and skipped and downloads it.

use serde::{Deserialize, Serialize};

/// Where the export form posts.
pub const EXPORT_PATH: &str = "/admin/payouts/export";

/// The setting that orders and picks PayQuicker's columns (comma-separated).
pub const PAYQUICKER_COLUMNS_SETTING: &str = "exports.payquicker_columns";

/// PayQuicker's columns, in their default order.
pub const PAYQUICKER_COLUMNS: [&str; 8] = [
    "amount",
    "currency",
    "email",
    "programUserId",
    "note",
    "memo",
    "purpose",
    "clientPaymentId",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Xlsx,
    PaypalCsv,
    PayquickerCsv,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 4] = [
        ExportFormat::Csv,
        ExportFormat::Xlsx,
        ExportFormat::PaypalCsv,
        ExportFormat::PayquickerCsv,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::PaypalCsv => "paypal_csv",
            ExportFormat::PayquickerCsv => "payquicker_csv",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            ExportFormat::Csv => "CSV report (not for upload)",
            ExportFormat::Xlsx => "Excel report (not for upload)",
            ExportFormat::PaypalCsv => "PayPal Payouts file (claims approved PayPal requests)",
            ExportFormat::PayquickerCsv => "PayQuicker file (claims approved requests)",
        }
    }

    /// A file a provider pays from, which claims the requests it carries.
    pub fn is_payment_file(self) -> bool {
        match self {
            ExportFormat::PaypalCsv | ExportFormat::PayquickerCsv => true,
            ExportFormat::Csv | ExportFormat::Xlsx => false,
        }
    }
}

/// Which requests go into the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportScope {
    /// The rows the admin ticked.
    Selected,
    /// Every request matching the filters.
    Matching,
    /// Requests matching the filters that no earlier export carried.
    New,
}

impl ExportScope {
    pub const ALL: [ExportScope; 3] = [
        ExportScope::Selected,
        ExportScope::Matching,
        ExportScope::New,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExportScope::Selected => "selected",
            ExportScope::Matching => "matching",
            ExportScope::New => "new",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}
