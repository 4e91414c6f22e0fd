//! UI pieces shared by every feature: forms' CSRF field and error line, row
//! selection for bulk actions, the pager, loading and error lines, and the
//! not-found and forbidden pages. Nothing here knows who is signed in: the
//! session-aware chrome is in `site/`.

mod csrf;
pub mod list;
mod selection;

pub use csrf::{CsrfClient, CsrfField, CSRF_COOKIE, CSRF_FIELD, CSRF_HEADER, SECURE_CSRF_COOKIE};
pub use selection::{successes, BulkOutcome, Chosen, SelectPage, SelectRow, Skipped};

use leptos::prelude::*;
use leptos_router::components::A;

use crate::error::AppError;

/// The message of a failed action, announced to screen readers. When the
/// server asks for a fresh two-factor code first (step-up), the code form
/// the page provides through [`StepUpSlot`] shows right under it.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let slot = use_context::<StepUpSlot>();
    let step_up = move || {
        let asked =
            error.get().map(|err| err.code) == Some(crate::error::ErrorCode::StepUpRequired);
        asked.then(|| slot.map(|slot| (slot.0)()))
    };
    view! {
        <Show when=move || error.get().is_some()>
            <p class="form-error" role="alert">
                {move || error.get().map(|err| err.message)}
            </p>
            {step_up}
        </Show>
    }
}

/// Draws the step-up code form. Provided by the admin area (auth draws the
/// form; `ui` sits below auth and cannot name it).
#[derive(Clone, Copy)]
pub struct StepUpSlot(pub fn() -> AnyView);

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <section class="card narrow">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. It may have moved, or the link may be mistyped."</p>
            <A href="/">"Back to the start"</A>
        </section>
    }
}

/// Shown instead of a page the signed-in user may not see.
#[component]
pub fn Forbidden() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::FORBIDDEN);
    }
    view! {
        <section class="card narrow" aria-labelledby="forbidden-title">
            <h1 id="forbidden-title">"You do not have access to this page"</h1>
            <p>"This area is for administrators. If you need access, ask the owner of this Paydesk."</p>
            <A href="/account">"Go to my account"</A>
        </section>
    }
}

/// Previous / next links for a paginated list. Plain links, so they work
/// without JavaScript; `href` makes the address of a page.
#[component]
pub fn Pager(
    page: u64,
    pages: u64,
    total: u64,
    #[prop(into)] label: String,
    href: impl Fn(u64) -> String + 'static,
) -> impl IntoView {
    let previous = (page > 1).then(|| href(page - 1));
    let next = (page < pages).then(|| href(page + 1));
    view! {
        <nav class="pager" aria-label=label>
            {previous.map(|href| view! { <A href=href attr:rel="prev">"← Newer"</A> })}
            <span class="muted">{format!("Page {page} of {pages} · {total} in all")}</span>
            {next.map(|href| view! { <A href=href attr:rel="next">"Older →"</A> })}
        </nav>
    }
}

/// "Loading…", announced politely to screen readers.
#[component]
pub fn Loading(#[prop(into)] what: String) -> impl IntoView {
    view! { <p class="muted" role="status">{format!("Loading {what}…")}</p> }
}

/// A failed load, with what to do about it.
#[component]
pub fn LoadError(error: AppError) -> impl IntoView {
    view! {
        <p class="form-error" role="alert">
            {error.message} " Reload the page to try again."
        </p>
    }
}
