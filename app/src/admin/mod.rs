//! The admin area (`/admin`): its guard, sidebar and dashboard (`pages.rs`),
//! the dashboard's figures (`service.rs`) and their wire types (here).

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;

use serde::{Deserialize, Serialize};

use crate::ledger::money::Money;
use crate::withdrawals::WithdrawalStatus;

/// What the dashboard shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminFigures {
    pub members: u64,
    pub admins: u64,
    /// Held for requests not yet paid (requested, approved, processing),
    /// per currency, gross.
    pub owed: Vec<Money>,
    /// Requests paid since the first of this month (UTC), per currency, gross.
    pub paid_this_month: Vec<Money>,
    /// Every status in lifecycle order, with how many requests are in it.
    pub by_status: Vec<StatusCount>,
    /// Requests paid per week (Monday to Sunday, UTC), the last twelve
    /// weeks, oldest first, this week last.
    pub weeks: Vec<WeekBar>,
    /// Requests PayPal contradicted after they were settled, with the
    /// alert still open: each needs an admin's decision.
    pub contradicted: Vec<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCount {
    pub status: WithdrawalStatus,
    pub count: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekBar {
    /// The Monday the week starts on, `YYYY-MM-DD`.
    pub starts: String,
    pub count: u64,
}
