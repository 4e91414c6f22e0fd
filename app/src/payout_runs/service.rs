//! Previewing, starting and working through payout runs.

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;

use super::error::PayoutRunError;
use super::queries::{find_run, progress};
use super::status::{member_transition, run_transition, MemberStatus, RunEvent, RunStatus};
use super::{RunLine, RunParams, RunPreview, RunProgress, RunSkip};
use crate::entities::{asset, payout_detail, payout_run, payout_run_member, user, wallet};
use crate::ledger::{
    money::{format_amount, parse_amount, AssetKind},
    service as ledger,
};
use crate::platform::{db, Clock};
use crate::withdrawals::decision::Problem;
use crate::withdrawals::service::{
    dry_run, request_on_behalf, AmountRequest, NewWithdrawal, WithdrawalError,
};

/// Members worked through per step: a step stays well under a second or
/// two, so the page's progress moves.
pub const STEP: u64 = 100;

/// Most members one run covers.
pub const MAX_MEMBERS: usize = 50_000;

/// The run's parameters, parsed: the asset, the currency requests are paid
/// in, the threshold (in the asset's units) and the maximum per member (in
/// the currency's).
pub(super) struct Plan {
    pub(super) asset: asset::Model,
    currency: asset::Model,
    rate: Option<crate::ledger::money::Rate>,
    pub(super) threshold: i64,
    pub(super) max: Option<i64>,
}

/// The currency requests from this asset are paid in (itself, for money),
/// and for points the rate in force.
pub(super) async fn payout_currency(
    db: &DatabaseConnection,
    asset: &asset::Model,
) -> Result<(asset::Model, Option<crate::ledger::money::Rate>), PayoutRunError> {
    if ledger::asset_view(asset).kind == AssetKind::Currency {
        return Ok((asset.clone(), None));
    }
    let (currency_id, rate) = ledger::current_rate(db, asset.id).await?.ok_or_else(|| {
        PayoutRunError::invalid(format!(
            "No conversion rate is set for {}; set one before paying it out",
            asset.code
        ))
    })?;
    let currency = asset::Entity::find_by_id(currency_id)
        .one(db)
        .await?
        .ok_or_else(|| {
            PayoutRunError::Unexpected(anyhow::anyhow!("asset {currency_id} missing"))
        })?;
    Ok((currency, Some(rate)))
}

pub(super) async fn plan(
    db: &DatabaseConnection,
    params: &RunParams,
) -> Result<Plan, PayoutRunError> {
    let code = params.asset.trim().to_uppercase();
    if code.is_empty() {
        return Err(PayoutRunError::invalid("Choose an asset"));
    }
    let asset = ledger::find_asset(db, &code)
        .await
        .map_err(|_| PayoutRunError::invalid(format!("There is no asset {code}")))?;
    let view = ledger::asset_view(&asset);
    let (currency, rate) = payout_currency(db, &asset).await?;
    let threshold = parse_amount(params.threshold.trim(), &asset.code, view.scale)
        .map_err(|err| PayoutRunError::invalid(format!("Threshold: {err}")))?;
    let currency_view = ledger::asset_view(&currency);
    let max = match params.max_per_member.trim() {
        "" => None,
        text => Some(
            parse_amount(text, &currency.code, currency_view.scale)
                .map_err(|err| PayoutRunError::invalid(format!("Maximum per member: {err}")))?,
        ),
    };
    Ok(Plan {
        asset,
        currency,
        rate,
        threshold,
        max,
    })
}

/// A plan from parameters recorded earlier (a run's, a schedule's).
pub(super) async fn recorded_plan(
    db: &DatabaseConnection,
    asset_id: i64,
    threshold: i64,
    max: Option<i64>,
) -> Result<Plan, PayoutRunError> {
    let asset = asset::Entity::find_by_id(asset_id)
        .one(db)
        .await?
        .ok_or_else(|| PayoutRunError::Unexpected(anyhow::anyhow!("asset {asset_id} missing")))?;
    let (currency, rate) = payout_currency(db, &asset).await?;
    Ok(Plan {
        asset,
        currency,
        rate,
        threshold,
        max,
    })
}

/// A member at or above the threshold, with the wallet and default method.
pub(super) struct Candidate {
    user: user::Model,
    wallet: wallet::Model,
    default_method: Option<String>,
}

pub(super) async fn candidates(
    db: &DatabaseConnection,
    plan: &Plan,
) -> Result<Vec<Candidate>, PayoutRunError> {
    let wallets = wallet::Entity::find()
        .filter(wallet::Column::Kind.eq("member"))
        .filter(wallet::Column::AssetId.eq(plan.asset.id))
        .filter(wallet::Column::Balance.gte(plan.threshold))
        .order_by_asc(wallet::Column::OwnerUserId)
        .limit(MAX_MEMBERS as u64 + 1)
        .all(db)
        .await?;
    if wallets.len() > MAX_MEMBERS {
        return Err(PayoutRunError::invalid(format!(
            "More than {MAX_MEMBERS} members are at or above this threshold; raise it"
        )));
    }
    let mut found = Vec::with_capacity(wallets.len());
    for chunk in wallets.chunks(500) {
        let ids: Vec<i64> = chunk.iter().filter_map(|w| w.owner_user_id).collect();
        let users: HashMap<i64, user::Model> = user::Entity::find()
            .filter(user::Column::Id.is_in(ids.clone()))
            .filter(user::Column::Role.eq("member"))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let defaults: HashMap<i64, String> = payout_detail::Entity::find()
            .filter(payout_detail::Column::UserId.is_in(ids))
            .filter(payout_detail::Column::IsDefault.eq(true))
            .all(db)
            .await?
            .into_iter()
            .map(|d| (d.user_id, d.method))
            .collect();
        for wallet in chunk {
            let Some(user) = wallet.owner_user_id.and_then(|id| users.get(&id)) else {
                continue;
            };
            found.push(Candidate {
                user: user.clone(),
                wallet: wallet.clone(),
                default_method: defaults.get(&user.id).cloned(),
            });
        }
    }
    Ok(found)
}

/// What to ask for: the whole available balance (within the method's
/// maximum), or at most the run's maximum.
fn amount_for(plan: &Plan, wallet: &wallet::Model) -> AmountRequest {
    let Some(max) = plan.max else {
        return AmountRequest::Max;
    };
    let available = match plan.rate {
        None => wallet.balance,
        Some(rate) => rate.money_for_points(wallet.balance).unwrap_or(0),
    };
    AmountRequest::Minor(available.min(max))
}

/// Why a member is left out, in an admin's words.
fn reason(err: &WithdrawalError) -> String {
    match err {
        WithdrawalError::Inactive => "Inactive account".into(),
        WithdrawalError::EmailNotConfirmed => "Email address not confirmed yet".into(),
        WithdrawalError::OneOpenRequest => "Has an open request already".into(),
        WithdrawalError::Refused(Problem::NotVerified(limit)) => {
            format!("Not verified, and the amount is above the verification limit of {limit}")
        }
        WithdrawalError::Refused(Problem::NoPayoutDetails(method)) => {
            format!("No saved {method} details")
        }
        other => other.to_string(),
    }
}

const NO_DEFAULT: &str = "No default payout method";

fn skip(candidate: &Candidate, reason: String) -> RunSkip {
    RunSkip {
        member_user_id: candidate.user.id,
        member_name: candidate.user.display_name.clone(),
        member_email: candidate.user.email.clone(),
        reason,
    }
}

/// Every member at or above the threshold: what each would get, or why not.
pub async fn preview(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    params: RunParams,
) -> Result<RunPreview, PayoutRunError> {
    let plan = plan(db, &params).await?;
    let candidates = candidates(db, &plan).await?;
    let now = clock.now();
    let currency_scale = u32::try_from(plan.currency.scale).unwrap_or(0);
    let mut eligible = Vec::new();
    let mut skipped = Vec::new();
    // Requests are made and undone: nothing here is kept.
    let txn = db::begin_write(db).await?;
    for candidate in &candidates {
        let Some(method) = &candidate.default_method else {
            skipped.push(skip(candidate, NO_DEFAULT.into()));
            continue;
        };
        let input = NewWithdrawal {
            member_user_id: candidate.user.id,
            wallet_id: candidate.wallet.id,
            method,
            amount: amount_for(&plan, &candidate.wallet),
            idempotency_key: "preview",
        };
        match dry_run(&txn, now, admin_user_id, &input, true).await {
            Ok(view) => eligible.push(RunLine {
                member_user_id: candidate.user.id,
                member_name: candidate.user.display_name.clone(),
                member_email: candidate.user.email.clone(),
                method: view.method.label().to_owned(),
                currency: view.currency.clone(),
                currency_scale,
                gross_minor: view.gross_minor,
                fee_minor: view.fee_minor,
                net_minor: view.net_minor,
            }),
            Err(WithdrawalError::Unexpected(err)) => {
                txn.rollback().await?;
                return Err(PayoutRunError::Unexpected(err));
            }
            Err(err) => skipped.push(skip(candidate, reason(&err))),
        }
    }
    txn.rollback().await?;
    Ok(RunPreview {
        params,
        eligible,
        skipped,
        fresh_key: crate::withdrawals::queries::fresh_key(),
    })
}

/// Records the run and its members (once per key), to be worked through by
/// `step`.
pub async fn start(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    params: RunParams,
    idempotency_key: &str,
) -> Result<RunProgress, PayoutRunError> {
    let key = idempotency_key.trim();
    if key.is_empty() || key.len() > 128 {
        return Err(PayoutRunError::invalid(
            "Missing idempotency key: reload the page and try again",
        ));
    }
    let full_key = format!("admin:{admin_user_id}:{key}");
    if let Some(run) = run_by_key(db, &full_key).await? {
        return progress(db, run.id).await;
    }
    let plan = plan(db, &params).await?;
    let candidates = candidates(db, &plan).await?;
    if candidates.is_empty() {
        return Err(PayoutRunError::invalid(
            "No member is at or above this threshold: nothing to run",
        ));
    }
    let txn = db::begin_write(db).await?;
    let recorded = record_run(
        &txn,
        clock.now(),
        admin_user_id,
        &plan,
        &candidates,
        full_key.clone(),
        None,
    )
    .await;
    let run = match recorded {
        Ok(run) => run,
        Err(err) if db::is_unique_violation(&err) => {
            // The same confirm, twice at once: the other one made it.
            txn.rollback().await?;
            let run = run_by_key(db, &full_key).await?.ok_or_else(|| {
                PayoutRunError::Unexpected(anyhow::anyhow!("run {full_key} vanished"))
            })?;
            return progress(db, run.id).await;
        }
        Err(err) => return Err(PayoutRunError::Unexpected(err.into())),
    };
    txn.commit().await?;
    progress(db, run.id).await
}

/// Records a run, its members and the audit row in the caller's
/// transaction. A run with no member (a schedule's, on a quiet day) is
/// recorded done, so the history shows that it ran.
pub(super) async fn record_run(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    created_by: i64,
    plan: &Plan,
    candidates: &[Candidate],
    idempotency_key: String,
    schedule_id: Option<i64>,
) -> Result<payout_run::Model, DbErr> {
    let empty = candidates.is_empty();
    let run = payout_run::Entity::insert(payout_run::ActiveModel {
        idempotency_key: Set(idempotency_key),
        asset_id: Set(plan.asset.id),
        threshold_minor: Set(plan.threshold),
        max_minor: Set(plan.max),
        status: Set(RunStatus::starting(candidates.len()).as_str().into()),
        total: Set(i32::try_from(candidates.len()).map_err(|e| DbErr::Custom(e.to_string()))?),
        created_by: Set(created_by),
        created_at: Set(now),
        finished_at: Set(empty.then_some(now)),
        schedule_id: Set(schedule_id),
        ..Default::default()
    })
    .exec_with_returning(txn)
    .await?;
    for chunk in candidates.chunks(500) {
        payout_run_member::Entity::insert_many(chunk.iter().map(|c| {
            payout_run_member::ActiveModel {
                run_id: Set(run.id),
                member_user_id: Set(c.user.id),
                wallet_id: Set(c.wallet.id),
                status: Set(MemberStatus::Pending.as_str().into()),
                request_id: Set(None),
                reason: Set(None),
                ..Default::default()
            }
        }))
        .exec_without_returning(txn)
        .await?;
    }
    let threshold = format_amount(
        plan.threshold,
        &plan.asset.code,
        u32::try_from(plan.asset.scale).unwrap_or(0),
    );
    let detail = match schedule_id {
        Some(schedule) => format!(
            "{} members at or above {threshold}, by schedule #{schedule}",
            candidates.len()
        ),
        None => format!("{} members at or above {threshold}", candidates.len()),
    };
    crate::platform::audit::record(
        txn,
        now,
        crate::platform::audit::AuditEntry::new(
            crate::platform::audit::AuditAction::PayoutRunStarted,
        )
        .actor(created_by)
        .subject(format!("payout_run:{}", run.id))
        .detail(detail),
    )
    .await?;
    Ok(run)
}

async fn run_by_key(
    db: &DatabaseConnection,
    key: &str,
) -> Result<Option<payout_run::Model>, PayoutRunError> {
    Ok(payout_run::Entity::find()
        .filter(payout_run::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?)
}

/// Makes the next members' requests (at most `STEP`), each with the key
/// `run-{run}-{member}` in the starting admin's name, so a step repeated,
/// or two at once, makes each request once.
pub async fn step(
    db: &DatabaseConnection,
    clock: &Clock,
    run_id: i64,
) -> Result<RunProgress, PayoutRunError> {
    let run = find_run(db, run_id).await?;
    let status = RunStatus::parse(&run.status)
        .ok_or_else(|| anyhow::anyhow!("payout run {} has status {:?}", run.id, run.status))?;
    if status == RunStatus::Done {
        return progress(db, run.id).await;
    }
    // The run's own parameters, as recorded: nothing to parse again.
    let plan = recorded_plan(db, run.asset_id, run.threshold_minor, run.max_minor).await?;
    let pending = payout_run_member::Entity::find()
        .filter(payout_run_member::Column::RunId.eq(run.id))
        .filter(payout_run_member::Column::Status.eq(MemberStatus::Pending.as_str()))
        .order_by_asc(payout_run_member::Column::Id)
        .limit(STEP)
        .all(db)
        .await?;
    for member in pending {
        let outcome = make_request(db, clock, &run, &plan, &member).await?;
        let (event, request_id, reason) = match outcome {
            Ok(request_id) => (RunEvent::RequestMade, Some(request_id), None),
            Err(reason) => (RunEvent::MemberSkipped, None, Some(reason)),
        };
        let from = MemberStatus::parse(&member.status).ok_or_else(|| {
            anyhow::anyhow!("run member {} has status {:?}", member.id, member.status)
        })?;
        let to = member_transition(from, event).map_err(anyhow::Error::from)?;
        // Guarded: a concurrent step that got here first wins; the request
        // itself was made once either way (same key).
        payout_run_member::Entity::update_many()
            .col_expr(payout_run_member::Column::Status, Expr::value(to.as_str()))
            .col_expr(
                payout_run_member::Column::RequestId,
                Expr::value(request_id),
            )
            .col_expr(payout_run_member::Column::Reason, Expr::value(reason))
            .filter(payout_run_member::Column::Id.eq(member.id))
            .filter(payout_run_member::Column::Status.eq(from.as_str()))
            .exec(db)
            .await?;
    }
    let left = payout_run_member::Entity::find()
        .filter(payout_run_member::Column::RunId.eq(run.id))
        .filter(payout_run_member::Column::Status.eq(MemberStatus::Pending.as_str()))
        .count(db)
        .await?;
    if left == 0 {
        let done = run_transition(status, RunEvent::LastMemberDone).map_err(anyhow::Error::from)?;
        finish(db, clock.now(), run.id, status, done).await?;
    }
    progress(db, run.id).await
}

/// The run's guarded move to `to`: a concurrent step that finished it
/// first makes this one a no-op.
async fn finish(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    run_id: i64,
    from: RunStatus,
    to: RunStatus,
) -> Result<(), PayoutRunError> {
    payout_run::Entity::update_many()
        .col_expr(payout_run::Column::Status, Expr::value(to.as_str()))
        .col_expr(payout_run::Column::FinishedAt, Expr::value(now))
        .filter(payout_run::Column::Id.eq(run_id))
        .filter(payout_run::Column::Status.eq(from.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

/// One member's request: its id, or why the member is skipped.
async fn make_request(
    db: &DatabaseConnection,
    clock: &Clock,
    run: &payout_run::Model,
    plan: &Plan,
    member: &payout_run_member::Model,
) -> Result<Result<i64, String>, PayoutRunError> {
    let wallet = wallet::Entity::find_by_id(member.wallet_id)
        .one(db)
        .await?
        .ok_or_else(|| {
            PayoutRunError::Unexpected(anyhow::anyhow!("wallet {} missing", member.wallet_id))
        })?;
    let default_method = payout_detail::Entity::find()
        .filter(payout_detail::Column::UserId.eq(member.member_user_id))
        .filter(payout_detail::Column::IsDefault.eq(true))
        .one(db)
        .await?
        .map(|d| d.method);
    let Some(method) = default_method else {
        return Ok(Err(NO_DEFAULT.into()));
    };
    let key = format!("run-{}-{}", run.id, member.member_user_id);
    let made = request_on_behalf(
        db,
        clock,
        run.created_by,
        NewWithdrawal {
            member_user_id: member.member_user_id,
            wallet_id: wallet.id,
            method: &method,
            amount: amount_for(plan, &wallet),
            idempotency_key: &key,
        },
        Some(format!("Payout run #{}", run.id)),
        true,
    )
    .await;
    match made {
        Ok(view) => Ok(Ok(view.id)),
        Err(WithdrawalError::Unexpected(err)) => Err(PayoutRunError::Unexpected(err)),
        Err(err) => Ok(Err(reason(&err))),
    }
}
