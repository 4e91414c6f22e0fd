//! `/admin/team`: the admins, their roles and standing, and the forms that
//! change them (owners only; the server refuses everyone else). Every form
//! is an ActionForm, so the page works before the bundle loads.

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{
    team_page, ChangeAdminRole, InviteAdmin, ResendInvitation, RevokeInvitation, SetAdminActive,
    SetValueLimit,
};
use super::{Standing, TeamMemberView};
use crate::auth::{sessions_api::EndAdminSessions, TeamRole};
use crate::ui::{CsrfField, FormError, LoadError, Loading};

/// The actions a row's forms take, shared by every row.
#[derive(Clone, Copy)]
struct RowActions {
    role: ServerAction<ChangeAdminRole>,
    active: ServerAction<SetAdminActive>,
    resend: ServerAction<ResendInvitation>,
    revoke: ServerAction<RevokeInvitation>,
    sign_out: ServerAction<EndAdminSessions>,
    limit: ServerAction<SetValueLimit>,
}

#[component]
pub fn TeamPage() -> impl IntoView {
    let invite = ServerAction::<InviteAdmin>::new();
    let actions = RowActions {
        role: ServerAction::new(),
        active: ServerAction::new(),
        resend: ServerAction::new(),
        revoke: ServerAction::new(),
        sign_out: ServerAction::new(),
        limit: ServerAction::new(),
    };
    let data = Resource::new(
        move || {
            (
                invite.version().get(),
                actions.role.version().get(),
                actions.active.version().get(),
                actions.resend.version().get(),
                actions.revoke.version().get(),
                actions.limit.version().get(),
            )
        },
        |_| team_page(),
    );
    let invite_error = Signal::derive(move || invite.value().get().and_then(Result::err));
    let row_error = Signal::derive(move || {
        [
            actions.role.value().get().and_then(Result::err),
            actions.active.value().get().and_then(Result::err),
            actions.resend.value().get().and_then(Result::err),
            actions.revoke.value().get().and_then(Result::err),
            actions.sign_out.value().get().and_then(Result::err),
            actions.limit.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
    });
    let invited = move || {
        invite
            .value()
            .get()
            .and_then(Result::ok)
            .map(|member| format!("Invitation sent to {}.", member.email))
    };
    view! {
        <Title text="Team · Paydesk admin" />
        <h1>"Team"</h1>
        <p class="lead">
            "Who works on this desk and what each may do. Payments managers move money, reviewers decide incentives and verifications, viewers only read."
        </p>
        <FormError error=row_error />
        <Transition fallback=|| view! { <Loading what="the team" /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => view! { <Members members=page.members you=page.you assets=page.assets actions /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
        <section class="card" aria-labelledby="invite-title">
            <h2 id="invite-title">"Invite an admin"</h2>
            <ActionForm action=invite attr:class="stack">
                <CsrfField />
                <div class="field">
                    <label for="t-email">"Email"</label>
                    <input id="t-email" name="email" type="email" required autocomplete="off" />
                </div>
                <div class="field">
                    <label for="t-name">"Name " <span class="muted">"(optional)"</span></label>
                    <input id="t-name" name="display_name" maxlength="100" />
                </div>
                <div class="field">
                    <label for="t-role">"Role"</label>
                    <RoleSelect id="t-role".to_owned() selected=TeamRole::PaymentsManager />
                </div>
                <FormError error=invite_error />
                {move || invited().map(|text| view! { <p class="notice success" role="status">{text}</p> })}
                <button type="submit" class="primary" disabled=move || invite.pending().get()>
                    "Send invitation"
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
fn RoleSelect(id: String, selected: TeamRole) -> impl IntoView {
    view! {
        <select id=id name="role">
            {TeamRole::ALL
                .into_iter()
                .map(|role| {
                    view! { <option value=role.as_str() selected=role == selected>{role.label()}</option> }
                })
                .collect_view()}
        </select>
    }
}

#[component]
fn Members(
    members: Vec<TeamMemberView>,
    you: i64,
    assets: Vec<String>,
    actions: RowActions,
) -> impl IntoView {
    view! {
        <table class="data">
            <caption class="visually-hidden">"Admins"</caption>
            <thead>
                <tr>
                    <th scope="col">"Admin"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Standing"</th>
                    <th scope="col">"Last sign-in"</th>
                    <th scope="col">"Two-factor"</th>
                    <th scope="col">"Value limits"</th>
                    <th scope="col">"Actions"</th>
                </tr>
            </thead>
            <tbody>
                {members
                    .into_iter()
                    .map(|member| {
                        let is_you = member.id == you;
                        let assets = assets.clone();
                        view! { <MemberRow member is_you assets actions /> }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn MemberRow(
    member: TeamMemberView,
    is_you: bool,
    assets: Vec<String>,
    actions: RowActions,
) -> impl IntoView {
    let id = member.id;
    let who = member.display_name.clone();
    let standing = match (&member.standing, &member.invitation_expires_at) {
        (Standing::Invited, Some(until)) => format!("Invited (link works until {until} UTC)"),
        (standing, _) => standing.label().to_owned(),
    };
    let limit_asset_label = format!("Currency of {}'s value limit", member.display_name);
    let limit_amount_label = format!("{}'s value limit (empty: none)", member.display_name);
    let invitation = member.standing.is_invitation();
    let deactivated = member.standing == Standing::Deactivated;
    view! {
        <tr>
            <th scope="row" data-label="Admin">
                {member.display_name.clone()}
                {is_you.then(|| view! { <span class="muted">" (you)"</span> })}
                <br />
                <span class="muted">{member.email.clone()}</span>
            </th>
            <td data-label="Role">
                <ActionForm action=actions.role attr:class="inline-form">
                    <CsrfField />
                    <input type="hidden" name="user_id" value=id />
                    <label class="visually-hidden" for=format!("role-{id}")>{format!("Role of {}", member.display_name)}</label>
                    <RoleSelect id=format!("role-{id}") selected=member.role />
                    <button type="submit">"Change"</button>
                </ActionForm>
            </td>
            <td data-label="Standing">{standing}</td>
            <td data-label="Last sign-in">{member.last_signed_in_at.clone().unwrap_or_else(|| "never".to_owned())}</td>
            <td data-label="Two-factor">{if member.two_factor { "On" } else { "Off" }}</td>
            <td data-label="Value limits">
                <p>
                    {if member.value_limits.is_empty() {
                        "The desk's limits only".to_owned()
                    } else {
                        member
                            .value_limits
                            .iter()
                            .map(|(code, amount)| format!("{amount} {code}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }}
                </p>
                <ActionForm action=actions.limit attr:class="inline-form">
                    <CsrfField />
                    <input type="hidden" name="user_id" value=id />
                    <label class="visually-hidden" for=format!("limit-asset-{id}")>{limit_asset_label}</label>
                    <select id=format!("limit-asset-{id}") name="asset">
                        {assets.into_iter().map(|code| view! { <option value=code.clone()>{code.clone()}</option> }).collect_view()}
                    </select>
                    <label class="visually-hidden" for=format!("limit-amount-{id}")>{limit_amount_label}</label>
                    <input id=format!("limit-amount-{id}") name="amount" inputmode="decimal" placeholder="none" size="8" />
                    <button type="submit">"Set"</button>
                </ActionForm>
            </td>
            <td data-label="Actions">
                {invitation
                    .then(|| {
                        let resend = format!("Resend invitation to {who}");
                        let revoke = format!("Revoke invitation of {who}");
                        view! {
                            <ActionForm action=actions.resend attr:class="inline-form">
                                <CsrfField />
                                <input type="hidden" name="user_id" value=id />
                                <button type="submit">{resend}</button>
                            </ActionForm>
                            <ActionForm action=actions.revoke attr:class="inline-form">
                                <CsrfField />
                                <input type="hidden" name="user_id" value=id />
                                <button type="submit" class="danger">{revoke}</button>
                            </ActionForm>
                        }
                    })}
                {(!is_you && !invitation)
                    .then(|| {
                        let switch = if deactivated { format!("Reactivate {who}") } else { format!("Deactivate {who}") };
                        let sign_out = format!("Sign {who} out everywhere");
                        view! {
                            <ActionForm action=actions.active attr:class="inline-form">
                                <CsrfField />
                                <input type="hidden" name="user_id" value=id />
                                <input type="hidden" name="active" value=if deactivated { "true" } else { "false" } />
                                <button type="submit" class=if deactivated { "" } else { "danger" }>
                                    {switch}
                                </button>
                            </ActionForm>
                            <ActionForm action=actions.sign_out attr:class="inline-form">
                                <CsrfField />
                                <input type="hidden" name="user_id" value=id />
                                <button type="submit">{sign_out}</button>
                            </ActionForm>
                        }
                    })}
            </td>
        </tr>
    }
}
