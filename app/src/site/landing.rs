use leptos::prelude::*;
use leptos_router::components::A;

use crate::auth::{context::use_session, home_for};

/// The front page: what Paydesk is, and the way in for who is (or is not)
/// signed in.
#[component]
pub fn Landing() -> impl IntoView {
    let session = use_session();
    view! {
        <section class="landing">
            <h1>"Payouts, owed and paid, in one place"</h1>
            <p class="lead">
                "Paydesk keeps the balances your customers, referrers and partners earn, "
                "and pays them out to PayPal, a bank account, crypto or gift cards."
            </p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match session.user.await {
                        Ok(Some(user)) => {
                            let home = home_for(user.role);
                            view! {
                                <div class="actions">
                                    <A href=home attr:class="button primary">
                                        {if user.is_admin() { "Open the payouts desk" } else { "Go to my account" }}
                                    </A>
                                </div>
                            }
                                .into_any()
                        }
                        _ => {
                            view! {
                                <div class="actions">
                                    <A href="/signup" attr:class="button primary">
                                        "Create an account"
                                    </A>
                                    <A href="/login" attr:class="button">
                                        "Sign in"
                                    </A>
                                </div>
                            }
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}
