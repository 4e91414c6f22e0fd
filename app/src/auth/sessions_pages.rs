//! "Your sessions" (`/account/sessions` for members, `/admin/sessions` for
//! admins): every browser signed in to the account, and a button to end
//! each one or all the others. Works before the bundle loads (ActionForms).

use leptos::prelude::*;
use leptos_meta::Title;

use super::sessions_api::{my_sessions, ChangePassword, EndMyOtherSessions, EndMySession};
use super::SessionView;
use crate::ui::{CsrfField, FormError, LoadError, Loading};

#[component]
pub fn SessionsPage() -> impl IntoView {
    let end = ServerAction::<EndMySession>::new();
    let others = ServerAction::<EndMyOtherSessions>::new();
    let sessions = Resource::new(
        move || (end.version().get(), others.version().get()),
        |_| my_sessions(),
    );
    let error = Signal::derive(move || {
        end.value()
            .get()
            .and_then(Result::err)
            .or_else(|| others.value().get().and_then(Result::err))
    });
    let ended = move || {
        others.value().get().and_then(Result::ok).map(|n| match n {
            0 => "No other session was open.".to_owned(),
            1 => "Signed out of 1 other session.".to_owned(),
            n => format!("Signed out of {n} other sessions."),
        })
    };
    view! {
        <Title text="Your sessions · Paydesk" />
        <h1>"Your sessions"</h1>
        <p class="lead">"Every browser signed in to your account. End any you do not recognise, then change your password."</p>
        <FormError error />
        {move || ended().map(|text| view! { <p class="notice success" role="status">{text}</p> })}
        <Transition fallback=|| view! { <Loading what="your sessions" /> }>
            {move || Suspend::new(async move {
                match sessions.await {
                    Ok(list) => view! { <SessionList list end /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
        <ActionForm action=others attr:class="inline-form">
            <CsrfField />
            <button type="submit" class="danger" disabled=move || others.pending().get()>
                "Sign out everywhere else"
            </button>
        </ActionForm>
        <ChangePasswordForm />
        <super::two_factor_section::TwoFactorSection />
    }
}

/// The current password, then the new one twice; the other sessions end.
#[component]
fn ChangePasswordForm() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    let done = move || {
        change
            .value()
            .get()
            .and_then(Result::ok)
            .map(|ended| match ended {
                0 => "Password changed.".to_owned(),
                1 => "Password changed; 1 other session was signed out.".to_owned(),
                n => format!("Password changed; {n} other sessions were signed out."),
            })
    };
    view! {
        <section class="card" aria-labelledby="password-title">
            <h2 id="password-title">"Change your password"</h2>
            <ActionForm action=change attr:class="stack">
                <CsrfField />
                <div class="field">
                    <label for="pw-current">"Current password"</label>
                    <input id="pw-current" type="password" name="current" autocomplete="current-password" required />
                </div>
                <div class="field">
                    <label for="pw-new">"New password"</label>
                    <input id="pw-new" type="password" name="password" autocomplete="new-password" required minlength="8" />
                </div>
                <div class="field">
                    <label for="pw-confirm">"The same new password again"</label>
                    <input id="pw-confirm" type="password" name="confirm" autocomplete="new-password" required minlength="8" />
                </div>
                <FormError error />
                {move || done().map(|text| view! { <p class="notice success" role="status">{text}</p> })}
                <button type="submit" class="primary" disabled=move || change.pending().get()>
                    "Change password"
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
fn SessionList(list: Vec<SessionView>, end: ServerAction<EndMySession>) -> impl IntoView {
    view! {
        <table class="data">
            <caption class="visually-hidden">"Open sessions, most recently seen first"</caption>
            <thead>
                <tr>
                    <th scope="col">"Device"</th>
                    <th scope="col">"Address"</th>
                    <th scope="col">"Signed in"</th>
                    <th scope="col">"Last seen"</th>
                    <th scope="col"><span class="visually-hidden">"End"</span></th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|s| {
                        let label = if s.current { format!("{} (this browser)", s.device) } else { s.device.clone() };
                        view! {
                            <tr>
                                <th scope="row" data-label="Device">{label}</th>
                                <td data-label="Address">{s.ip.clone().unwrap_or_else(|| "unknown".to_owned())}</td>
                                <td data-label="Signed in">{s.signed_in_at.clone()}</td>
                                <td data-label="Last seen">{s.last_seen_at.clone()}</td>
                                <td data-label="End">
                                    <ActionForm action=end attr:class="inline-form">
                                        <CsrfField />
                                        <input type="hidden" name="handle" value=s.handle.clone() />
                                        <button type="submit">
                                            {if s.current { "Sign out here".to_owned() } else { format!("End session on {}", s.device) }}
                                        </button>
                                    </ActionForm>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
