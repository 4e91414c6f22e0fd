//! Payout runs' server functions: administrators only.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{RunParams, RunPreview, RunProgress, RunsPageData, ScheduleInput, ScheduleView};
use crate::error::AppError;

/// Who a run would pay and who it would skip, and why. Changes nothing.
#[server(endpoint = "admin/runs/preview", input = Json)]
pub async fn preview_run(params: RunParams) -> Result<RunPreview, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    let admin = require(Permission::Read).await?;
    let state = app_state()?;
    Ok(super::service::preview(&state.db, &state.clock, admin.id, params).await?)
}

/// Starts the run (once per key); the page then calls `step_run` until done.
#[server(endpoint = "admin/runs/start", input = Json)]
pub async fn start_run(
    params: RunParams,
    idempotency_key: String,
) -> Result<RunProgress, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    let admin = require(Permission::RunPayouts).await?;
    let state = app_state()?;
    crate::auth::step_up::require(&state, admin.id).await?;
    Ok(super::service::start(&state.db, &state.clock, admin.id, params, &idempotency_key).await?)
}

/// Makes the next members' requests and says how far the run is.
#[server(endpoint = "admin/runs/step", input = Json)]
pub async fn step_run(run_id: i64) -> Result<RunProgress, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    require(Permission::RunPayouts).await?;
    let state = app_state()?;
    let progress = super::service::step(&state.db, &state.clock, run_id).await?;
    if progress.created > 0 {
        state.live.requests_changed(&state.db).await;
    }
    Ok(progress)
}

/// The assets a run may pay out, and the latest runs with their outcome.
#[server(endpoint = "admin/runs/page", input = Json)]
pub async fn runs_page() -> Result<RunsPageData, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    let admin = require(Permission::Read).await?;
    let state = app_state()?;
    let mut assets: Vec<String> = crate::ledger::service::assets_by_id(&state.db)
        .await
        .map_err(AppError::internal)?
        .into_values()
        .map(|asset| asset.code)
        .collect();
    assets.sort();
    Ok(RunsPageData {
        assets,
        fresh_key: crate::withdrawals::queries::fresh_key(),
        schedules: super::schedule::list(&state.db).await?,
        history: super::queries::history(&state.db, 20).await?,
        can_run: admin.can(Permission::RunPayouts),
    })
}

/// Saves a run's parameters as a schedule (once per key).
#[server(endpoint = "admin/runs/schedules/save", input = Json)]
pub async fn save_schedule(
    schedule: ScheduleInput,
    idempotency_key: String,
) -> Result<ScheduleView, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    let admin = require(Permission::RunPayouts).await?;
    let state = app_state()?;
    Ok(super::schedule::save(
        &state.db,
        &state.clock,
        admin.id,
        schedule,
        &idempotency_key,
    )
    .await?)
}

/// Stops a schedule; the runs it started stay in the history.
#[server(endpoint = "admin/runs/schedules/stop", input = Json)]
pub async fn stop_schedule(schedule_id: i64) -> Result<(), AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    let admin = require(Permission::RunPayouts).await?;
    let state = app_state()?;
    Ok(super::schedule::stop(&state.db, &state.clock, admin.id, schedule_id).await?)
}
