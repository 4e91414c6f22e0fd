//! The admin's payout requests desk (`/admin/payouts`): search, filter, sort
//! and page through withdrawal requests, and act on many at once.

pub mod api;
#[cfg(feature = "ssr")]
pub mod error;
pub mod export;
#[cfg(feature = "ssr")]
pub mod export_claim;
#[cfg(feature = "ssr")]
pub mod export_handler;
pub mod files_pages;
#[cfg(feature = "ssr")]
pub mod formats;
pub mod live;
pub mod pages;
pub mod payment_files;
pub mod process;
#[cfg(feature = "ssr")]
pub mod service;
mod table;

use leptos_router::params::ParamsMap;
use serde::{Deserialize, Serialize};

use crate::ledger::statement::StatementLine;
use crate::ui::list::{self, QueryParams};
use crate::verification::VerificationStatus;
use crate::withdrawals::{preview::TimelineEvent, WithdrawalAction, WithdrawalView};

/// Page sizes the table offers.
pub const PAGE_SIZES: [u64; 4] = [5, 10, 20, 50];

/// Columns the table sorts by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortBy {
    #[default]
    Created,
    Amount,
    Status,
}

/// What the admin is looking for. Empty strings mean "any".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutQuery {
    /// Member name or email, request id, or external reference.
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub method: String,
    /// Currency code.
    #[serde(default)]
    pub currency: String,
    /// `YYYY-MM-DD`, inclusive, UTC.
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub sort: SortBy,
    #[serde(default)]
    pub ascending: bool,
    #[serde(default = "first_page")]
    pub page: u64,
    #[serde(default = "default_per_page")]
    pub per_page: u64,
}

impl PayoutQuery {
    /// The query a `/admin/payouts` address carries.
    pub fn from_params(params: &ParamsMap) -> Self {
        let params = QueryParams(params);
        PayoutQuery {
            q: params.text("q"),
            status: params.text("status"),
            method: params.text("method"),
            currency: params.text("currency"),
            from: params.text("from"),
            to: params.text("to"),
            sort: match params.text("sort").as_str() {
                "amount" => SortBy::Amount,
                "status" => SortBy::Status,
                _ => SortBy::Created,
            },
            ascending: params.text("order") == "asc",
            page: params.page(),
            per_page: params.per_page(),
        }
    }

    /// The address of this query on `page`.
    pub fn href(&self, page: u64) -> String {
        let sort = match self.sort {
            SortBy::Created => "created",
            SortBy::Amount => "amount",
            SortBy::Status => "status",
        };
        list::href(
            "/admin/payouts",
            &[
                ("q", self.q.clone()),
                ("status", self.status.clone()),
                ("method", self.method.clone()),
                ("currency", self.currency.clone()),
                ("from", self.from.clone()),
                ("to", self.to.clone()),
                ("sort", sort.to_owned()),
                (
                    "order",
                    if self.ascending { "asc" } else { "desc" }.to_owned(),
                ),
                ("per_page", self.per_page.to_string()),
                ("page", page.to_string()),
            ],
        )
    }
}

fn first_page() -> u64 {
    1
}

fn default_per_page() -> u64 {
    list::DEFAULT_PER_PAGE
}

/// One row of the table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutRow {
    pub request: WithdrawalView,
    pub member_name: String,
    pub member_email: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutList {
    pub rows: Vec<PayoutRow>,
    /// Requests matching the query, over all pages.
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    /// A fresh idempotency key for the next bulk action.
    pub fresh_key: String,
    /// What the viewing admin's role may do from the table (the page
    /// hides the rest; the server functions check again).
    pub can_process: bool,
    pub can_send: bool,
    pub can_export: bool,
}

impl PayoutList {
    pub fn pages(&self) -> u64 {
        list::page_count(self.total, self.per_page)
    }
}

/// Which requests a bulk action is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// The rows the admin ticked.
    Ids(Vec<i64>),
    /// Every request matching the query, on all pages.
    Matching(PayoutQuery),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkRequest {
    pub selection: Selection,
    pub action: WithdrawalAction,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub external_reference: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub payment_date: String,
    /// One key for the whole action; each request gets `key:id`, so a
    /// retried bulk action moves each request once.
    pub idempotency_key: String,
}

/// Everything the process view of one request shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessView {
    pub request: WithdrawalView,
    pub member_id: i64,
    pub member_name: String,
    pub member_email: String,
    pub member_active: bool,
    pub verification: VerificationStatus,
    /// Who did what, when, with the admin's name.
    pub timeline: Vec<TimelineEvent>,
    /// The newest lines of the wallet the request is paid from.
    pub recent_ledger: Vec<StatementLine>,
    /// The wallet's asset, to format the ledger lines.
    pub wallet_asset: String,
    pub wallet_scale: u32,
    /// Actions the transition function allows from the current status
    /// (none while PayPal holds the request).
    pub allowed: Vec<WithdrawalAction>,
    /// The request's batch, item and status history at PayPal, if sent.
    pub paypal: Option<crate::paypal::PayPalTrail>,
    /// Answers to the method's extra fields, labelled: not secret, so
    /// shown without a reveal.
    pub extra_details: Vec<(String, String)>,
    pub fresh_key: String,
    /// Whether the viewing admin's role may reveal the payout details
    /// (the actions above are already narrowed to what it may do).
    pub can_reveal: bool,
    /// An open second approval of paying it (four-eyes), in a sentence.
    pub second_approval: Option<String>,
}

/// The payout details a request was frozen with, in full: shown only after
/// an audited reveal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevealedDetails {
    pub fields: Vec<(String, String)>,
}
