//! Sign-in and sign-up forms. Both are `ActionForm`s, so they work before
//! the wasm bundle has loaded (a plain form post, errors come back in the
//! URL) and after (the same post made by the client, no reload).
//!
//! Each page creates its own action: the router hands an error from a post
//! without JavaScript back only to actions created inside its routes.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use super::api::{ConfirmEmail, ForgotPassword, LogIn, ResetPassword, SignUp};
use super::context::use_session;
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
    let params = use_query_map();
    let password_set = move || params.read().get("password").as_deref() == Some("set");
    view! {
        <Title text="Sign in · Paydesk" />
        <section class="card narrow" aria-labelledby="login-title">
            <h1 id="login-title">"Sign in"</h1>
            {move || {
                password_set()
                    .then(|| {
                        view! {
                            <p class="notice success" role="status">
                                "Your new password is set, and every other session is signed out. Sign in with it."
                            </p>
                        }
                    })
            }}
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
            <p class="muted">
                <A href="/forgot-password">"Forgot your password?"</A>
                " · New here? "
                <A href="/signup">"Create an account"</A>
            </p>
        </section>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<ForgotPassword>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let sent = move || action.value().get().and_then(Result::ok);
    view! {
        <Title text="Forgot your password · Paydesk" />
        <section class="card narrow" aria-labelledby="forgot-title">
            <h1 id="forgot-title">"Forgot your password?"</h1>
            <p>"Enter the email you sign in with: we send it a link to choose a new password."</p>
            <ActionForm action=action attr:class="stack">
                <CsrfField />
                <label for="forgot-email">"Email"</label>
                <input id="forgot-email" type="email" name="email" autocomplete="username" required />
                <FormError error />
                {move || sent().map(|message| view! { <p class="notice success" role="status">{message}</p> })}
                <button type="submit" class="primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Sending…" } else { "Send me a link" }}
                </button>
            </ActionForm>
            <p class="muted"><A href="/login">"Back to sign in"</A></p>
        </section>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let params = use_query_map();
    let token = move || params.read().get("token").unwrap_or_default();
    view! {
        <Title text="Choose a password · Paydesk" />
        <section class="card narrow" aria-labelledby="reset-title">
            <h1 id="reset-title">"Choose a password"</h1>
            <ActionForm action=action attr:class="stack">
                <CsrfField />
                <input type="hidden" name="token" value=token />
                <NewPassword id="reset-password" label="New password" />
                <label for="reset-confirm">"The same password again"</label>
                <input
                    id="reset-confirm"
                    type="password"
                    name="confirm"
                    autocomplete="new-password"
                    maxlength="128"
                    required
                />
                <FormError error />
                <button type="submit" class="primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Saving…" } else { "Set password" }}
                </button>
            </ActionForm>
        </section>
    }
}

/// What the sign-up page says once the form is sent (the same whether the
/// address was new or had an account).
const CHECK_INBOX: &str = "We sent a link to the address you entered. Open it within 24 hours and enter your password to confirm the address. Until then you can sign in and fill in your details, but no earnings are paid to the account and it cannot withdraw. No email? Check your spam folder, or sign in and send the link again.";

#[component]
pub fn SignupPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let params = use_query_map();
    let sent = move || params.read().get("sent").as_deref() == Some("1");
    view! {
        <Title text="Create an account · Paydesk" />
        <Show when=sent fallback=move || view! { <SignupForm action error /> }>
            <section class="card narrow" aria-labelledby="signup-sent-title">
                <h1 id="signup-sent-title">"Check your inbox"</h1>
                <p class="notice success" role="status">{CHECK_INBOX}</p>
                <p class="muted"><A href="/login">"Sign in"</A></p>
            </section>
        </Show>
    }
}

#[component]
fn SignupForm(
    action: ServerAction<SignUp>,
    error: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    view! {
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
                <NewPassword id="signup-password" label="Password" />
                <FormError error />
                <button type="submit" class="primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Creating your account…" } else { "Create account" }}
                </button>
            </ActionForm>
            <p class="muted">"Already have an account? " <A href="/login">"Sign in"</A></p>
        </section>
    }
}

/// The page a confirmation link opens: the account's password, with the
/// link's token, confirms the address and signs in.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let action = ServerAction::<ConfirmEmail>::new();
    let session = use_session();
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_))) {
            session.changed();
        }
    });
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let params = use_query_map();
    let token = move || params.read().get("token").unwrap_or_default();
    view! {
        <Title text="Confirm your email address · Paydesk" />
        <section class="card narrow" aria-labelledby="confirm-title">
            <h1 id="confirm-title">"Confirm your email address"</h1>
            <p>
                "Enter the password you chose when you signed up. It shows the address is yours and the account is yours too."
            </p>
            <ActionForm action=action attr:class="stack">
                <CsrfField />
                <input type="hidden" name="token" value=token />
                <label for="confirm-password">"Password"</label>
                <input
                    id="confirm-password"
                    type="password"
                    name="password"
                    autocomplete="current-password"
                    maxlength="128"
                    required
                />
                <FormError error />
                <button type="submit" class="primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Confirming…" } else { "Confirm my address" }}
                </button>
            </ActionForm>
            <p class="muted">
                "Did not sign up? Then ignore the email: nothing is paid to an address until it is confirmed."
            </p>
        </section>
    }
}

/// A new password's field with the policy as its hint (the server checks
/// the same policy and says which rule a refused password broke).
#[component]
fn NewPassword(id: &'static str, label: &'static str) -> impl IntoView {
    let hint = format!("{id}-hint");
    view! {
        <label for=id>{label}</label>
        <input
            id=id
            type="password"
            name="password"
            autocomplete="new-password"
            minlength="8"
            maxlength="128"
            aria-describedby=hint.clone()
            required
        />
        <p id=hint class="hint">
            "At least 8 characters. Long phrases are good; common passwords are refused."
        </p>
    }
}
