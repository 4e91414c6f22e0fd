//! `/admin/audit`: the audit trail, newest first. The filters are a GET form,
//! so they work before the bundle loads and give shareable addresses.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Form, hooks::use_query_map};

use super::api::list_audit;
use super::{AuditPage, AuditQuery, PAGE_SIZES};
use crate::ui::list::{DateRangeFields, PerPageField};
use crate::ui::{LoadError, Loading, Pager};

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| AuditQuery::from_params(&params.read()));
    let pending = RwSignal::new(false);
    let log = Resource::new(move || query.get(), list_audit);
    view! {
        <Title text="Audit log · Paydesk admin" />
        <h1>"Audit log"</h1>
        <div class="results" aria-busy=move || pending.get().to_string()>
            <Transition fallback=|| view! { <Loading what="the audit log" /> } set_pending=pending>
                {move || Suspend::new(async move {
                    match log.await {
                        Ok(log) => view! { <Log log query=query.get_untracked() /> }.into_any(),
                        Err(error) => {
                            view! {
                                <Filters query=query.get_untracked() actions=Vec::new() />
                                <LoadError error />
                            }
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn Filters(query: AuditQuery, actions: Vec<super::ActionChoice>) -> impl IntoView {
    view! {
        <Form method="GET" action="/admin/audit" attr:class="filters" attr:aria-label="Filter the audit log">
            <div class="field">
                <label for="a-action">"Action"</label>
                <select id="a-action" name="action">
                    <option value="">"Any action"</option>
                    {actions
                        .into_iter()
                        .map(|a| {
                            let chosen = a.name == query.action;
                            view! { <option value=a.name selected=chosen>{a.label}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="a-actor">"Who"</label>
                <input id="a-actor" name="actor" type="search" value=query.actor.clone() placeholder="Name or email" />
            </div>
            <div class="field">
                <label for="a-subject">"Subject"</label>
                <input id="a-subject" name="subject" type="search" value=query.subject.clone() placeholder="withdrawal:12, an email…" />
            </div>
            <DateRangeFields prefix="a" from=query.from.clone() to=query.to.clone() />
            <PerPageField prefix="a" sizes=&PAGE_SIZES chosen=query.per_page />
            <button type="submit" class="primary">"Apply filters"</button>
        </Form>
    }
}

#[component]
fn Log(log: AuditPage, query: AuditQuery) -> impl IntoView {
    let (page, pages, total) = (log.page, log.pages(), log.total);
    let pager_query = query.clone();
    view! {
        <Filters query actions=log.actions />
        <p class="muted" role="status">
            {if total == 1 { "1 event".to_owned() } else { format!("{total} events") }}
        </p>
        {if log.rows.is_empty() {
            view! { <p class="empty">"No events match these filters."</p> }.into_any()
        } else {
            view! {
                <table class="data audit">
                    <caption class="visually-hidden">"Audit events, newest first"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"When (UTC)"</th>
                            <th scope="col">"Action"</th>
                            <th scope="col">"Who"</th>
                            <th scope="col">"Subject"</th>
                            <th scope="col">"Detail"</th>
                            <th scope="col">"From"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {log
                            .rows
                            .into_iter()
                            .map(|row| {
                                view! {
                                    <tr>
                                        <td data-label="When">{row.at}</td>
                                        <th scope="row" data-label="Action">{row.action_label}</th>
                                        <td data-label="Who">{if row.actor.is_empty() { "—".to_owned() } else { row.actor }}</td>
                                        <td data-label="Subject">{row.subject}</td>
                                        <td data-label="Detail">{row.detail}</td>
                                        <td data-label="From">{row.ip}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            }
                .into_any()
        }}
        <Pager page pages total label="Audit log pages" href=move |p| pager_query.href(p) />
    }
}
