//! Queries and bulk actions of the payouts desk. Every status change goes
//! through `withdrawals::service::change_status`, one request per
//! transaction, so one request's conflict never blocks or undoes another's.

use std::collections::HashMap;

use sea_orm::{
    sea_query::{Expr, ExprTrait, Func, Query},
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};

use super::error::PayoutsError;
use super::{BulkRequest, PayoutList, PayoutQuery, PayoutRow, Selection, SortBy, PAGE_SIZES};
use crate::auth::{service::users_by_id, Role};
use crate::entities::{asset, user, withdrawal_request};
use crate::payout_details::method::PayoutMethod;
use crate::platform::{paging, Clock};
use crate::ui::{BulkOutcome, Skipped};
use crate::withdrawals::{
    service::{self as withdrawals, Actor, EventDetails, WithdrawalError},
    WithdrawalAction, WithdrawalStatus,
};

/// Most requests one bulk action touches, so a mistaken "all matching"
/// cannot run for minutes.
pub const BULK_LIMIT: usize = 5_000;

/// The query as a filtered select, or a message naming the bad filter.
pub(crate) async fn filtered(
    db: &DatabaseConnection,
    query: &PayoutQuery,
) -> Result<Select<withdrawal_request::Entity>, PayoutsError> {
    let mut select = withdrawal_request::Entity::find();
    if !query.status.is_empty() {
        let status = WithdrawalStatus::parse(&query.status)
            .ok_or_else(|| PayoutsError::invalid(format!("Unknown status {:?}", query.status)))?;
        select = select.filter(withdrawal_request::Column::Status.eq(status.as_str()));
    }
    if !query.method.is_empty() {
        let method = PayoutMethod::parse(&query.method).ok_or_else(|| {
            PayoutsError::invalid(format!("Unknown payout method {:?}", query.method))
        })?;
        select = select.filter(withdrawal_request::Column::Method.eq(method.as_str()));
    }
    if !query.currency.is_empty() {
        let code = query.currency.trim().to_ascii_uppercase();
        let currency = asset::Entity::find()
            .filter(asset::Column::Code.eq(code.clone()))
            .one(db)
            .await?
            .ok_or_else(|| PayoutsError::invalid(format!("Unknown currency {code}")))?;
        select = select.filter(withdrawal_request::Column::CurrencyAssetId.eq(currency.id));
    }
    let range = crate::platform::dates::day_range(&query.from, &query.to)?;
    if let Some(start) = range.start {
        select = select.filter(withdrawal_request::Column::CreatedAt.gte(start));
    }
    if let Some(end) = range.end {
        select = select.filter(withdrawal_request::Column::CreatedAt.lt(end));
    }
    let keyword = query.q.trim();
    if !keyword.is_empty() {
        if keyword.chars().count() > 200 {
            return Err(PayoutsError::invalid("The search is too long"));
        }
        let pattern = format!("%{}%", keyword.to_lowercase());
        let members = Query::select()
            .column(user::Column::Id)
            .from(user::Entity)
            .cond_where(
                Condition::any()
                    .add(
                        Expr::expr(Func::lower(Expr::col(user::Column::Email)))
                            .like(pattern.clone()),
                    )
                    .add(
                        Expr::expr(Func::lower(Expr::col(user::Column::DisplayName)))
                            .like(pattern.clone()),
                    ),
            )
            .to_owned();
        let mut any = Condition::any()
            .add(withdrawal_request::Column::MemberUserId.in_subquery(members))
            .add(
                Expr::expr(Func::lower(Expr::col(
                    withdrawal_request::Column::ExternalReference,
                )))
                .like(pattern),
            );
        if let Ok(id) = keyword.trim_start_matches('#').parse::<i64>() {
            any = any.add(withdrawal_request::Column::Id.eq(id));
        }
        select = select.filter(any);
    }
    Ok(select)
}

pub async fn list(
    db: &DatabaseConnection,
    query: &PayoutQuery,
) -> Result<PayoutList, PayoutsError> {
    let per_page = crate::ui::list::per_page(query.per_page, &PAGE_SIZES);
    let page = paging::page(query.page);
    let select = filtered(db, query).await?;
    let total = select.clone().count(db).await?;
    let column = match query.sort {
        SortBy::Created => withdrawal_request::Column::Id,
        SortBy::Amount => withdrawal_request::Column::GrossMinor,
        SortBy::Status => withdrawal_request::Column::Status,
    };
    let order = if query.ascending {
        sea_orm::Order::Asc
    } else {
        sea_orm::Order::Desc
    };
    let models = select
        .order_by(column, order.clone())
        // Ties broken by id, so pages never overlap or skip.
        .order_by(withdrawal_request::Column::Id, order)
        .limit(per_page)
        .offset(paging::offset(page, per_page))
        .all(db)
        .await?;
    let members = users_by_id(db, models.iter().map(|m| m.member_user_id)).await?;
    let views = withdrawals::views_of(db, &models).await?;
    let rows = models
        .iter()
        .zip(views)
        .map(|(model, request)| {
            let member = members.get(&model.member_user_id);
            PayoutRow {
                request,
                member_name: member.map(|m| m.display_name.clone()).unwrap_or_default(),
                member_email: member.map(|m| m.email.clone()).unwrap_or_default(),
            }
        })
        .collect();
    Ok(PayoutList {
        rows,
        total,
        page,
        per_page,
        fresh_key: crate::withdrawals::queries::fresh_key(),
        // The server function sets them for the viewing admin.
        can_process: false,
        can_send: false,
        can_export: false,
    })
}

/// The ids a bulk action covers, in id order: the ticked rows, or every
/// request matching the query. Refuses none, or more than `limit`.
pub async fn selected_ids(
    db: &DatabaseConnection,
    selection: Selection,
    limit: usize,
) -> Result<Vec<i64>, PayoutsError> {
    let mut ids = match selection {
        Selection::Ids(ids) => ids,
        Selection::Matching(query) => {
            filtered(db, &query)
                .await?
                .select_only()
                .column(withdrawal_request::Column::Id)
                .order_by_asc(withdrawal_request::Column::Id)
                .limit(limit as u64 + 1)
                .into_tuple::<i64>()
                .all(db)
                .await?
        }
    };
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(PayoutsError::invalid("Select at least one request"));
    }
    if ids.len() > limit {
        return Err(PayoutsError::invalid(format!(
            "At most {limit} requests at once; narrow the filter"
        )));
    }
    Ok(ids)
}

/// Applies one action to many requests, each in its own transaction.
pub async fn bulk(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    request: BulkRequest,
) -> Result<BulkOutcome, PayoutsError> {
    let note = request.note.trim().to_owned();
    if request.action == WithdrawalAction::Reject && note.is_empty() {
        return Err(PayoutsError::invalid(
            "Rejecting needs a note: the member sees it in their history",
        ));
    }
    if request.idempotency_key.trim().is_empty() {
        return Err(PayoutsError::invalid("The idempotency key is missing"));
    }
    let ids = selected_ids(db, request.selection, BULK_LIMIT).await?;
    // Checked once: bad details are the same for every row.
    let details = EventDetails {
        note: Some(note),
        external_reference: Some(request.external_reference),
        payment_date: Some(request.payment_date),
        payment_file_id: None,
        second_approver: None,
    }
    .validated()?;
    let actor = Actor {
        user_id: admin_user_id,
        role: Role::Admin,
    };
    let mut outcome = BulkOutcome::default();
    for id in ids {
        let key = format!("{}:{id}", request.idempotency_key);
        let result =
            withdrawals::change_status(db, clock, actor, id, request.action, details.clone(), &key)
                .await;
        match result {
            // Above the approval limit: asked for, not moved.
            Ok(view) if view.held.is_some() => outcome.skipped.push(Skipped {
                id,
                reason: view.held.map(|held| held.message).unwrap_or_default(),
            }),
            Ok(_) => outcome.succeeded.push(id),
            Err(WithdrawalError::Unexpected(err)) => {
                tracing::error!(request = id, error = %format!("{err:#}"), "bulk action failed");
                outcome.skipped.push(Skipped {
                    id,
                    reason: "Something went wrong; try this one again".into(),
                });
            }
            Err(err) => outcome.skipped.push(Skipped {
                id,
                reason: err.to_string(),
            }),
        }
    }
    Ok(outcome)
}

/// How many requests are waiting for an administrator: the sidebar badge.
/// Counted on the status index, so it stays cheap on large tables.
pub async fn requested_count(db: &DatabaseConnection) -> Result<u64, PayoutsError> {
    Ok(withdrawal_request::Entity::find()
        .filter(withdrawal_request::Column::Status.eq(WithdrawalStatus::Requested.as_str()))
        .count(db)
        .await?)
}

/// A request by id, or "not found".
async fn find_request(
    db: &DatabaseConnection,
    request_id: i64,
) -> Result<withdrawal_request::Model, PayoutsError> {
    withdrawal_request::Entity::find_by_id(request_id)
        .one(db)
        .await?
        .ok_or_else(|| PayoutsError::not_found("Withdrawal request not found"))
}

/// The process view of one request.
pub async fn process_view(
    db: &DatabaseConnection,
    request_id: i64,
) -> Result<super::ProcessView, PayoutsError> {
    use crate::entities::withdrawal_event;
    use crate::withdrawals::{preview::TimelineEvent, status::transition};

    let model = find_request(db, request_id).await?;
    let request = withdrawals::view_of(db, &model).await?;
    let member = user::Entity::find_by_id(model.member_user_id)
        .one(db)
        .await?
        .ok_or_else(|| {
            PayoutsError::Unexpected(anyhow::anyhow!("member {} missing", model.member_user_id))
        })?;
    let verification = crate::verification::service::get(db, member.id)
        .await?
        .status;
    let events = withdrawal_event::Entity::find()
        .filter(withdrawal_event::Column::RequestId.eq(request_id))
        .order_by_asc(withdrawal_event::Column::Id)
        .all(db)
        .await?;
    let actors: HashMap<i64, String> = users_by_id(
        db,
        events
            .iter()
            .filter_map(|e| e.actor_user_id)
            .chain(events.iter().filter_map(|e| e.second_approver_user_id))
            .collect::<Vec<i64>>(),
    )
    .await?
    .into_iter()
    .map(|(id, u)| (id, u.display_name))
    .collect();
    let paypal = crate::paypal::trail::trail(db, request.id).await?;
    // Changes no person made: PayPal's reports for a request sent there.
    let system = if paypal.is_some() {
        "PayPal"
    } else {
        "Paydesk"
    };
    let timeline = events
        .iter()
        .filter_map(|e| {
            Some(TimelineEvent {
                at: e.occurred_at.format("%Y-%m-%d %H:%M").to_string(),
                to: WithdrawalStatus::parse(&e.to_status)?,
                by: e
                    .actor_user_id
                    .and_then(|id| actors.get(&id).cloned())
                    .unwrap_or_else(|| system.to_owned()),
                note: e.note.clone(),
                external_reference: e.external_reference.clone(),
                payment_date: e.payment_date.clone(),
                second_approver: e
                    .second_approver_user_id
                    .and_then(|id| actors.get(&id).cloned()),
            })
        })
        .collect();
    let second_approval = crate::ledger::four_eyes::open_for(
        db,
        &crate::withdrawals::service::second_approval::subject_of(request.id),
    )
    .await?
    .map(|open| {
        if open.status == crate::ledger::four_eyes::status::PENDING {
            format!(
                "Awaiting second approval (#{}): {}. Another admin decides it under Approvals",
                open.id, open.summary
            )
        } else {
            format!(
                "Second approval #{} granted: {}. The next move of this kind uses it",
                open.id, open.summary
            )
        }
    });
    let recent =
        crate::ledger::statement::statement(db, member.id, Some(model.wallet_id), 1).await?;
    let wallet_asset = recent
        .as_ref()
        .and_then(|r| r.wallet.clone())
        .map(|w| w.asset);
    let extra_details = extra_details(db, model.payout_details.as_deref()).await?;
    // While PayPal holds the request, its status follows PayPal only.
    let held_by_paypal = paypal.as_ref().is_some_and(|trail| !trail.settled);
    let allowed = WithdrawalAction::ALL
        .into_iter()
        .filter(|action| !held_by_paypal && transition(request.status, *action).is_ok())
        .collect();
    Ok(super::ProcessView {
        request,
        member_id: member.id,
        member_name: member.display_name,
        member_email: member.email,
        member_active: member.is_active,
        verification,
        timeline,
        recent_ledger: recent.map(|r| r.lines).unwrap_or_default(),
        wallet_asset: wallet_asset
            .as_ref()
            .map(|a| a.code.clone())
            .unwrap_or_default(),
        wallet_scale: wallet_asset.map_or(0, |a| a.scale),
        allowed,
        paypal,
        extra_details,
        fresh_key: crate::withdrawals::queries::fresh_key(),
        // The server function narrows it to the viewing admin's role.
        can_reveal: false,
        second_approval,
    })
}

/// The answers to extra fields a request was frozen with, labelled (the
/// fields retired since included).
async fn extra_details(
    db: &DatabaseConnection,
    details_json: Option<&str>,
) -> Result<Vec<(String, String)>, PayoutsError> {
    let details: crate::payout_details::DetailsInput = details_json
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_default();
    if details.extra.is_empty() {
        return Ok(Vec::new());
    }
    let fields = crate::payout_fields::service::fields(db, true).await?;
    Ok(crate::payout_fields::service::labelled(
        &fields,
        &details.extra,
    ))
}

/// Shows an admin the full payout details a request will be paid to, and
/// records that they looked.
pub async fn reveal(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    request_id: i64,
    ip: Option<String>,
) -> Result<super::RevealedDetails, PayoutsError> {
    use crate::payout_details::DetailsInput;
    use crate::platform::audit::{self, AuditAction, AuditEntry};

    let model = find_request(db, request_id).await?;
    let details: DetailsInput = model
        .payout_details
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok())
        .ok_or_else(|| PayoutsError::invalid("This request has no payout details on record"))?;
    audit::record(
        db,
        clock.now(),
        AuditEntry::new(AuditAction::PayoutDetailsRevealed)
            .actor(admin_user_id)
            .subject(format!("withdrawal:{request_id}"))
            .ip(ip)
            .detail(format!("details of user:{}", model.member_user_id)),
    )
    .await?;
    let mut fields = extra_details(db, model.payout_details.as_deref()).await?;
    fields.splice(0..0, details.labelled());
    Ok(super::RevealedDetails { fields })
}
