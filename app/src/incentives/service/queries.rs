//! Incentives as the table, "select all matching" and the member see them.

use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
};

use super::error::IncentiveError;
use super::shared::{scale_of, BULK_LIMIT};
use crate::auth::service::users_by_id;
use crate::entities::{asset, incentive, user};
use crate::incentives::{
    IncentiveList, IncentiveQuery, IncentiveSource, IncentiveStatus, IncentiveView,
    MemberIncentives, PER_PAGE_CHOICES,
};
use crate::ledger::money::decimal_string;
use crate::ledger::money::Money;
use crate::ledger::service::{self as ledger};
use crate::platform::paging;

/// Incentives as the pages and the API show them, in the order given.
pub async fn views(
    conn: &impl ConnectionTrait,
    models: Vec<incentive::Model>,
) -> Result<Vec<IncentiveView>, IncentiveError> {
    let members = users_by_id(conn, models.iter().map(|m| m.member_user_id)).await?;
    let assets = ledger::assets_by_id(conn).await?;
    Ok(models
        .into_iter()
        .map(|m| {
            let member = members.get(&m.member_user_id);
            let asset = assets.get(&m.asset_id);
            let scale = asset.map_or(0, scale_of);
            IncentiveView {
                id: m.id,
                member_id: m.member_user_id,
                member_email: member.map(|u| u.email.clone()).unwrap_or_default(),
                member_name: member.map(|u| u.display_name.clone()).unwrap_or_default(),
                member_confirmed: member.is_some_and(|u| u.email_confirmed_at.is_some()),
                program: m.program,
                asset: asset.map(|a| a.code.clone()).unwrap_or_default(),
                scale,
                amount_minor: m.amount_minor,
                amount: decimal_string(m.amount_minor, scale),
                description: m.description,
                source: match m.source.as_str() {
                    "api" => IncentiveSource::Api,
                    "csv" => IncentiveSource::Csv,
                    _ => IncentiveSource::Manual,
                },
                external_id: m.external_id,
                status: IncentiveStatus::parse(&m.status).unwrap_or(IncentiveStatus::Pending),
                note: m.note,
                created_at: m.created_at.format("%Y-%m-%d %H:%M").to_string(),
                paid_at: m.paid_at.map(|t| t.format("%Y-%m-%d %H:%M").to_string()),
                paid_entry_id: m.paid_entry_id,
            }
        })
        .collect())
}

/// The incentives matching the table's filters.
async fn filtered(
    db: &DatabaseConnection,
    query: &IncentiveQuery,
) -> Result<sea_orm::Select<incentive::Entity>, IncentiveError> {
    use sea_orm::sea_query::{Condition, Func, Query};

    let mut select = incentive::Entity::find();
    if !query.status.is_empty() {
        let status = IncentiveStatus::parse(&query.status)
            .ok_or_else(|| IncentiveError::invalid(format!("Unknown status {:?}", query.status)))?;
        select = select.filter(incentive::Column::Status.eq(status.as_str()));
    }
    if !query.asset.is_empty() {
        let code = query.asset.trim().to_ascii_uppercase();
        let asset = asset::Entity::find()
            .filter(asset::Column::Code.eq(code.clone()))
            .one(db)
            .await?
            .ok_or_else(|| IncentiveError::invalid(format!("Unknown asset {code}")))?;
        select = select.filter(incentive::Column::AssetId.eq(asset.id));
    }
    let range = crate::platform::dates::day_range(&query.from, &query.to)?;
    if let Some(start) = range.start {
        select = select.filter(incentive::Column::CreatedAt.gte(start));
    }
    if let Some(end) = range.end {
        select = select.filter(incentive::Column::CreatedAt.lt(end));
    }
    let keyword = query.q.trim();
    if !keyword.is_empty() {
        if keyword.chars().count() > 200 {
            return Err(IncentiveError::invalid("The search is too long"));
        }
        let pattern = format!("%{}%", keyword.to_lowercase());
        let lower_like = |column: Expr| Expr::expr(Func::lower(column)).like(pattern.clone());
        let members = Query::select()
            .column(user::Column::Id)
            .from(user::Entity)
            .cond_where(
                Condition::any()
                    .add(lower_like(Expr::col(user::Column::Email)))
                    .add(lower_like(Expr::col(user::Column::DisplayName))),
            )
            .to_owned();
        let mut any = Condition::any()
            .add(incentive::Column::MemberUserId.in_subquery(members))
            .add(lower_like(Expr::col(incentive::Column::Program)))
            .add(lower_like(Expr::col(incentive::Column::ExternalId)));
        if let Ok(id) = keyword.trim_start_matches('#').parse::<i64>() {
            any = any.add(incentive::Column::Id.eq(id));
        }
        select = select.filter(any);
    }
    Ok(select)
}

/// One page of the incentives table, newest first, with the count and the
/// totals per asset of everything matching.
pub async fn list(
    db: &DatabaseConnection,
    query: &IncentiveQuery,
) -> Result<IncentiveList, IncentiveError> {
    use sea_orm::{PaginatorTrait, QueryOrder};

    let per_page = crate::ui::list::per_page(query.per_page, &PER_PAGE_CHOICES);
    let page = paging::page(query.page);
    let select = filtered(db, query).await?;
    let total = select.clone().count(db).await?;
    let sums: Vec<(i64, Option<i64>)> = select
        .clone()
        .select_only()
        .column(incentive::Column::AssetId)
        .expr(
            Expr::col(incentive::Column::AmountMinor)
                .sum()
                .cast_as(sea_orm::sea_query::Alias::new("BIGINT")),
        )
        .group_by(incentive::Column::AssetId)
        .into_tuple()
        .all(db)
        .await?;
    let assets = ledger::assets_by_id(db).await?;
    let mut totals: Vec<Money> = sums
        .into_iter()
        .filter_map(|(asset_id, sum)| {
            let asset = assets.get(&asset_id)?;
            Some(Money {
                code: asset.code.clone(),
                scale: scale_of(asset),
                minor: sum.unwrap_or(0),
            })
        })
        .collect();
    totals.sort_by(|a, b| a.code.cmp(&b.code));
    let models = select
        .order_by_desc(incentive::Column::Id)
        .limit(per_page)
        .offset(paging::offset(page, per_page))
        .all(db)
        .await?;
    Ok(IncentiveList {
        rows: views(db, models).await?,
        total,
        page,
        per_page,
        totals,
        fresh_key: crate::withdrawals::queries::fresh_key(),
        // The server function sets them for the viewing admin.
        can_decide: false,
        can_pay: false,
    })
}

/// The ids of every incentive matching the filters, for "select all
/// matching" (at most [`BULK_LIMIT`]).
pub async fn matching_ids(
    db: &DatabaseConnection,
    query: &IncentiveQuery,
) -> Result<Vec<i64>, IncentiveError> {
    use sea_orm::QueryOrder;

    let ids: Vec<i64> = filtered(db, query)
        .await?
        .select_only()
        .column(incentive::Column::Id)
        .order_by_asc(incentive::Column::Id)
        .limit(BULK_LIMIT as u64 + 1)
        .into_tuple()
        .all(db)
        .await?;
    if ids.len() > BULK_LIMIT {
        return Err(IncentiveError::invalid(format!(
            "More than {BULK_LIMIT} incentives match; narrow the filter"
        )));
    }
    Ok(ids)
}

/// A member's own incentives: the latest 20 and the totals per status.
pub async fn for_member(
    db: &DatabaseConnection,
    user_id: i64,
) -> Result<MemberIncentives, IncentiveError> {
    use sea_orm::QueryOrder;

    // Until the address is proven, whoever signed up with it is not shown
    // what the vendor reported for it either.
    let confirmed = user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .is_some_and(|u| u.email_confirmed_at.is_some());
    if !confirmed {
        return Ok(MemberIncentives::default());
    }
    let latest = incentive::Entity::find()
        .filter(incentive::Column::MemberUserId.eq(user_id))
        .order_by_desc(incentive::Column::Id)
        .limit(20)
        .all(db)
        .await?;
    let sums: Vec<(String, i64, Option<i64>)> = incentive::Entity::find()
        .select_only()
        .column(incentive::Column::Status)
        .column(incentive::Column::AssetId)
        .expr(
            Expr::col(incentive::Column::AmountMinor)
                .sum()
                .cast_as(sea_orm::sea_query::Alias::new("BIGINT")),
        )
        .filter(incentive::Column::MemberUserId.eq(user_id))
        .group_by(incentive::Column::Status)
        .group_by(incentive::Column::AssetId)
        .into_tuple()
        .all(db)
        .await?;
    let assets = ledger::assets_by_id(db).await?;
    let mut out = MemberIncentives {
        latest: views(db, latest).await?,
        ..Default::default()
    };
    for (status, asset_id, sum) in sums {
        let Some(asset) = assets.get(&asset_id) else {
            continue;
        };
        let money = Money {
            code: asset.code.clone(),
            scale: scale_of(asset),
            minor: sum.unwrap_or(0),
        };
        match IncentiveStatus::parse(&status) {
            Some(IncentiveStatus::Pending) => out.pending.push(money),
            Some(IncentiveStatus::Approved) => out.approved.push(money),
            Some(IncentiveStatus::Paid) => out.paid.push(money),
            Some(IncentiveStatus::Rejected) | None => {}
        }
    }
    for list in [&mut out.pending, &mut out.approved, &mut out.paid] {
        list.sort_by(|a, b| a.code.cmp(&b.code));
    }
    Ok(out)
}
