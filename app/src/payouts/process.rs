//! `/admin/payouts/:id`: one request with everything needed to decide it:
//! member, amounts, payout details (masked, revealed on demand and
//! audit-logged), verification, the wallet's recent ledger, the timeline,
//! and the actions the transition function allows from here.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use super::api::{payout_process_view, ActOnPayout, RevealPayoutDetails};
use super::ProcessView;
use crate::ledger::money::format_amount;
use crate::paypal::{api::ResolveAlert, AlertResolution, AlertView};
use crate::ui::{CsrfField, FormError, LoadError, Loading};
use crate::withdrawals::WithdrawalAction;

#[component]
pub fn ProcessPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or(0)
    });
    let act = ServerAction::<ActOnPayout>::new();
    let reveal = ServerAction::<RevealPayoutDetails>::new();
    let resolve = ServerAction::<ResolveAlert>::new();
    // While PayPal holds the request, its reports move it: follow them.
    // Otherwise nothing but this page's own actions does, and a refetch
    // would only throw away a note being typed.
    let changes = super::live::use_request_changes();
    let held = RwSignal::new(false);
    let data = Resource::new(
        move || {
            let live = if held.get() { changes.get() } else { 0 };
            (id.get(), act.version().get(), resolve.version().get(), live)
        },
        |(id, ..)| payout_process_view(id),
    );
    view! {
        <Title text="Process request · Paydesk admin" />
        <p>
            <A href="/admin/payouts">"← Payout requests"</A>
        </p>
        <Transition fallback=|| view! { <Loading what="the request" /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(view) => {
                        // try_set: on the server the page may be gone (a
                        // redirect ended the response) by the time the data is.
                        held.try_set(view.paypal.as_ref().is_some_and(|trail| !trail.settled));
                        view! { <Process view act reveal resolve /> }.into_any()
                    }
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Process(
    view: ProcessView,
    act: ServerAction<ActOnPayout>,
    reveal: ServerAction<RevealPayoutDetails>,
    resolve: ServerAction<ResolveAlert>,
) -> impl IntoView {
    let r = view.request.clone();
    let id = r.id;
    let money = |m: i64| format_amount(m, &r.currency, r.currency_scale);
    let act_error = Signal::derive(move || act.value().get().and_then(Result::err));
    let reveal_error = Signal::derive(move || reveal.value().get().and_then(Result::err));
    let (asset, scale) = (view.wallet_asset.clone(), view.wallet_scale);
    let key = view.fresh_key.clone();
    view! {
        <h1>{format!("Request #{id}")}</h1>
        <section class="card" aria-labelledby="summary-title">
            <h2 id="summary-title">
                "Status: " <span class="badge">{r.status.label()}</span>
            </h2>
            <dl class="facts">
                <dt>"Member"</dt>
                <dd>
                    {format!("{} · {}", view.member_name, view.member_email)}
                    {(!view.member_active).then(|| view! { <span class="badge bad">" Inactive"</span> })}
                </dd>
                <dt>"Verification"</dt>
                <dd>{view.verification.label()}</dd>
                <dt>"Amount"</dt>
                <dd>{money(r.gross_minor)}</dd>
                <dt>"Fee"</dt>
                <dd>{money(r.fee_minor)}</dd>
                <dt>"Net to pay"</dt>
                <dd>
                    <strong>{money(r.net_minor)}</strong>
                </dd>
                <dt>"Taken from the wallet"</dt>
                <dd>{format_amount(r.amount, &r.wallet_asset, scale)}</dd>
                <dt>"Method"</dt>
                <dd>{format!("{} · {}", r.method.label(), r.payout_masked.clone().unwrap_or_default())}</dd>
                {view
                    .extra_details
                    .iter()
                    .map(|(label, answer)| view! { <dt>{label.clone()}</dt> <dd>{answer.clone()}</dd> })
                    .collect_view()}
                <dt>"Requested"</dt>
                <dd>{r.created_at.clone()}</dd>
            </dl>
            {view
                .can_reveal
                .then(|| {
                    view! {
                        <ActionForm action=reveal attr:class="inline-form">
                            <CsrfField />
                            <input type="hidden" name="request_id" value=id.to_string() />
                            <button type="submit">"Reveal payout details"</button>
                        </ActionForm>
                    }
                })}
            <FormError error=reveal_error />
            {move || {
                reveal
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .map(|details| {
                        view! {
                            <h3>"Payout details"</h3>
                            <dl class="facts revealed">
                                {details
                                    .fields
                                    .into_iter()
                                    .map(|(label, value)| view! { <dt>{label}</dt> <dd>{value}</dd> })
                                    .collect_view()}
                            </dl>
                            <p class="hint">"This reveal is recorded in the audit log."</p>
                        }
                    })
            }}
        </section>
        {view
            .paypal
            .as_ref()
            .filter(|trail| !trail.alerts.is_empty())
            .map(|trail| view! { <AlertsCard alerts=trail.alerts.clone() resolve /> })}
        {view.paypal.clone().map(|trail| view! { <PayPalCard trail /> })}
        <section class="card" aria-labelledby="actions-title">
            <h2 id="actions-title">"Actions"</h2>
            {view.second_approval.clone().map(|text| view! { <p class="notice" role="status">{text}</p> })}
            {move || {
                act.value()
                    .get()
                    .and_then(Result::ok)
                    .and_then(|answer| answer.held)
                    .map(|held| view! { <p class="notice" role="status">{format!("Not marked paid yet. {}.", held.message)}</p> })
            }}
            {if view.paypal.as_ref().is_some_and(|trail| !trail.settled) {
                view! { <p class="empty">"PayPal is paying this request: its status follows PayPal's reports."</p> }.into_any()
            } else if view.allowed.is_empty() {
                view! { <p class="empty">"No further action is possible from this status, or your role on the team does not take these actions."</p> }.into_any()
            } else {
                view! {
                    <ActionForm action=act attr:class="stack">
                        <CsrfField />
                        <input type="hidden" name="request_id" value=id.to_string() />
                        <input type="hidden" name="idempotency_key" value=key />
                        <label for="p-note">"Note to the member"</label>
                        <textarea id="p-note" name="note" rows="2"></textarea>
                        <label for="p-reference">"Receipt number or external reference"</label>
                        <input id="p-reference" name="external_reference" />
                        <label for="p-date">"Payment date"</label>
                        <input id="p-date" name="payment_date" type="date" />
                        <FormError error=act_error />
                        <div class="actions">
                            {view
                                .allowed
                                .iter()
                                .map(|action| {
                                    let class = match action {
                                        WithdrawalAction::Reject | WithdrawalAction::Cancel | WithdrawalAction::MarkFailed => "danger",
                                        _ => "primary",
                                    };
                                    view! {
                                        <button type="submit" name="action" value=action.as_str() class=class>
                                            {action.label()}
                                        </button>
                                    }
                                })
                                .collect_view()}
                        </div>
                    </ActionForm>
                }
                    .into_any()
            }}
        </section>
        <section class="card" aria-labelledby="timeline-title">
            <h2 id="timeline-title">"Timeline"</h2>
            <ol class="timeline-list">
                {view
                    .timeline
                    .into_iter()
                    .map(|e| {
                        view! {
                            <li>
                                <time>{e.at}</time>
                                " "
                                <strong>{e.to.label()}</strong>
                                {format!(" by {}", e.by)}
                                {e.note.map(|n| view! { <span>{format!(": {n}")}</span> })}
                                {e.external_reference.map(|x| view! { <span>{format!(" (reference {x})")}</span> })}
                                {e.payment_date.map(|d| view! { <span>{format!(", paid on {d}")}</span> })}
                                {e.second_approver.map(|who| view! { <span>{format!(" · second approval by {who}")}</span> })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </section>
        <section class="card" aria-labelledby="ledger-title">
            <h2 id="ledger-title">"The member's recent ledger"</h2>
            <table class="data">
                <thead>
                    <tr>
                        <th scope="col">"Date"</th>
                        <th scope="col">"Description"</th>
                        <th scope="col" class="num">"Amount"</th>
                        <th scope="col" class="num">"Balance"</th>
                    </tr>
                </thead>
                <tbody>
                    {view
                        .recent_ledger
                        .into_iter()
                        .map(|line| {
                            let amount = format_amount(line.amount, &asset, scale);
                            view! {
                                <tr>
                                    <td data-label="Date">{line.at}</td>
                                    <td data-label="Description">{line.description}</td>
                                    <td data-label="Amount" class="num">{amount}</td>
                                    <td data-label="Balance" class="num">{format_amount(line.balance_after, &asset, scale)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// Reports PayPal sent after the request was settled that contradict it:
/// open ones with the choices that fit, resolved ones with who decided what.
#[component]
fn AlertsCard(alerts: Vec<AlertView>, resolve: ServerAction<ResolveAlert>) -> impl IntoView {
    let error = Signal::derive(move || resolve.value().get().and_then(Result::err));
    view! {
        <section class="card attention" aria-labelledby="alerts-title">
            <h2 id="alerts-title">"PayPal contradicts this payout"</h2>
            {alerts
                .into_iter()
                .map(|alert| {
                    let summary = alert.summary();
                    let raised = alert.raised_at.clone();
                    let decision = alert.resolution.map(|resolution| {
                        format!(
                            "Resolved by {} on {}: {}. {}",
                            alert
                                .resolved_by
                                .clone()
                                .unwrap_or_else(|| "Paydesk, on PayPal's report".to_owned()),
                            alert.resolved_at.clone().unwrap_or_default(),
                            resolution.label(),
                            alert.note.clone().unwrap_or_default()
                        )
                    });
                    let note_id = format!("alert-{}-note", alert.id);
                    let legend = format!("What to do about PayPal's {} report", alert.reported_status);
                    view! {
                        <div class="alert-item">
                            <p role="alert">{summary}</p>
                            <p class="muted">{format!("Received {raised}")}</p>
                            {match decision {
                                Some(text) => view! { <p class="notice success">{text}</p> }.into_any(),
                                None => view! {
                                    <ActionForm action=resolve attr:class="stack">
                                        <CsrfField />
                                        <input type="hidden" name="alert_id" value=alert.id.to_string() />
                                        <fieldset>
                                            <legend>{legend}</legend>
                                            {AlertResolution::for_kind(alert.kind)
                                                .into_iter()
                                                .map(|choice| {
                                                    let id = format!("alert-{}-{}", alert.id, choice.as_str());
                                                    view! {
                                                        <div class="choice">
                                                            <input type="radio" id=id.clone() name="resolution" value=choice.as_str() required />
                                                            <label for=id>{choice.label()}</label>
                                                        </div>
                                                    }
                                                })
                                                .collect_view()}
                                        </fieldset>
                                        <label for=note_id.clone()>"Note (what you checked at PayPal)"</label>
                                        <textarea id=note_id name="note" rows="2" maxlength="1000" required></textarea>
                                        <FormError error />
                                        <button type="submit" class="primary" disabled=move || resolve.pending().get()>
                                            {move || if resolve.pending().get() { "Saving…" } else { "Resolve" }}
                                        </button>
                                    </ActionForm>
                                }
                                    .into_any(),
                            }}
                        </div>
                    }
                })
                .collect_view()}
        </section>
    }
}

/// The request at PayPal: batch and item ids, what PayPal last said and
/// why, and every status PayPal reported, as received.
#[component]
fn PayPalCard(trail: crate::paypal::PayPalTrail) -> impl IntoView {
    let none = || "not yet".to_owned();
    view! {
        <section class="card" aria-labelledby="paypal-title">
            <h2 id="paypal-title">"PayPal"</h2>
            <dl class="facts">
                <dt>"Our batch id"</dt>
                <dd><code>{trail.sender_batch_id}</code></dd>
                <dt>"PayPal batch id"</dt>
                <dd><code>{trail.payout_batch_id.unwrap_or_else(none)}</code></dd>
                <dt>"Batch"</dt>
                <dd>
                    {trail.batch_state}
                    {trail.batch_error.map(|e| view! { <span class="muted">{format!(" ({e})")}</span> })}
                </dd>
                <dt>"PayPal item id"</dt>
                <dd><code>{trail.payout_item_id.unwrap_or_else(none)}</code></dd>
                <dt>"Item status"</dt>
                <dd>
                    <span class="badge">{trail.transaction_status.unwrap_or_else(|| "QUEUED".to_owned())}</span>
                    {trail.reason.map(|r| view! { <span>{format!(" {r}")}</span> })}
                </dd>
            </dl>
            <h3>"Status history"</h3>
            <table class="data">
                <thead>
                    <tr>
                        <th scope="col">"Received"</th>
                        <th scope="col">"From"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Detail"</th>
                    </tr>
                </thead>
                <tbody>
                    {trail
                        .history
                        .into_iter()
                        .map(|event| {
                            view! {
                                <tr>
                                    <td data-label="Received">{event.at}</td>
                                    <td data-label="From">{event.source}</td>
                                    <td data-label="Status">{event.status}</td>
                                    <td data-label="Detail">{event.detail.unwrap_or_default()}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}
