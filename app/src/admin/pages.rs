//! The admin area's frame (guard and sidebar) and its dashboard.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Outlet, Redirect, A};

use super::{api::admin_overview, WeekBar};
use crate::approvals::api::approvals_waiting;
use crate::auth::{api::me, Permission};
use crate::error::ErrorCode;
use crate::ledger::money::money_lines;
use crate::payouts::{api::requested_count, live::RequestedBadge};
use crate::ui::{Forbidden, LoadError};

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
    // Created here, not inside the Suspend below (see ARCHITECTURE.md).
    let waiting = Resource::new(|| (), |_| requested_count());
    let approvals = Resource::new(|| (), |_| approvals_waiting());
    let (menu_open, set_menu_open) = signal(false);
    // A money move refused for want of a fresh code shows the code form
    // under its error (`ui::FormError`).
    provide_context(crate::ui::StepUpSlot(|| {
        view! { <crate::auth::two_factor_section::StepUpPrompt /> }.into_any()
    }));
    view! {
        <div class="area admin">
            <Transition fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(user)) if user.is_admin() => {
                            // A failed count is not worth failing the menu for:
                            // the live stream sends the real number at once.
                            let initial = waiting.await.unwrap_or_default();
                            let held = approvals.await.unwrap_or_default();
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
                                    <A href="/admin/payouts">
                                        "Payout requests" <RequestedBadge initial=initial />
                                    </A>
                                    <A href="/admin/approvals">
                                        "Approvals" <ApprovalsBadge initial=held />
                                    </A>
                                    <A href="/admin/payouts/runs">"Payout runs"</A>
                                    <A href="/admin/incentives">"Incentives"</A>
                                    <A href="/admin/members">"Members"</A>
                                    <A href="/admin/wallets">"Funding wallets"</A>
                                    <A href="/admin/settings">"Settings"</A>
                                    <A href="/admin/email">"Email"</A>
                                    <A href="/admin/audit">"Audit log"</A>
                                    {user
                                        .can(Permission::ManageTeam)
                                        .then(|| view! { <A href="/admin/team">"Team"</A> })}
                                    <A href="/admin/sessions">"Your sessions"</A>
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

/// How many money moves wait for a second approval: the server's count
/// first (so hydration matches), then asked again in the browser on every
/// navigation, since approving one elsewhere changes it.
#[component]
fn ApprovalsBadge(initial: u64) -> impl IntoView {
    let count = RwSignal::new(initial);
    #[cfg(feature = "hydrate")]
    {
        let location = leptos_router::hooks::use_location();
        Effect::new(move |previous: Option<String>| {
            let path = location.pathname.get();
            if previous.is_some() {
                leptos::task::spawn_local(async move {
                    if let Ok(n) = approvals_waiting().await {
                        count.try_set(n);
                    }
                });
            }
            path
        });
    }
    view! {
        <span class="badge count" class:zero=move || count.get() == 0>
            <span class="visually-hidden">", "</span>
            {move || count.get()}
            <span class="visually-hidden">" awaiting second approval"</span>
        </span>
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
                            {(!figures.contradicted.is_empty())
                                .then(|| {
                                    let count = figures.contradicted.len();
                                    view! {
                                        <section class="card attention" aria-labelledby="contradicted-title">
                                            <h2 id="contradicted-title">
                                                "PayPal contradicts a settled payout "
                                                <span class="badge bad">{count}</span>
                                            </h2>
                                            <p>
                                                "PayPal reported these after Paydesk had settled them, and no money moved on the report. Check each one and decide:"
                                            </p>
                                            <ul>
                                                {figures
                                                    .contradicted
                                                    .iter()
                                                    .map(|id| view! {
                                                        <li><A href=format!("/admin/payouts/{id}")>{format!("Request #{id}")}</A></li>
                                                    })
                                                    .collect_view()}
                                            </ul>
                                        </section>
                                    }
                                })}
                            <dl class="stats">
                                <div class="stat">
                                    <dt>"Money owed"</dt>
                                    <dd>{money_lines(&figures.owed)}</dd>
                                </div>
                                <div class="stat">
                                    <dt>"Paid this month"</dt>
                                    <dd>{money_lines(&figures.paid_this_month)}</dd>
                                </div>
                                <div class="stat">
                                    <dt>"Members"</dt>
                                    <dd>{figures.members}</dd>
                                </div>
                                <div class="stat">
                                    <dt>"Administrators"</dt>
                                    <dd>{figures.admins}</dd>
                                </div>
                            </dl>
                            <section aria-labelledby="by-status">
                                <h2 id="by-status">"Requests by status"</h2>
                                <ul class="status-counts">
                                    {figures
                                        .by_status
                                        .into_iter()
                                        .map(|s| {
                                            view! {
                                                <li>
                                                    <A href=format!("/admin/payouts?status={}", s.status.as_str())>
                                                        <span class="badge">{s.status.label()}</span>
                                                        <span class="count">{s.count}</span>
                                                    </A>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            </section>
                            <section aria-labelledby="weekly">
                                <h2 id="weekly">"Payouts per week"</h2>
                                <WeeklyChart weeks=figures.weeks />
                            </section>
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

/// Requests paid per week as an SVG bar chart drawn by the app (no chart
/// library, nothing fetched), with the same numbers as a table for screen
/// readers.
#[component]
fn WeeklyChart(weeks: Vec<WeekBar>) -> impl IntoView {
    const WIDTH: u64 = 600;
    const HEIGHT: u64 = 220;
    const AXIS: u64 = 28;
    const HEADROOM: u64 = 22;
    let max = weeks.iter().map(|w| w.count).max().unwrap_or(0).max(1);
    let total: u64 = weeks.iter().map(|w| w.count).sum();
    let slot = WIDTH / weeks.len().max(1) as u64;
    let bar = slot * 2 / 3;
    let label = |starts: &str| {
        chrono::NaiveDate::parse_from_str(starts, "%Y-%m-%d")
            .map(|d| d.format("%b %-d").to_string())
            .unwrap_or_else(|_| starts.to_owned())
    };
    let this_week = weeks.last().map_or(0, |w| w.count);
    let rows = weeks.clone();
    view! {
        <svg
            class="chart"
            viewBox=format!("0 0 {WIDTH} {HEIGHT}")
            role="img"
            aria-labelledby="weekly-title weekly-desc"
        >
            <title id="weekly-title">"Requests paid per week, last 12 weeks"</title>
            <desc id="weekly-desc">{format!("{total} paid in the last 12 weeks, {this_week} this week.")}</desc>
            <line class="axis" x1="0" x2=WIDTH y1=HEIGHT - AXIS y2=HEIGHT - AXIS />
            {weeks
                .into_iter()
                .enumerate()
                .map(|(i, week)| {
                    let height = week.count * (HEIGHT - AXIS - HEADROOM) / max;
                    let x = i as u64 * slot + (slot - bar) / 2;
                    let y = HEIGHT - AXIS - height;
                    let middle = x + bar / 2;
                    view! {
                        <g>
                            <rect class="bar" x=x y=y width=bar height=height>
                                <title>{format!("Week of {}: {} paid", week.starts, week.count)}</title>
                            </rect>
                            {(week.count > 0)
                                .then(|| view! { <text class="value" x=middle y=y - 6 text-anchor="middle">{week.count}</text> })}
                            <text class="label" x=middle y=HEIGHT - 8 text-anchor="middle">{label(&week.starts)}</text>
                        </g>
                    }
                })
                .collect_view()}
        </svg>
        <table class="visually-hidden">
            <caption>"Requests paid per week"</caption>
            <thead>
                <tr>
                    <th scope="col">"Week of"</th>
                    <th scope="col">"Paid"</th>
                </tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|w| view! { <tr><td>{w.starts}</td><td>{w.count}</td></tr> })
                    .collect_view()}
            </tbody>
        </table>
    }
}
