//! What an admin does for a member from their page: add an incentive,
//! and make a withdrawal request on their behalf.

use leptos::prelude::*;
use leptos_router::components::A;

use super::api::RequestForMember;
use crate::ledger::money::format_amount;
use crate::ui::{CsrfField, FormError};

/// An incentive entered by hand for this member: pending approval, then
/// paid from the incentives dashboard like any other.
#[component]
pub fn AddIncentive(member_id: i64, assets: Vec<String>, key: String) -> impl IntoView {
    let create = ServerAction::<crate::incentives::api::CreateIncentive>::new();
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    // One key per incentive: a double click or a resend repeats this one,
    // and each one added moves the form on to the next key.
    let added = RwSignal::new(0u32);
    Effect::new(move |_| {
        if create.value().get().is_some_and(|made| made.is_ok()) {
            added.update(|n| *n += 1);
        }
    });
    let key = move || format!("incentive-{key}-{}", added.get());
    view! {
        <section class="card" aria-labelledby="add-incentive-title">
            <h2 id="add-incentive-title">"Add an incentive"</h2>
            <ActionForm action=create attr:class="stack">
                <CsrfField />
                <input type="hidden" name="member_id" value=member_id />
                <input type="hidden" name="idempotency_key" value=key />
                <div class="field">
                    <label for="n-program">"Program"</label>
                    <input id="n-program" name="program" required maxlength="40" list="n-programs" placeholder="SPIFF" />
                    <datalist id="n-programs">
                        <option value="SPIFF"></option>
                        <option value="commission"></option>
                        <option value="referral"></option>
                        <option value="bonus"></option>
                    </datalist>
                </div>
                <div class="field">
                    <label for="n-asset">"Asset"</label>
                    <select id="n-asset" name="asset">
                        {assets.into_iter().map(|code| view! { <option value=code.clone()>{code.clone()}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="n-amount">"Amount"</label>
                    <input id="n-amount" name="amount" inputmode="decimal" required />
                </div>
                <div class="field">
                    <label for="n-description">"Description (the member sees it)"</label>
                    <input id="n-description" name="description" maxlength="500" />
                </div>
                <FormError error />
                {move || {
                    create
                        .value()
                        .get()
                        .and_then(Result::ok)
                        .map(|made| view! {
                            <p class="notice success" role="status">
                                {format!("Incentive #{} added, pending approval.", made.id)}
                                " " <A href="/admin/incentives?status=pending">"Review incentives"</A>
                            </p>
                        })
                }}
                <button type="submit" disabled=move || create.pending().get()>"Add incentive"</button>
            </ActionForm>
        </section>
    }
}

/// An administrator makes a withdrawal request for the member: one of
/// their wallets, one of their saved methods (admins cannot enter payout
/// details for them), an amount or the maximum, and a note they see.
#[component]
pub fn RequestOnBehalf(
    member_id: i64,
    wallets: Vec<crate::ledger::statement::StatementWallet>,
    methods: Vec<super::MaskedDetails>,
    key: String,
    request: ServerAction<RequestForMember>,
) -> impl IntoView {
    let error = Signal::derive(move || request.value().get().and_then(Result::err));
    let made = move || request.value().get().and_then(Result::ok);
    let body = if wallets.is_empty() || methods.is_empty() {
        view! {
            <p class="empty">
                {if wallets.is_empty() {
                    "The member has no wallet yet."
                } else {
                    "The member has no saved payout details: they add them on their own payout details page."
                }}
            </p>
        }
        .into_any()
    } else {
        view! {
            <ActionForm action=request attr:class="stack">
                <CsrfField />
                <input type="hidden" name="member_id" value=member_id />
                <input type="hidden" name="idempotency_key" value=key />
                <div class="field">
                    <label for="r-wallet">"From wallet"</label>
                    <select id="r-wallet" name="wallet_id">
                        {wallets
                            .into_iter()
                            .map(|w| {
                                let label = format!(
                                    "{} · {}",
                                    w.asset.code,
                                    format_amount(w.balance, &w.asset.code, w.asset.scale),
                                );
                                view! { <option value=w.wallet_id.to_string()>{label}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="r-method">"Pay to"</label>
                    <select id="r-method" name="method">
                        {methods
                            .into_iter()
                            .map(|d| {
                                let label = format!("{} · {}", d.method, d.masked);
                                view! { <option value=d.method_key.clone() selected=d.is_default>{label}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="r-amount">"Amount"</label>
                    <input id="r-amount" name="amount" inputmode="decimal" />
                </div>
                <div class="field checkbox">
                    <input id="r-max" name="max" type="checkbox" value="on" />
                    <label for="r-max">"Withdraw the maximum available"</label>
                </div>
                <div class="field">
                    <label for="r-note">"Note to the member"</label>
                    <input id="r-note" name="note" />
                </div>
                <FormError error=error />
                {move || {
                    made()
                        .map(|r| {
                            view! {
                                <p class="notice success" role="status">
                                    {format!(
                                        "Request #{} made: {} requested.",
                                        r.id,
                                        format_amount(r.gross_minor, &r.currency, r.currency_scale),
                                    )}
                                </p>
                            }
                        })
                }}
                <button type="submit" class="primary" disabled=move || request.pending().get()>"Create request"</button>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <section class="card" aria-labelledby="request-title">
            <h2 id="request-title">"Request a withdrawal for this member"</h2>
            <p class="hint">"The member's own rules apply: balance, limits, fee, verification, one open request."</p>
            {body}
        </section>
    }
}
