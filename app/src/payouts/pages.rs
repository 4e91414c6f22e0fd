//! `/admin/payouts`: the requests table. Filters are a GET form (they work
//! before the bundle loads and give shareable addresses); selecting rows
//! and bulk actions need the hydrated page.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
};

use super::api::{bulk_payouts, list_payouts};
use super::export::{ExportFormat, EXPORT_PATH};
use super::live::use_request_changes;
use super::{BulkRequest, PayoutList, PayoutQuery, Selection, SortBy, PAGE_SIZES};
use crate::error::AppError;
use crate::ledger::money::format_amount;
use crate::payout_details::method::PayoutMethod;
use crate::paypal::{
    api::{paypal_status, send_via_paypal},
    SendOutcome,
};
use crate::ui::list::{DateRangeFields, PerPageField};
use crate::ui::BulkOutcome;
use crate::ui::{successes, CsrfField, LoadError, Loading, SelectPage, SelectRow};
use crate::withdrawals::{WithdrawalAction, WithdrawalStatus};

const ACTIONS: [(WithdrawalAction, &str); 5] = [
    (WithdrawalAction::Approve, "Approve"),
    (WithdrawalAction::Reject, "Reject"),
    (WithdrawalAction::MarkProcessing, "Mark processing"),
    (WithdrawalAction::MarkPaid, "Mark paid"),
    (WithdrawalAction::Cancel, "Cancel"),
];

/// What the admin has chosen and typed in the bulk and export forms. Kept
/// by the page, not the table: the table is rebuilt whenever requests
/// change (live), and that must not lose a note being typed.
#[derive(Clone, Copy)]
struct Controls {
    action: RwSignal<String>,
    note: RwSignal<String>,
    reference: RwSignal<String>,
    date: RwSignal<String>,
    format: RwSignal<String>,
    scope: RwSignal<String>,
}

impl Controls {
    fn new() -> Self {
        Self {
            action: RwSignal::new(format!("{:?}", WithdrawalAction::Approve)),
            note: RwSignal::new(String::new()),
            reference: RwSignal::new(String::new()),
            date: RwSignal::new(String::new()),
            format: RwSignal::new(ExportFormat::ALL[0].as_str().to_owned()),
            scope: RwSignal::new("matching".to_owned()),
        }
    }
}

#[component]
pub fn PayoutsPage() -> impl IntoView {
    let controls = Controls::new();
    let params = use_query_map();
    let query = Memo::new(move |_| PayoutQuery::from_params(&params.read()));
    let bulk = Action::new(|request: &BulkRequest| bulk_payouts(request.clone()));
    let send = Action::new(|(selection, key): &(Selection, String)| {
        send_via_paypal(selection.clone(), key.clone())
    });
    let pending = RwSignal::new(false);
    // Requests changed anywhere (another admin, PayPal's reports): refetch,
    // so statuses move on screen without a reload.
    let changes = use_request_changes();
    // A refused action changed nothing: the table stays as it is.
    let (bulk_done, sent) = (successes(bulk), successes(send));
    let list = Resource::new(
        move || (query.get(), bulk_done.get(), sent.get(), changes.get()),
        |(query, ..)| list_payouts(query),
    );
    let paypal = Resource::new(|| (), |_| paypal_status());
    // The selection outlives a live refetch, not a new query or an action.
    let chosen = RwSignal::new(BTreeSet::<i64>::new());
    Effect::new(move |_| {
        query.track();
        bulk_done.track();
        sent.track();
        chosen.set(BTreeSet::new());
        // What was typed belonged to the action just done.
        controls.note.set(String::new());
        controls.reference.set(String::new());
        controls.date.set(String::new());
    });
    // An export the server refused comes back here with its reason.
    let export_error = move || params.read().get("export_error");
    view! {
        <Title text="Payout requests · Paydesk admin" />
        <h1>"Payout requests"</h1>
        {move || export_error().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                paypal
                    .await
                    .ok()
                    .map(|status| {
                        view! {
                            <PayPalAlerts alerts=status.alerts />
                            <NeedsAttention items=status.attention />
                        }
                    })
            })}
        </Suspense>
        <Filters query=query.get_untracked() />
        // Busy while a new page loads: the old rows stay on screen meanwhile.
        <div class="results" aria-busy=move || pending.get().to_string()>
            <Transition fallback=|| view! { <Loading what="requests" /> } set_pending=pending>
                {move || Suspend::new(async move {
                    let paypal_on = paypal.await.is_ok_and(|status| status.configured);
                    match list.await {
                        Ok(list) => view! { <Table list query=query.get_untracked() bulk send chosen controls paypal_on /> }.into_any(),
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// PayPal payouts unclaimed past the claim period. Only PayPal's own word
/// credits them back; until then a person may remind the receiver or ask
/// PayPal.
/// Late PayPal reports that contradict a settled request: each needs an
/// admin's decision on the request's page.
#[component]
fn PayPalAlerts(alerts: Vec<crate::paypal::AlertView>) -> impl IntoView {
    (!alerts.is_empty()).then(|| {
        let count = alerts.len();
        view! {
            <section class="card attention" aria-labelledby="alerts-title">
                <h2 id="alerts-title">
                    "PayPal contradicts a settled payout "
                    <span class="badge bad" aria-label=format!("{count} reports")>{count}</span>
                </h2>
                <p class="muted">
                    "PayPal reported these after Paydesk had settled them. No money moved on the report: open each request, check it at PayPal, and choose what to do."
                </p>
                <ul>
                    {alerts
                        .into_iter()
                        .map(|alert| view! {
                            <li>
                                <A href=format!("/admin/payouts/{}", alert.request_id)>{format!("Request #{}", alert.request_id)}</A>
                                {format!(" · {} after {}", alert.reported_status, alert.settled_status)}
                            </li>
                        })
                        .collect_view()}
                </ul>
            </section>
        }
    })
}

#[component]
fn NeedsAttention(items: Vec<crate::paypal::AttentionItem>) -> impl IntoView {
    (!items.is_empty()).then(|| {
        let count = items.len();
        view! {
            <section class="card attention" aria-labelledby="attention-title">
                <h2 id="attention-title">
                    "Needs attention " <span class="badge" aria-label=format!("{count} payouts")>{count}</span>
                </h2>
                <p class="muted">
                    "Sent through PayPal and still unclaimed after PayPal's 30-day claim period. Nothing is credited back until PayPal reports the payment returned: remind the member to accept it, or check it at PayPal."
                </p>
                <ul>
                    {items
                        .into_iter()
                        .map(|item| view! {
                            <li>
                                <A href=format!("/admin/payouts/{}", item.request_id)>{format!("Request #{}", item.request_id)}</A>
                                {format!(" · unclaimed, sent {} days ago", item.days)}
                            </li>
                        })
                        .collect_view()}
                </ul>
            </section>
        }
    })
}

#[component]
fn Filters(query: PayoutQuery) -> impl IntoView {
    let selected = |current: &str, value: &str| current == value;
    view! {
        <Form method="GET" action="/admin/payouts" attr:class="filters" attr:aria-label="Filter requests">
            <div class="field">
                <label for="f-q">"Search"</label>
                <input id="f-q" name="q" type="search" value=query.q.clone() placeholder="Name, email, #id or reference" />
            </div>
            <div class="field">
                <label for="f-status">"Status"</label>
                <select id="f-status" name="status">
                    <option value="">"Any status"</option>
                    {WithdrawalStatus::ALL
                        .iter()
                        .map(|s| view! { <option value=s.as_str() selected=selected(&query.status, s.as_str())>{s.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-method">"Method"</label>
                <select id="f-method" name="method">
                    <option value="">"Any method"</option>
                    {PayoutMethod::ALL
                        .iter()
                        .map(|m| view! { <option value=m.as_str() selected=selected(&query.method, m.as_str())>{m.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-currency">"Currency"</label>
                <input id="f-currency" name="currency" value=query.currency.clone() placeholder="USD" size="5" />
            </div>
            <DateRangeFields prefix="f" from=query.from.clone() to=query.to.clone() />
            <div class="field">
                <label for="f-sort">"Sort by"</label>
                <select id="f-sort" name="sort">
                    <option value="created" selected=query.sort == SortBy::Created>"Date"</option>
                    <option value="amount" selected=query.sort == SortBy::Amount>"Amount"</option>
                    <option value="status" selected=query.sort == SortBy::Status>"Status"</option>
                </select>
            </div>
            <div class="field">
                <label for="f-order">"Order"</label>
                <select id="f-order" name="order">
                    <option value="desc" selected=!query.ascending>"Descending"</option>
                    <option value="asc" selected=query.ascending>"Ascending"</option>
                </select>
            </div>
            <PerPageField prefix="f" sizes=&PAGE_SIZES chosen=query.per_page />
            <button type="submit" class="primary">"Apply filters"</button>
        </Form>
    }
}

#[component]
fn Table(
    list: PayoutList,
    query: PayoutQuery,
    bulk: Action<BulkRequest, Result<BulkOutcome, AppError>>,
    send: Action<(Selection, String), Result<SendOutcome, AppError>>,
    chosen: RwSignal<BTreeSet<i64>>,
    controls: Controls,
    paypal_on: bool,
) -> impl IntoView {
    let page_ids: Vec<i64> = list.rows.iter().map(|r| r.request.id).collect();
    let Controls {
        action,
        note,
        reference,
        date,
        ..
    } = controls;
    let key = list.fresh_key.clone();
    let total = list.total;
    let run = {
        let query = query.clone();
        move |all_matching: bool| {
            let selection = if all_matching {
                Selection::Matching(query.clone())
            } else {
                Selection::Ids(chosen.get_untracked().into_iter().collect())
            };
            let action = ACTIONS
                .iter()
                .find(|(a, _)| format!("{a:?}") == action.get_untracked())
                .map_or(WithdrawalAction::Approve, |(a, _)| *a);
            bulk.dispatch(BulkRequest {
                selection,
                action,
                note: note.get_untracked(),
                external_reference: reference.get_untracked(),
                payment_date: date.get_untracked(),
                idempotency_key: key.clone(),
            });
        }
    };
    let run_all = run.clone();
    let send_key = list.fresh_key.clone();
    let send_selected = move |_| {
        send.dispatch((
            Selection::Ids(chosen.get_untracked().into_iter().collect()),
            send_key.clone(),
        ));
    };
    let busy = move || bulk.pending().get() || send.pending().get();
    let (current, pages) = (list.page, list.pages());
    view! {
        <p class="muted" role="status">
            {if total == 1 { "1 request matches".to_owned() } else { format!("{total} requests match") }}
        </p>
        <section class="bulk" aria-label="Bulk actions">
            <SelectPage page_ids chosen />
            <div class="field">
                <label for="b-action">"Action"</label>
                <select id="b-action" on:change=move |ev| action.set(event_target_value(&ev))>
                    {ACTIONS
                        .iter()
                        .map(|(a, label)| {
                            let value = format!("{a:?}");
                            let selected = action.get_untracked() == value;
                            view! { <option value=value selected=selected>{*label}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="b-note">"Note to the member"</label>
                <input id="b-note" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev)) />
            </div>
            <div class="field">
                <label for="b-reference">"Receipt number"</label>
                <input id="b-reference" prop:value=move || reference.get() on:input=move |ev| reference.set(event_target_value(&ev)) />
            </div>
            <div class="field">
                <label for="b-date">"Payment date"</label>
                <input id="b-date" type="date" prop:value=move || date.get() on:input=move |ev| date.set(event_target_value(&ev)) />
            </div>
            <button
                type="button"
                class="primary"
                disabled=move || busy() || chosen.with(BTreeSet::is_empty)
                on:click=move |_| run(false)
            >
                {move || format!("Apply to {} selected", chosen.with(BTreeSet::len))}
            </button>
            <button type="button" disabled=move || busy() || total == 0 on:click=move |_| run_all(true)>
                {format!("Apply to all {total} matching")}
            </button>
            {paypal_on
                .then(|| {
                    view! {
                        <button
                            type="button"
                            class="paypal"
                            disabled=move || busy() || chosen.with(BTreeSet::is_empty)
                            on:click=send_selected.clone()
                        >
                            {move || {
                                if send.pending().get() {
                                    "Sending to PayPal…".to_owned()
                                } else {
                                    format!("Send {} selected via PayPal", chosen.with(BTreeSet::len))
                                }
                            }}
                        </button>
                    }
                })}
        </section>
        <BulkResult bulk />
        <SendResult send />
        <Export query=query.clone() chosen controls total key=list.fresh_key.clone() />
        {if list.rows.is_empty() {
            view! { <p class="empty">"No requests match these filters."</p> }.into_any()
        } else {
            view! {
                <table class="data payouts">
                    <caption class="visually-hidden">"Withdrawal requests"</caption>
                    <thead>
                        <tr>
                            <th scope="col"><span class="visually-hidden">"Selected"</span></th>
                            <th scope="col">"Request"</th>
                            <th scope="col">"Member"</th>
                            <th scope="col" class="num">"Amount"</th>
                            <th scope="col" class="num">"Fee"</th>
                            <th scope="col" class="num">"Net"</th>
                            <th scope="col">"Method"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Date"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {list
                            .rows
                            .into_iter()
                            .map(|row| {
                                let r = row.request;
                                let id = r.id;
                                let money = |m: i64| format_amount(m, &r.currency, r.currency_scale);
                                let method = match &r.payout_masked {
                                    Some(masked) => format!("{} · {masked}", r.method.label()),
                                    None => r.method.label().to_owned(),
                                };
                                view! {
                                    <tr>
                                        <SelectRow id chosen label=format!("Select request #{id}") />
                                        <th scope="row" data-label="Request">
                                            <A href=format!("/admin/payouts/{id}")>{format!("#{id}")}</A>
                                        </th>
                                        <td data-label="Member">
                                            {row.member_name}
                                            <br />
                                            <span class="muted">{row.member_email}</span>
                                        </td>
                                        <td data-label="Amount" class="num">{money(r.gross_minor)}</td>
                                        <td data-label="Fee" class="num">{money(r.fee_minor)}</td>
                                        <td data-label="Net" class="num">{money(r.net_minor)}</td>
                                        <td data-label="Method">{method}</td>
                                        <td data-label="Status">
                                            <span class="badge">{r.status.label()}</span>
                                            {r.external_reference.clone().map(|x| view! { <span class="muted">{format!(" {x}")}</span> })}
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
        <nav class="pager" aria-label="Request pages">
            {(current > 1).then(|| view! { <A href=query.href(current - 1) attr:rel="prev">"← Previous"</A> })}
            <span class="muted">{format!("Page {current} of {pages}")}</span>
            {(current < pages).then(|| view! { <A href=query.href(current + 1) attr:rel="next">"Next →"</A> })}
        </nav>
    }
}

/// The export form: a plain POST answered with the file, so the download
/// works before (and without) the wasm bundle; only "selected" needs it.
#[component]
fn Export(
    query: PayoutQuery,
    chosen: RwSignal<BTreeSet<i64>>,
    controls: Controls,
    total: u64,
    key: String,
) -> impl IntoView {
    let Controls { format, scope, .. } = controls;
    let payment_file =
        move || ExportFormat::parse(&format.get()).is_some_and(ExportFormat::is_payment_file);
    let ids = move || chosen.with(|c| c.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
    let filters = [
        ("q", query.q),
        ("status", query.status),
        ("method", query.method),
        ("currency", query.currency),
        ("from", query.from),
        ("to", query.to),
    ];
    view! {
        <section class="export" aria-label="Export">
            <form method="post" action=EXPORT_PATH>
                <CsrfField />
                {filters
                    .into_iter()
                    .map(|(name, value)| view! { <input type="hidden" name=name value=value /> })
                    .collect_view()}
                <input type="hidden" name="ids" value=ids />
                <input type="hidden" name="idempotency_key" value=key />
                <div class="field">
                    <label for="x-format">"Format"</label>
                    <select
                        id="x-format"
                        name="format"
                        aria-describedby="x-format-help"
                        on:change=move |ev| format.set(event_target_value(&ev))
                    >
                        {[("Reports: any status, move nothing", false), ("Payment files: for upload to the provider", true)]
                            .into_iter()
                            .map(|(group, paying)| {
                                view! {
                                    <optgroup label=group>
                                        {ExportFormat::ALL
                                            .into_iter()
                                            .filter(|f| f.is_payment_file() == paying)
                                            .map(|f| {
                                                let selected = format.get_untracked() == f.as_str();
                                                view! { <option value=f.as_str() selected=selected>{f.label()}</option> }
                                            })
                                            .collect_view()}
                                    </optgroup>
                                }
                            })
                            .collect_view()}
                    </select>
                    <p id="x-format-help" class="muted">
                        {move || if payment_file() {
                            "A payment file takes only approved requests, each once: they move to processing and can then only be marked paid or failed. The next page lists what it took and skipped, and downloads it."
                        } else {
                            "A report lists requests in any status and changes nothing. It is not for upload to a provider."
                        }}
                    </p>
                </div>
                <fieldset class="choices">
                    <legend>"Requests"</legend>
                    <label class="check">
                        <input
                            type="radio"
                            name="scope"
                            value="selected"
                            disabled=move || chosen.with(BTreeSet::is_empty)
                            prop:checked=move || scope.get() == "selected"
                            on:change=move |_| scope.set("selected".into())
                        />
                        {move || format!("The {} selected", chosen.with(BTreeSet::len))}
                    </label>
                    <label class="check">
                        <input
                            type="radio"
                            name="scope"
                            value="matching"
                            checked=scope.get_untracked() == "matching"
                            prop:checked=move || scope.get() == "matching"
                            on:change=move |_| scope.set("matching".into())
                        />
                        {format!("All {total} matching")}
                    </label>
                    <label class="check">
                        <input
                            type="radio"
                            name="scope"
                            value="new"
                            prop:checked=move || scope.get() == "new"
                            on:change=move |_| scope.set("new".into())
                        />
                        "Only new: matching and never exported"
                    </label>
                </fieldset>
                <button type="submit">
                    {move || if payment_file() { "Make payment file" } else { "Download report" }}
                </button>
                <p><A href=crate::payouts::payment_files::FILES_PATH>"Exports history"</A></p>
            </form>
        </section>
    }
}

/// What "Send via PayPal" did: sent, waiting for PayPal's confirmation,
/// refused (money back), and the requests it left alone with why.
#[component]
fn SendResult(send: Action<(Selection, String), Result<SendOutcome, AppError>>) -> impl IntoView {
    move || {
        send.value().get().map(|result| match result {
            Ok(outcome) => {
                let batches = outcome.batches.len();
                let mut summary = format!(
                    "{} sent to PayPal in {} batch{}.",
                    outcome.sent.len(),
                    batches,
                    if batches == 1 { "" } else { "es" }
                );
                if outcome.unconfirmed > 0 {
                    summary.push_str(" PayPal has not confirmed yet; Paydesk keeps asking and never sends twice.");
                }
                if !outcome.refused.is_empty() {
                    summary.push_str(&format!(
                        " PayPal refused {}: they failed and the money is back in the wallets.",
                        outcome.refused.len()
                    ));
                }
                view! {
                    <div class="notice success" role="status">
                        <p>{summary}</p>
                        {(!outcome.skipped.is_empty())
                            .then(|| {
                                view! {
                                    <p>{format!("{} skipped:", outcome.skipped.len())}</p>
                                    <ul>
                                        {outcome
                                            .skipped
                                            .into_iter()
                                            .map(|s| view! { <li>{format!("#{}: {}", s.id, s.reason)}</li> })
                                            .collect_view()}
                                    </ul>
                                }
                            })}
                    </div>
                }
                .into_any()
            }
            Err(error) => view! { <p class="form-error" role="alert">{error.message}</p> }.into_any(),
        })
    }
}

#[component]
fn BulkResult(bulk: Action<BulkRequest, Result<BulkOutcome, AppError>>) -> impl IntoView {
    move || {
        bulk.value().get().map(|result| match result {
            Ok(outcome) => view! {
                <div class="notice success" role="status">
                    <p>{format!("{} succeeded, {} skipped.", outcome.succeeded.len(), outcome.skipped.len())}</p>
                    {(!outcome.skipped.is_empty())
                        .then(|| {
                            view! {
                                <ul>
                                    {outcome
                                        .skipped
                                        .into_iter()
                                        .map(|s| view! { <li>{format!("#{}: {}", s.id, s.reason)}</li> })
                                        .collect_view()}
                                </ul>
                            }
                        })}
                </div>
            }
            .into_any(),
            Err(error) => view! { <p class="form-error" role="alert">{error.message}</p> }.into_any(),
        })
    }
}
