//! Sign-in and sign-up forms. Both are `ActionForm`s, so they work before
//! the wasm bundle has loaded (a plain form post, errors come back in the
//! URL) and after (the same post made by the client, no reload).
//!
//! Each page creates its own action: the router hands an error from a post
//! without JavaScript back only to actions created inside its routes.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::api::{LogIn, SignUp};
use crate::root::use_session;
use crate::ui::{CsrfField, FormError};

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<LogIn>::new();
    let session = use_session();
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_))) {
            session.changed();
        }
    });
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <Title text="Sign in · Paydesk" />
        <section class="card narrow" aria-labelledby="login-title">
            <h1 id="login-title">"Sign in"</h1>
            <ActionForm action=action attr:class="stack" attr:aria-describedby="login-error">
                <CsrfField />
                <label for="login-email">"Email"</label>
                <input id="login-email" type="email" name="email" autocomplete="username" required />
                <label for="login-password">"Password"</label>
                <input
                    id="login-password"
                    type="password"
                    name="password"
                    autocomplete="current-password"
                    required
                />
                <div id="login-error">
                    <FormError error />
                </div>
                <button type="submit" class="primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
            <p class="muted">"New here? " <A href="/signup">"Create an account"</A></p>
        </section>
    }
}

#[component]
pub fn SignupPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let session = use_session();
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_))) {
            session.changed();
        }
    });
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <Title text="Create an account · Paydesk" />
        <section class="card narrow" aria-labelledby="signup-title">
            <h1 id="signup-title">"Create an account"</h1>
            <ActionForm action=action attr:class="stack">
                <CsrfField />
                <label for="signup-email">"Email"</label>
                <input id="signup-email" type="email" name="email" autocomplete="email" required />
                <label for="signup-name">"Your name"</label>
                <input
                    id="signup-name"
                    type="text"
                    name="display_name"
                    autocomplete="name"
                    maxlength="100"
                    required
                />
                <label for="signup-password">"Password"</label>
                <input
                    id="signup-password"
                    type="password"
                    name="password"
                    autocomplete="new-password"
                    minlength="8"
                    maxlength="128"
                    aria-describedby="signup-password-hint"
                    required
                />
                <p id="signup-password-hint" class="hint">
                    "At least 8 characters. Long phrases are good; common passwords are refused."
                </p>
                <FormError error />
                <button type="submit" class="primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Creating your account…" } else { "Create account" }}
                </button>
            </ActionForm>
            <p class="muted">"Already have an account? " <A href="/login">"Sign in"</A></p>
        </section>
    }
}
