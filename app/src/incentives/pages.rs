//! `/admin/incentives`: the incentives dashboard. Filters and status tabs
//! are GET links and forms (shareable, working before the bundle loads);
//! selecting rows, bulk approve / reject and the Make Payment dialog need
//! the hydrated page.

use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
};

use super::api::{decide_incentives, list_incentives, pay_incentives, payment_wallets};
use super::import_form::ImportCsv;
use super::pay_dialog::{PayDialog, Payable, Payment};
use super::{
    IncentiveDecision, IncentiveList, IncentiveQuery, IncentiveStatus, IncentiveView,
    PaymentOutcome, PER_PAGE_CHOICES,
};
use crate::error::AppError;
use crate::ledger::money::Money;
use crate::ledger::money::{format_amount, money_text};
use crate::ledger::statement::StatementWallet;
use crate::ui::list::{DateRangeFields, PerPageField};
use crate::ui::BulkOutcome;
use crate::ui::{LoadError, Loading, SelectPage, SelectRow};

#[derive(Clone, Debug)]
struct Decision {
    ids: String,
    all_matching: bool,
    query: IncentiveQuery,
    action: IncentiveDecision,
    note: String,
}

#[component]
pub fn IncentivesPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| IncentiveQuery::from_params(&params.read()));
    let decide = Action::new(|d: &Decision| {
        let d = d.clone();
        decide_incentives(d.ids, d.all_matching, d.query, d.action, d.note)
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
                    let href = move || query.get().href(status, 1);
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
            <DateRangeFields prefix="i" from=query.from.clone() to=query.to.clone() />
            <PerPageField prefix="i" sizes=&PER_PAGE_CHOICES chosen=query.per_page />
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
        move |action: IncentiveDecision, all_matching: bool| {
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
            {list.can_decide.then(|| view! {
            <div class="field">
                <label for="d-note">"Note (needed to reject; the member sees it)"</label>
                <input id="d-note" on:input=move |ev| note.set(event_target_value(&ev)) />
            </div>
            <button
                type="button"
                class="primary"
                disabled=move || decide.pending().get() || chosen.with(BTreeSet::is_empty)
                on:click=move |_| approve(IncentiveDecision::Approve, false)
            >
                {move || format!("Approve {} selected", chosen.with(BTreeSet::len))}
            </button>
            <button
                type="button"
                disabled=move || decide.pending().get() || chosen.with(BTreeSet::is_empty)
                on:click=move |_| reject(IncentiveDecision::Reject, false)
            >
                {move || format!("Reject {} selected", chosen.with(BTreeSet::len))}
            </button>
            <button
                type="button"
                disabled=move || decide.pending().get() || total == 0
                on:click=move |_| approve_all(IncentiveDecision::Approve, true)
            >
                {format!("Approve all {total} matching")}
            </button>
            <button
                type="button"
                disabled=move || decide.pending().get() || total == 0
                on:click=move |_| reject_all(IncentiveDecision::Reject, true)
            >
                {format!("Reject all {total} matching")}
            </button>
            })}
            {list.can_pay.then(|| view! {
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
            {(current > 1).then(|| view! { <A href=query.href(&query.status, current - 1) attr:rel="prev">"← Newer"</A> })}
            <span class="muted">{format!("Page {current} of {pages}")}</span>
            {(current < pages).then(|| view! { <A href=query.href(&query.status, current + 1) attr:rel="next">"Older →"</A> })}
        </nav>
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
fn SkippedList(skipped: Vec<crate::ui::Skipped>) -> impl IntoView {
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
            let total = format_amount(
                outcome.total.minor,
                &outcome.total.code,
                outcome.total.scale,
            );
            let n = outcome.paid.len();
            let line = match &outcome.held {
                Some(held) => format!("Nothing paid yet ({total}). {}.", held.message),
                None => format!(
                    "Paid {n} incentive{}: {total}.",
                    if n == 1 { "" } else { "s" }
                ),
            };
            view! {
                <div class="notice success toast" role="status">
                    <p>{line}</p>
                    <SkippedList skipped=outcome.skipped />
                </div>
            }
        })
    }
}
