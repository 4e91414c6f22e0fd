//! The payouts table and what acts on it: the bulk bar, Send via PayPal,
//! the export form and the outcome of the last action. Drawn by
//! `pages.rs`; the page keeps the `Controls` so a live refresh of the
//! table never loses what the admin typed.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_router::components::A;

use super::export::{ExportFormat, EXPORT_PATH};
use super::{BulkRequest, PayoutList, PayoutQuery, PayoutRow, Selection};
use crate::error::AppError;
use crate::ledger::money::format_amount;
use crate::paypal::SendOutcome;
use crate::ui::BulkOutcome;
use crate::ui::{CsrfField, SelectPage, SelectRow};
use crate::withdrawals::WithdrawalAction;

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
pub struct Controls {
    pub action: RwSignal<String>,
    pub note: RwSignal<String>,
    pub reference: RwSignal<String>,
    pub date: RwSignal<String>,
    pub format: RwSignal<String>,
    pub scope: RwSignal<String>,
}

impl Controls {
    pub fn new() -> Self {
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

/// One page of requests: the count, the bulk bar, the results of the
/// last action, the export form, the rows and the pager.
#[component]
pub fn Table(
    list: PayoutList,
    query: PayoutQuery,
    bulk: Action<BulkRequest, Result<BulkOutcome, AppError>>,
    send: Action<(Selection, String), Result<SendOutcome, AppError>>,
    chosen: RwSignal<BTreeSet<i64>>,
    controls: Controls,
    paypal_on: bool,
) -> impl IntoView {
    let page_ids: Vec<i64> = list.rows.iter().map(|r| r.request.id).collect();
    let total = list.total;
    let (current, pages) = (list.page, list.pages());
    let key = list.fresh_key.clone();
    let paypal_on = paypal_on && list.can_send;
    let bulk_bar = (list.can_process || paypal_on).then(|| {
        view! { <BulkBar query=query.clone() page_ids total key=key.clone() bulk send chosen controls paypal_on /> }
    });
    let export = list
        .can_export
        .then(|| view! { <Export query=query.clone() chosen controls total key /> });
    view! {
        <p class="muted" role="status">
            {if total == 1 { "1 request matches".to_owned() } else { format!("{total} requests match") }}
        </p>
        {bulk_bar}
        <BulkResult bulk />
        <SendResult send />
        {export}
        <Rows rows=list.rows chosen />
        <nav class="pager" aria-label="Request pages">
            {(current > 1).then(|| view! { <A href=query.href(current - 1) attr:rel="prev">"← Previous"</A> })}
            <span class="muted">{format!("Page {current} of {pages}")}</span>
            {(current < pages).then(|| view! { <A href=query.href(current + 1) attr:rel="next">"Next →"</A> })}
        </nav>
    }
}

/// The bulk bar: the action and its details, applied to the selected
/// requests or to every request matching the filters, and Send via PayPal.
#[component]
#[allow(clippy::too_many_arguments)] // a component's props, each named at its one call
fn BulkBar(
    query: PayoutQuery,
    page_ids: Vec<i64>,
    total: u64,
    key: String,
    bulk: Action<BulkRequest, Result<BulkOutcome, AppError>>,
    send: Action<(Selection, String), Result<SendOutcome, AppError>>,
    chosen: RwSignal<BTreeSet<i64>>,
    controls: Controls,
    paypal_on: bool,
) -> impl IntoView {
    let Controls {
        action,
        note,
        reference,
        date,
        ..
    } = controls;
    let send_key = key.clone();
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
    let send_selected = move |_| {
        send.dispatch((
            Selection::Ids(chosen.get_untracked().into_iter().collect()),
            send_key.clone(),
        ));
    };
    let busy = move || bulk.pending().get() || send.pending().get();
    view! {
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
    }
}

/// The requests of the page, each with its selection box and a link to
/// its process view.
#[component]
fn Rows(rows: Vec<PayoutRow>, chosen: RwSignal<BTreeSet<i64>>) -> impl IntoView {
    view! {
        {if rows.is_empty() {
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
                        {rows
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
