//! The payout-details page: one form per enabled method. Saved details show
//! masked, with an edit form folded away. Fields are checked while the
//! member types, with the same functions the server uses.

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{load_payout_details, SavePayoutDetails, SetDefaultPayoutMethod};
use super::countries::COUNTRIES;
use super::method::PayoutMethod;
use super::validate;
use super::{DetailsInput, SavedDetails};
use crate::payout_fields::MethodField;
use crate::ui::{CsrfField, FormError, LoadError, Loading};

#[component]
pub fn PayoutDetailsPage() -> impl IntoView {
    let save = ServerAction::<SavePayoutDetails>::new();
    let make_default = ServerAction::<SetDefaultPayoutMethod>::new();
    let data = Resource::new(
        move || (save.version().get(), make_default.version().get()),
        |_| load_payout_details(),
    );
    let error = Signal::derive(move || {
        save.value()
            .get()
            .and_then(Result::err)
            .or_else(|| make_default.value().get().and_then(Result::err))
    });
    let saved = move || {
        save.value()
            .get()
            .and_then(Result::ok)
            .map(|s: SavedDetails| format!("Saved your {} details: {}", s.method.label(), s.masked))
    };
    view! {
        <Title text="Payout details · Paydesk" />
        <h1>"Payout details"</h1>
        <p class="lead">"Where we send your money. Details are shown masked once saved."</p>
        <FormError error />
        {move || saved().map(|text| view! { <p class="notice success" role="status">{text}</p> })}
        <Transition fallback=|| view! { <Loading what="your payout details" /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) if page.methods.is_empty() => {
                        view! {
                            <p class="empty">"No payout methods are offered yet. Please check back later."</p>
                        }
                            .into_any()
                    }
                    Ok(page) => {
                        let brands = page.gift_card_brands.clone();
                        let extra_fields = page.extra_fields.clone();
                        page.methods
                            .into_iter()
                            .map(|(method, saved)| {
                                let extra: Vec<MethodField> = extra_fields
                                    .iter()
                                    .filter(|f| f.method == method)
                                    .cloned()
                                    .collect();
                                view! {
                                    <MethodCard method saved brands=brands.clone() extra save make_default />
                                }
                            })
                            .collect_view()
                            .into_any()
                    }
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn MethodCard(
    method: PayoutMethod,
    saved: Option<SavedDetails>,
    brands: Vec<String>,
    extra: Vec<MethodField>,
    save: ServerAction<SavePayoutDetails>,
    make_default: ServerAction<SetDefaultPayoutMethod>,
) -> impl IntoView {
    let title_id = format!("method-{}", method.as_str());
    let labelled_by = title_id.clone();
    match saved {
        Some(saved) => {
            let is_default = saved.is_default;
            view! {
                <section class="card" aria-labelledby=labelled_by>
                    <h2 id=title_id>{method.label()}</h2>
                    <p class="saved">
                        <span>{saved.masked.clone()}</span>
                        {is_default.then(|| view! { <span class="badge paid">"Default"</span> })}
                        <span class="muted">{format!(" Updated {}", saved.updated_at)}</span>
                    </p>
                    {(!is_default)
                        .then(|| {
                            view! {
                                <ActionForm action=make_default attr:class="inline-form">
                                    <CsrfField />
                                    <input type="hidden" name="method" value=method.as_str() />
                                    <button type="submit">{format!("Make {} my default", method.label())}</button>
                                </ActionForm>
                            }
                        })}
                    <details class="edit">
                        <summary>{format!("Edit {} details", method.label())}</summary>
                        <DetailsForm method fields=saved.fields brands extra save />
                    </details>
                </section>
            }
            .into_any()
        }
        None => view! {
            <section class="card" aria-labelledby=labelled_by>
                <h2 id=title_id>{method.label()}</h2>
                <DetailsForm method fields=DetailsInput::default() brands extra save />
            </section>
        }
        .into_any(),
    }
}

/// One labelled input whose problem shows as the member leaves it.
#[component]
fn Field(
    form: String,
    name: &'static str,
    label: &'static str,
    value: String,
    #[prop(optional)] kind: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] required: bool,
    check: fn(&str) -> Result<(), &'static str>,
) -> impl IntoView {
    let id = format!("{form}-{name}");
    let error_id = format!("{id}-error");
    let problem = RwSignal::new(None::<&'static str>);
    let verdict = move |value: &str| {
        if value.trim().is_empty() && !required {
            None
        } else {
            check(value).err()
        }
    };
    // Judged when the member leaves the field, then again on every key
    // while it is wrong, so the message goes as soon as the typo is fixed
    // (and the layout is settled before they reach the button).
    let validate = move |ev: leptos::ev::Event| problem.set(verdict(&event_target_value(&ev)));
    let revalidate = move |ev: leptos::ev::Event| {
        if problem.get_untracked().is_some() {
            problem.set(verdict(&event_target_value(&ev)));
        }
    };
    view! {
        <label for=id.clone()>{label}</label>
        {hint.map(|hint| view! { <p class="hint">{hint}</p> })}
        <input
            id=id
            name=name
            type=kind.unwrap_or("text")
            value=value
            autocomplete=autocomplete.unwrap_or("off")
            required=required
            aria-invalid=move || if problem.get().is_some() { "true" } else { "false" }
            aria-describedby=error_id.clone()
            on:change=validate
            on:input=revalidate
        />
        <p class="field-error" id=error_id aria-live="polite">
            {move || problem.get()}
        </p>
    }
}

fn check_required(value: &str) -> Result<(), &'static str> {
    if value.trim().is_empty() {
        Err("This field is required")
    } else {
        Ok(())
    }
}

#[component]
fn DetailsForm(
    method: PayoutMethod,
    fields: DetailsInput,
    brands: Vec<String>,
    extra: Vec<MethodField>,
    save: ServerAction<SavePayoutDetails>,
) -> impl IntoView {
    let form = method.as_str().replace('_', "-");
    // The admin's extra fields; the server checks them (patterns too).
    let extra_inputs = extra
        .into_iter()
        .map(|field| {
            let id = format!("{form}-extra-{}", field.id);
            let hint_id = format!("{id}-hint");
            let value = fields.extra.get(&field.key()).cloned().unwrap_or_default();
            let has_help = !field.help.is_empty();
            view! {
                <label for=id.clone()>
                    {field.label.clone()}
                    {(!field.required).then(|| view! { <span class="muted">" (optional)"</span> })}
                </label>
                {has_help.then(|| view! { <p class="hint" id=hint_id.clone()>{field.help.clone()}</p> })}
                <input
                    id=id
                    name=field.input_name()
                    type="text"
                    value=value
                    maxlength=crate::payout_fields::MAX_ANSWER.to_string()
                    required=field.required
                    aria-describedby=has_help.then_some(hint_id)
                />
            }
        })
        .collect_view();
    let inputs = match method {
        PayoutMethod::Paypal => view! {
            <Field form=form.clone() name="email" label="PayPal email" value=fields.email.clone()
                kind="email" autocomplete="email" required=true check=validate::check_email />
        }
        .into_any(),
        PayoutMethod::Bank => view! {
            <Field form=form.clone() name="holder_name" label="Account holder name"
                value=fields.holder_name.clone() autocomplete="name" required=true check=check_required />
            <Field form=form.clone() name="iban" label="IBAN" value=fields.iban.clone()
                hint="Or leave empty and give a US account and routing number." check=validate::check_iban />
            <Field form=form.clone() name="account_number" label="Account number"
                value=fields.account_number.clone() check=validate::check_account_number />
            <Field form=form.clone() name="routing_number" label="Routing number (ABA)"
                value=fields.routing_number.clone() check=validate::check_routing_number />
            <Field form=form.clone() name="bic" label="SWIFT/BIC" value=fields.bic.clone()
                hint="Needed with an IBAN." check=validate::check_bic />
            <Field form=form.clone() name="bank_name" label="Bank name" value=fields.bank_name.clone()
                required=true check=check_required />
            <label for=format!("{form}-country")>"Country"</label>
            <select id=format!("{form}-country") name="country" required=true>
                <option value="">"Choose a country"</option>
                {COUNTRIES
                    .iter()
                    .map(|(code, name)| {
                        view! { <option value=*code selected=fields.country == *code>{*name}</option> }
                    })
                    .collect_view()}
            </select>
        }
        .into_any(),
        PayoutMethod::Crypto => view! {
            <label for=format!("{form}-network")>"Network"</label>
            <select id=format!("{form}-network") name="network" required=true>
                <option value="">"Choose a network"</option>
                {validate::CRYPTO_NETWORKS
                    .iter()
                    .map(|(value, label)| {
                        view! { <option value=*value selected=fields.network == *value>{*label}</option> }
                    })
                    .collect_view()}
            </select>
            <Field form=form.clone() name="address" label="Wallet address" value=fields.address.clone()
                required=true check=check_required />
        }
        .into_any(),
        PayoutMethod::GiftCard => view! {
            <label for=format!("{form}-brand")>"Brand"</label>
            <select id=format!("{form}-brand") name="brand" required=true>
                <option value="">"Choose a brand"</option>
                {brands
                    .iter()
                    .map(|brand| {
                        view! { <option value=brand.clone() selected=fields.brand == *brand>{brand.clone()}</option> }
                    })
                    .collect_view()}
            </select>
            <Field form=form.clone() name="email" label="Delivery email" value=fields.email.clone()
                kind="email" autocomplete="email" required=true check=validate::check_email />
        }
        .into_any(),
    };
    view! {
        <ActionForm action=save attr:class="stack">
            <CsrfField />
            <input type="hidden" name="method" value=method.as_str() />
            {inputs}
            {extra_inputs}
            <label class="check">
                <input type="checkbox" name="make_default" value="1" />
                "Make this my default payout method"
            </label>
            <button type="submit" class="primary" disabled=move || save.pending().get()>
                {format!("Save {} details", method.label())}
            </button>
        </ActionForm>
    }
}
