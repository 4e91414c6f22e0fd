//! The admin area (`/admin`): the sidebar and the payouts desk's pages.

pub mod api;
#[cfg(feature = "ssr")]
pub mod service;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Outlet, Redirect, A};

use crate::auth::api::me;
use crate::error::ErrorCode;
use crate::ui::{Forbidden, LoadError};
use api::admin_overview;

/// Guards the admin area: visitors sign in, members are told no. The server
/// functions behind these pages check the role again on their own.
///
/// As in the member area, the `Outlet` is outside the guard's `Suspend`
/// (a page inside it is built twice on the server, which breaks
/// hydration); a page shows nothing when its own load is refused.
#[component]
pub fn AdminLayout() -> impl IntoView {
    // Asked afresh each time the area is entered, not read from the shared
    // session resource, which may still be refetching right after sign-in.
    let user = Resource::new(|| (), |_| me());
    let (menu_open, set_menu_open) = signal(false);
    view! {
        <div class="area admin">
            <Transition fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(user)) if user.is_admin() => {
                            view! {
                                <button
                                    type="button"
                                    class="menu-toggle sidebar-toggle"
                                    aria-controls="admin-sidebar"
                                    aria-expanded=move || menu_open.get().to_string()
                                    on:click=move |_| set_menu_open.update(|open| *open = !*open)
                                >
                                    "Admin menu"
                                </button>
                                <nav
                                    id="admin-sidebar"
                                    class="sidebar"
                                    class:open=move || menu_open.get()
                                    aria-label="Admin"
                                    on:click=move |_| set_menu_open.set(false)
                                >
                                    <A href="/admin" exact=true>"Dashboard"</A>
                                    <A href="/admin/payouts">"Payout requests"</A>
                                </nav>
                            }
                                .into_any()
                        }
                        Ok(Some(_)) => view! { <Forbidden /> }.into_any(),
                        Ok(None) => view! { <Redirect path="/login" /> }.into_any(),
                        Err(err) => view! { <p class="form-error" role="alert">{err.message}</p> }.into_any(),
                    }
                })}
            </Transition>
            <div class="area-content">
                <Outlet />
            </div>
        </div>
    }
}

#[component]
pub fn AdminDashboard() -> impl IntoView {
    let overview = Resource::new(|| (), |_| admin_overview());
    view! {
        <Title text="Dashboard · Paydesk admin" />
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading figures…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(figures) => {
                        view! {
                            <h1>"Dashboard"</h1>
                            <dl class="stats">
                                <div class="stat">
                                    <dt>"Members"</dt>
                                    <dd>{figures.members}</dd>
                                </div>
                                <div class="stat">
                                    <dt>"Administrators"</dt>
                                    <dd>{figures.admins}</dd>
                                </div>
                            </dl>
                        }
                            .into_any()
                    }
                    // The layout already says "no" (or sends a visitor to sign in).
                    Err(err) if matches!(err.code, ErrorCode::Forbidden | ErrorCode::Unauthenticated) => {
                        ().into_any()
                    }
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}
