//! The Make Payment dialog of the incentives dashboard: what will be paid, a
//! funding wallet of that asset (short ones disabled, with the shortfall), a
//! description, Pay.

use leptos::html;
use leptos::prelude::*;

use super::{IncentiveQuery, PaymentOutcome};
use crate::error::AppError;
use crate::ledger::money::{format_amount, Money};
use crate::ledger::statement::StatementWallet;
use crate::ui::{LoadError, Loading};

/// What the Make Payment dialog is asked to pay.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Payable {
    /// None: every incentive matching the filters.
    pub(super) ids: Option<Vec<i64>>,
    /// Approved incentives among them, and their total per asset.
    pub(super) count: u64,
    pub(super) totals: Vec<Money>,
    /// Selected but not approved: they will be skipped.
    pub(super) not_approved: u64,
}

#[derive(Clone, Debug)]
pub(super) struct Payment {
    pub(super) ids: Vec<i64>,
    pub(super) all_matching: bool,
    pub(super) query: IncentiveQuery,
    pub(super) wallet_id: i64,
    pub(super) description: String,
    pub(super) key: String,
}

/// The Make Payment dialog: what will be paid, a funding wallet of that
/// asset (short ones disabled, with the shortfall), a description, Pay.
#[component]
pub(super) fn PayDialog(
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
                                    <WalletChoices total=total.clone() wallets chosen=chosen_wallet />
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

/// The funding wallets of the payment's asset, one radio each; a wallet
/// that cannot cover the total is disabled with its shortfall.
#[component]
fn WalletChoices(
    total: Money,
    wallets: Resource<Result<Vec<StatementWallet>, AppError>>,
    chosen: RwSignal<Option<i64>>,
) -> impl IntoView {
    view! {
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
                                                on:change=move |_| chosen.set(Some(id))
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
    }
}
