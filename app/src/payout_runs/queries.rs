//! Where payout runs stand: one run's progress, the history with the
//! members each skipped, and amounts described for people.

use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

use super::error::PayoutRunError;
use super::status::{MemberStatus, RunStatus};
use super::{RunProgress, RunSkip, RunSummary};
use crate::entities::{asset, payout_run, payout_run_member};
use crate::ledger::{
    money::{format_amount, AssetKind},
    service as ledger,
};

pub(super) async fn find_run(
    db: &DatabaseConnection,
    run_id: i64,
) -> Result<payout_run::Model, PayoutRunError> {
    payout_run::Entity::find_by_id(run_id)
        .one(db)
        .await?
        .ok_or_else(PayoutRunError::run_not_found)
}

/// Where a run stands, counted from its members.
pub async fn progress(db: &DatabaseConnection, run_id: i64) -> Result<RunProgress, PayoutRunError> {
    let run = find_run(db, run_id).await?;
    let counts: Vec<(String, i64)> = payout_run_member::Entity::find()
        .select_only()
        .column(payout_run_member::Column::Status)
        .column_as(payout_run_member::Column::Id.count(), "n")
        .filter(payout_run_member::Column::RunId.eq(run.id))
        .group_by(payout_run_member::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let count = |status: MemberStatus| {
        counts
            .iter()
            .find(|(s, _)| s == status.as_str())
            .map_or(0, |(_, n)| u64::try_from(*n).unwrap_or(0))
    };
    let (created, skipped) = (count(MemberStatus::Created), count(MemberStatus::Skipped));
    Ok(RunProgress {
        run_id: run.id,
        done: RunStatus::parse(&run.status) == Some(RunStatus::Done),
        total: u64::try_from(run.total).unwrap_or(0),
        processed: created + skipped,
        created,
        skipped,
    })
}

/// A run's or schedule's threshold with its asset ("100.00 USD") and the
/// maximum per member, which is in the currency requests are paid in.
pub(super) async fn described_amounts(
    db: &DatabaseConnection,
    assets: &HashMap<i64, asset::Model>,
    asset: &asset::Model,
    threshold: i64,
    max: Option<i64>,
) -> Result<(String, Option<String>), PayoutRunError> {
    let scale = u32::try_from(asset.scale).unwrap_or(0);
    let currency_scale = match ledger::asset_view(asset).kind {
        AssetKind::Currency => scale,
        AssetKind::Points => ledger::current_rate(db, asset.id)
            .await?
            .and_then(|(currency_id, _)| assets.get(&currency_id))
            .map_or(0, |currency| u32::try_from(currency.scale).unwrap_or(0)),
    };
    Ok((
        format_amount(threshold, &asset.code, scale),
        max.map(|max| Decimal::new(max, currency_scale).to_string()),
    ))
}

/// Runs, newest first, with who started them and the members they skipped.
pub async fn history(
    db: &DatabaseConnection,
    limit: u64,
) -> Result<Vec<RunSummary>, PayoutRunError> {
    let runs = payout_run::Entity::find()
        .order_by_desc(payout_run::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let assets = ledger::assets_by_id(db).await?;
    let starters = crate::auth::service::users_by_id(db, runs.iter().map(|r| r.created_by)).await?;
    let mut summaries = Vec::with_capacity(runs.len());
    for run in runs {
        let asset = assets.get(&run.asset_id).ok_or_else(|| {
            PayoutRunError::Unexpected(anyhow::anyhow!("asset {} missing", run.asset_id))
        })?;
        let skipped_rows = payout_run_member::Entity::find()
            .filter(payout_run_member::Column::RunId.eq(run.id))
            .filter(payout_run_member::Column::Status.eq(MemberStatus::Skipped.as_str()))
            .order_by_asc(payout_run_member::Column::Id)
            .limit(200)
            .all(db)
            .await?;
        let people =
            crate::auth::service::users_by_id(db, skipped_rows.iter().map(|m| m.member_user_id))
                .await?;
        let skipped = skipped_rows
            .into_iter()
            .map(|m| {
                let person = people.get(&m.member_user_id);
                RunSkip {
                    member_user_id: m.member_user_id,
                    member_name: person.map(|u| u.display_name.clone()).unwrap_or_default(),
                    member_email: person.map(|u| u.email.clone()).unwrap_or_default(),
                    reason: m.reason.unwrap_or_default(),
                }
            })
            .collect();
        let (threshold, max_per_member) =
            described_amounts(db, &assets, asset, run.threshold_minor, run.max_minor).await?;
        summaries.push(RunSummary {
            progress: progress(db, run.id).await?,
            asset: asset.code.clone(),
            threshold,
            max_per_member,
            started_by: starters
                .get(&run.created_by)
                .map(|u| u.display_name.clone())
                .unwrap_or_default(),
            schedule_id: run.schedule_id,
            started_at: run.created_at.format("%Y-%m-%d %H:%M").to_string(),
            finished_at: run
                .finished_at
                .map(|at| at.format("%Y-%m-%d %H:%M").to_string()),
            skipped,
        });
    }
    Ok(summaries)
}
