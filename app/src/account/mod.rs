//! The member area (`/account`): navigation, the overview, and the
//! statement. Withdrawals, payout details and verification live in their
//! own feature folders; this area only places them.

pub mod api;
pub mod statement;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Outlet, Redirect, A};

use crate::auth::api::me;
use crate::auth::confirm_banner::ConfirmEmailBanner;
use crate::auth::UserView;
use crate::ui::{LoadError, Loading};
use crate::withdrawals::api::load_withdraw_page;

/// Guards the member area: a visitor is sent to sign in.
///
/// The pages (the `Outlet`) sit outside the guard's `Suspend` on purpose:
/// a page created inside it is built twice during server rendering, and the
/// second copy's resources shift the ids the browser hydrates with, which
/// breaks hydration. Each page's server functions check the session
/// themselves, so nothing leaks while the guard decides.
#[component]
pub fn AccountLayout() -> impl IntoView {
    // Asked afresh each time the area is entered, not read from the shared
    // session resource, which may still be refetching right after sign-in.
    let user = Resource::new(|| (), |_| me());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(user)) if !user.email_confirmed => {
                        view! { <ConfirmEmailBanner email=user.email /> }.into_any()
                    }
                    Ok(Some(_)) => ().into_any(),
                    Ok(None) => view! { <Redirect path="/login" /> }.into_any(),
                    Err(err) => view! { <p class="form-error" role="alert">{err.message}</p> }.into_any(),
                }
            })}
        </Transition>
        <div class="area">
            <nav class="area-nav" aria-label="My account">
                <A href="/account" exact=true>"Overview"</A>
                <A href="/account/withdrawals">"Withdrawals"</A>
                <A href="/account/statement">"Statement"</A>
                <A href="/account/payout-details">"Payout details"</A>
                <A href="/account/verification">"Verification"</A>
                <A href="/account/sessions">"Sessions"</A>
            </nav>
            <div class="area-content">
                <Outlet />
            </div>
        </div>
    }
}

#[component]
pub fn AccountOverview() -> impl IntoView {
    let user = Resource::new(|| (), |_| me());
    let params = leptos_router::hooks::use_query_map();
    let confirmed = move || params.read().get("email").as_deref() == Some("confirmed");
    let data = Resource::new(|| (), |_| load_withdraw_page());
    let who = move |pick: fn(&UserView) -> String| {
        Suspend::new(async move {
            user.await
                .ok()
                .flatten()
                .map(|user| pick(&user))
                .unwrap_or_default()
        })
    };
    view! {
        <Title text="My account · Paydesk" />
        <h1>"My account"</h1>
        {move || {
            confirmed()
                .then(|| {
                    view! {
                        <p class="notice success" role="status">
                            "Your email address is confirmed: earnings reported for it are paid to this account, and you can withdraw."
                        </p>
                    }
                })
        }}
        <Transition fallback=|| ()>
            <p>"Welcome, " <strong>{move || who(|u| u.display_name.clone())}</strong> "."</p>
        </Transition>
        <section class="card" aria-labelledby="balances-title">
            <h2 id="balances-title">"Balances"</h2>
            <Transition fallback=|| view! { <Loading what="your balances" /> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(page) if page.wallets.is_empty() => {
                            view! {
                                <p class="empty">
                                    "You have no credit yet. Rewards you earn will appear here."
                                </p>
                            }
                                .into_any()
                        }
                        Ok(page) => {
                            view! {
                                <ul class="balances">
                                    {page
                                        .wallets
                                        .iter()
                                        .map(|w| {
                                            let worth = w
                                                .is_points()
                                                .then(|| format!("worth {}", w.money(w.available_money)));
                                            view! {
                                                <li class="balance">
                                                    <span class="balance-asset">{w.asset.code.clone()}</span>
                                                    <strong class="balance-amount">{w.balance_text()}</strong>
                                                    {worth.map(|t| view! { <span class="muted">{t}</span> })}
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                                <div class="actions">
                                    <A href="/account/withdrawals" attr:class="button primary">"Withdraw"</A>
                                    <A href="/account/statement" attr:class="button">"See statement"</A>
                                </div>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <crate::incentives::member_view::MyIncentives />
        <Transition fallback=|| ()>
            <dl class="facts">
                <dt>"Signed in as"</dt>
                <dd>{move || who(|u| u.email.clone())}</dd>
            </dl>
        </Transition>
    }
}
