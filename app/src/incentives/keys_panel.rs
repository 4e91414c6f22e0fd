//! The earnings API's keys, drawn on the settings page.

use leptos::prelude::*;

use crate::ui::{LoadError, Loading};

/// The earnings API's keys, on the settings page: make one (shown once),
/// see when each was last used, revoke.
#[component]
pub fn ApiKeys() -> impl IntoView {
    let create = ServerAction::<super::api::CreateApiKey>::new();
    let revoke = ServerAction::<super::api::RevokeApiKey>::new();
    let invite = ServerAction::<super::api::SetInviteMissing>::new();
    let keys = Resource::new(
        move || {
            (
                create.version().get(),
                revoke.version().get(),
                invite.version().get(),
            )
        },
        |_| super::api::list_api_keys(),
    );
    let create_error = Signal::derive(move || create.value().get().and_then(Result::err));
    let revoke_error = Signal::derive(move || revoke.value().get().and_then(Result::err));
    view! {
        <section class="card" aria-labelledby="keys-title">
            <h2 id="keys-title">"Earnings API keys"</h2>
            <p class="muted">
                "Your website reports incentives to " <code>"POST /api/v1/incentives"</code>
                " with one of these keys. Only a fingerprint is kept: a key is shown once, when it is made."
            </p>
            <ActionForm action=create attr:class="inline-form" attr:aria-label="Make an API key">
                <crate::ui::CsrfField />
                <div class="field">
                    <label for="k-name">"Key name"</label>
                    <input id="k-name" name="name" required maxlength="100" placeholder="Website" />
                </div>
                <div class="field">
                    <label for="k-expires">"Expires"</label>
                    <select id="k-expires" name="expires_in_days">
                        <option value="">"Never (until revoked)"</option>
                        <option value="30">"In 30 days"</option>
                        <option value="90">"In 90 days"</option>
                        <option value="365">"In a year"</option>
                    </select>
                </div>
                <button type="submit" disabled=move || create.pending().get()>"Make a key"</button>
            </ActionForm>
            <crate::ui::FormError error=create_error />
            {move || {
                create
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .map(|made| {
                        view! {
                            <div class="notice success" role="status">
                                <p>{format!("Key \"{}\" made. Copy it now: it is not shown again.", made.key.name)}</p>
                                <label for="k-secret">"New API key"</label>
                                <input id="k-secret" readonly value=made.secret class="secret" />
                            </div>
                        }
                    })
            }}
            <crate::ui::FormError error=revoke_error />
            <Transition fallback=|| view! { <Loading what="API keys" /> }>
                {move || Suspend::new(async move {
                    match keys.await {
                        Ok(settings) => {
                            let toggle = view! {
                                <ActionForm action=invite attr:class="inline-form" attr:aria-label="Unknown members">
                                    <crate::ui::CsrfField />
                                    <label class="check">
                                        <input type="checkbox" name="enabled" value="1" checked=settings.invite_missing />
                                        "Invite the member when an incentive names an unknown email"
                                    </label>
                                    <button type="submit">"Save"</button>
                                </ActionForm>
                            };
                            let keys = settings.keys;
                            if keys.is_empty() {
                                return view! { {toggle} <p class="empty">"No API keys yet."</p> }.into_any();
                            }
                            view! {
                            {toggle}
                            <table class="data">
                                <caption class="visually-hidden">"API keys"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Key"</th>
                                        <th scope="col">"Made"</th>
                                        <th scope="col">"Last used"</th>
                                        <th scope="col">"Expires"</th>
                                        <th scope="col">"State"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {keys
                                        .into_iter()
                                        .map(|k| {
                                            let revoked = k.revoked_at.clone();
                                            view! {
                                                <tr>
                                                    <th scope="row" data-label="Name">{k.name.clone()}</th>
                                                    <td data-label="Key"><code>{format!("{}…", k.prefix)}</code></td>
                                                    <td data-label="Made">{k.created_at.clone()}</td>
                                                    <td data-label="Last used">{k.last_used_at.clone().unwrap_or_else(|| "never".to_owned())}</td>
                                                    <td data-label="Expires">
                                                        {match (&k.expires_at, k.expired) {
                                                            (Some(at), true) => format!("Expired {at}"),
                                                            (Some(at), false) => at.clone(),
                                                            (None, _) => "never".to_owned(),
                                                        }}
                                                    </td>
                                                    <td data-label="State">
                                                        {match revoked {
                                                            Some(at) => view! { <span>{format!("Revoked {at}")}</span> }.into_any(),
                                                            None => view! {
                                                                <ActionForm action=revoke attr:class="inline-form">
                                                                    <crate::ui::CsrfField />
                                                                    <input type="hidden" name="id" value=k.id />
                                                                    <button type="submit">{format!("Revoke {}", k.name)}</button>
                                                                </ActionForm>
                                                            }
                                                                .into_any(),
                                                        }}
                                                    </td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
