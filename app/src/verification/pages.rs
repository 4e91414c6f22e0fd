//! The verification page: the member's state, the admin's note after a
//! rejection, and the form to submit or resubmit.

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{my_verification, SubmitVerification};
use super::{VerificationStatus, VerificationView};
use crate::payout_details::countries::COUNTRIES;
use crate::ui::{CsrfField, FormError, LoadError, Loading};

#[component]
pub fn VerificationPage() -> impl IntoView {
    let submit = ServerAction::<SubmitVerification>::new();
    let data = Resource::new(move || submit.version().get(), |_| my_verification());
    let error = Signal::derive(move || submit.value().get().and_then(Result::err));
    view! {
        <Title text="Verification · Paydesk" />
        <h1>"Identity verification"</h1>
        <p class="lead">
            "Withdrawals above a limit need a verified identity. We check your details once; "
            "an administrator reviews them, usually within a working day."
        </p>
        <Transition fallback=|| view! { <Loading what="your verification" /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(view) => view! { <VerificationState view submit error /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn VerificationState(
    view: VerificationView,
    submit: ServerAction<SubmitVerification>,
    error: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    let status = view.status;
    let badge = match status {
        VerificationStatus::Verified => "badge paid",
        VerificationStatus::Rejected => "badge bad",
        VerificationStatus::Submitted => "badge open",
        VerificationStatus::Unverified => "badge",
    };
    let summary = view.submitted_at.clone().map(|at| {
        view! {
            <dl class="facts">
                <dt>"Name"</dt>
                <dd>{format!("{} {}", view.first_name, view.last_name)}</dd>
                <dt>"Tax ID"</dt>
                <dd>{view.tax_id_masked.clone()}</dd>
                <dt>"Mobile number"</dt>
                <dd>{view.mobile.clone()}</dd>
                <dt>"Country"</dt>
                <dd>{view.country.clone()}</dd>
                <dt>"Address"</dt>
                <dd>{view.address.clone()}</dd>
                <dt>"Submitted"</dt>
                <dd>{at}</dd>
            </dl>
        }
    });
    let heading = match status {
        VerificationStatus::Unverified => "Verify your identity",
        VerificationStatus::Rejected => "Submit your details again",
        _ => "Update your submission",
    };
    view! {
        <section class="card" aria-labelledby="verification-status">
            <h2 id="verification-status">
                "Status: " <span class=badge>{status.label()}</span>
            </h2>
            {view
                .review_note
                .clone()
                .filter(|_| status == VerificationStatus::Rejected)
                .map(|note| {
                    view! {
                        <p class="notice bad" role="alert">
                            <strong>"Why it was rejected: "</strong>
                            {note}
                        </p>
                    }
                })}
            {summary}
        </section>
        {status
            .can_submit()
            .then(|| {
                view! {
                    <section class="card" aria-labelledby="verification-form">
                        <h2 id="verification-form">{heading}</h2>
                        <ActionForm action=submit attr:class="stack">
                            <CsrfField />
                            <label for="v-first">"First name"</label>
                            <input id="v-first" name="first_name" autocomplete="given-name" required=true value=view.first_name.clone() />
                            <label for="v-last">"Last name"</label>
                            <input id="v-last" name="last_name" autocomplete="family-name" required=true value=view.last_name.clone() />
                            <label for="v-tax">"Tax ID"</label>
                            <p class="hint">"Your national tax number, e.g. SSN, NINO or Steuer-ID. Shown masked after you submit."</p>
                            <input id="v-tax" name="tax_id" autocomplete="off" required=true />
                            <label for="v-mobile">"Mobile number"</label>
                            <input id="v-mobile" name="mobile" type="tel" autocomplete="tel" placeholder="+44 7700 900123" required=true value=view.mobile.clone() />
                            <label for="v-country">"Country"</label>
                            <select id="v-country" name="country" autocomplete="country" required=true>
                                <option value="">"Choose a country"</option>
                                {COUNTRIES
                                    .iter()
                                    .map(|(code, name)| {
                                        view! { <option value=*code selected=view.country == *code>{*name}</option> }
                                    })
                                    .collect_view()}
                            </select>
                            <label for="v-address">"Address"</label>
                            <textarea id="v-address" name="address" autocomplete="street-address" rows="3" required=true>
                                {view.address.clone()}
                            </textarea>
                            <FormError error />
                            <button type="submit" class="primary" disabled=move || submit.pending().get()>
                                "Submit for verification"
                            </button>
                        </ActionForm>
                    </section>
                }
            })}
    }
}
