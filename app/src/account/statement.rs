//! The member's statement page: one wallet's transfers with running balance.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use super::api::statement;
use crate::ledger::money::format_amount;
use crate::ledger::statement::{StatementPage, StatementTable};
use crate::ui::{LoadError, Loading, Pager};

#[component]
pub fn StatementView() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            let q = query.read();
            (
                q.get("wallet").and_then(|w| w.parse::<i64>().ok()),
                q.get("page")
                    .and_then(|p| p.parse::<u64>().ok())
                    .unwrap_or(1),
            )
        },
        |(wallet, page)| statement(wallet, page),
    );
    view! {
        <Title text="Statement · Paydesk" />
        <h1>"Statement"</h1>
        <Transition fallback=|| view! { <Loading what="your statement" /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => view! { <StatementBody page /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn StatementBody(page: StatementPage) -> impl IntoView {
    let Some(wallet) = page.wallet.clone() else {
        return view! {
            <p class="empty">
                "No transactions yet. Credits you earn, and withdrawals you make, will be listed here."
            </p>
        }
        .into_any();
    };
    let asset = wallet.asset.clone();
    let money = move |m: i64| format_amount(m, &asset.code, asset.scale);
    let wallet_id = wallet.wallet_id;
    let (current, pages, total) = (page.page, page.pages(), page.total);
    view! {
        <nav class="tabs" aria-label="Wallets">
            {page
                .wallets
                .clone()
                .into_iter()
                .map(|w| {
                    let current = w.wallet_id == wallet_id;
                    view! {
                        <A
                            href=format!("/account/statement?wallet={}", w.wallet_id)
                            attr:aria-current=if current { Some("page") } else { None }
                        >
                            {w.asset.code.clone()}
                        </A>
                    }
                })
                .collect_view()}
        </nav>
        <p>
            "Balance: " <strong>{money(wallet.balance)}</strong>
        </p>
        {if page.lines.is_empty() {
            view! { <p class="empty">"No transactions in this wallet yet."</p> }.into_any()
        } else {
            view! {
                <StatementTable
                    lines=page.lines.clone()
                    asset=wallet.asset.clone()
                    caption=format!("{} wallet transactions, newest first", wallet.asset.code)
                />
                <Pager
                    page=current
                    pages
                    total
                    label="Statement pages"
                    href=move |p| format!("/account/statement?wallet={wallet_id}&page={p}")
                />
            }
                .into_any()
        }}
    }
    .into_any()
}
