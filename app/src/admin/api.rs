//! Server functions for the admin dashboard.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

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
pub struct Money {
    pub code: String,
    pub scale: u32,
    pub minor: i64,
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

#[server(endpoint = "admin/overview", input = Json)]
pub async fn admin_overview() -> Result<AdminFigures, AppError> {
    use super::service;
    use crate::auth::session::require_admin;
    use crate::platform::state::app_state;

    require_admin().await?;
    let state = app_state()?;
    Ok(service::overview(&state.db, state.clock.now()).await?)
}
