//! `/admin/incentives`: the incentives dashboard. Filters and status tabs
//! are GET links and forms (shareable, working before the bundle loads);
//! selecting rows, bulk approve / reject and the Make Payment dialog need
//! the hydrated page.

use std::collections::{BTreeMap, BTreeSet};

use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
    params::ParamsMap,
};

use super::api::{decide_incentives, list_incentives, pay_incentives, payment_wallets};
use super::{
    IncentiveList, IncentiveQuery, IncentiveStatus, IncentiveView, PaymentOutcome, PER_PAGE_CHOICES,
};
use crate::admin::api::Money;
use crate::error::AppError;
use crate::ledger::money::format_amount;
use crate::ledger::statement::StatementWallet;
use crate::payouts::pages::encode;
use crate::payouts::BulkOutcome;
use crate::ui::{LoadError, Loading, SelectPage, SelectRow};

fn query_from(params: &ParamsMap) -> IncentiveQuery {
    let text = |key: &str| params.get(key).unwrap_or_default();
    IncentiveQuery {
        status: text("status"),
        q: text("q"),
        asset: text("asset"),
        from: text("from"),
        to: text("to"),
        page: text("page").parse().unwrap_or(1),
        per_page: text("per_page").parse().unwrap_or(20),
    }
}

fn href_for(query: &IncentiveQuery, status: &str, page: u64) -> String {
    let pairs = [
        ("status", status.to_owned()),
        ("q", query.q.clone()),
        ("asset", query.asset.clone()),
        ("from", query.from.clone()),
        ("to", query.to.clone()),
        ("per_page", query.per_page.to_string()),
        ("page", page.to_string()),
    ];
    let encoded: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    format!("/admin/incentives?{}", encoded.join("&"))
}

fn money_text(money: &[Money]) -> String {
    if money.is_empty() {
        return "nothing".to_owned();
    }
    money
        .iter()
        .map(|m| format_amount(m.minor, &m.code, m.scale))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the Make Payment dialog is asked to pay.
#[derive(Clone, Debug, PartialEq)]
struct Payable {
    /// None: every incentive matching the filters.
    ids: Option<Vec<i64>>,
    /// Approved incentives among them, and their total per asset.
    count: u64,
    totals: Vec<Money>,
    /// Selected but not approved: they will be skipped.
    not_approved: u64,
}

#[derive(Clone, Debug)]
struct Decision {
    ids: String,
    all_matching: bool,
    query: IncentiveQuery,
    action: &'static str,
    note: String,
}

#[derive(Clone, Debug)]
struct Payment {
    ids: Vec<i64>,
    all_matching: bool,
    query: IncentiveQuery,
    wallet_id: i64,
    description: String,
    key: String,
}

#[component]
pub fn IncentivesPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| query_from(&params.read()));
    let decide = Action::new(|d: &Decision| {
        let d = d.clone();
        decide_incentives(d.ids, d.all_matching, d.query, d.action.to_owned(), d.note)
    });
    let pay = Action::new(|p: &Payment| {
        let p = p.clone();
        pay_incentives(
            p.ids,
            p.all_matching,
            p.query,
            p.wallet_id,
            p.description,
            p.key,
        )
    });
    let import = Action::new(|text: &String| super::api::run_import(text.clone()));
    let pending = RwSignal::new(false);
    // A refused decision changed nothing: the table stays as it is, with
    // the selection and the note typed.
    let decided = crate::ui::successes(decide);
    let list = Resource::new(
        move || {
            (
                query.get(),
                decided.get(),
                pay.version().get(),
                import.version().get(),
            )
        },
        |(query, _, _, _)| list_incentives(query),
    );
    // Loaded with the page, not inside the list's Suspend: balances move
    // after a payment, so it refetches with each one.
    let wallets = Resource::new(move || pay.version().get(), |_| payment_wallets());
    view! {
        <Title text="Incentives · Paydesk admin" />
        <h1>"Incentives"</h1>
        <StatusTabs query />
        <Filters query=query.get_untracked() />
        <PaymentToast pay />
        <div class="results" aria-busy=move || pending.get().to_string()>
            <Transition fallback=|| view! { <Loading what="incentives" /> } set_pending=pending>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(list) => {
                            view! { <Table list query=query.get_untracked() decide pay wallets /> }.into_any()
                        }
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
        <ImportCsv import />
    }
}

#[component]
fn StatusTabs(query: Memo<IncentiveQuery>) -> impl IntoView {
    let tabs = std::iter::once(("", "All"))
        .chain(IncentiveStatus::ALL.iter().map(|s| (s.as_str(), s.label())))
        .collect::<Vec<_>>();
    view! {
        <nav class="tabs" aria-label="Incentive status">
            {tabs
                .into_iter()
                .map(|(status, label)| {
                    let href = move || href_for(&query.get(), status, 1);
                    let current = move || (query.get().status == status).then_some("page");
                    view! { <A href=href attr:aria-current=current>{label}</A> }
                })
                .collect_view()}
        </nav>
    }
}

#[component]
fn Filters(query: IncentiveQuery) -> impl IntoView {
    view! {
        <Form method="GET" action="/admin/incentives" attr:class="filters" attr:aria-label="Filter incentives">
            <input type="hidden" name="status" value=query.status.clone() />
            <div class="field">
                <label for="i-q">"Search"</label>
                <input id="i-q" name="q" type="search" value=query.q.clone() placeholder="Member, program, external id or #id" />
            </div>
            <div class="field">
                <label for="i-asset">"Asset"</label>
                <input id="i-asset" name="asset" value=query.asset.clone() placeholder="USD" maxlength="12" />
            </div>
            <div class="field">
                <label for="i-from">"From"</label>
                <input id="i-from" name="from" type="date" value=query.from.clone() />
            </div>
            <div class="field">
                <label for="i-to">"To"</label>
                <input id="i-to" name="to" type="date" value=query.to.clone() />
            </div>
            <div class="field">
                <label for="i-per-page">"Per page"</label>
                <select id="i-per-page" name="per_page">
                    {PER_PAGE_CHOICES
                        .iter()
                        .map(|n| view! { <option value=n.to_string() selected=query.per_page == *n>{n.to_string()}</option> })
                        .collect_view()}
                </select>
            </div>
            <button type="submit" class="primary">"Filter"</button>
        </Form>
    }
}

/// The approved incentives among `rows` and their totals per asset.
fn payable_of(rows: &[&IncentiveView]) -> (u64, Vec<Money>, u64) {
    let mut totals: BTreeMap<String, Money> = BTreeMap::new();
    let mut count = 0;
    let mut not_approved = 0;
    for row in rows {
        if row.status != IncentiveStatus::Approved {
            not_approved += 1;
            continue;
        }
        count += 1;
        let entry = totals.entry(row.asset.clone()).or_insert(Money {
            code: row.asset.clone(),
            scale: row.scale,
            minor: 0,
        });
        entry.minor = entry.minor.saturating_add(row.amount_minor);
    }
    (count, totals.into_values().collect(), not_approved)
}

#[component]
fn Table(
    list: IncentiveList,
    query: IncentiveQuery,
    decide: Action<Decision, Result<BulkOutcome, AppError>>,
    pay: Action<Payment, Result<PaymentOutcome, AppError>>,
    wallets: Resource<Result<Vec<StatementWallet>, AppError>>,
) -> impl IntoView {
    let chosen = RwSignal::new(BTreeSet::<i64>::new());
    let note = RwSignal::new(String::new());
    let paying = RwSignal::new(None::<Payable>);
    let rows = StoredValue::new(list.rows.clone());
    let page_ids: Vec<i64> = list.rows.iter().map(|r| r.id).collect();
    let total = list.total;
    let (current, pages) = (list.page, list.pages());
    let run = {
        let query = query.clone();
        move |action: &'static str, all_matching: bool| {
            decide.dispatch(Decision {
                ids: chosen
                    .get_untracked()
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
                all_matching,
                query: query.clone(),
                action,
                note: note.get_untracked(),
            });
        }
    };
    let (approve, reject, approve_all, reject_all) = (run.clone(), run.clone(), run.clone(), run);
    // Paying every match is offered when the filter already says "approved":
    // the totals are then exactly what would be paid.
    let all_approved = query.status == IncentiveStatus::Approved.as_str();
    let open_selected = move |_| {
        let chosen = chosen.get_untracked();
        let picked: Vec<IncentiveView> = rows.with_value(|rows| {
            rows.iter()
                .filter(|r| chosen.contains(&r.id))
                .cloned()
                .collect()
        });
        let refs: Vec<&IncentiveView> = picked.iter().collect();
        let (count, totals, not_approved) = payable_of(&refs);
        paying.set(Some(Payable {
            ids: Some(chosen.into_iter().collect()),
            count,
            totals,
            not_approved,
        }));
    };
    let matching_totals = list.totals.clone();
    let open_all = move |_| {
        paying.set(Some(Payable {
            ids: None,
            count: total,
            totals: matching_totals.clone(),
            not_approved: 0,
        }));
    };
    let key = list.fresh_key.clone();
    let dialog_query = query.clone();
    view! {
        <p class="muted" role="status">
            {if total == 1 { "1 incentive".to_owned() } else { format!("{total} incentives") }}
            {format!(" · total {}", money_text(&list.totals))}
        </p>
        <section class="bulk" aria-label="Actions">
            <SelectPage page_ids chosen />
            <div class="field">
                <label for="d-note">"Note (needed to reject; the member sees it)"</label>
                <input id="d-note" on:input=move |ev| note.set(event_target_value(&ev)) />
            </div>
            <button
                type="button"
                class="primary"
                disabled=move || decide.pending().get() || chosen.with(BTreeSet::is_empty)
                on:click=move |_| approve("approve", false)
            >
                {move || format!("Approve {} selected", chosen.with(BTreeSet::len))}
            </button>
            <button
                type="button"
                disabled=move || decide.pending().get() || chosen.with(BTreeSet::is_empty)
                on:click=move |_| reject("reject", false)
            >
                {move || format!("Reject {} selected", chosen.with(BTreeSet::len))}
            </button>
            <button
                type="button"
                disabled=move || decide.pending().get() || total == 0
                on:click=move |_| approve_all("approve", true)
            >
                {format!("Approve all {total} matching")}
            </button>
            <button
                type="button"
                disabled=move || decide.pending().get() || total == 0
                on:click=move |_| reject_all("reject", true)
            >
                {format!("Reject all {total} matching")}
            </button>
            <button
                type="button"
                class="primary"
                aria-haspopup="dialog"
                disabled=move || chosen.with(BTreeSet::is_empty)
                on:click=open_selected
            >
                "Make Payment"
            </button>
            {all_approved
                .then(|| {
                    view! {
                        <button type="button" aria-haspopup="dialog" disabled=total == 0 on:click=open_all>
                            {format!("Make Payment for all {total} approved")}
                        </button>
                    }
                })}
        </section>
        <DecisionResult decide />
        {move || {
            paying
                .get()
                .map(|payable| {
                    view! { <PayDialog payable paying pay wallets query=dialog_query.clone() key=key.clone() /> }
                })
        }}
        {if list.rows.is_empty() {
            view! { <p class="empty">"No incentives match."</p> }.into_any()
        } else {
            view! {
                <table class="data incentives">
                    <caption class="visually-hidden">"Incentives, newest first"</caption>
                    <thead>
                        <tr>
                            <th scope="col"><span class="visually-hidden">"Selected"</span></th>
                            <th scope="col">"Incentive"</th>
                            <th scope="col">"Member"</th>
                            <th scope="col">"Program"</th>
                            <th scope="col" class="num">"Amount"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Date"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {list
                            .rows
                            .into_iter()
                            .map(|r| {
                                let id = r.id;
                                view! {
                                    <tr>
                                        <SelectRow id chosen label=format!("Select incentive #{id}") />
                                        <th scope="row" data-label="Incentive">
                                            {format!("#{id}")}
                                            {r.external_id.clone().map(|x| view! { <br /><span class="muted">{x}</span> })}
                                        </th>
                                        <td data-label="Member">
                                            <A href=format!("/admin/members/{}", r.member_id)>{r.member_name.clone()}</A>
                                            <br />
                                            <span class="muted">{r.member_email.clone()}</span>
                                        </td>
                                        <td data-label="Program">
                                            {r.program.clone()}
                                            {(!r.description.is_empty()).then(|| view! { <br /><span class="muted">{r.description.clone()}</span> })}
                                        </td>
                                        <td data-label="Amount" class="num">{format_amount(r.amount_minor, &r.asset, r.scale)}</td>
                                        <td data-label="Status">
                                            <span class="badge">{r.status.label()}</span>
                                            {(!r.member_confirmed
                                                && matches!(r.status, IncentiveStatus::Pending | IncentiveStatus::Approved))
                                                .then(|| {
                                                    view! {
                                                        <br />
                                                        <span class="muted">"Waiting for the member to confirm their email"</span>
                                                    }
                                                })}
                                            {r.note.clone().map(|n| view! { <br /><span class="muted">{n}</span> })}
                                        </td>
                                        <td data-label="Date">{r.created_at.clone()}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            }
                .into_any()
        }}
        <nav class="pager" aria-label="Incentive pages">
            {(current > 1).then(|| view! { <A href=href_for(&query, &query.status, current - 1) attr:rel="prev">"← Newer"</A> })}
            <span class="muted">{format!("Page {current} of {pages}")}</span>
            {(current < pages).then(|| view! { <A href=href_for(&query, &query.status, current + 1) attr:rel="next">"Older →"</A> })}
        </nav>
    }
}

/// The Make Payment dialog: what will be paid, a funding wallet of that
/// asset (short ones disabled, with the shortfall), a description, Pay.
#[component]
fn PayDialog(
    payable: Payable,
    paying: RwSignal<Option<Payable>>,
    pay: Action<Payment, Result<PaymentOutcome, AppError>>,
    wallets: Resource<Result<Vec<StatementWallet>, AppError>>,
    query: IncentiveQuery,
    key: String,
) -> impl IntoView {
    let chosen_wallet = RwSignal::new(None::<i64>);
    let description = RwSignal::new(String::new());
    let dialog = NodeRef::<html::Div>::new();
    // Focus moves into the dialog when it opens, for keyboards and readers.
    Effect::new(move |_| {
        if let Some(dialog) = dialog.get() {
            let _ = dialog.focus();
        }
    });
    let close = move || paying.set(None);
    let asset = match payable.totals.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err("None of the selected incentives is approved: approve them first.".to_owned()),
        many => Err(format!(
            "The selection mixes {}: pay one asset at a time (filter by asset, or select rows of one asset).",
            many.iter().map(|m| m.code.as_str()).collect::<Vec<_>>().join(" and ")
        )),
    };
    let count = payable.count;
    // The action outlives the dialog: only what happens after this dialog
    // opened (a newer version) is this dialog's outcome, so an earlier
    // payment's success does not close it and an earlier error is not shown.
    let opened_at = pay.version().get_untracked();
    let mine = move || {
        (pay.version().get() > opened_at)
            .then(|| pay.value().get())
            .flatten()
    };
    let error = move || mine().and_then(Result::err);
    let submit = {
        let payable = payable.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let Some(wallet_id) = chosen_wallet.get_untracked() else {
                return;
            };
            pay.dispatch(Payment {
                ids: payable.ids.clone().unwrap_or_default(),
                all_matching: payable.ids.is_none(),
                query: query.clone(),
                wallet_id,
                description: description.get_untracked(),
                key: key.clone(),
            });
        }
    };
    // Closes itself once the payment went through (the toast says so).
    Effect::new(move |_| {
        if mine().is_some_and(|r| r.is_ok()) {
            paying.set(None);
        }
    });
    view! {
        <div class="modal-backdrop">
            <div
                class="modal card"
                node_ref=dialog
                tabindex="-1"
                role="dialog"
                aria-modal="true"
                aria-labelledby="pay-title"
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        close();
                    }
                }
            >
                <h2 id="pay-title">"Make Payment"</h2>
                {match asset {
                    Err(message) => view! {
                        <p class="form-error" role="alert">{message}</p>
                        <button type="button" on:click=move |_| close()>"Close"</button>
                    }
                        .into_any(),
                    Ok(total) => {
                        let total_text = format_amount(total.minor, &total.code, total.scale);
                        let code = total.code.clone();
                        view! {
                            <p>
                                {format!(
                                    "{count} approved incentive{} · {total_text}",
                                    if count == 1 { "" } else { "s" },
                                )}
                            </p>
                            {(payable.not_approved > 0)
                                .then(|| view! {
                                    <p class="muted">
                                        {format!("{} selected are not approved and will be skipped.", payable.not_approved)}
                                    </p>
                                })}
                            <form class="stack" on:submit=submit>
                                <fieldset>
                                    <legend>{format!("Pay from a {code} funding wallet")}</legend>
                                    <Suspense fallback=|| view! { <Loading what="wallets" /> }>
                                        {move || {
                                            let total = total.clone();
                                            Suspend::new(async move {
                                                match wallets.await {
                                                    Ok(all) => {
                                                        let usable: Vec<StatementWallet> = all
                                                            .into_iter()
                                                            .filter(|w| w.asset.code == total.code)
                                                            .collect();
                                                        if usable.is_empty() {
                                                            return view! {
                                                                <p class="empty">
                                                                    {format!("No funding wallet holds {}: create one under Funding wallets.", total.code)}
                                                                </p>
                                                            }
                                                                .into_any();
                                                        }
                                                        usable
                                                            .into_iter()
                                                            .map(|w| {
                                                                let id = w.wallet_id;
                                                                let name = w.name.clone().unwrap_or_else(|| format!("Wallet {id}"));
                                                                let balance = format_amount(w.balance, &w.asset.code, w.asset.scale);
                                                                let short = (w.balance < total.minor)
                                                                    .then(|| format_amount(total.minor - w.balance, &w.asset.code, w.asset.scale));
                                                                let input_id = format!("pay-wallet-{id}");
                                                                view! {
                                                                    <div class="choice">
                                                                        <input
                                                                            type="radio"
                                                                            name="wallet"
                                                                            id=input_id.clone()
                                                                            value=id.to_string()
                                                                            disabled=short.is_some()
                                                                            on:change=move |_| chosen_wallet.set(Some(id))
                                                                        />
                                                                        <label for=input_id>
                                                                            {format!("{name} · {balance}")}
                                                                            {short.map(|s| view! { <span class="muted">{format!(" · not enough: short by {s}")}</span> })}
                                                                        </label>
                                                                    </div>
                                                                }
                                                            })
                                                            .collect_view()
                                                            .into_any()
                                                    }
                                                    Err(error) => view! { <LoadError error /> }.into_any(),
                                                }
                                            })
                                        }}
                                    </Suspense>
                                </fieldset>
                                <div class="field">
                                    <label for="pay-description">"Description (the members see it)"</label>
                                    <input
                                        id="pay-description"
                                        required
                                        maxlength="200"
                                        on:input=move |ev| description.set(event_target_value(&ev))
                                    />
                                </div>
                                {move || error().map(|e| view! { <p class="form-error" role="alert">{e.message}</p> })}
                                <Show when=move || pay.pending().get()>
                                    <p role="status">
                                        {format!("Paying {count} incentives in one transaction…")}
                                        <progress aria-label="Payment in progress"></progress>
                                    </p>
                                </Show>
                                <div class="actions">
                                    <button
                                        type="submit"
                                        class="primary"
                                        disabled=move || pay.pending().get() || chosen_wallet.get().is_none()
                                    >
                                        {move || if pay.pending().get() { "Paying…" } else { "Pay" }}
                                    </button>
                                    <button type="button" disabled=move || pay.pending().get() on:click=move |_| close()>
                                        "Cancel"
                                    </button>
                                </div>
                            </form>
                        }
                            .into_any()
                    }
                }}
            </div>
        </div>
    }
}

#[component]
fn DecisionResult(decide: Action<Decision, Result<BulkOutcome, AppError>>) -> impl IntoView {
    move || {
        decide.value().get().map(|result| match result {
            Ok(outcome) => view! {
                <div class="notice success" role="status">
                    <p>{format!("{} done, {} skipped.", outcome.succeeded.len(), outcome.skipped.len())}</p>
                    <SkippedList skipped=outcome.skipped />
                </div>
            }
            .into_any(),
            Err(error) => view! { <p class="form-error" role="alert">{error.message}</p> }.into_any(),
        })
    }
}

#[component]
fn SkippedList(skipped: Vec<crate::payouts::Skipped>) -> impl IntoView {
    (!skipped.is_empty()).then(|| {
        view! {
            <ul>
                {skipped
                    .into_iter()
                    .map(|s| view! { <li>{format!("#{}: {}", s.id, s.reason)}</li> })
                    .collect_view()}
            </ul>
        }
    })
}

/// "Paid 3 incentives" after a payment, with anything skipped.
#[component]
fn PaymentToast(pay: Action<Payment, Result<PaymentOutcome, AppError>>) -> impl IntoView {
    move || {
        pay.value().get().and_then(Result::ok).map(|outcome| {
            let total = format_amount(outcome.total.minor, &outcome.total.code, outcome.total.scale);
            let n = outcome.paid.len();
            view! {
                <div class="notice success toast" role="status">
                    <p>{format!("Paid {n} incentive{}: {total}.", if n == 1 { "" } else { "s" })}</p>
                    <SkippedList skipped=outcome.skipped />
                </div>
            }
        })
    }
}

/// The earnings API's keys, on the settings page: make one (shown once),
/// see when each was last used, revoke.
#[component]
pub fn ApiKeys() -> impl IntoView {
    let create = ServerAction::<super::api::CreateApiKey>::new();
    let revoke = ServerAction::<super::api::RevokeApiKey>::new();
    let invite = ServerAction::<super::api::SetInviteMissing>::new();
    let keys = Resource::new(
        move || {
            (
                create.version().get(),
                revoke.version().get(),
                invite.version().get(),
            )
        },
        |_| super::api::list_api_keys(),
    );
    let create_error = Signal::derive(move || create.value().get().and_then(Result::err));
    let revoke_error = Signal::derive(move || revoke.value().get().and_then(Result::err));
    view! {
        <section class="card" aria-labelledby="keys-title">
            <h2 id="keys-title">"Earnings API keys"</h2>
            <p class="muted">
                "Your website reports incentives to " <code>"POST /api/v1/incentives"</code>
                " with one of these keys. Only a fingerprint is kept: a key is shown once, when it is made."
            </p>
            <ActionForm action=create attr:class="inline-form" attr:aria-label="Make an API key">
                <crate::ui::CsrfField />
                <div class="field">
                    <label for="k-name">"Key name"</label>
                    <input id="k-name" name="name" required maxlength="100" placeholder="Website" />
                </div>
                <div class="field">
                    <label for="k-expires">"Expires"</label>
                    <select id="k-expires" name="expires_in_days">
                        <option value="">"Never (until revoked)"</option>
                        <option value="30">"In 30 days"</option>
                        <option value="90">"In 90 days"</option>
                        <option value="365">"In a year"</option>
                    </select>
                </div>
                <button type="submit" disabled=move || create.pending().get()>"Make a key"</button>
            </ActionForm>
            <crate::ui::FormError error=create_error />
            {move || {
                create
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .map(|made| {
                        view! {
                            <div class="notice success" role="status">
                                <p>{format!("Key \"{}\" made. Copy it now: it is not shown again.", made.key.name)}</p>
                                <label for="k-secret">"New API key"</label>
                                <input id="k-secret" readonly value=made.secret class="secret" />
                            </div>
                        }
                    })
            }}
            <crate::ui::FormError error=revoke_error />
            <Transition fallback=|| view! { <Loading what="API keys" /> }>
                {move || Suspend::new(async move {
                    match keys.await {
                        Ok(settings) => {
                            let toggle = view! {
                                <ActionForm action=invite attr:class="inline-form" attr:aria-label="Unknown members">
                                    <crate::ui::CsrfField />
                                    <label class="check">
                                        <input type="checkbox" name="enabled" value="1" checked=settings.invite_missing />
                                        "Invite the member when an incentive names an unknown email"
                                    </label>
                                    <button type="submit">"Save"</button>
                                </ActionForm>
                            };
                            let keys = settings.keys;
                            if keys.is_empty() {
                                return view! { {toggle} <p class="empty">"No API keys yet."</p> }.into_any();
                            }
                            view! {
                            {toggle}
                            <table class="data">
                                <caption class="visually-hidden">"API keys"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Key"</th>
                                        <th scope="col">"Made"</th>
                                        <th scope="col">"Last used"</th>
                                        <th scope="col">"Expires"</th>
                                        <th scope="col">"State"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {keys
                                        .into_iter()
                                        .map(|k| {
                                            let revoked = k.revoked_at.clone();
                                            view! {
                                                <tr>
                                                    <th scope="row" data-label="Name">{k.name.clone()}</th>
                                                    <td data-label="Key"><code>{format!("{}…", k.prefix)}</code></td>
                                                    <td data-label="Made">{k.created_at.clone()}</td>
                                                    <td data-label="Last used">{k.last_used_at.clone().unwrap_or_else(|| "never".to_owned())}</td>
                                                    <td data-label="Expires">
                                                        {match (&k.expires_at, k.expired) {
                                                            (Some(at), true) => format!("Expired {at}"),
                                                            (Some(at), false) => at.clone(),
                                                            (None, _) => "never".to_owned(),
                                                        }}
                                                    </td>
                                                    <td data-label="State">
                                                        {match revoked {
                                                            Some(at) => view! { <span>{format!("Revoked {at}")}</span> }.into_any(),
                                                            None => view! {
                                                                <ActionForm action=revoke attr:class="inline-form">
                                                                    <crate::ui::CsrfField />
                                                                    <input type="hidden" name="id" value=k.id />
                                                                    <button type="submit">{format!("Revoke {}", k.name)}</button>
                                                                </ActionForm>
                                                            }
                                                                .into_any(),
                                                        }}
                                                    </td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The member's incentives on their account page: what waits for approval,
/// what is approved and about to be paid, what was paid, and the latest.
#[component]
pub fn MyIncentives() -> impl IntoView {
    let data = Resource::new(|| (), |_| super::api::my_incentives());
    view! {
        <section class="card" aria-labelledby="incentives-title">
            <h2 id="incentives-title">"Incentives"</h2>
            <Transition fallback=|| view! { <Loading what="your incentives" /> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(mine) if mine.latest.is_empty() => {
                            view! { <p class="empty">"No incentives yet. Rewards you earn will appear here."</p> }.into_any()
                        }
                        Ok(mine) => view! {
                            <dl class="stats">
                                <div class="stat">
                                    <dt>"Pending approval"</dt>
                                    <dd>{money_text(&mine.pending)}</dd>
                                </div>
                                <div class="stat">
                                    <dt>"Approved, to be paid"</dt>
                                    <dd>{money_text(&mine.approved)}</dd>
                                </div>
                                <div class="stat">
                                    <dt>"Paid"</dt>
                                    <dd>{money_text(&mine.paid)}</dd>
                                </div>
                            </dl>
                            <table class="data">
                                <caption class="visually-hidden">"Your latest incentives"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Program"</th>
                                        <th scope="col" class="num">"Amount"</th>
                                        <th scope="col">"Status"</th>
                                        <th scope="col">"Date"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {mine
                                        .latest
                                        .into_iter()
                                        .map(|r| view! {
                                            <tr>
                                                <th scope="row" data-label="Program">
                                                    {r.program.clone()}
                                                    {(!r.description.is_empty()).then(|| view! { <br /><span class="muted">{r.description.clone()}</span> })}
                                                </th>
                                                <td data-label="Amount" class="num">{format_amount(r.amount_minor, &r.asset, r.scale)}</td>
                                                <td data-label="Status">
                                                    {r.status.label()}
                                                    {r.note.clone().map(|n| view! { <br /><span class="muted">{n}</span> })}
                                                </td>
                                                <td data-label="Date">{r.paid_at.clone().unwrap_or_else(|| r.created_at.clone())}</td>
                                            </tr>
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        }
                            .into_any(),
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// Largest file the browser sends: well under the server's body limit.
#[cfg(feature = "hydrate")]
const MAX_FILE_BYTES: f64 = 1_500_000.0;

#[cfg(feature = "hydrate")]
async fn read_file(input: web_sys::HtmlInputElement) -> Result<String, String> {
    let file = input
        .files()
        .and_then(|files| files.get(0))
        .ok_or_else(|| "Choose a CSV file".to_owned())?;
    if file.size() > MAX_FILE_BYTES {
        return Err("The file is larger than 1.5 MB: split it".to_owned());
    }
    wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| "The file could not be read as text".to_owned())
}

/// Lines of the preview listed one by one; the rest are counted.
const PREVIEW_SHOWN: usize = 200;

/// CSV import: choose a file, see every line checked, confirm.
#[component]
pub fn ImportCsv(import: Action<String, Result<super::ImportOutcome, AppError>>) -> impl IntoView {
    let csv = RwSignal::new(String::new());
    let file_error = RwSignal::new(None::<String>);
    let preview = Action::new(|text: &String| super::api::preview_import(text.clone()));
    let on_file = move |ev: leptos::ev::Event| {
        file_error.set(None);
        #[cfg(feature = "hydrate")]
        {
            let input: web_sys::HtmlInputElement = event_target(&ev);
            leptos::task::spawn_local(async move {
                match read_file(input).await {
                    Ok(text) => {
                        csv.set(text.clone());
                        preview.dispatch(text);
                    }
                    Err(message) => file_error.set(Some(message)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, csv, preview);
    };
    view! {
        <section class="card" aria-labelledby="import-title">
            <h2 id="import-title">"Import from CSV"</h2>
            <p class="muted">
                "Columns: member_email, program, asset, amount, external_id, and optionally description and member_name. "
                "Lines imported before (same external_id) are recognised and not imported twice."
            </p>
            <div class="field">
                <label for="import-file">"CSV file"</label>
                <input id="import-file" type="file" accept=".csv,text/csv" on:change=on_file />
            </div>
            {move || file_error.get().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
            <Show when=move || preview.pending().get()>
                <p role="status">"Checking every line…" <progress aria-label="Checking the file"></progress></p>
            </Show>
            {move || {
                preview
                    .value()
                    .get()
                    .map(|result| match result {
                        Err(error) => view! { <p class="form-error" role="alert">{error.message}</p> }.into_any(),
                        Ok(p) => {
                            let new = p.new;
                            let problems: Vec<super::ImportRow> = p
                                .rows
                                .iter()
                                .filter(|r| r.error.is_some() || r.existing.is_some())
                                .cloned()
                                .collect();
                            let hidden = problems.len().saturating_sub(PREVIEW_SHOWN);
                            view! {
                                <p role="status">
                                    {format!(
                                        "{new} new ({}), {} already imported, {} with errors.",
                                        money_text(&p.totals),
                                        p.existing,
                                        p.invalid,
                                    )}
                                </p>
                                {(!problems.is_empty())
                                    .then(|| view! {
                                        <table class="data">
                                            <caption>"Lines that will not be imported"</caption>
                                            <thead>
                                                <tr>
                                                    <th scope="col">"Line"</th>
                                                    <th scope="col">"Member"</th>
                                                    <th scope="col">"External id"</th>
                                                    <th scope="col">"Why"</th>
                                                </tr>
                                            </thead>
                                            <tbody>
                                                {problems
                                                    .into_iter()
                                                    .take(PREVIEW_SHOWN)
                                                    .map(|r| view! {
                                                        <tr>
                                                            <th scope="row" data-label="Line">{r.line}</th>
                                                            <td data-label="Member">{r.member_email.clone()}</td>
                                                            <td data-label="External id">{r.external_id.clone()}</td>
                                                            <td data-label="Why">
                                                                {match (r.error, r.existing) {
                                                                    (Some(e), _) => e,
                                                                    (None, Some(id)) => format!("already imported as #{id}"),
                                                                    (None, None) => String::new(),
                                                                }}
                                                            </td>
                                                        </tr>
                                                    })
                                                    .collect_view()}
                                            </tbody>
                                        </table>
                                        {(hidden > 0).then(|| view! { <p class="muted">{format!("…and {hidden} more.")}</p> })}
                                    })}
                                <button
                                    type="button"
                                    class="primary"
                                    disabled=move || import.pending().get() || new == 0
                                    on:click=move |_| {
                                        import.dispatch(csv.get_untracked());
                                    }
                                >
                                    {format!("Import {new} incentive{}", if new == 1 { "" } else { "s" })}
                                </button>
                            }
                                .into_any()
                        }
                    })
            }}
            <Show when=move || import.pending().get()>
                <p role="status">"Importing…" <progress aria-label="Importing"></progress></p>
            </Show>
            {move || {
                import
                    .value()
                    .get()
                    .map(|result| match result {
                        Ok(outcome) => view! {
                            <div class="notice success" role="status">
                                <p>
                                    {format!(
                                        "Imported {} incentive{}, pending approval; {} already there; {} refused.",
                                        outcome.created,
                                        if outcome.created == 1 { "" } else { "s" },
                                        outcome.existing,
                                        outcome.failed.len(),
                                    )}
                                </p>
                                <ul>
                                    {outcome
                                        .failed
                                        .into_iter()
                                        .take(PREVIEW_SHOWN)
                                        .map(|(line, why)| view! { <li>{format!("Line {line}: {why}")}</li> })
                                        .collect_view()}
                                </ul>
                            </div>
                        }
                            .into_any(),
                        Err(error) => view! { <p class="form-error" role="alert">{error.message}</p> }.into_any(),
                    })
            }}
        </section>
    }
}
