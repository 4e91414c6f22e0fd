//! What a member reads: the withdrawals page's wallets and methods, and
//! their request history with each request's timeline. Every query is
//! scoped by the member's id, which comes from the session.

use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::preview::{
    HistoryPage, HistoryRow, MethodOption, TimelineEvent, WalletOption, WithdrawPage,
};
use super::{rules, service, WithdrawalStatus};
use crate::entities::{payout_method_rule, wallet, withdrawal_event, withdrawal_request};
use crate::ledger::{money::AssetKind, service as ledger};
use crate::payout_details::method::PayoutMethod;
use crate::payout_details::service as payout_details;
use crate::platform::paging;
use crate::verification::service as verification;

/// The setting holding the admin's message shown after a request.
pub const CONFIRMATION_MESSAGE: &str = "withdrawals.confirmation_message";
const DEFAULT_CONFIRMATION: &str =
    "We have your request. You will get an email when its status changes.";

/// A random idempotency key for the next form the member fills in.
pub fn fresh_key() -> String {
    let mut bytes = [0u8; 16];
    rand::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub async fn withdraw_page(db: &DatabaseConnection, user_id: i64) -> Result<WithdrawPage, DbErr> {
    let assets = ledger::assets_by_id(db).await?;
    let rows = wallet::Entity::find()
        .filter(wallet::Column::OwnerUserId.eq(user_id))
        .order_by_asc(wallet::Column::Id)
        .all(db)
        .await?;
    let mut wallets = Vec::new();
    for row in rows {
        let Some(asset) = assets.get(&row.asset_id) else {
            continue;
        };
        let asset_view = ledger::asset_view(asset);
        let (currency, rate) = match asset_view.kind {
            AssetKind::Currency => (asset_view.clone(), None),
            AssetKind::Points => match ledger::current_rate(db, asset.id).await? {
                Some((currency_id, rate)) => match assets.get(&currency_id) {
                    Some(currency) => (ledger::asset_view(currency), Some(rate)),
                    None => continue,
                },
                // No rate yet: the points are shown but cannot be withdrawn.
                None => (asset_view.clone(), None),
            },
        };
        let available_money = match rate {
            Some(rate) => rate.money_for_points(row.balance).unwrap_or(0),
            None if asset_view.kind == AssetKind::Points => 0,
            None => row.balance,
        };
        wallets.push(WalletOption {
            wallet_id: row.id,
            asset: asset_view,
            balance: row.balance,
            currency,
            available_money,
            rate,
        });
    }

    let saved = payout_details::saved(db, user_id).await?;
    let mut methods = Vec::new();
    let rules_rows = payout_method_rule::Entity::find()
        .filter(payout_method_rule::Column::Enabled.eq(true))
        .order_by_asc(payout_method_rule::Column::Id)
        .all(db)
        .await?;
    for method in PayoutMethod::ALL {
        for rule in rules_rows.iter().filter(|r| r.method == method.as_str()) {
            let mine = saved.iter().find(|s| s.method == method);
            methods.push(MethodOption {
                method,
                currency_asset_id: rule.currency_asset_id,
                min_minor: rule.min_minor,
                max_minor: rule.max_minor,
                fee_fixed_minor: rule.fee_fixed_minor,
                fee_basis_points: rule.fee_basis_points,
                fee_min_minor: rule.fee_min_minor,
                fee_max_minor: rule.fee_max_minor,
                details: mine.map(|s| s.masked.clone()),
                is_default: mine.is_some_and(|s| s.is_default),
            });
        }
    }

    let mut thresholds = Vec::new();
    for wallet in &wallets {
        let code = &wallet.currency.code;
        if thresholds.iter().any(|(c, _)| c == code) {
            continue;
        }
        if let Some(minor) = rules::verification_threshold(db, code).await? {
            thresholds.push((code.clone(), minor));
        }
    }
    let status = verification::get(db, user_id).await?.status;
    Ok(WithdrawPage {
        wallets,
        methods,
        verification: status,
        thresholds,
        confirmation_message: crate::platform::settings_store::get_setting(
            db,
            CONFIRMATION_MESSAGE,
        )
        .await?
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_CONFIRMATION.to_owned()),
        fresh_key: fresh_key(),
        has_details: !saved.is_empty(),
    })
}

pub const HISTORY_PAGE_SIZE: u64 = 10;

/// A member's requests, newest first, with their timelines.
pub async fn history(
    db: &DatabaseConnection,
    user_id: i64,
    page: u64,
) -> Result<HistoryPage, service::WithdrawalError> {
    let page = paging::page(page);
    let filter = withdrawal_request::Column::MemberUserId.eq(user_id);
    let total = withdrawal_request::Entity::find()
        .filter(filter.clone())
        .count(db)
        .await?;
    let requests = withdrawal_request::Entity::find()
        .filter(filter)
        .order_by_desc(withdrawal_request::Column::Id)
        .limit(HISTORY_PAGE_SIZE)
        .offset(paging::offset(page, HISTORY_PAGE_SIZE))
        .all(db)
        .await?;
    let ids: Vec<i64> = requests.iter().map(|r| r.id).collect();
    let events = withdrawal_event::Entity::find()
        .filter(withdrawal_event::Column::RequestId.is_in(ids))
        .order_by_asc(withdrawal_event::Column::Id)
        .all(db)
        .await?;
    let views = service::views_of(db, &requests).await?;
    let mut rows = Vec::with_capacity(requests.len());
    for (request, view) in requests.iter().zip(views) {
        let events = events
            .iter()
            .filter(|e| e.request_id == request.id)
            .filter_map(|e| {
                Some(TimelineEvent {
                    at: e.occurred_at.format("%Y-%m-%d %H:%M").to_string(),
                    to: WithdrawalStatus::parse(&e.to_status)?,
                    by: if e.actor_user_id == Some(user_id) {
                        "You".to_owned()
                    } else {
                        "Paydesk".to_owned()
                    },
                    note: e.note.clone(),
                    external_reference: e.external_reference.clone(),
                    payment_date: e.payment_date.clone(),
                    second_approver: None,
                })
            })
            .collect();
        rows.push(HistoryRow {
            request: view,
            events,
        });
    }
    Ok(HistoryPage {
        rows,
        page,
        per_page: HISTORY_PAGE_SIZE,
        total,
    })
}
