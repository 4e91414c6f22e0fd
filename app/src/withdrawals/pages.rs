//! The member's withdrawals page: balances, methods with their limits and
//! fees, the request form with its confirm step, and the history.
//!
//! The request is two steps that work with or without JavaScript: the form
//! is a GET to this page (`step=review`), which renders the confirmation
//! computed by the shared `preview`; confirming posts the request with the
//! idempotency key the page was rendered with. With JavaScript the same
//! steps happen without reloads, and the preview follows the typing.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
    params::ParamsMap,
};

use super::api::{load_withdraw_page, withdrawal_history, CancelWithdrawal, RequestWithdrawal};
use super::history::History;
use super::preview::{preview, MethodOption, PreviewProblem, WithdrawPage};
use crate::ledger::money::format_amount;
use crate::payout_details::method::PayoutMethod;
use crate::ui::{CsrfField, FormError, LoadError, Loading};

#[component]
pub fn WithdrawalsPage() -> impl IntoView {
    let request = ServerAction::<RequestWithdrawal>::new();
    let cancel = ServerAction::<CancelWithdrawal>::new();
    let query = use_query_map();
    let data = Resource::new(
        move || (request.version().get(), cancel.version().get()),
        |_| load_withdraw_page(),
    );
    let history_page = Memo::new(move |_| {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<u64>().ok())
            .unwrap_or(1)
    });
    let history = Resource::new(
        move || {
            (
                history_page.get(),
                request.version().get(),
                cancel.version().get(),
            )
        },
        |(page, _, _)| withdrawal_history(page),
    );
    let cancel_error = Signal::derive(move || cancel.value().get().and_then(Result::err));

    view! {
        <Title text="Withdrawals · Paydesk" />
        <h1>"Withdrawals"</h1>
        <Transition fallback=|| view! { <Loading what="your balances" /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => view! { <Desk page request /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
        <section class="card" aria-labelledby="history-title">
            <h2 id="history-title">"Your requests"</h2>
            <FormError error=cancel_error />
            <Transition fallback=|| view! { <Loading what="your requests" /> }>
                {move || Suspend::new(async move {
                    match history.await {
                        Ok(page) => view! { <History page cancel /> }.into_any(),
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// Balances, methods and the request form, from one load of the page data.
#[component]
fn Desk(page: WithdrawPage, request: ServerAction<RequestWithdrawal>) -> impl IntoView {
    let query = use_query_map();
    if page.wallets.is_empty() {
        return view! {
            <section class="card" aria-labelledby="balances-title">
                <h2 id="balances-title">"Balances"</h2>
                <p class="empty">
                    "You have no credit yet. Rewards, commissions and bonuses you earn appear "
                    "here as soon as they are approved; then you can withdraw them."
                </p>
            </section>
        }
        .into_any();
    }
    let page = StoredValue::new(page);
    let requested = move || {
        query
            .read()
            .get("requested")
            .and_then(|id| id.parse::<i64>().ok())
    };
    view! {
        {move || {
            requested()
                .map(|id| {
                    let message = page.with_value(|p| p.confirmation_message.clone());
                    view! {
                        <div class="notice success" role="status">
                            <strong>{format!("Request #{id} received.")}</strong>
                            " "
                            {message}
                        </div>
                    }
                })
        }}
        <Balances page=page.get_value() />
        <Methods page=page.get_value() />
        <section class="card" aria-labelledby="request-title">
            <h2 id="request-title">"Request a withdrawal"</h2>
            {move || {
                let q = query.read();
                let data = page.get_value();
                if !data.has_details {
                    return view! {
                        <p class="empty">
                            "Add where you want to be paid before you request a withdrawal. "
                            <A href="/account/payout-details">"Add payout details"</A>
                        </p>
                    }
                        .into_any();
                }
                if q.get("step").as_deref() == Some("review") {
                    view! { <Review page=data query=q.clone() request /> }.into_any()
                } else {
                    view! { <RequestForm page=data query=q.clone() problem=None /> }.into_any()
                }
            }}
        </section>
    }
    .into_any()
}

#[component]
fn Balances(page: WithdrawPage) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="balances-title">
            <h2 id="balances-title">"Balances"</h2>
            <ul class="balances">
                {page
                    .wallets
                    .iter()
                    .map(|wallet| {
                        let converted = wallet
                            .is_points()
                            .then(|| format!("worth {}", wallet.money(wallet.available_money)));
                        let no_rate = wallet.rate.is_none()
                            && wallet.asset.kind == crate::ledger::money::AssetKind::Points;
                        view! {
                            <li class="balance">
                                <span class="balance-asset">{wallet.asset.code.clone()}</span>
                                <strong class="balance-amount">{wallet.balance_text()}</strong>
                                {converted.map(|text| view! { <span class="muted">{text}</span> })}
                                {no_rate
                                    .then(|| {
                                        view! {
                                            <span class="muted">"No conversion rate yet: not withdrawable"</span>
                                        }
                                    })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

/// Every method with its limits and fee, before the member types anything.
#[component]
fn Methods(page: WithdrawPage) -> impl IntoView {
    let mut currencies: Vec<_> = page.wallets.iter().map(|w| w.currency.clone()).collect();
    currencies.dedup_by_key(|c| c.id);
    currencies.sort_by_key(|c| c.id);
    currencies.dedup_by_key(|c| c.id);
    let rows: Vec<_> = currencies
        .iter()
        .flat_map(|currency| {
            page.methods
                .iter()
                .filter(|m| m.currency_asset_id == currency.id)
                .map(move |m| (currency.clone(), m.clone()))
        })
        .collect();
    view! {
        <section class="card" aria-labelledby="methods-title">
            <h2 id="methods-title">"Payout methods, limits and fees"</h2>
            <table class="data">
                <thead>
                    <tr>
                        <th scope="col">"Method"</th>
                        <th scope="col">"Minimum"</th>
                        <th scope="col">"Maximum"</th>
                        <th scope="col">"Fee"</th>
                        <th scope="col">"Your details"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|(currency, m)| {
                            let money = |v: i64| format_amount(v, &currency.code, currency.scale);
                            view! {
                                <tr>
                                    <th scope="row" data-label="Method">
                                        {format!("{} ({})", m.method.label(), currency.code)}
                                    </th>
                                    <td data-label="Minimum">{money(m.min_minor)}</td>
                                    <td data-label="Maximum">
                                        {m.max_minor.map(money).unwrap_or_else(|| "No maximum".into())}
                                    </td>
                                    <td data-label="Fee">{m.fee_text(&currency)}</td>
                                    <td data-label="Your details">
                                        {match m.details.clone() {
                                            Some(masked) => view! { <span>{masked}</span> }.into_any(),
                                            None => {
                                                view! {
                                                    <A href="/account/payout-details">"Add details"</A>
                                                }
                                                    .into_any()
                                            }
                                        }}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}

fn query_i64(query: &ParamsMap, key: &str) -> Option<i64> {
    query.get(key).and_then(|v| v.parse().ok())
}

/// The method option a (wallet, method) pair resolves to.
fn method_for<'a>(
    page: &'a WithdrawPage,
    wallet_id: i64,
    method: &str,
) -> Option<&'a MethodOption> {
    let wallet = page.wallet(wallet_id)?;
    page.methods_for(wallet)
        .into_iter()
        .find(|m| m.method.as_str() == method)
}

/// The methods a member can choose: those with saved details, default first.
fn chosen_methods(page: &WithdrawPage) -> Vec<(PayoutMethod, String, bool)> {
    let mut out: Vec<(PayoutMethod, String, bool)> = Vec::new();
    for m in &page.methods {
        if let Some(masked) = &m.details {
            if !out.iter().any(|(method, _, _)| *method == m.method) {
                out.push((m.method, masked.clone(), m.is_default));
            }
        }
    }
    out.sort_by_key(|(_, _, is_default)| !is_default);
    out
}

fn check_preview(
    page: &WithdrawPage,
    wallet_id: i64,
    method: &str,
    amount: &str,
    max: bool,
) -> Result<super::preview::Preview, PreviewProblem> {
    let wallet = page
        .wallet(wallet_id)
        .ok_or_else(|| PreviewProblem::Message("Choose a wallet".into()))?;
    let Some(option) = method_for(page, wallet_id, method) else {
        let label = PayoutMethod::parse(method).map_or("This method", PayoutMethod::label);
        return Err(PreviewProblem::Message(format!(
            "{label} is not available for {} withdrawals",
            wallet.currency.code
        )));
    };
    preview(page, wallet, option, amount, max)
}

#[component]
fn ProblemLine(problem: PreviewProblem) -> impl IntoView {
    let needs_verification = matches!(problem, PreviewProblem::NeedsVerification(_));
    view! {
        <p class="form-error" role="alert">
            {problem.message().to_owned()}
            {needs_verification
                .then(|| {
                    view! {
                        " "
                        <A href="/account/verification">"Verify your identity"</A>
                    }
                })}
        </p>
    }
}

/// Step one: wallet, method and amount, with a live preview.
#[component]
fn RequestForm(
    page: WithdrawPage,
    query: ParamsMap,
    problem: Option<PreviewProblem>,
) -> impl IntoView {
    let methods = chosen_methods(&page);
    let first_wallet = page
        .wallets
        .iter()
        .find(|w| w.rate.is_some() || w.asset.kind == crate::ledger::money::AssetKind::Currency)
        .or(page.wallets.first())
        .map_or(0, |w| w.wallet_id);
    let wallet = RwSignal::new(
        query_i64(&query, "wallet")
            .filter(|id| page.wallet(*id).is_some())
            .unwrap_or(first_wallet),
    );
    let method = RwSignal::new(
        query
            .get("method")
            .filter(|m| methods.iter().any(|(method, _, _)| method.as_str() == m))
            .or_else(|| methods.first().map(|(m, _, _)| m.as_str().to_owned()))
            .unwrap_or_default(),
    );
    let amount = RwSignal::new(query.get("amount").unwrap_or_default());
    let max = RwSignal::new(query.get("max").is_some());
    let page = StoredValue::new(page);
    let touched = RwSignal::new(false);
    let live = move || {
        page.with_value(|p| check_preview(p, wallet.get(), &method.get(), &amount.get(), max.get()))
    };
    let currency = move || {
        page.with_value(|p| {
            p.wallet(wallet.get())
                .map(|w| w.currency.code.clone())
                .unwrap_or_default()
        })
    };
    view! {
        {problem.map(|problem| view! { <ProblemLine problem /> })}
        <Form method="GET" action="/account/withdrawals" attr:class="stack request-form">
            <input type="hidden" name="step" value="review" />
            <label for="wd-wallet">"Wallet"</label>
            <select
                id="wd-wallet"
                name="wallet"
                on:change=move |ev| {
                    if let Ok(id) = event_target_value(&ev).parse() {
                        wallet.set(id);
                    }
                }
            >
                {page
                    .with_value(|p| {
                        p.wallets
                            .iter()
                            .map(|w| {
                                let id = w.wallet_id;
                                let label = if w.is_points() {
                                    format!(
                                        "{} (worth {})",
                                        w.balance_text(),
                                        w.money(w.available_money),
                                    )
                                } else {
                                    w.balance_text()
                                };
                                view! {
                                    <option value=id.to_string() selected=move || wallet.get() == id>
                                        {label}
                                    </option>
                                }
                            })
                            .collect_view()
                    })}
            </select>
            <label for="wd-method">"Payout method"</label>
            <select id="wd-method" name="method" on:change=move |ev| method.set(event_target_value(&ev))>
                {methods
                    .into_iter()
                    .map(|(m, masked, _)| {
                        let value = m.as_str();
                        view! {
                            <option value=value selected=move || method.get() == value>
                                {format!("{} · {masked}", m.label())}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <p class="hint">
                "Want another method? " <A href="/account/payout-details">"Manage payout details"</A>
            </p>
            <label for="wd-amount">"Amount"</label>
            <input
                id="wd-amount"
                name="amount"
                inputmode="decimal"
                autocomplete="off"
                aria-describedby="wd-amount-hint wd-preview"
                // Attributes, not properties, so the server renders them
                // for a browser without JavaScript too.
                value=amount.get_untracked()
                disabled=move || max.get()
                on:input=move |ev| {
                    touched.set(true);
                    amount.set(event_target_value(&ev));
                }
            />
            <p class="hint" id="wd-amount-hint">
                {move || format!("In {}, before the fee.", currency())}
            </p>
            <label class="check">
                <input
                    type="checkbox"
                    name="max"
                    value="1"
                    checked=max.get_untracked()
                    on:change=move |ev| {
                        touched.set(true);
                        max.set(event_target_checked(&ev));
                    }
                />
                "Withdraw max"
            </label>
            <p class="preview" id="wd-preview" aria-live="polite">
                {move || {
                    if !touched.get() && amount.get().is_empty() && !max.get() {
                        return view! { <span class="muted">"Enter an amount to see the fee and what you receive."</span> }
                            .into_any();
                    }
                    match live() {
                        Ok(p) => {
                            let money = |m: i64| {
                                page.with_value(|d| {
                                    d.wallet(wallet.get()).map(|w| w.money(m)).unwrap_or_default()
                                })
                            };
                            view! {
                                <span>
                                    {format!(
                                        "Fee {} · you receive {}",
                                        money(p.fee),
                                        money(p.net),
                                    )}
                                </span>
                            }
                                .into_any()
                        }
                        Err(problem) => view! { <span class="problem">{problem.message().to_owned()}</span> }.into_any(),
                    }
                }}
            </p>
            <button type="submit" class="primary">"Review withdrawal"</button>
        </Form>
    }
}

/// Step two: what will happen, and the confirm button.
#[component]
fn Review(
    page: WithdrawPage,
    query: ParamsMap,
    request: ServerAction<RequestWithdrawal>,
) -> impl IntoView {
    let wallet_id = query_i64(&query, "wallet").unwrap_or(0);
    let method = query.get("method").unwrap_or_default();
    let amount = query.get("amount").unwrap_or_default();
    let max = query.get("max").is_some();
    let change_href = {
        let mut parts = vec![format!("wallet={wallet_id}"), format!("method={method}")];
        if max {
            parts.push("max=1".into());
        } else {
            parts.push(format!("amount={}", crate::ui::list::encode(&amount)));
        }
        format!("/account/withdrawals?{}", parts.join("&"))
    };
    let preview = match check_preview(&page, wallet_id, &method, &amount, max) {
        Ok(preview) => preview,
        Err(problem) => {
            return view! { <RequestForm page query problem=Some(problem) /> }.into_any();
        }
    };
    let Some(wallet) = page.wallet(wallet_id).cloned() else {
        return view! { <RequestForm page query problem=None /> }.into_any();
    };
    let paid_to = method_for(&page, wallet_id, &method)
        .map(|m| {
            format!(
                "{} · {}",
                m.method.label(),
                m.details.clone().unwrap_or_default()
            )
        })
        .unwrap_or_default();
    let error = Signal::derive(move || request.value().get().and_then(Result::err));
    let key = page.fresh_key.clone();
    view! {
        <div class="review" role="group" aria-labelledby="review-title">
            <h3 id="review-title">"Confirm your withdrawal"</h3>
            <dl class="facts">
                <dt>"Amount"</dt>
                <dd>{wallet.money(preview.gross)}</dd>
                <dt>"Fee"</dt>
                <dd>{wallet.money(preview.fee)}</dd>
                <dt>"You receive"</dt>
                <dd>
                    <strong>{wallet.money(preview.net)}</strong>
                </dd>
                <dt>"Taken from your wallet"</dt>
                <dd>{format_amount(preview.debit, &wallet.asset.code, wallet.asset.scale)}</dd>
                <dt>"Paid to"</dt>
                <dd>{paid_to}</dd>
            </dl>
            <ActionForm action=request attr:class="stack">
                <CsrfField />
                <input type="hidden" name="wallet_id" value=wallet_id.to_string() />
                <input type="hidden" name="method" value=method.clone() />
                {if max {
                    view! { <input type="hidden" name="max" value="1" /> }.into_any()
                } else {
                    view! { <input type="hidden" name="amount" value=amount.clone() /> }.into_any()
                }}
                <input type="hidden" name="idempotency_key" value=key />
                <FormError error />
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || request.pending().get()>
                        {move || {
                            if request.pending().get() { "Requesting…" } else { "Confirm withdrawal" }
                        }}
                    </button>
                    <A href=change_href attr:class="button">
                        "Change"
                    </A>
                </div>
            </ActionForm>
        </div>
    }
    .into_any()
}
