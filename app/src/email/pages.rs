//! `/admin/email`: every email Paydesk wrote, where it stands, why it
//! failed, and a retry for those given up on.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use super::api::list_emails;
use super::{kind_label, DeliveryState, EmailList, EmailQuery, EmailRow};
use crate::ui::{CsrfField, LoadError, Loading, Pager};

fn href_for(state: &str, page: u64) -> String {
    match (state.is_empty(), page) {
        (true, 1) => "/admin/email".to_owned(),
        (true, page) => format!("/admin/email?page={page}"),
        (false, page) => format!("/admin/email?state={state}&page={page}"),
    }
}

#[component]
pub fn EmailOutboxPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| {
        let params = params.read();
        EmailQuery {
            state: params.get("state").unwrap_or_default(),
            page: params.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
        }
    });
    let retry = ServerAction::<super::api::RetryEmail>::new();
    let digest = ServerAction::<super::api::SetDigest>::new();
    let pending = RwSignal::new(false);
    let list = Resource::new(
        move || (query.get(), retry.version().get(), digest.version().get()),
        |(q, _, _)| list_emails(q),
    );
    view! {
        <Title text="Email · Paydesk admin" />
        <h1>"Email"</h1>
        <nav class="tabs" aria-label="Emails by state">
            {[("", "All"), ("waiting", "Waiting"), ("dead", "Given up"), ("sent", "Sent"), ("skipped", "Nothing to send")]
                .into_iter()
                .map(|(state, label)| {
                    let current = move || {
                        (query.read().state == state).then_some("page")
                    };
                    view! { <A href=href_for(state, 1) attr:aria-current=current>{label}</A> }
                })
                .collect_view()}
        </nav>
        {move || {
            retry
                .value()
                .get()
                .map(|result| match result {
                    Ok(()) => view! { <p class="notice success" role="status">"Queued: it goes out on the next delivery round."</p> }.into_any(),
                    Err(error) => view! { <p class="form-error" role="alert">{error.message}</p> }.into_any(),
                })
        }}
        <div class="results" aria-busy=move || pending.get().to_string()>
            <Transition fallback=|| view! { <Loading what="the emails" /> } set_pending=pending>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(list) => {
                            view! {
                                <Digest on=list.digest action=digest can=list.can_switch_digest />
                                <Outbox list retry state=query.get_untracked().state />
                            }
                                .into_any()
                        }
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn Outbox(
    list: EmailList,
    retry: ServerAction<super::api::RetryEmail>,
    state: String,
) -> impl IntoView {
    let (page, pages, total) = (list.page, list.pages(), list.total);
    let configured = list.smtp_configured;
    let allowed = list.can_retry;
    view! {
        {(!configured)
            .then(|| {
                view! {
                    <p class="notice" role="status">
                        {format!(
                            "Not sent: no SMTP server configured. {} waiting; set PAYDESK_SMTP_URL and restart (see the README) and they go out.",
                            if list.waiting == 1 { "1 email is".to_owned() } else { format!("{} emails are", list.waiting) },
                        )}
                    </p>
                }
            })}
        <p class="muted" role="status">
            {format!("{} waiting · {} given up · {total} shown by this filter", list.waiting, list.dead)}
        </p>
        {if list.rows.is_empty() {
            view! { <p class="empty">"No emails here."</p> }.into_any()
        } else {
            view! {
                <table class="data emails">
                    <caption class="visually-hidden">"Emails, newest first"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Email"</th>
                            <th scope="col">"To"</th>
                            <th scope="col">"About"</th>
                            <th scope="col">"Written"</th>
                            <th scope="col">"State"</th>
                            <th scope="col" class="num">"Attempts"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {list.rows.into_iter().map(|row| view! { <Row row retry configured allowed /> }).collect_view()}
                    </tbody>
                </table>
            }
                .into_any()
        }}
        <Pager page pages total label="Email pages" href=move |p| href_for(&state, p) />
    }
}

/// The daily digest to admins: off by default.
#[component]
fn Digest(
    on: bool,
    action: ServerAction<super::api::SetDigest>,
    /// Whether the viewing admin may switch it.
    can: bool,
) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="digest-title">
            <h2 id="digest-title">"Daily digest to admins"</h2>
            <p>
                {if on {
                    "On: once a day, every admin is emailed how many withdrawal requests wait."
                } else {
                    "Off: admins get no email about requests waiting."
                }}
            </p>
            {can
                .then(|| {
                    view! {
                        <ActionForm action=action>
                            <CsrfField />
                            <input type="hidden" name="on" value=if on { "false" } else { "true" } />
                            <button type="submit" disabled=move || action.pending().get()>
                                {if on { "Turn the digest off" } else { "Turn the digest on" }}
                            </button>
                        </ActionForm>
                    }
                })}
            {move || {
                action
                    .value()
                    .get()
                    .and_then(Result::err)
                    .map(|error| view! { <p class="form-error" role="alert">{error.message}</p> })
            }}
        </section>
    }
}

fn state_text(row: &EmailRow, configured: bool) -> String {
    let when = row.when.clone().unwrap_or_default();
    let error = row.last_error.clone().unwrap_or_default();
    match row.state {
        DeliveryState::Sent => format!("Sent {when}"),
        DeliveryState::Skipped => format!("Not sent: {error}"),
        DeliveryState::Dead => format!("Given up after {} attempts: {error}", row.attempts),
        DeliveryState::Waiting if !configured => "Not sent: no SMTP server configured".to_owned(),
        DeliveryState::Waiting if row.attempts == 0 => "Waiting to be sent".to_owned(),
        DeliveryState::Waiting => format!("Failed: {error}. Next attempt {when}"),
    }
}

#[component]
fn Row(
    row: EmailRow,
    retry: ServerAction<super::api::RetryEmail>,
    configured: bool,
    /// Whether the viewing admin's role may retry emails.
    allowed: bool,
) -> impl IntoView {
    let id = row.id;
    let text = state_text(&row, configured);
    let can_retry = allowed
        && (matches!(row.state, DeliveryState::Dead)
            || (row.state == DeliveryState::Waiting && row.attempts > 0));
    view! {
        <tr>
            <th scope="row" data-label="Email">{format!("#{id}")}</th>
            <td data-label="To">{row.recipient}</td>
            <td data-label="About">{kind_label(&row.kind)}</td>
            <td data-label="Written">{row.created_at}</td>
            <td data-label="State" class=format!("state-{}", row.state.as_str())>{text}</td>
            <td data-label="Attempts" class="num">{row.attempts}</td>
            <td data-label="Actions">
                {can_retry
                    .then(|| {
                        view! {
                            <ActionForm action=retry>
                                <CsrfField />
                                <input type="hidden" name="id" value=id />
                                <button type="submit" aria-label=format!("Retry email #{id}") disabled=move || retry.pending().get()>
                                    "Retry"
                                </button>
                            </ActionForm>
                        }
                    })}
            </td>
        </tr>
    }
}
