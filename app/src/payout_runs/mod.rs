//! Payout runs (`/admin/payouts/runs`): a withdrawal request for every
//! member whose balance in an asset is at or above a threshold, each to the
//! member's default payout method, made by the admin on their behalf.
//!
//! The preview runs the very code that makes requests, inside savepoints it
//! rolls back (`withdrawals::service::dry_run`), so what it promises is what
//! confirming does. Confirming records the run and its members in one
//! transaction (idempotent on the admin's key); the run is then worked
//! through in steps of a few hundred members, each request made with the
//! key `run-{run}-{member}`, so a step repeated or run twice at once makes
//! nothing twice, and the page shows progress.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;

use serde::{Deserialize, Serialize};

/// What a run is for. Amounts are decimal text in the asset's units, as
/// typed; the server parses them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunParams {
    pub asset: String,
    pub threshold: String,
    /// Empty: no maximum (each member's whole available balance, within
    /// the method's maximum).
    #[serde(default)]
    pub max_per_member: String,
}

/// A member the run makes a request for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunLine {
    pub member_user_id: i64,
    pub member_name: String,
    pub member_email: String,
    pub method: String,
    pub currency: String,
    pub currency_scale: u32,
    pub gross_minor: i64,
    pub fee_minor: i64,
    pub net_minor: i64,
}

/// A member at or above the threshold the run leaves out, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSkip {
    pub member_user_id: i64,
    pub member_name: String,
    pub member_email: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunPreview {
    pub params: RunParams,
    pub eligible: Vec<RunLine>,
    pub skipped: Vec<RunSkip>,
    /// The key confirming this preview uses: confirming twice is one run.
    pub fresh_key: String,
}

/// Where a run stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunProgress {
    pub run_id: i64,
    pub done: bool,
    pub total: u64,
    pub processed: u64,
    pub created: u64,
    pub skipped: u64,
}

/// A run in the history, with who started it and what it did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSummary {
    pub progress: RunProgress,
    pub asset: String,
    pub threshold: String,
    pub max_per_member: Option<String>,
    pub started_by: String,
    /// `YYYY-MM-DD HH:MM` UTC.
    pub started_at: String,
    pub finished_at: Option<String>,
    /// The members it skipped, with the reason.
    pub skipped: Vec<RunSkip>,
}

/// What the runs page shows before a preview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunsPageData {
    pub assets: Vec<String>,
    pub history: Vec<RunSummary>,
}
