//! The member's withdrawal history: each request with its status, amounts
//! and destination, and a cancel button while it is still only requested.

use leptos::prelude::*;

use super::api::CancelWithdrawal;
use super::preview::HistoryPage;
use super::{WithdrawalStatus, WithdrawalView};
use crate::ledger::money::format_amount;
use crate::ui::{CsrfField, Pager};

fn status_class(status: WithdrawalStatus) -> &'static str {
    match status {
        WithdrawalStatus::Requested | WithdrawalStatus::Approved | WithdrawalStatus::Processing => {
            "badge open"
        }
        WithdrawalStatus::Paid => "badge paid",
        WithdrawalStatus::Rejected | WithdrawalStatus::Failed | WithdrawalStatus::Returned => {
            "badge bad"
        }
        WithdrawalStatus::Canceled => "badge",
    }
}

#[component]
pub fn History(page: HistoryPage, cancel: ServerAction<CancelWithdrawal>) -> impl IntoView {
    if page.rows.is_empty() {
        return view! {
            <p class="empty">"No requests yet. Requests you make appear here with their status."</p>
        }
        .into_any();
    }
    let (current, pages, total) = (page.page, page.pages(), page.total);
    view! {
        <table class="data history">
            <caption class="visually-hidden">"Your withdrawal requests, newest first"</caption>
            <thead>
                <tr>
                    <th scope="col">"Request"</th>
                    <th scope="col">"Date"</th>
                    <th scope="col">"Amount"</th>
                    <th scope="col">"Fee"</th>
                    <th scope="col">"Net"</th>
                    <th scope="col">"Method"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Details"</th>
                </tr>
            </thead>
            <tbody>
                {page
                    .rows
                    .into_iter()
                    .map(|row| view! { <HistoryLine row cancel /> })
                    .collect_view()}
            </tbody>
        </table>
        <Pager
            page=current
            pages
            total
            label="Request pages"
            href=|p| format!("/account/withdrawals?page={p}")
        />
    }
    .into_any()
}

#[component]
fn HistoryLine(
    row: super::preview::HistoryRow,
    cancel: ServerAction<CancelWithdrawal>,
) -> impl IntoView {
    let r: WithdrawalView = row.request;
    let money = |m: i64| format_amount(m, &r.currency, r.currency_scale);
    let method = match &r.payout_masked {
        Some(masked) => format!("{} · {masked}", r.method.label()),
        None => r.method.label().to_owned(),
    };
    let id = r.id;
    let can_cancel = r.status == WithdrawalStatus::Requested;
    view! {
        <tr>
            <th scope="row" data-label="Request">{format!("#{id}")}</th>
            <td data-label="Date">{r.created_at.clone()}</td>
            <td data-label="Amount">{money(r.gross_minor)}</td>
            <td data-label="Fee">{money(r.fee_minor)}</td>
            <td data-label="Net">{money(r.net_minor)}</td>
            <td data-label="Method">{method}</td>
            <td data-label="Status">
                <span class=status_class(r.status)>{r.status.label()}</span>
                {can_cancel
                    .then(|| {
                        view! {
                            <details class="confirm">
                                <summary>{format!("Cancel request #{id}")}</summary>
                                <p>"The amount goes back to your wallet at once."</p>
                                <ActionForm action=cancel>
                                    <CsrfField />
                                    <input type="hidden" name="request_id" value=id.to_string() />
                                    <input type="hidden" name="idempotency_key" value=format!("cancel-{id}") />
                                    <button type="submit" class="danger" disabled=move || cancel.pending().get()>
                                        {format!("Yes, cancel request #{id}")}
                                    </button>
                                </ActionForm>
                            </details>
                        }
                    })}
            </td>
            <td data-label="Details">
                {r.on_behalf.then(|| view! { <p class="muted">"Made for you by an administrator"</p> })}
                {r.note.clone().map(|note| view! { <p class="note">{note}</p> })}
                {r
                    .external_reference
                    .clone()
                    .map(|reference| view! { <p>"Reference: " {reference}</p> })}
                {r.payment_date.clone().map(|date| view! { <p>"Paid on " {date}</p> })}
                <details class="timeline">
                    <summary>{format!("Timeline of #{id}")}</summary>
                    <ol>
                        {row
                            .events
                            .into_iter()
                            .map(|event| {
                                view! {
                                    <li>
                                        <time>{event.at}</time>
                                        " "
                                        <strong>{event.to.label()}</strong>
                                        {format!(" by {}", event.by)}
                                        {event.note.map(|n| view! { <span>{format!(": {n}")}</span> })}
                                        {event
                                            .external_reference
                                            .map(|x| view! { <span>{format!(" (reference {x})")}</span> })}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ol>
                </details>
            </td>
        </tr>
    }
}
