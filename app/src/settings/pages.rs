//! `/admin/settings`: one form per group of settings. ActionForms, so they
//! work before hydration; a refused save names the field and stores nothing.

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{load_settings, SaveGeneralSettings, SaveMethodSettings, SaveThreshold};
use super::DeskSettings;
use crate::ui::{CsrfField, FormError, LoadError, Loading};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let general = ServerAction::<SaveGeneralSettings>::new();
    let threshold = ServerAction::<SaveThreshold>::new();
    let method = ServerAction::<SaveMethodSettings>::new();
    let data = Resource::new(
        move || {
            (
                general.version().get(),
                threshold.version().get(),
                method.version().get(),
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
                    Ok(view) => view! { <Forms view general threshold method /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
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
    method: ServerAction<SaveMethodSettings>,
) -> impl IntoView {
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
