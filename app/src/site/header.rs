use leptos::prelude::*;
use leptos_router::components::A;

use crate::auth::context::use_session;
use crate::ui::CsrfField;

/// The site header: brand, navigation for who is signed in, and sign-out.
/// On a phone the navigation folds behind a menu button.
#[component]
pub fn Header() -> impl IntoView {
    let session = use_session();
    let (menu_open, set_menu_open) = signal(false);
    let close_menu = move |_| set_menu_open.set(false);

    view! {
        <header class="site-header">
            <A href="/" attr:class="brand">
                <span class="brand-mark" aria-hidden="true">"◆"</span>
                " Paydesk"
            </A>
            <button
                type="button"
                class="menu-toggle"
                aria-controls="site-nav"
                aria-expanded=move || menu_open.get().to_string()
                on:click=move |_| set_menu_open.update(|open| *open = !*open)
            >
                <span class="visually-hidden">"Toggle "</span>
                "Menu"
            </button>
            <nav
                id="site-nav"
                class="site-nav"
                class:open=move || menu_open.get()
                aria-label="Main"
                on:click=close_menu
            >
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match session.user.await {
                            Ok(Some(user)) => {
                                let area = if user.is_admin() {
                                    view! { <A href="/admin">"Payouts desk"</A> }.into_any()
                                } else {
                                    view! { <A href="/account">"My account"</A> }.into_any()
                                };
                                view! {
                                    {area}
                                    <span class="who" title=user.email.clone()>
                                        {user.display_name.clone()}
                                    </span>
                                    <ActionForm action=session.log_out attr:class="inline-form">
                                        <CsrfField />
                                        <button type="submit" class="link-button">
                                            "Sign out"
                                        </button>
                                    </ActionForm>
                                }
                                    .into_any()
                            }
                            _ => {
                                view! {
                                    <A href="/login">"Sign in"</A>
                                    <A href="/signup">"Sign up"</A>
                                }
                                    .into_any()
                            }
                        }
                    })}
                </Transition>
            </nav>
        </header>
    }
}
