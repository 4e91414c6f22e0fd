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
use super::live::use_request_changes;
use super::table::{Controls, Table};
use super::{BulkRequest, PayoutQuery, Selection, SortBy, PAGE_SIZES};
use crate::payout_details::method::PayoutMethod;
use crate::paypal::api::{paypal_status, send_via_paypal};
use crate::ui::list::{DateRangeFields, PerPageField};
use crate::ui::{successes, LoadError, Loading};
use crate::withdrawals::WithdrawalStatus;

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
        {move || {
            (params.read().get("step_up").as_deref() == Some("1"))
                .then(|| view! { <crate::auth::two_factor_section::StepUpPrompt /> })
        }}
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
