//! A wallet's statement: its transfers, newest first, each with the balance
//! it left behind. Members read their own wallets' statements; admins read
//! the funding wallets'.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::money::{format_amount, AssetView};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementLine {
    pub transfer_id: i64,
    pub at: String,
    pub description: String,
    /// Signed, in the wallet's asset: positive in, negative out.
    pub amount: i64,
    pub balance_after: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementWallet {
    pub wallet_id: i64,
    /// Funding wallets have a name; members' wallets are named by their asset.
    pub name: Option<String>,
    pub asset: AssetView,
    pub balance: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementPage {
    /// All the member's wallets, to switch between.
    pub wallets: Vec<StatementWallet>,
    /// The wallet shown; None when the member has no wallet yet.
    pub wallet: Option<StatementWallet>,
    pub lines: Vec<StatementLine>,
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
}

impl StatementPage {
    pub fn pages(&self) -> u64 {
        crate::ui::list::page_count(self.total, self.per_page)
    }
}

/// A statement's lines as a table, newest first, with the running balance.
#[component]
pub fn StatementTable(
    lines: Vec<StatementLine>,
    asset: AssetView,
    #[prop(into)] caption: String,
) -> impl IntoView {
    let money = move |m: i64| format_amount(m, &asset.code, asset.scale);
    view! {
        <table class="data statement">
            <caption class="visually-hidden">{caption}</caption>
            <thead>
                <tr>
                    <th scope="col">"Date"</th>
                    <th scope="col">"Description"</th>
                    <th scope="col" class="num">"Amount"</th>
                    <th scope="col" class="num">"Balance"</th>
                </tr>
            </thead>
            <tbody>
                {lines
                    .into_iter()
                    .map(|line| {
                        let amount = if line.amount > 0 {
                            format!("+{}", money(line.amount))
                        } else {
                            money(line.amount)
                        };
                        view! {
                            <tr>
                                <td data-label="Date">{line.at}</td>
                                <td data-label="Description">{line.description}</td>
                                <td data-label="Amount" class=if line.amount < 0 { "num out" } else { "num in" }>
                                    {amount}
                                </td>
                                <td data-label="Balance" class="num">{money(line.balance_after)}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

#[cfg(feature = "ssr")]
pub use server::*;

#[cfg(feature = "ssr")]
mod server {
    use std::collections::HashMap;

    use sea_orm::{
        sea_query::{Alias, Expr, ExprTrait},
        ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
        QueryFilter, QueryOrder, QuerySelect,
    };

    use super::{StatementLine, StatementPage, StatementWallet};
    use crate::entities::{journal_entry, transfer, wallet};
    use crate::ledger::service::asset_view;
    use crate::platform::paging;

    pub const STATEMENT_PAGE_SIZE: u64 = 20;

    fn describe(entry: Option<&journal_entry::Model>, incoming: bool) -> String {
        let Some(entry) = entry else {
            return "Transfer".to_owned();
        };
        let request = entry
            .reference
            .as_deref()
            .and_then(|r| r.strip_prefix("withdrawal:"))
            .map(|id| format!("#{id}"))
            .unwrap_or_default();
        let memo = entry.memo.clone().filter(|m| !m.trim().is_empty());
        match entry.kind.as_str() {
            "withdrawal_hold" => format!("Withdrawal {request} requested: amount held"),
            "credit_back" => format!("Withdrawal {request} not paid: credited back"),
            "withdrawal_return" => format!("Withdrawal {request} returned by the provider"),
            "paypal_recovery" => format!(
                "Withdrawal {request}: PayPal paid it after all, so the credit-back is taken back"
            ),
            "incentive_payment" => memo.unwrap_or_else(|| "Incentive payment".to_owned()),
            "adjustment" => memo.unwrap_or_else(|| {
                if incoming {
                    "Credit".to_owned()
                } else {
                    "Debit".to_owned()
                }
            }),
            _ => memo.unwrap_or_else(|| "Transfer".to_owned()),
        }
    }

    /// The statement of `wallet_id` (or the member's first wallet). A wallet
    /// that is not the member's is `None`, exactly like one that does not exist.
    pub async fn statement(
        db: &DatabaseConnection,
        user_id: i64,
        wallet_id: Option<i64>,
        page: u64,
    ) -> Result<Option<StatementPage>, DbErr> {
        let owned = wallet::Entity::find()
            .filter(wallet::Column::OwnerUserId.eq(user_id))
            .order_by_asc(wallet::Column::Id)
            .all(db)
            .await?;
        wallet_statement(db, owned, wallet_id, page).await
    }

    /// The statement of `wallet_id` among `choices` (or the first of them);
    /// `None` when it is not one of them.
    pub async fn wallet_statement(
        db: &DatabaseConnection,
        choices: Vec<wallet::Model>,
        wallet_id: Option<i64>,
        page: u64,
    ) -> Result<Option<StatementPage>, DbErr> {
        let page = paging::page(page);
        let assets = crate::ledger::service::assets_by_id(db).await?;
        let wallets: Vec<StatementWallet> = choices
            .iter()
            .filter_map(|w| {
                Some(StatementWallet {
                    wallet_id: w.id,
                    name: w.name.clone(),
                    asset: asset_view(assets.get(&w.asset_id)?),
                    balance: w.balance,
                })
            })
            .collect();
        let chosen = match wallet_id {
            Some(id) => match wallets.iter().find(|w| w.wallet_id == id) {
                Some(w) => w.clone(),
                None => return Ok(None),
            },
            None => match wallets.first() {
                Some(w) => w.clone(),
                None => {
                    return Ok(Some(StatementPage {
                        wallets,
                        wallet: None,
                        lines: vec![],
                        page,
                        per_page: STATEMENT_PAGE_SIZE,
                        total: 0,
                    }))
                }
            },
        };
        let id = chosen.wallet_id;
        let touches = Condition::any()
            .add(transfer::Column::DebitWalletId.eq(id))
            .add(transfer::Column::CreditWalletId.eq(id));
        let total = transfer::Entity::find()
            .filter(touches.clone())
            .count(db)
            .await?;
        let rows = transfer::Entity::find()
            .filter(touches)
            .order_by_desc(transfer::Column::Id)
            .limit(STATEMENT_PAGE_SIZE)
            .offset(paging::offset(page, STATEMENT_PAGE_SIZE))
            .all(db)
            .await?;
        let mut lines = Vec::with_capacity(rows.len());
        if let Some(newest) = rows.first() {
            // The balance after the page's newest line is today's balance
            // less everything that came in or went out since.
            let since = |column: transfer::Column| {
                transfer::Entity::find()
                    .select_only()
                    .expr_as(
                        Expr::col(transfer::Column::Amount)
                            .sum()
                            .cast_as(Alias::new("BIGINT")),
                        "total",
                    )
                    .filter(column.eq(id))
                    .filter(transfer::Column::Id.gt(newest.id))
                    .into_tuple::<Option<i64>>()
                    .one(db)
            };
            let came_in = since(transfer::Column::CreditWalletId)
                .await?
                .flatten()
                .unwrap_or(0);
            let went_out = since(transfer::Column::DebitWalletId)
                .await?
                .flatten()
                .unwrap_or(0);
            let mut balance = chosen.balance - came_in + went_out;
            let entry_ids: Vec<i64> = rows.iter().map(|t| t.entry_id).collect();
            let entries: HashMap<i64, journal_entry::Model> = journal_entry::Entity::find()
                .filter(journal_entry::Column::Id.is_in(entry_ids))
                .all(db)
                .await?
                .into_iter()
                .map(|e| (e.id, e))
                .collect();
            for row in &rows {
                let incoming = row.credit_wallet_id == id;
                let amount = if incoming { row.amount } else { -row.amount };
                lines.push(StatementLine {
                    transfer_id: row.id,
                    at: row.created_at.format("%Y-%m-%d %H:%M").to_string(),
                    description: describe(entries.get(&row.entry_id), incoming),
                    amount,
                    balance_after: balance,
                });
                balance -= amount;
            }
        }
        Ok(Some(StatementPage {
            wallets,
            wallet: Some(chosen),
            lines,
            page,
            per_page: STATEMENT_PAGE_SIZE,
            total,
        }))
    }
}
