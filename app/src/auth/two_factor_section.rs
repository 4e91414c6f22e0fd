//! The "Two-factor sign-in" section of "Your sessions": set it up (QR code
//! and key, then a first code), see that it is on, renew the recovery
//! codes, turn it off. ActionForms: each works before the bundle loads.
//! Also the step-up code form shown under a money move's refusal.

use leptos::prelude::*;

use super::two_factor_api::{
    two_factor_status, BeginTwoFactor, ConfirmTwoFactor, RenewRecoveryCodes, StepUp,
    TurnOffTwoFactor,
};
use super::{EnrolmentView, TwoFactorView};
use crate::ui::{CsrfField, FormError, LoadError, Loading};

/// "Two-factor sign-in" on the sessions page: set it up, see it is on,
/// renew the recovery codes, turn it off.
#[component]
pub fn TwoFactorSection() -> impl IntoView {
    let begin = ServerAction::<BeginTwoFactor>::new();
    let confirm = ServerAction::<ConfirmTwoFactor>::new();
    let renew = ServerAction::<RenewRecoveryCodes>::new();
    let off = ServerAction::<TurnOffTwoFactor>::new();
    let status = Resource::new(
        move || {
            (
                begin.version().get(),
                confirm.version().get(),
                renew.version().get(),
                off.version().get(),
            )
        },
        |_| two_factor_status(),
    );
    let fresh_codes = Signal::derive(move || {
        renew
            .value()
            .get()
            .and_then(Result::ok)
            .or_else(|| confirm.value().get().and_then(Result::ok))
    });
    let begin_error = Signal::derive(move || begin.value().get().and_then(Result::err));
    view! {
        <section class="card" aria-labelledby="two-factor-title">
            <h2 id="two-factor-title">"Two-factor sign-in"</h2>
            <p class="muted">
                "With it on, signing in takes your password and a six-digit code from an authenticator app on your phone, so a stolen password alone is not enough."
            </p>
            {move || fresh_codes.get().map(|codes| view! { <RecoveryCodes codes /> })}
            <FormError error=begin_error />
            <Transition fallback=|| view! { <Loading what="two-factor sign-in" /> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(view) => view! { <TwoFactorState view begin confirm renew off /> }.into_any(),
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn TwoFactorState(
    view: TwoFactorView,
    begin: ServerAction<BeginTwoFactor>,
    confirm: ServerAction<ConfirmTwoFactor>,
    renew: ServerAction<RenewRecoveryCodes>,
    off: ServerAction<TurnOffTwoFactor>,
) -> impl IntoView {
    if view.on {
        let left = view.recovery_codes_left;
        let renew_error = Signal::derive(move || renew.value().get().and_then(Result::err));
        let off_error = Signal::derive(move || off.value().get().and_then(Result::err));
        return view! {
            <p class="notice success" role="status">
                {format!(
                    "Two-factor sign-in is on. {left} of 10 recovery codes left{}",
                    if left <= 3 { ": make new ones before they run out." } else { "." },
                )}
            </p>
            <ActionForm action=renew attr:class="stack">
                <CsrfField />
                <label for="renew-code">"Code from your app, to make ten new recovery codes"</label>
                <input id="renew-code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="16" required />
                <FormError error=renew_error />
                <button type="submit" disabled=move || renew.pending().get()>"New recovery codes"</button>
            </ActionForm>
            <ActionForm action=off attr:class="stack">
                <CsrfField />
                <label for="off-code">"Code from your app (or a recovery code), to turn two-factor sign-in off"</label>
                <input id="off-code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="16" required />
                <FormError error=off_error />
                <button type="submit" class="danger" disabled=move || off.pending().get()>"Turn off two-factor sign-in"</button>
            </ActionForm>
        }
        .into_any();
    }
    match view.enrolment {
        Some(enrolment) => view! { <Enrol enrolment begin confirm /> }.into_any(),
        None => view! {
            <p>"Two-factor sign-in is off."</p>
            <ActionForm action=begin attr:class="inline-form">
                <CsrfField />
                <button type="submit" class="primary" disabled=move || begin.pending().get()>
                    "Set up two-factor sign-in"
                </button>
            </ActionForm>
        }
        .into_any(),
    }
}

#[component]
fn Enrol(
    enrolment: EnrolmentView,
    begin: ServerAction<BeginTwoFactor>,
    confirm: ServerAction<ConfirmTwoFactor>,
) -> impl IntoView {
    let error = Signal::derive(move || confirm.value().get().and_then(Result::err));
    view! {
        <ol class="steps">
            <li>
                "Scan this code with an authenticator app (Google Authenticator, 1Password, Aegis, Authy...):"
                <div class="qr" role="img" aria-label="QR code holding your two-factor secret" inner_html=enrolment.qr_svg></div>
            </li>
            <li>
                "Or type this key into the app:"
                <code class="secret" data-testid="two-factor-secret">{enrolment.secret}</code>
            </li>
            <li>
                <ActionForm action=confirm attr:class="stack">
                    <CsrfField />
                    <label for="confirm-code">"Then type the six-digit code the app shows"</label>
                    <input id="confirm-code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required />
                    <label for="confirm-password">"Your password"</label>
                    <input id="confirm-password" name="password" type="password" autocomplete="current-password" required />
                    <FormError error />
                    <button type="submit" class="primary" disabled=move || confirm.pending().get()>
                        "Turn on two-factor sign-in"
                    </button>
                </ActionForm>
            </li>
        </ol>
        <ActionForm action=begin attr:class="inline-form">
            <CsrfField />
            <button type="submit">"Start over with a new key"</button>
        </ActionForm>
    }
}

/// Shown once, right after they are made.
#[component]
fn RecoveryCodes(codes: Vec<String>) -> impl IntoView {
    view! {
        <div class="notice warning" role="status" aria-labelledby="recovery-title">
            <h3 id="recovery-title">"Your recovery codes"</h3>
            <p>
                "Save these somewhere safe now (a password manager, or printed): they are shown only this once. Each one signs you in once if you lose your phone."
            </p>
            <ul class="recovery-codes" data-testid="recovery-codes">
                {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
            </ul>
        </div>
    }
}

/// The code form under a "confirm it is you" refusal of a money move: a
/// fresh code, then the admin presses the button of the move again.
#[component]
pub fn StepUpPrompt() -> impl IntoView {
    let action = ServerAction::<StepUp>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let done = move || action.value().get().and_then(Result::ok);
    view! {
        <div class="step-up" role="group" aria-label="Confirm with your authenticator app">
            <Show
                when=move || done().is_none()
                fallback=move || view! { <p class="notice success" role="status">{done}</p> }
            >
                <ActionForm action=action attr:class="inline-form">
                    <CsrfField />
                    <label>
                        "Code from your authenticator app"
                        <input name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="16" required />
                    </label>
                    <button type="submit" class="primary" disabled=move || action.pending().get()>
                        "Confirm"
                    </button>
                </ActionForm>
                <FormError error />
            </Show>
        </div>
    }
}
