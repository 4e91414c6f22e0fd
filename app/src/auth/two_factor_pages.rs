//! The code page after a right password (`/login/code`). An ActionForm:
//! it works before the bundle has loaded.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::api::LogInCode;
use super::context::use_session;
use crate::ui::{CsrfField, FormError};

#[component]
pub fn LoginCodePage() -> impl IntoView {
    let action = ServerAction::<LogInCode>::new();
    let session = use_session();
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_))) {
            session.changed();
        }
    });
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <Title text="Two-factor code · Paydesk" />
        <section class="card narrow" aria-labelledby="code-title">
            <h1 id="code-title">"Enter your code"</h1>
            <p>"Your password is right. Open your authenticator app and type the six-digit code it shows for Paydesk."</p>
            <ActionForm action=action attr:class="stack" attr:aria-describedby="code-help code-error">
                <CsrfField />
                <label for="login-code">"Code"</label>
                <input
                    id="login-code"
                    name="code"
                    inputmode="numeric"
                    autocomplete="one-time-code"
                    maxlength="16"
                    required
                    autofocus
                />
                <p id="code-help" class="muted">
                    "No phone? Type one of the recovery codes you saved when you set it up instead (each works once)."
                </p>
                <div id="code-error">
                    <FormError error />
                </div>
                <button type="submit" class="primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Checking…" } else { "Sign in" }}
                </button>
            </ActionForm>
            <p class="muted">
                <A href="/login">"Start again"</A>
                " · Lost your phone and your recovery codes? Ask an owner of the desk to reset your two-factor sign-in."
            </p>
        </section>
    }
}
