//! `/admin/settings`: one form per group of settings. ActionForms, so they
//! work before hydration; a refused save names the field and stores nothing.

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{
    load_settings, CreateAsset, SaveApprovalLimit, SaveGeneralSettings, SaveMethodSettings,
    SaveRate, SaveStepUpLimit, SaveThreshold,
};
use super::{AssetRow, DeskSettings, ThresholdRow};
use crate::ledger::money::AssetKind;
use crate::ui::{CsrfField, FormError, LoadError, Loading};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let general = ServerAction::<SaveGeneralSettings>::new();
    let threshold = ServerAction::<SaveThreshold>::new();
    let limit = ServerAction::<SaveApprovalLimit>::new();
    let method = ServerAction::<SaveMethodSettings>::new();
    let asset = ServerAction::<CreateAsset>::new();
    let rate = ServerAction::<SaveRate>::new();
    let data = Resource::new(
        move || {
            (
                general.version().get(),
                threshold.version().get(),
                limit.version().get(),
                method.version().get(),
                asset.version().get(),
                rate.version().get(),
            )
        },
        |_| load_settings(),
    );
    view! {
        <Title text="Settings · Paydesk admin" />
        <h1>"Settings"</h1>
        <Transition fallback=|| view! { <Loading what="settings" /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(view) => {
                        let assets = view.assets.clone();
                        let step_up = view.step_up_limits.clone();
                        let read_only = !view.can_change;
                        view! {
                            {read_only
                                .then(|| {
                                    view! {
                                        <p class="notice" role="status">
                                            "Only owners change settings: you see them as they stand."
                                        </p>
                                    }
                                })}
                            // A disabled fieldset disables every control in it.
                            <fieldset class="plain" disabled=read_only>
                                <legend class="visually-hidden">"Settings"</legend>
                                <Assets assets asset rate />
                                <Forms view general threshold limit method />
                                <StepUpLimits rows=step_up />
                            </fieldset>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
        <crate::payout_fields::panel::PayoutFields />
        <crate::incentives::keys_panel::ApiKeys />
        <PayPalSettings />
    }
}

/// Automatic transfers: configured from the environment (the secret never
/// reaches the database or a page), shown here read-only.
#[component]
fn PayPalSettings() -> impl IntoView {
    let status = Resource::new(|| (), |_| crate::paypal::api::paypal_status());
    view! {
        <section class="card" aria-labelledby="paypal-settings-title">
            <h2 id="paypal-settings-title">"PayPal automatic transfers"</h2>
            <Transition fallback=|| view! { <Loading what="PayPal settings" /> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(status) if status.configured => view! {
                            <p role="status">
                                <span class="badge ok">"Configured"</span>
                                {format!(" PayPal {} mode. ", status.mode)}
                                {if status.webhook_configured {
                                    "Webhooks are verified against your webhook id, and open batches are polled."
                                } else {
                                    "No webhook id is set (PAYDESK_PAYPAL_WEBHOOK_ID): statuses are followed by polling alone."
                                }}
                            </p>
                            <p class="hint">"The client secret is read from the environment and is never shown or stored."</p>
                        }
                        .into_any(),
                        Ok(_) => view! {
                            <p role="status">
                                <span class="badge">"Not configured"</span>
                                " Set PAYDESK_PAYPAL_CLIENT_ID and PAYDESK_PAYPAL_CLIENT_SECRET (and PAYDESK_PAYPAL_MODE=live for real payments) to send approved PayPal requests from the payouts table."
                            </p>
                        }
                        .into_any(),
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// "Saved." after a successful save of this form.
fn saved<A>(action: ServerAction<A>) -> impl IntoView
where
    A: leptos::server_fn::ServerFn<Output = ()> + Clone + Send + Sync + 'static,
    A::Error: Clone + Send + Sync + 'static,
{
    view! {
        <Show when=move || action.value().get().is_some_and(|r| r.is_ok())>
            <p class="notice success" role="status">"Saved."</p>
        </Show>
    }
}

#[component]
fn Forms(
    view: DeskSettings,
    general: ServerAction<SaveGeneralSettings>,
    threshold: ServerAction<SaveThreshold>,
    limit: ServerAction<SaveApprovalLimit>,
    method: ServerAction<SaveMethodSettings>,
) -> impl IntoView {
    let limit_error = Signal::derive(move || limit.value().get().and_then(Result::err));
    let g = view.general;
    let general_error = Signal::derive(move || general.value().get().and_then(Result::err));
    let threshold_error = Signal::derive(move || threshold.value().get().and_then(Result::err));
    let method_error = Signal::derive(move || method.value().get().and_then(Result::err));
    view! {
        <section class="card" aria-labelledby="general-title">
            <h2 id="general-title">"Withdrawals"</h2>
            <ActionForm action=general attr:class="stack">
                <CsrfField />
                <label class="check">
                    <input type="checkbox" name="one_open_request" value="1" checked=g.one_open_request />
                    "One open request per member at a time"
                </label>
                <div class="field">
                    <label for="s-delay">"Minimum delay between requests (hours)"</label>
                    <input id="s-delay" name="min_delay_hours" inputmode="numeric" value=g.min_delay_hours.to_string() />
                </div>
                <div class="field">
                    <label for="s-message">"Confirmation message shown after a request"</label>
                    <textarea id="s-message" name="confirmation_message" rows="3">{g.confirmation_message}</textarea>
                </div>
                <div class="field">
                    <label for="s-brands">"Gift-card brands (one per line)"</label>
                    <textarea id="s-brands" name="gift_card_brands" rows="4">{g.gift_card_brands.join("\n")}</textarea>
                </div>
                <div class="field">
                    <label for="s-pq">"PayQuicker export columns (comma-separated)"</label>
                    <input id="s-pq" name="payquicker_columns" value=g.payquicker_columns.join(",") aria-describedby="s-pq-hint" />
                    <p id="s-pq-hint" class="muted">{format!("Known columns: {}", view.payquicker_known.join(", "))}</p>
                </div>
                <FormError error=general_error />
                {saved(general)}
                <button type="submit" class="primary" disabled=move || general.pending().get()>"Save withdrawal settings"</button>
            </ActionForm>
        </section>

        <section class="card" aria-labelledby="thresholds-title">
            <h2 id="thresholds-title">"Verification thresholds"</h2>
            <p class="muted">"Withdrawals above the amount need a verified identity. Leave empty for no limit."</p>
            <FormError error=threshold_error />
            {saved(threshold)}
            {view
                .thresholds
                .into_iter()
                .map(|t| {
                    let id = format!("t-{}", t.currency);
                    view! {
                        <ActionForm action=threshold attr:class="inline-form">
                            <CsrfField />
                            <input type="hidden" name="currency" value=t.currency.clone() />
                            <div class="field">
                                <label for=id.clone()>{format!("Threshold in {}", t.currency)}</label>
                                <input id=id name="amount" inputmode="decimal" value=t.amount />
                            </div>
                            <button type="submit" disabled=move || threshold.pending().get()>
                                {format!("Save {} threshold", t.currency)}
                            </button>
                        </ActionForm>
                    }
                })
                .collect_view()}
        </section>

        <section class="card" aria-labelledby="limits-title">
            <h2 id="limits-title">"Approval limits (four-eyes)"</h2>
            <p class="muted">
                "A payout, Make Payment, deposit or adjustment above the amount waits for a second admin's approval before money moves. Leave empty for no limit."
            </p>
            <FormError error=limit_error />
            {saved(limit)}
            {view
                .approval_limits
                .into_iter()
                .map(|l| {
                    let id = format!("l-{}", l.currency);
                    view! {
                        <ActionForm action=limit attr:class="inline-form">
                            <CsrfField />
                            <input type="hidden" name="asset" value=l.currency.clone() />
                            <div class="field">
                                <label for=id.clone()>{format!("Approval limit in {}", l.currency)}</label>
                                <input id=id name="amount" inputmode="decimal" value=l.amount />
                            </div>
                            <button type="submit" disabled=move || limit.pending().get()>
                                {format!("Save {} approval limit", l.currency)}
                            </button>
                        </ActionForm>
                    }
                })
                .collect_view()}
        </section>

        <section class="card" aria-labelledby="methods-title">
            <h2 id="methods-title">"Payout methods"</h2>
            <FormError error=method_error />
            {saved(method)}
            {view
                .methods
                .into_iter()
                .map(|m| {
                    let name = format!("{} · {}", m.method_label, m.currency);
                    let prefix = format!("m-{}-{}", m.method, m.currency);
                    let id = move |field: &str| format!("{prefix}-{field}");
                    view! {
                        <ActionForm action=method attr:class="method-form">
                            <fieldset>
                                <legend>{name.clone()}</legend>
                                <CsrfField />
                                <input type="hidden" name="method" value=m.method.clone() />
                                <input type="hidden" name="currency" value=m.currency.clone() />
                                <label class="check">
                                    <input type="checkbox" name="enabled" value="1" checked=m.enabled />
                                    "Enabled"
                                </label>
                                <div class="field">
                                    <label for=id("min")>"Minimum"</label>
                                    <input id=id("min") name="min" inputmode="decimal" value=m.min />
                                </div>
                                <div class="field">
                                    <label for=id("max")>"Maximum (empty: none)"</label>
                                    <input id=id("max") name="max" inputmode="decimal" value=m.max />
                                </div>
                                <div class="field">
                                    <label for=id("fixed")>"Fixed fee"</label>
                                    <input id=id("fixed") name="fee_fixed" inputmode="decimal" value=m.fee_fixed />
                                </div>
                                <div class="field">
                                    <label for=id("percent")>"Fee percent"</label>
                                    <input id=id("percent") name="fee_percent" inputmode="decimal" value=m.fee_percent />
                                </div>
                                <div class="field">
                                    <label for=id("fee-min")>"Fee minimum"</label>
                                    <input id=id("fee-min") name="fee_min" inputmode="decimal" value=m.fee_min />
                                </div>
                                <div class="field">
                                    <label for=id("fee-max")>"Fee cap (empty: none)"</label>
                                    <input id=id("fee-max") name="fee_max" inputmode="decimal" value=m.fee_max />
                                </div>
                                <button type="submit" disabled=move || method.pending().get()>
                                    {format!("Save {name}")}
                                </button>
                            </fieldset>
                        </ActionForm>
                    }
                })
                .collect_view()}
        </section>
    }
}

/// The assets table, and the forms to add an asset and to set a point
/// type's rate.
#[component]
fn Assets(
    assets: Vec<AssetRow>,
    asset: ServerAction<CreateAsset>,
    rate: ServerAction<SaveRate>,
) -> impl IntoView {
    let asset_error = Signal::derive(move || asset.value().get().and_then(Result::err));
    let rate_error = Signal::derive(move || rate.value().get().and_then(Result::err));
    let codes = |kind: AssetKind| -> Vec<String> {
        assets
            .iter()
            .filter(|a| a.kind == kind)
            .map(|a| a.code.clone())
            .collect()
    };
    let (points, currencies) = (codes(AssetKind::Points), codes(AssetKind::Currency));
    let options = |codes: Vec<String>| {
        codes
            .into_iter()
            .map(|code| view! { <option value=code.clone()>{code.clone()}</option> })
            .collect_view()
    };
    let can_rate = !points.is_empty() && !currencies.is_empty();
    view! {
        <section class="card" aria-labelledby="assets-title">
            <h2 id="assets-title">"Assets and rates"</h2>
            {if assets.is_empty() {
                view! { <p class="empty">"No assets yet. Add the currency you pay in first, like USD."</p> }.into_any()
            } else {
                view! {
                    <table class="data assets">
                        <caption class="visually-hidden">"Assets"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Code"</th>
                                <th scope="col">"Name"</th>
                                <th scope="col">"Kind"</th>
                                <th scope="col">"Rate"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {assets
                                .iter()
                                .map(|a| {
                                    let kind = match a.kind {
                                        AssetKind::Currency => format!("Currency, {} decimals", a.scale),
                                        AssetKind::Points => "Point type".to_owned(),
                                    };
                                    let rate = match (a.kind, a.rate.clone()) {
                                        (AssetKind::Currency, _) => "—".to_owned(),
                                        (AssetKind::Points, Some(rate)) => rate,
                                        (AssetKind::Points, None) => "No rate yet: cannot be withdrawn".to_owned(),
                                    };
                                    view! {
                                        <tr>
                                            <th scope="row" data-label="Code">{a.code.clone()}</th>
                                            <td data-label="Name">{a.name.clone()}</td>
                                            <td data-label="Kind">{kind}</td>
                                            <td data-label="Rate">{rate}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                    .into_any()
            }}
            <ActionForm action=asset attr:class="stack" attr:aria-label="Add an asset">
                <h3>"Add an asset"</h3>
                <CsrfField />
                <div class="field">
                    <label for="as-kind">"Kind"</label>
                    <select id="as-kind" name="kind">
                        <option value="currency">"Currency (ISO 4217 code)"</option>
                        <option value="points">"Point type"</option>
                    </select>
                </div>
                <div class="field">
                    <label for="as-code">"Code"</label>
                    <input id="as-code" name="code" required maxlength="12" autocapitalize="characters" placeholder="USD or GEMS" />
                </div>
                <div class="field">
                    <label for="as-name">"Name (optional for a currency)"</label>
                    <input id="as-name" name="name" maxlength="60" placeholder="Gems" />
                </div>
                <FormError error=asset_error />
                {saved(asset)}
                <button type="submit" disabled=move || asset.pending().get()>"Add asset"</button>
            </ActionForm>
            {if can_rate {
                view! {
                    <ActionForm action=rate attr:class="stack" attr:aria-label="Set a rate">
                        <h3>"Set a rate"</h3>
                        <p class="muted">"New requests use the new rate; requests already made keep theirs."</p>
                        <CsrfField />
                        <div class="field">
                            <label for="r-points">"Points"</label>
                            <input id="r-points" name="points" inputmode="numeric" required placeholder="10" />
                        </div>
                        <div class="field">
                            <label for="r-points-code">"Point type"</label>
                            <select id="r-points-code" name="points_code">{options(points)}</select>
                        </div>
                        <div class="field">
                            <label for="r-amount">"Are worth"</label>
                            <input id="r-amount" name="amount" inputmode="decimal" required placeholder="1.00" />
                        </div>
                        <div class="field">
                            <label for="r-currency">"Currency"</label>
                            <select id="r-currency" name="currency_code">{options(currencies)}</select>
                        </div>
                        <FormError error=rate_error />
                        {saved(rate)}
                        <button type="submit" disabled=move || rate.pending().get()>"Save rate"</button>
                    </ActionForm>
                }
                    .into_any()
            } else {
                view! { <p class="muted">"Add a point type and a currency to set a rate."</p> }.into_any()
            }}
        </section>
    }
}

/// "Step-up limits": what an admin with two-factor on may move within ten
/// minutes of a code before a fresh one is asked for.
#[component]
fn StepUpLimits(rows: Vec<ThresholdRow>) -> impl IntoView {
    let save = ServerAction::<SaveStepUpLimit>::new();
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    view! {
        <section class="card" aria-labelledby="step-up-title">
            <h2 id="step-up-title">"Step-up limits (two-factor)"</h2>
            <p class="muted">
                "An admin with two-factor sign-in on gives a fresh code before money moves, unless they gave one in the last 10 minutes and have moved less than this since. Empty: the default of 10,000. Zero: a code before every move."
            </p>
            <FormError error />
            <Show when=move || matches!(save.value().get(), Some(Ok(())))>
                <p class="notice success" role="status">"Saved."</p>
            </Show>
            {rows
                .into_iter()
                .map(|row| {
                    let id = format!("s-{}", row.currency);
                    view! {
                        <ActionForm action=save attr:class="inline-form">
                            <CsrfField />
                            <input type="hidden" name="asset" value=row.currency.clone() />
                            <div class="field">
                                <label for=id.clone()>{format!("Step-up limit in {}", row.currency)}</label>
                                <input id=id name="amount" inputmode="decimal" value=row.amount />
                            </div>
                            <button type="submit" disabled=move || save.pending().get()>
                                {format!("Save {} step-up limit", row.currency)}
                            </button>
                        </ActionForm>
                    }
                })
                .collect_view()}
        </section>
    }
}
