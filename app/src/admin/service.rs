//! Admin dashboard queries. Sums are grouped in the database (one row per
//! currency or status), so the dashboard stays cheap on large tables.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use sea_orm::{
    sea_query::{Alias, Expr, ExprTrait, Query},
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};

use super::{AdminFigures, StatusCount, WeekBar};
use crate::auth::Role;
use crate::entities::{user, withdrawal_event, withdrawal_request};
use crate::ledger::money::Money;
use crate::withdrawals::WithdrawalStatus;

/// Weeks in the payouts chart.
pub const WEEKS: usize = 12;

/// Statuses whose money is held but not yet paid out.
const OWED: [WithdrawalStatus; 3] = [
    WithdrawalStatus::Requested,
    WithdrawalStatus::Approved,
    WithdrawalStatus::Processing,
];

pub async fn overview(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<AdminFigures, DbErr> {
    let count = |role: Role| {
        user::Entity::find()
            .filter(user::Column::Role.eq(role.as_str()))
            .count(conn)
    };
    let assets = crate::ledger::service::assets_by_id(conn).await?;
    let money = |rows: Vec<(i64, i64)>| -> Vec<Money> {
        let mut money: Vec<Money> = rows
            .into_iter()
            .filter_map(|(asset_id, minor)| {
                let asset = assets.get(&asset_id)?;
                Some(Money {
                    code: asset.code.clone(),
                    scale: u32::try_from(asset.scale).unwrap_or(0),
                    minor,
                })
            })
            .collect();
        money.sort_by(|a, b| a.code.cmp(&b.code));
        money
    };

    // SUM over BIGINT is NUMERIC on PostgreSQL: cast back so both backends agree.
    let gross_sum = Expr::col(withdrawal_request::Column::GrossMinor)
        .sum()
        .cast_as(Alias::new("BIGINT"));
    let owed: Vec<(i64, i64)> = withdrawal_request::Entity::find()
        .select_only()
        .column(withdrawal_request::Column::CurrencyAssetId)
        .column_as(gross_sum.clone(), "total")
        .filter(withdrawal_request::Column::Status.is_in(OWED.map(WithdrawalStatus::as_str)))
        .group_by(withdrawal_request::Column::CurrencyAssetId)
        .into_tuple()
        .all(conn)
        .await?;

    let month_start = Utc.from_utc_datetime(
        &now.date_naive()
            .with_day(1)
            .unwrap_or(now.date_naive())
            .and_time(NaiveTime::MIN),
    );
    let paid_since = |since: DateTime<Utc>| {
        Query::select()
            .column(withdrawal_event::Column::RequestId)
            .from(withdrawal_event::Entity)
            .and_where(
                Expr::col(withdrawal_event::Column::ToStatus).eq(WithdrawalStatus::Paid.as_str()),
            )
            .and_where(Expr::col(withdrawal_event::Column::OccurredAt).gte(since))
            .to_owned()
    };
    // Paid this month and still paid (a returned payment came back).
    let paid: Vec<(i64, i64)> = withdrawal_request::Entity::find()
        .select_only()
        .column(withdrawal_request::Column::CurrencyAssetId)
        .column_as(gross_sum, "total")
        .filter(withdrawal_request::Column::Status.eq(WithdrawalStatus::Paid.as_str()))
        .filter(withdrawal_request::Column::Id.in_subquery(paid_since(month_start)))
        .group_by(withdrawal_request::Column::CurrencyAssetId)
        .into_tuple()
        .all(conn)
        .await?;

    let counted: HashMap<String, i64> = withdrawal_request::Entity::find()
        .select_only()
        .column(withdrawal_request::Column::Status)
        .column_as(withdrawal_request::Column::Id.count(), "n")
        .group_by(withdrawal_request::Column::Status)
        .into_tuple::<(String, i64)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let by_status = WithdrawalStatus::ALL
        .into_iter()
        .map(|status| StatusCount {
            status,
            count: counted
                .get(status.as_str())
                .map_or(0, |n| u64::try_from(*n).unwrap_or(0)),
        })
        .collect();

    Ok(AdminFigures {
        members: count(Role::Member).await?,
        admins: count(Role::Admin).await?,
        owed: money(owed),
        paid_this_month: money(paid),
        by_status,
        weeks: weeks(conn, now).await?,
        contradicted: {
            use crate::entities::paypal_alert;
            use sea_orm::QuerySelect;
            let mut ids: Vec<i64> = paypal_alert::Entity::find()
                .select_only()
                .column(paypal_alert::Column::RequestId)
                .filter(paypal_alert::Column::ResolvedAt.is_null())
                .into_tuple()
                .all(conn)
                .await?;
            ids.sort_unstable();
            ids.dedup();
            ids
        },
    })
}

/// Payments per week: the moments requests were marked paid in the last
/// twelve weeks, bucketed by the Monday that starts their week.
async fn weeks(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<Vec<WeekBar>, DbErr> {
    let today = now.date_naive();
    let this_monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let first_monday = this_monday - Duration::weeks(WEEKS as i64 - 1);
    let since = Utc.from_utc_datetime(&first_monday.and_time(NaiveTime::MIN));
    let paid_at: Vec<DateTime<Utc>> = withdrawal_event::Entity::find()
        .select_only()
        .column(withdrawal_event::Column::OccurredAt)
        .filter(withdrawal_event::Column::ToStatus.eq(WithdrawalStatus::Paid.as_str()))
        .filter(withdrawal_event::Column::OccurredAt.gte(since))
        .into_tuple()
        .all(conn)
        .await?;
    let mut counts = [0u64; WEEKS];
    for at in paid_at {
        let index = (at.date_naive() - first_monday).num_days() / 7;
        if let Some(count) = usize::try_from(index).ok().and_then(|i| counts.get_mut(i)) {
            *count += 1;
        }
    }
    Ok(counts
        .into_iter()
        .enumerate()
        .map(|(i, count)| WeekBar {
            starts: (first_monday + Duration::weeks(i as i64))
                .format("%Y-%m-%d")
                .to_string(),
            count,
        })
        .collect())
}
