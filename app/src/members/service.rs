//! Members for the admin: the list with totals (a handful of grouped
//! queries per page, never one per member), one member's page, and the
//! active switch. Credits, debits and verification reviews are the ledger's
//! and verification's own operations.

use std::collections::HashMap;

use sea_orm::{
    sea_query::{Alias, Expr, ExprTrait, Func, Query},
    ActiveValue::Set,
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::{MaskedDetails, MemberList, MemberRow, MemberView, PAGE_SIZE};
use crate::auth::Role;
use crate::entities::{asset, journal_entry, transfer, user, wallet, withdrawal_request};

use super::error::MemberError;
use crate::ledger::money::Money;
use crate::ledger::service::EntryKind;
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    db, paging, Clock,
};
use crate::withdrawals::WithdrawalStatus;

pub async fn list(db: &DatabaseConnection, q: &str, page: u64) -> Result<MemberList, MemberError> {
    let page = paging::page(page);
    let mut select = user::Entity::find().filter(user::Column::Role.eq(Role::Member.as_str()));
    let keyword = q.trim();
    if !keyword.is_empty() {
        if keyword.chars().count() > 200 {
            return Err(MemberError::invalid("The search is too long"));
        }
        let pattern = format!("%{}%", keyword.to_lowercase());
        let mut any = Condition::any()
            .add(Expr::expr(Func::lower(Expr::col(user::Column::Email))).like(pattern.clone()))
            .add(Expr::expr(Func::lower(Expr::col(user::Column::DisplayName))).like(pattern));
        if let Ok(id) = keyword.trim_start_matches('#').parse::<i64>() {
            any = any.add(user::Column::Id.eq(id));
        }
        select = select.filter(any);
    }
    let total = select.clone().count(db).await?;
    let users = select
        .order_by_desc(user::Column::Id)
        .limit(PAGE_SIZE)
        .offset(paging::offset(page, PAGE_SIZE))
        .all(db)
        .await?;
    Ok(MemberList {
        rows: rows_for(db, users).await?,
        total,
        page,
        per_page: PAGE_SIZE,
    })
}

/// Balances and totals for a page of members.
async fn rows_for(
    db: &DatabaseConnection,
    users: Vec<user::Model>,
) -> Result<Vec<MemberRow>, MemberError> {
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let assets = crate::ledger::service::assets_by_id(db).await?;
    let money = |asset_id: i64, minor: i64| {
        assets.get(&asset_id).map(|a| Money {
            code: a.code.clone(),
            scale: u32::try_from(a.scale).unwrap_or(0),
            minor,
        })
    };
    // (member, asset) -> amount, for each figure.
    let mut balances: HashMap<i64, Vec<Money>> = HashMap::new();
    let mut earned: HashMap<i64, Vec<Money>> = HashMap::new();
    let wallets = wallet::Entity::find()
        .filter(wallet::Column::OwnerUserId.is_in(ids.clone()))
        .order_by_asc(wallet::Column::Id)
        .all(db)
        .await?;
    let owner_of: HashMap<i64, (i64, i64)> = wallets
        .iter()
        .filter_map(|w| Some((w.id, (w.owner_user_id?, w.asset_id))))
        .collect();
    for w in &wallets {
        if let (Some(owner), Some(m)) = (w.owner_user_id, money(w.asset_id, w.balance)) {
            balances.entry(owner).or_default().push(m);
        }
    }
    // Credit-backs return the member's own money; they are not earnings.
    let not_earnings = Query::select()
        .column(journal_entry::Column::Id)
        .from(journal_entry::Entity)
        .and_where(Expr::col(journal_entry::Column::Kind).is_in([
            EntryKind::CreditBack.as_str(),
            EntryKind::WithdrawalReturn.as_str(),
        ]))
        .to_owned();
    let credited: Vec<(i64, i64)> = transfer::Entity::find()
        .select_only()
        .column(transfer::Column::CreditWalletId)
        .column_as(
            Expr::col(transfer::Column::Amount)
                .sum()
                .cast_as(Alias::new("BIGINT")),
            "total",
        )
        .filter(
            transfer::Column::CreditWalletId.is_in(owner_of.keys().copied().collect::<Vec<_>>()),
        )
        .filter(transfer::Column::EntryId.not_in_subquery(not_earnings))
        .group_by(transfer::Column::CreditWalletId)
        .into_tuple()
        .all(db)
        .await?;
    for (wallet_id, total) in credited {
        if let Some((owner, asset_id)) = owner_of.get(&wallet_id) {
            if let Some(m) = money(*asset_id, total) {
                earned.entry(*owner).or_default().push(m);
            }
        }
    }
    let by_status = |statuses: Vec<&'static str>| {
        withdrawal_request::Entity::find()
            .select_only()
            .column(withdrawal_request::Column::MemberUserId)
            .column(withdrawal_request::Column::CurrencyAssetId)
            .column_as(
                Expr::col(withdrawal_request::Column::GrossMinor)
                    .sum()
                    .cast_as(Alias::new("BIGINT")),
                "total",
            )
            .filter(withdrawal_request::Column::MemberUserId.is_in(ids.clone()))
            .filter(withdrawal_request::Column::Status.is_in(statuses))
            .group_by(withdrawal_request::Column::MemberUserId)
            .group_by(withdrawal_request::Column::CurrencyAssetId)
            .into_tuple::<(i64, i64, i64)>()
            .all(db)
    };
    let mut requested: HashMap<i64, Vec<Money>> = HashMap::new();
    let open = [
        WithdrawalStatus::Requested,
        WithdrawalStatus::Approved,
        WithdrawalStatus::Processing,
    ]
    .map(WithdrawalStatus::as_str)
    .to_vec();
    for (member, asset_id, total) in by_status(open).await? {
        if let Some(m) = money(asset_id, total) {
            requested.entry(member).or_default().push(m);
        }
    }
    let mut paid: HashMap<i64, Vec<Money>> = HashMap::new();
    for (member, asset_id, total) in by_status(vec![WithdrawalStatus::Paid.as_str()]).await? {
        if let Some(m) = money(asset_id, total) {
            paid.entry(member).or_default().push(m);
        }
    }
    let sorted = |mut money: Vec<Money>| {
        money.sort_by(|a, b| a.code.cmp(&b.code));
        money
    };
    Ok(users
        .into_iter()
        .map(|u| MemberRow {
            id: u.id,
            balances: sorted(balances.remove(&u.id).unwrap_or_default()),
            earned: sorted(earned.remove(&u.id).unwrap_or_default()),
            requested: sorted(requested.remove(&u.id).unwrap_or_default()),
            paid: sorted(paid.remove(&u.id).unwrap_or_default()),
            name: u.display_name,
            email: u.email,
            active: u.is_active,
            verified: u.is_verified,
            email_confirmed: u.email_confirmed_at.is_some(),
        })
        .collect())
}

/// The member with this id; an admin's id or an unknown one is not found.
pub async fn find_member(
    db: &DatabaseConnection,
    member_id: i64,
) -> Result<user::Model, MemberError> {
    user::Entity::find_by_id(member_id)
        .filter(user::Column::Role.eq(Role::Member.as_str()))
        .one(db)
        .await?
        .ok_or_else(|| MemberError::not_found("Member not found"))
}

pub async fn detail(
    db: &DatabaseConnection,
    member_id: i64,
    wallet_id: Option<i64>,
    page: u64,
) -> Result<MemberView, MemberError> {
    let user = find_member(db, member_id).await?;
    let joined = user.created_at.format("%Y-%m-%d").to_string();
    let member = rows_for(db, vec![user])
        .await?
        .pop()
        .ok_or_else(|| MemberError::not_found("Member not found"))?;
    let assets = crate::ledger::service::assets_by_id(db).await?;
    // A wallet that is not this member's is "not found", like a member
    // that does not exist: the page never shows someone else's money.
    let statement = crate::ledger::statement::statement(db, member_id, wallet_id, page)
        .await?
        .ok_or_else(|| MemberError::not_found("Wallet not found"))?;
    let verification = crate::verification::service::get(db, member_id).await?;
    let payout_details = crate::payout_details::service::saved(db, member_id)
        .await?
        .into_iter()
        .map(|d| MaskedDetails {
            method_key: d.method.as_str().to_owned(),
            method: d.method.label().to_owned(),
            masked: d.masked,
            is_default: d.is_default,
        })
        .collect();
    let models = withdrawal_request::Entity::find()
        .filter(withdrawal_request::Column::MemberUserId.eq(member_id))
        .order_by_desc(withdrawal_request::Column::Id)
        .limit(20)
        .all(db)
        .await?;
    let requests = crate::withdrawals::service::views_of(db, &models).await?;
    let mut codes: Vec<String> = assets.into_values().map(|a: asset::Model| a.code).collect();
    codes.sort();
    Ok(MemberView {
        member,
        joined,
        statement,
        verification,
        payout_details,
        requests,
        assets: codes,
        fresh_key: crate::withdrawals::queries::fresh_key(),
        // The server function sets it for the viewing admin.
        can: super::MemberActions::default(),
    })
}

/// Turns a member's account on or off. An inactive member cannot sign in
/// (their sessions end at their next request) or request withdrawals.
pub async fn set_active(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    member_id: i64,
    active: bool,
    ip: Option<String>,
) -> Result<(), MemberError> {
    find_member(db, member_id).await?;
    let now = clock.now();
    let txn = db::begin_write(db).await?;
    // Guarded on the old value: a repeat changes (and records) nothing.
    let changed = user::Entity::update_many()
        .set(user::ActiveModel {
            is_active: Set(active),
            ..Default::default()
        })
        .filter(user::Column::Id.eq(member_id))
        .filter(user::Column::Role.eq(Role::Member.as_str()))
        .filter(user::Column::IsActive.eq(!active))
        .exec(&txn)
        .await?
        .rows_affected;
    if changed == 1 {
        audit::record(
            &txn,
            now,
            AuditEntry::new(AuditAction::MemberActiveChanged)
                .actor(admin_user_id)
                .subject(format!("user:{member_id}"))
                .ip(ip)
                .detail(if active { "activated" } else { "deactivated" }),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Shows an admin a member's saved details for one method in full, and
/// records that they looked. Admins can read details, never change them.
pub async fn reveal(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    member_id: i64,
    method: &str,
    ip: Option<String>,
) -> Result<crate::payouts::RevealedDetails, MemberError> {
    use crate::entities::payout_detail;
    use crate::payout_details::method::PayoutMethod;
    use crate::payout_details::DetailsInput;

    let method = PayoutMethod::parse(method)
        .ok_or_else(|| MemberError::invalid(format!("Unknown payout method {method:?}")))?;
    find_member(db, member_id).await?;
    let saved = payout_detail::Entity::find()
        .filter(payout_detail::Column::UserId.eq(member_id))
        .filter(payout_detail::Column::Method.eq(method.as_str()))
        .one(db)
        .await?
        .ok_or_else(|| {
            MemberError::not_found(format!(
                "This member has no {} details saved",
                method.label()
            ))
        })?;
    let details: DetailsInput =
        serde_json::from_str(&saved.details).map_err(anyhow::Error::from)?;
    audit::record(
        db,
        clock.now(),
        AuditEntry::new(AuditAction::PayoutDetailsRevealed)
            .actor(admin_user_id)
            .subject(format!("user:{member_id}"))
            .ip(ip)
            .detail(format!("{} details", method.as_str())),
    )
    .await?;
    Ok(crate::payouts::RevealedDetails {
        fields: details.labelled(),
    })
}
