//! `/admin/wallets`: funding wallets with their balances, a form to create
//! one, a deposit form and the chosen wallet's history. The forms are
//! ActionForms, so they work before the bundle loads.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use super::api::{funding_page, CreateFundingWallet, RecordDeposit};
use super::FundingView;
use crate::ledger::held::Moved;
use crate::ledger::money::format_amount;
use crate::ledger::statement::StatementTable;
use crate::ui::{CsrfField, FormError, LoadError, Loading, Pager};

#[component]
pub fn FundingWalletsPage() -> impl IntoView {
    let params = use_query_map();
    let wallet = Memo::new(move |_| {
        params
            .read()
            .get("wallet")
            .and_then(|w| w.parse::<i64>().ok())
    });
    let page = Memo::new(move |_| {
        params
            .read()
            .get("page")
            .and_then(|p| p.parse::<u64>().ok())
            .unwrap_or(1)
    });
    let create = ServerAction::<CreateFundingWallet>::new();
    let deposit = ServerAction::<RecordDeposit>::new();
    let data = Resource::new(
        move || {
            (
                wallet.get(),
                page.get(),
                create.version().get(),
                deposit.version().get(),
            )
        },
        |(wallet, page, _, _)| funding_page(wallet, page),
    );
    // The form posted without the bundle lands here with `held=1`.
    let held_on_landing =
        move || params.read().get("held").is_some() && deposit.value().get().is_none();
    view! {
        <Title text="Funding wallets · Paydesk admin" />
        <h1>"Funding wallets"</h1>
        <p class="lead">"The company's money that incentives are paid from. Record each deposit as it arrives."</p>
        <Show when=held_on_landing>
            <p class="notice" role="status">
                "The deposit is above the approval limit: it waits for a second approval by another admin (Approvals) and is not recorded yet."
            </p>
        </Show>
        <Transition fallback=|| view! { <Loading what="funding wallets" /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => view! { <Wallets data create deposit /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Wallets(
    data: FundingView,
    create: ServerAction<CreateFundingWallet>,
    deposit: ServerAction<RecordDeposit>,
) -> impl IntoView {
    let statement = data.statement;
    let chosen = statement.wallet.clone();
    let (current, pages, total) = (statement.page, statement.pages(), statement.total);
    let create_error = Signal::derive(move || create.value().get().and_then(Result::err));
    let deposit_error = Signal::derive(move || deposit.value().get().and_then(Result::err));
    // Recorded, or held above the approval limit (the message says so).
    let deposited = move || match deposit.value().get() {
        Some(Ok(Moved::Done(_))) => Some("Deposit recorded.".to_owned()),
        Some(Ok(Moved::Held(held))) => Some(format!("Not recorded yet. {}.", held.message)),
        _ => None,
    };
    view! {
        {if statement.wallets.is_empty() {
            view! { <p class="empty">"No funding wallet yet. Create one below, then record a deposit into it."</p> }
                .into_any()
        } else {
            view! {
                <ul class="balances" aria-label="Funding wallets">
                    {statement
                        .wallets
                        .clone()
                        .into_iter()
                        .map(|w| {
                            let is_current = chosen.as_ref().is_some_and(|c| c.wallet_id == w.wallet_id);
                            view! {
                                <li class="balance">
                                    <A
                                        href=format!("/admin/wallets?wallet={}", w.wallet_id)
                                        attr:aria-current=if is_current { Some("page") } else { None }
                                    >
                                        {w.name.clone().unwrap_or_else(|| format!("Wallet {}", w.wallet_id))}
                                    </A>
                                    <span class="balance-asset">{w.asset.code.clone()}</span>
                                    <span class="balance-amount">{format_amount(w.balance, &w.asset.code, w.asset.scale)}</span>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
                .into_any()
        }}
        {chosen
            .clone()
            .map(|wallet| {
                let can_deposit = data.can_deposit;
                let name = wallet.name.clone().unwrap_or_else(|| format!("Wallet {}", wallet.wallet_id));
                let key = data.fresh_key.clone();
                let amount_label = format!("Amount ({})", wallet.asset.code);
                let asset = wallet.asset.clone();
                let wallet_id = wallet.wallet_id;
                let form = can_deposit.then(|| view! {
                    <section class="card" aria-labelledby="deposit-title">
                        <h2 id="deposit-title">{format!("Record a deposit into {name}")}</h2>
                        <ActionForm action=deposit attr:class="stack">
                            <CsrfField />
                            <input type="hidden" name="wallet_id" value=wallet_id />
                            <input type="hidden" name="idempotency_key" value=key />
                            <div class="field">
                                <label for="d-amount">{amount_label}</label>
                                <input id="d-amount" name="amount" inputmode="decimal" required />
                            </div>
                            <div class="field">
                                <label for="d-memo">"Memo"</label>
                                <input id="d-memo" name="memo" required placeholder="Bank transfer of 3 March" />
                            </div>
                            <FormError error=deposit_error />
                            {move || deposited().map(|text| view! { <p class="notice success" role="status">{text}</p> })}
                            <button type="submit" class="primary" disabled=move || deposit.pending().get()>
                                "Record deposit"
                            </button>
                        </ActionForm>
                    </section>
                });
                view! {
                    {form}
                    <section aria-labelledby="history-title">
                        <h2 id="history-title">{format!("{name}: history")}</h2>
                        {if statement.lines.is_empty() {
                            view! { <p class="empty">"No movements yet."</p> }.into_any()
                        } else {
                            view! {
                                <StatementTable
                                    lines=statement.lines.clone()
                                    asset=asset.clone()
                                    caption=format!("{name} movements, newest first")
                                />
                            }
                                .into_any()
                        }}
                        <Pager
                            page=current
                            pages
                            total
                            label="History pages"
                            href=move |p| format!("/admin/wallets?wallet={wallet_id}&page={p}")
                        />
                    </section>
                }
            })}
        {data.can_create.then(|| view! {
        <section class="card" aria-labelledby="create-title">
            <h2 id="create-title">"Create a funding wallet"</h2>
            <ActionForm action=create attr:class="stack">
                <CsrfField />
                <div class="field">
                    <label for="w-name">"Name"</label>
                    <input id="w-name" name="name" required maxlength="100" placeholder="Incentives USD" />
                </div>
                <div class="field">
                    <label for="w-asset">"Asset"</label>
                    <select id="w-asset" name="asset">
                        {data
                            .assets
                            .into_iter()
                            .map(|a| view! { <option value=a.code.clone()>{format!("{} · {}", a.code, a.name)}</option> })
                            .collect_view()}
                    </select>
                </div>
                <FormError error=create_error />
                <button type="submit" disabled=move || create.pending().get()>"Create wallet"</button>
            </ActionForm>
        </section>
        })}
    }
}
