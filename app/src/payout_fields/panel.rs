//! The "Extra payout fields" card of the settings page: add a field to a
//! method, move it up or down the member's form, retire it.

use leptos::prelude::*;

use super::api::{add_payout_field, list_payout_fields, move_payout_field, retire_payout_field};
use super::{MethodField, NewField};
use crate::error::AppError;
use crate::payout_details::method::PayoutMethod;
use crate::ui::{successes, LoadError, Loading};

#[component]
pub fn PayoutFields() -> impl IntoView {
    let method = RwSignal::new(PayoutMethod::Paypal.as_str().to_owned());
    let label = RwSignal::new(String::new());
    let help = RwSignal::new(String::new());
    let required = RwSignal::new(false);
    let pattern = RwSignal::new(String::new());
    let add = Action::new(|field: &NewField| add_payout_field(field.clone()));
    let shift = Action::new(|(id, up): &(i64, bool)| move_payout_field(*id, *up));
    let retire = Action::new(|id: &i64| retire_payout_field(*id));
    let (added, shifted, retired) = (successes(add), successes(shift), successes(retire));
    let fields = Resource::new(
        move || (added.get(), shifted.get(), retired.get()),
        |_| list_payout_fields(),
    );
    // A field added: the form empties for the next one.
    Effect::new(move |_| {
        if added.get() > 0 {
            label.set(String::new());
            help.set(String::new());
            pattern.set(String::new());
            required.set(false);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        add.dispatch(NewField {
            method: method.get_untracked(),
            label: label.get_untracked(),
            help: help.get_untracked(),
            required: required.get_untracked(),
            pattern: pattern.get_untracked(),
        });
    };
    let error = move || {
        [
            add.value().get().and_then(Result::err),
            shift.value().get().and_then(Result::err),
            retire.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
    };
    view! {
        <section class="card" aria-labelledby="fields-title">
            <h2 id="fields-title">"Extra payout fields"</h2>
            <p class="hint">
                "Extra details members give with a payout method (a tax form reference, a wallet memo). They show on the member's payout-details form, in the process view and as columns in every export. Retiring a field keeps the answers already given."
            </p>
            <form class="stack" aria-label="Add an extra field" on:submit=submit>
                <div class="field">
                    <label for="field-method">"Payout method"</label>
                    <select id="field-method" on:change=move |ev| method.set(event_target_value(&ev))>
                        {PayoutMethod::ALL
                            .into_iter()
                            .map(|m| view! { <option value=m.as_str() selected=move || method.get() == m.as_str()>{m.label()}</option> })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="field-label">"Label"</label>
                    <input id="field-label" required maxlength="100" prop:value=move || label.get() on:input=move |ev| label.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="field-help">"Help text (optional)"</label>
                    <input id="field-help" maxlength="300" prop:value=move || help.get() on:input=move |ev| help.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="field-pattern">"Pattern (optional regular expression the whole answer must match)"</label>
                    <input id="field-pattern" maxlength="300" placeholder="e.g. [A-Z]{3}-[0-9]{4}" prop:value=move || pattern.get() on:input=move |ev| pattern.set(event_target_value(&ev)) />
                </div>
                <label class="check">
                    <input type="checkbox" prop:checked=move || required.get() on:change=move |ev| required.set(event_target_checked(&ev)) />
                    "Required"
                </label>
                <button type="submit" disabled=move || add.pending().get()>"Add field"</button>
            </form>
            {move || error().map(|error: AppError| view! { <p class="form-error" role="alert">{error.message}</p> })}
            {move || {
                add.value()
                    .get()
                    .and_then(Result::ok)
                    .map(|field| view! { <p class="notice success" role="status">{format!("Added \"{}\" to {}.", field.label, field.method.label())}</p> })
            }}
            <Transition fallback=|| view! { <Loading what="extra fields" /> }>
                {move || Suspend::new(async move {
                    match fields.await {
                        Ok(list) if list.is_empty() => view! { <p class="empty">"No extra fields yet."</p> }.into_any(),
                        Ok(list) => view! { <FieldTable list shift retire /> }.into_any(),
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn FieldTable(
    list: Vec<MethodField>,
    shift: Action<(i64, bool), Result<(), AppError>>,
    retire: Action<i64, Result<(), AppError>>,
) -> impl IntoView {
    let busy = move || shift.pending().get() || retire.pending().get();
    view! {
        <table class="data">
            <caption class="visually-hidden">"Extra payout fields by method, in form order"</caption>
            <thead>
                <tr>
                    <th scope="col">"Field"</th>
                    <th scope="col">"Method"</th>
                    <th scope="col">"Rules"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|field| {
                        let id = field.id;
                        let name = field.label.clone();
                        let mut rules = vec![if field.required { "Required".to_owned() } else { "Optional".to_owned() }];
                        if !field.pattern.is_empty() {
                            rules.push(format!("pattern {}", field.pattern));
                        }
                        view! {
                            <tr>
                                <th scope="row" data-label="Field">
                                    {field.label.clone()}
                                    {field.retired.then(|| view! { <span class="badge">" Retired"</span> })}
                                    {(!field.help.is_empty()).then(|| view! { <br /><span class="muted">{field.help.clone()}</span> })}
                                </th>
                                <td data-label="Method">{field.method.label()}</td>
                                <td data-label="Rules">{rules.join(", ")}</td>
                                <td data-label="Actions" class="actions">
                                    {(!field.retired).then(|| {
                                        let (up, down, gone) = (name.clone(), name.clone(), name.clone());
                                        view! {
                                            <button type="button" aria-label=format!("Move {up} up") disabled=busy on:click=move |_| { shift.dispatch((id, true)); }>"↑"</button>
                                            <button type="button" aria-label=format!("Move {down} down") disabled=busy on:click=move |_| { shift.dispatch((id, false)); }>"↓"</button>
                                            <button type="button" class="danger" aria-label=format!("Retire {gone}") disabled=busy on:click=move |_| { retire.dispatch(id); }>"Retire"</button>
                                        }
                                    })}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
