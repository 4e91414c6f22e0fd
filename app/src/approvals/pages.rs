//! `/admin/approvals`: the moves waiting for a second approval, oldest
//! first, each with who asked, what, how much and why, and the approve and
//! decline forms; under them the latest decisions. ActionForms, so the page
//! works before the bundle loads; the server decides who may decide.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::api::{approvals_page, ApproveHeld, DeclineHeld};
use super::ApprovalView;
use crate::ledger::money::format_amount;
use crate::ui::{CsrfField, FormError, LoadError, Loading};

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let approve = ServerAction::<ApproveHeld>::new();
    let decline = ServerAction::<DeclineHeld>::new();
    let data = Resource::new(
        move || (approve.version().get(), decline.version().get()),
        |_| approvals_page(),
    );
    let error = Signal::derive(move || {
        approve
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| decline.value().get().and_then(Result::err))
    });
    // The latest decision's message: approve and decline share the line.
    let decided = move || {
        let approved = approve.value().get().and_then(Result::ok);
        let declined = decline.value().get().and_then(Result::ok);
        let latest = if approve.version().get() >= decline.version().get() {
            approved.or(declined)
        } else {
            declined.or(approved)
        };
        latest.map(|d| d.message)
    };
    view! {
        <Title text="Approvals · Paydesk admin" />
        <h1>"Awaiting second approval"</h1>
        <p class="lead">
            "Money moves above the approval limit of their currency wait here for a second admin. Approving carries the move out at once; nobody approves their own."
        </p>
        <FormError error />
        {move || decided().map(|text| view! { <p class="notice success" role="status">{text}</p> })}
        <Transition fallback=|| view! { <Loading what="approvals" /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => {
                        let waiting = page.waiting;
                        let recent = page.recent;
                        view! {
                            <section aria-labelledby="waiting-title">
                                <h2 id="waiting-title">{format!("Waiting ({})", waiting.len())}</h2>
                                {waiting
                                    .is_empty()
                                    .then(|| view! { <p class="empty">"Nothing waits for a second approval."</p> })}
                                <ul class="cards approvals">
                                    {waiting
                                        .into_iter()
                                        .map(|approval| view! { <Waiting approval approve decline /> })
                                        .collect_view()}
                                </ul>
                            </section>
                            <section aria-labelledby="recent-title">
                                <h2 id="recent-title">"Latest decisions"</h2>
                                {recent
                                    .is_empty()
                                    .then(|| view! { <p class="empty">"No decisions yet."</p> })}
                                <ul class="cards approvals">
                                    {recent.into_iter().map(|approval| view! { <Recent approval /> }).collect_view()}
                                </ul>
                            </section>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn amount_of(approval: &ApprovalView) -> String {
    format_amount(
        approval.amount.minor,
        &approval.amount.code,
        approval.amount.scale,
    )
}

#[component]
fn Heading(approval: ApprovalView) -> impl IntoView {
    let title = format!("{} · {}", approval.kind, amount_of(&approval));
    view! {
        <h3>{title}</h3>
        <p>
            {approval.summary.clone()}
            {approval
                .link
                .clone()
                .map(|href| view! { " " <A href=href>"Open the request"</A> })}
        </p>
        <p class="muted">
            {format!("Asked by {} on {} UTC", approval.requested_by, approval.requested_at)}
        </p>
        {approval.note.clone().map(|note| view! { <p>"Why: " {note}</p> })}
    }
}

#[component]
fn Waiting(
    approval: ApprovalView,
    approve: ServerAction<ApproveHeld>,
    decline: ServerAction<DeclineHeld>,
) -> impl IntoView {
    let id = approval.id;
    let what = format!("{} of {}", approval.kind, amount_of(&approval));
    let may_approve = approval.cannot_decide.is_none();
    let may_decline = may_approve || approval.own;
    let decline_label = if approval.own {
        format!("Withdraw my ask: {what}")
    } else {
        format!("Decline {what}")
    };
    view! {
        <li class="card" aria-label=format!("Approval #{id}")>
            <Heading approval=approval.clone() />
            {approval.cannot_decide.clone().map(|why| view! { <p class="notice">{why}</p> })}
            {may_approve
                .then(|| {
                    view! {
                        <ActionForm action=approve attr:class="stack">
                            <CsrfField />
                            <input type="hidden" name="approval_id" value=id />
                            <div class="field">
                                <label for=format!("a-note-{id}")>"Note " <span class="muted">"(optional)"</span></label>
                                <input id=format!("a-note-{id}") name="note" maxlength="1000" />
                            </div>
                            <button type="submit" class="primary" disabled=move || approve.pending().get()>
                                {format!("Approve {what}")}
                            </button>
                        </ActionForm>
                    }
                })}
            {may_decline
                .then(|| {
                    view! {
                        <ActionForm action=decline attr:class="stack">
                            <CsrfField />
                            <input type="hidden" name="approval_id" value=id />
                            <div class="field">
                                <label for=format!("d-note-{id}")>"Why not"</label>
                                <input id=format!("d-note-{id}") name="note" required maxlength="1000" />
                            </div>
                            <button type="submit" class="danger" disabled=move || decline.pending().get()>
                                {decline_label.clone()}
                            </button>
                        </ActionForm>
                    }
                })}
        </li>
    }
}

#[component]
fn Recent(approval: ApprovalView) -> impl IntoView {
    let status = match approval.status.as_str() {
        "approved" => "Approved, waiting to be used",
        "done" => "Approved and carried out",
        "declined" => "Declined",
        _ => "Void",
    };
    let decided = approval
        .decided_by
        .clone()
        .map(|by| {
            format!(
                "{status} by {by} on {} UTC",
                approval.decided_at.clone().unwrap_or_default()
            )
        })
        .unwrap_or_else(|| status.to_owned());
    view! {
        <li class="card" aria-label=format!("Approval #{}", approval.id)>
            <Heading approval=approval.clone() />
            <p><strong>{decided}</strong></p>
            {approval.decision_note.clone().map(|note| view! { <p>"Note: " {note}</p> })}
            {approval.outcome.clone().map(|outcome| view! { <p class="muted">{outcome}</p> })}
        </li>
    }
}
