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
//!
//! A run can also be saved as a schedule (monthly on a day, or weekly on a
//! weekday, at an hour UTC): the worker in `schedule` claims each due
//! occurrence with a guarded update and works the run through the same way.

pub mod api;
#[cfg(feature = "ssr")]
pub mod error;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod queries;
#[cfg(feature = "ssr")]
pub mod schedule;
#[cfg(feature = "ssr")]
pub mod service;
pub mod status;

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
    /// The schedule that started it, if one did.
    pub schedule_id: Option<i64>,
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
    /// The key saving a schedule from this page uses: saving twice is one
    /// schedule.
    pub fresh_key: String,
    pub schedules: Vec<ScheduleView>,
    pub history: Vec<RunSummary>,
    /// Whether the viewing admin's role may start runs and schedule them.
    pub can_run: bool,
}

/// How often a schedule runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    /// On a day of the month, 1 to 28 (every month has it).
    Monthly,
    /// On a weekday, 1 = Monday to 7 = Sunday.
    Weekly,
}

impl Cadence {
    pub fn as_str(self) -> &'static str {
        match self {
            Cadence::Monthly => "monthly",
            Cadence::Weekly => "weekly",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Cadence::Monthly, Cadence::Weekly]
            .into_iter()
            .find(|c| c.as_str() == text)
    }
}

pub const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// "Monthly on day 1 at 06:00 UTC", "Weekly on Monday at 06:00 UTC".
pub fn describe_cadence(cadence: Cadence, day: u32, hour: u32) -> String {
    match cadence {
        Cadence::Monthly => format!("Monthly on day {day} at {hour:02}:00 UTC"),
        Cadence::Weekly => {
            let name = WEEKDAYS
                .get(day.saturating_sub(1) as usize)
                .copied()
                .unwrap_or("?");
            format!("Weekly on {name} at {hour:02}:00 UTC")
        }
    }
}

/// A run saved as a schedule.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleInput {
    pub params: RunParams,
    /// "monthly" or "weekly".
    pub cadence: String,
    /// Monthly: the day of the month (1-28); weekly: 1 = Monday .. 7.
    pub day: u32,
    /// Hour of the day, UTC (0-23).
    pub hour: u32,
}

/// A schedule as the runs page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleView {
    pub id: i64,
    pub asset: String,
    pub threshold: String,
    pub max_per_member: Option<String>,
    /// "Monthly on day 1 at 06:00 UTC".
    pub when: String,
    /// `YYYY-MM-DD HH:MM` UTC; none once stopped.
    pub next_run_at: Option<String>,
    pub active: bool,
    pub created_by: String,
}
