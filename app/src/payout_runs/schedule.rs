//! Scheduled payout runs: saving, stopping and listing schedules, and the
//! worker that starts each due occurrence once.
//!
//! Several app instances may run the worker against one database. An
//! occurrence is claimed by moving the schedule's `next_run_at` on with a
//! guarded update (`WHERE next_run_at = :due`) in the same transaction that
//! records the run, so only one instance's claim succeeds and a crash
//! between the two loses nothing. The run's idempotency key names the
//! occurrence (`schedule:{id}:{due}`) as a second guard. Runs are then
//! worked through with the same `step` as the page's, which is safe to run
//! twice at once; a run left half done by a stopped instance is finished by
//! the next pass of any instance.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use sea_orm::{
    sea_query::Expr, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};

use super::error::PayoutRunError;
use super::queries::{described_amounts, progress};
use super::service::{self, candidates, plan, recorded_plan};
use super::status::RunStatus;
use super::{describe_cadence, Cadence, ScheduleInput, ScheduleView};
use crate::entities::{payout_run, payout_schedule};
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    db, Clock,
};

/// The first time strictly after `after` that a schedule runs.
pub fn next_occurrence(
    cadence: Cadence,
    day: u32,
    hour: u32,
    after: DateTime<Utc>,
) -> DateTime<Utc> {
    let at = |date: NaiveDate| {
        Utc.from_utc_datetime(
            &date.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or(NaiveTime::MIN)),
        )
    };
    match cadence {
        Cadence::Monthly => {
            // Days 1-28 exist in every month, so only the month moves.
            let (mut year, mut month) = (after.year(), after.month());
            loop {
                if let Some(date) = NaiveDate::from_ymd_opt(year, month, day) {
                    let candidate = at(date);
                    if candidate > after {
                        return candidate;
                    }
                }
                (year, month) = if month == 12 {
                    (year + 1, 1)
                } else {
                    (year, month + 1)
                };
            }
        }
        Cadence::Weekly => {
            let today = after.date_naive();
            let from_monday = i64::from(today.weekday().num_days_from_monday());
            let wanted = i64::from(day.clamp(1, 7)) - 1;
            let candidate = at(today + Duration::days((wanted - from_monday).rem_euclid(7)));
            if candidate > after {
                candidate
            } else {
                candidate + Duration::days(7)
            }
        }
    }
}

/// The cadence, day and hour of a schedule, checked.
fn checked(input: &ScheduleInput) -> Result<(Cadence, u32, u32), PayoutRunError> {
    let cadence = Cadence::parse(input.cadence.trim())
        .ok_or_else(|| PayoutRunError::invalid("Choose how often: monthly or weekly"))?;
    match cadence {
        Cadence::Monthly if !(1..=28).contains(&input.day) => {
            return Err(PayoutRunError::invalid(
                "Day of the month: choose 1 to 28 (every month has those)",
            ))
        }
        Cadence::Weekly if !(1..=7).contains(&input.day) => {
            return Err(PayoutRunError::invalid("Choose a weekday"))
        }
        _ => {}
    }
    if input.hour > 23 {
        return Err(PayoutRunError::invalid("Hour: choose 0 to 23 (UTC)"));
    }
    Ok((cadence, input.day, input.hour))
}

/// Saves a run's parameters as a schedule (once per key).
pub async fn save(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    input: ScheduleInput,
    idempotency_key: &str,
) -> Result<ScheduleView, PayoutRunError> {
    let key = idempotency_key.trim();
    if key.is_empty() || key.len() > 128 {
        return Err(PayoutRunError::invalid(
            "Missing idempotency key: reload the page and try again",
        ));
    }
    let full_key = format!("admin:{admin_user_id}:{key}");
    let (cadence, day, hour) = checked(&input)?;
    let plan = plan(db, &input.params).await?;
    let now = clock.now();
    let txn = db::begin_write(db).await?;
    let inserted = payout_schedule::Entity::insert(payout_schedule::ActiveModel {
        idempotency_key: Set(full_key.clone()),
        asset_id: Set(plan.asset.id),
        threshold_minor: Set(plan.threshold),
        max_minor: Set(plan.max),
        cadence: Set(cadence.as_str().to_owned()),
        day: Set(i32::try_from(day).unwrap_or(1)),
        hour: Set(i32::try_from(hour).unwrap_or(0)),
        next_run_at: Set(next_occurrence(cadence, day, hour, now)),
        active: Set(true),
        created_by: Set(admin_user_id),
        created_at: Set(now),
        stopped_at: Set(None),
        ..Default::default()
    })
    .exec_with_returning(&txn)
    .await;
    let schedule = match inserted {
        Ok(schedule) => schedule,
        Err(err) if db::is_unique_violation(&err) => {
            // The same save twice: the first one stands.
            txn.rollback().await?;
            let schedule = payout_schedule::Entity::find()
                .filter(payout_schedule::Column::IdempotencyKey.eq(&full_key))
                .one(db)
                .await?
                .ok_or_else(|| {
                    PayoutRunError::Unexpected(anyhow::anyhow!("schedule {full_key} vanished"))
                })?;
            return view_of(db, schedule).await;
        }
        Err(err) => return Err(PayoutRunError::Unexpected(err.into())),
    };
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::PayoutScheduleSaved)
            .actor(admin_user_id)
            .subject(format!("payout_schedule:{}", schedule.id))
            .detail(format!(
                "{}, {} at or above {}",
                describe_cadence(cadence, day, hour),
                plan.asset.code,
                crate::ledger::money::format_amount(
                    plan.threshold,
                    &plan.asset.code,
                    u32::try_from(plan.asset.scale).unwrap_or(0)
                )
            )),
    )
    .await?;
    txn.commit().await?;
    view_of(db, schedule).await
}

/// Stops a schedule: it starts no more runs (those it started stay).
pub async fn stop(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    schedule_id: i64,
) -> Result<(), PayoutRunError> {
    let now = clock.now();
    let txn = db::begin_write(db).await?;
    let stopped = payout_schedule::Entity::update_many()
        .col_expr(payout_schedule::Column::Active, Expr::value(false))
        .col_expr(payout_schedule::Column::StoppedAt, Expr::value(now))
        .filter(payout_schedule::Column::Id.eq(schedule_id))
        .filter(payout_schedule::Column::Active.eq(true))
        .exec(&txn)
        .await?;
    if stopped.rows_affected == 0 {
        txn.rollback().await?;
        let exists = payout_schedule::Entity::find_by_id(schedule_id)
            .one(db)
            .await?
            .is_some();
        return if exists {
            // Stopped already (perhaps by another admin): nothing to do.
            Ok(())
        } else {
            Err(PayoutRunError::schedule_not_found())
        };
    }
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::PayoutScheduleStopped)
            .actor(admin_user_id)
            .subject(format!("payout_schedule:{schedule_id}")),
    )
    .await?;
    Ok(txn.commit().await?)
}

async fn view_of(
    db: &DatabaseConnection,
    schedule: payout_schedule::Model,
) -> Result<ScheduleView, PayoutRunError> {
    Ok(list_of(db, vec![schedule]).await?.remove(0))
}

async fn list_of(
    db: &DatabaseConnection,
    schedules: Vec<payout_schedule::Model>,
) -> Result<Vec<ScheduleView>, PayoutRunError> {
    let assets = crate::ledger::service::assets_by_id(db).await?;
    let admins =
        crate::auth::service::users_by_id(db, schedules.iter().map(|s| s.created_by)).await?;
    let mut views = Vec::with_capacity(schedules.len());
    for schedule in schedules {
        let asset = assets.get(&schedule.asset_id).ok_or_else(|| {
            PayoutRunError::Unexpected(anyhow::anyhow!("asset {} missing", schedule.asset_id))
        })?;
        let (threshold, max_per_member) = described_amounts(
            db,
            &assets,
            asset,
            schedule.threshold_minor,
            schedule.max_minor,
        )
        .await?;
        let cadence = Cadence::parse(&schedule.cadence).unwrap_or(Cadence::Monthly);
        views.push(ScheduleView {
            id: schedule.id,
            asset: asset.code.clone(),
            threshold,
            max_per_member,
            when: describe_cadence(
                cadence,
                u32::try_from(schedule.day).unwrap_or(1),
                u32::try_from(schedule.hour).unwrap_or(0),
            ),
            next_run_at: schedule
                .active
                .then(|| schedule.next_run_at.format("%Y-%m-%d %H:%M").to_string()),
            active: schedule.active,
            created_by: admins
                .get(&schedule.created_by)
                .map(|u| u.display_name.clone())
                .unwrap_or_default(),
        });
    }
    Ok(views)
}

/// Every schedule, active ones first, newest first.
pub async fn list(db: &DatabaseConnection) -> Result<Vec<ScheduleView>, PayoutRunError> {
    let schedules = payout_schedule::Entity::find()
        .order_by_desc(payout_schedule::Column::Active)
        .order_by_desc(payout_schedule::Column::Id)
        .all(db)
        .await?;
    list_of(db, schedules).await
}

/// Starts every due occurrence this instance manages to claim; returns the
/// runs it started. A schedule whose run cannot be planned (its asset lost
/// its conversion rate, too many members) stays due and is tried again on
/// the next pass: an occurrence is never silently dropped.
pub async fn start_due(db: &DatabaseConnection, clock: &Clock) -> Result<Vec<i64>, PayoutRunError> {
    let now = clock.now();
    let due = payout_schedule::Entity::find()
        .filter(payout_schedule::Column::Active.eq(true))
        .filter(payout_schedule::Column::NextRunAt.lte(now))
        .order_by_asc(payout_schedule::Column::Id)
        .all(db)
        .await?;
    let mut started = Vec::new();
    for schedule in due {
        let planned = match recorded_plan(
            db,
            schedule.asset_id,
            schedule.threshold_minor,
            schedule.max_minor,
        )
        .await
        {
            Ok(plan) => candidates(db, &plan).await.map(|found| (plan, found)),
            Err(err) => Err(err),
        };
        let (plan, found) = match planned {
            Ok(planned) => planned,
            Err(err) => {
                tracing::warn!(schedule = schedule.id, error = %err, "scheduled payout run cannot start yet");
                continue;
            }
        };
        let cadence = Cadence::parse(&schedule.cadence).unwrap_or(Cadence::Monthly);
        let next = next_occurrence(
            cadence,
            u32::try_from(schedule.day).unwrap_or(1),
            u32::try_from(schedule.hour).unwrap_or(0),
            now,
        );
        let txn = db::begin_write(db).await?;
        let claimed = payout_schedule::Entity::update_many()
            .col_expr(payout_schedule::Column::NextRunAt, Expr::value(next))
            .filter(payout_schedule::Column::Id.eq(schedule.id))
            .filter(payout_schedule::Column::Active.eq(true))
            .filter(payout_schedule::Column::NextRunAt.eq(schedule.next_run_at))
            .exec(&txn)
            .await?;
        if claimed.rows_affected == 0 {
            // Another instance claimed it, or an admin stopped it.
            txn.rollback().await?;
            continue;
        }
        let key = format!(
            "schedule:{}:{}",
            schedule.id,
            schedule.next_run_at.timestamp()
        );
        match service::record_run(
            &txn,
            now,
            schedule.created_by,
            &plan,
            &found,
            key,
            Some(schedule.id),
        )
        .await
        {
            Ok(run) => {
                txn.commit().await?;
                started.push(run.id);
            }
            Err(err) if db::is_unique_violation(&err) => {
                txn.rollback().await?;
            }
            Err(err) => return Err(PayoutRunError::Unexpected(err.into())),
        }
    }
    Ok(started)
}

/// Works every unfinished scheduled run through to the end; returns how
/// many requests it made.
pub async fn finish_started(db: &DatabaseConnection, clock: &Clock) -> Result<u64, PayoutRunError> {
    let running = payout_run::Entity::find()
        .filter(payout_run::Column::ScheduleId.is_not_null())
        .filter(payout_run::Column::Status.eq(RunStatus::Running.as_str()))
        .order_by_asc(payout_run::Column::Id)
        .all(db)
        .await?;
    let mut created = 0;
    for run in running {
        let before = progress(db, run.id).await?.created;
        let mut progress = service::step(db, clock, run.id).await?;
        while !progress.done {
            progress = service::step(db, clock, run.id).await?;
        }
        created += progress.created.saturating_sub(before);
    }
    Ok(created)
}

/// One pass of the worker: start what is due, finish what is started.
pub async fn pass(db: &DatabaseConnection, clock: &Clock) -> Result<u64, PayoutRunError> {
    start_due(db, clock).await?;
    finish_started(db, clock).await
}

/// The worker: a pass every `every` until told to stop.
pub async fn run(
    db: DatabaseConnection,
    clock: Clock,
    every: std::time::Duration,
    live: crate::platform::live::Live,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    if every.is_zero() {
        return;
    }
    loop {
        match pass(&db, &clock).await {
            Ok(0) => {}
            Ok(created) => {
                tracing::info!(created, "scheduled payout runs made requests");
                live.requests_changed(&db).await;
            }
            Err(err) => tracing::warn!(error = %err, "scheduled payout runs pass failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn monthly_runs_on_the_day_and_hour_strictly_after_now() {
        let monthly = |day, hour, now| next_occurrence(Cadence::Monthly, day, hour, at(now));
        // Before the day this month: this month.
        assert_eq!(
            monthly(15, 6, "2026-11-03T10:00:00Z"),
            at("2026-11-15T06:00:00Z")
        );
        // The day, before the hour: today.
        assert_eq!(
            monthly(15, 6, "2026-11-15T05:59:59Z"),
            at("2026-11-15T06:00:00Z")
        );
        // Exactly at the time: the next month, never the same moment again.
        assert_eq!(
            monthly(15, 6, "2026-11-15T06:00:00Z"),
            at("2026-12-15T06:00:00Z")
        );
        // Across the year's end.
        assert_eq!(
            monthly(1, 0, "2026-12-01T00:00:00Z"),
            at("2027-01-01T00:00:00Z")
        );
        // Day 28 in February.
        assert_eq!(
            monthly(28, 23, "2027-01-29T00:00:00Z"),
            at("2027-02-28T23:00:00Z")
        );
    }

    #[test]
    fn weekly_runs_on_the_weekday_and_hour_strictly_after_now() {
        let weekly = |day, hour, now| next_occurrence(Cadence::Weekly, day, hour, at(now));
        // 2026-11-30 is a Monday.
        assert_eq!(
            weekly(1, 9, "2026-11-30T08:00:00Z"),
            at("2026-11-30T09:00:00Z")
        );
        assert_eq!(
            weekly(1, 9, "2026-11-30T09:00:00Z"),
            at("2026-12-07T09:00:00Z")
        );
        // Sunday, from a Monday.
        assert_eq!(
            weekly(7, 0, "2026-11-30T09:00:00Z"),
            at("2026-12-06T00:00:00Z")
        );
        // Wednesday, from a Friday: the next week's.
        assert_eq!(
            weekly(3, 12, "2026-12-04T12:00:00Z"),
            at("2026-12-09T12:00:00Z")
        );
    }

    #[test]
    fn schedules_refuse_days_and_hours_that_do_not_exist() {
        let input = |cadence: &str, day, hour| ScheduleInput {
            params: Default::default(),
            cadence: cadence.into(),
            day,
            hour,
        };
        assert!(checked(&input("monthly", 1, 0)).is_ok());
        assert!(checked(&input("monthly", 29, 0)).is_err());
        assert!(checked(&input("monthly", 0, 0)).is_err());
        assert!(checked(&input("weekly", 7, 23)).is_ok());
        assert!(checked(&input("weekly", 8, 0)).is_err());
        assert!(checked(&input("weekly", 1, 24)).is_err());
        assert!(checked(&input("daily", 1, 0)).is_err());
    }
}
