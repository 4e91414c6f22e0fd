//! The banner across the member's area while their address is unconfirmed,
//! with a button that sends the link again.

use leptos::prelude::*;

use super::api::ResendConfirmation;
use crate::ui::{CsrfField, FormError};

/// Shown across the member's area until the address is confirmed.
#[component]
pub fn ConfirmEmailBanner(email: String) -> impl IntoView {
    let action = ServerAction::<ResendConfirmation>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let sent = move || action.value().get().and_then(Result::ok);
    view! {
        <section class="notice warning" aria-labelledby="confirm-banner-title">
            <h2 id="confirm-banner-title">"Confirm your email address"</h2>
            <p>
                "We sent a link to " <strong>{email}</strong>
                ". Open it and enter your password. Until then no earnings are paid to your account and you cannot withdraw."
            </p>
            <ActionForm action=action attr:class="inline-form">
                <CsrfField />
                <FormError error />
                {move || sent().map(|message| view! { <p class="notice success" role="status">{message}</p> })}
                <button type="submit" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Sending…" } else { "Send the link again" }}
                </button>
            </ActionForm>
        </section>
    }
}
