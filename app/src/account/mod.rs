//! The member area (`/account`): navigation and the pages members use.
//! Balances, payout details and withdrawals arrive with the ledger.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Outlet, Redirect, A};

use crate::auth::api::me;
use crate::auth::UserView;

/// Guards the member area: a visitor is sent to sign in.
#[component]
pub fn AccountLayout() -> impl IntoView {
    // Asked afresh each time the area is entered, not read from the shared
    // session resource, which may still be refetching right after sign-in.
    let user = Resource::new(|| (), |_| me());
    view! {
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading your account…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(user)) => {
                        provide_context(user);
                        view! {
                            <div class="area">
                                <nav class="area-nav" aria-label="My account">
                                    <A href="/account" exact=true>"Overview"</A>
                                </nav>
                                <div class="area-content">
                                    <Outlet />
                                </div>
                            </div>
                        }
                            .into_any()
                    }
                    Ok(None) => view! { <Redirect path="/login" /> }.into_any(),
                    Err(err) => view! { <p class="form-error" role="alert">{err.message}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
pub fn AccountOverview() -> impl IntoView {
    let user = expect_context::<UserView>();
    view! {
        <Title text="My account · Paydesk" />
        <h1>"My account"</h1>
        <p>"Welcome, " <strong>{user.display_name.clone()}</strong> "."</p>
        <section class="card" aria-labelledby="balances-title">
            <h2 id="balances-title">"Balances"</h2>
            <p class="empty">"You have no credit yet. Rewards you earn will appear here."</p>
        </section>
        <dl class="facts">
            <dt>"Signed in as"</dt>
            <dd>{user.email.clone()}</dd>
        </dl>
    }
}
