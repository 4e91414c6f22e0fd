//! `/admin/members` (search and totals) and `/admin/members/:id` (one
//! member: wallets, verification review, the active switch, credits and
//! debits, requests). Forms are ActionForms, so they work before hydration.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::{use_params_map, use_query_map},
};

use super::actions::{AddIncentive, RequestOnBehalf};
use super::api::{
    list_members, member_detail, AdjustMemberBalance, RequestForMember, RevealMemberDetails,
    ReviewMemberVerification, SetMemberActive,
};
use super::sections::{
    AccountCard, AdjustCard, LatestRequests, PayoutDetailsCard, VerificationCard,
};
use super::{MemberList, MemberView};
use crate::ledger::money::format_amount;
use crate::ledger::money::money_lines;
use crate::ledger::statement::{StatementPage, StatementTable};
use crate::ui::{LoadError, Loading, Pager};

#[component]
pub fn MembersPage() -> impl IntoView {
    let params = use_query_map();
    let q = Memo::new(move |_| params.read().get("q").unwrap_or_default());
    let page = Memo::new(move |_| {
        params
            .read()
            .get("page")
            .and_then(|p| p.parse::<u64>().ok())
            .unwrap_or(1)
    });
    let pending = RwSignal::new(false);
    let list = Resource::new(
        move || (q.get(), page.get()),
        |(q, page)| list_members(q, page),
    );
    view! {
        <Title text="Members · Paydesk admin" />
        <h1>"Members"</h1>
        <Form method="GET" action="/admin/members" attr:class="filters" attr:aria-label="Search members">
            <div class="field">
                <label for="m-q">"Search"</label>
                <input id="m-q" name="q" type="search" value=q.get_untracked() placeholder="Name, email or #id" />
            </div>
            <button type="submit" class="primary">"Search"</button>
        </Form>
        <div class="results" aria-busy=move || pending.get().to_string()>
            <Transition fallback=|| view! { <Loading what="members" /> } set_pending=pending>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(list) => view! { <MembersTable list q=q.get_untracked() /> }.into_any(),
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn MembersTable(list: MemberList, q: String) -> impl IntoView {
    let (page, pages, total) = (list.page, list.pages(), list.total);
    let encoded = crate::ui::list::encode(&q);
    view! {
        <p class="muted" role="status">
            {if total == 1 { "1 member".to_owned() } else { format!("{total} members") }}
        </p>
        {if list.rows.is_empty() {
            view! { <p class="empty">"No members match."</p> }.into_any()
        } else {
            view! {
                <table class="data members">
                    <caption class="visually-hidden">"Members, newest first"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Member"</th>
                            <th scope="col">"Account"</th>
                            <th scope="col" class="num">"Balance"</th>
                            <th scope="col" class="num">"Earned"</th>
                            <th scope="col" class="num">"Requested"</th>
                            <th scope="col" class="num">"Paid"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {list
                            .rows
                            .into_iter()
                            .map(|m| {
                                view! {
                                    <tr>
                                        <th scope="row" data-label="Member">
                                            <A href=format!("/admin/members/{}", m.id)>{m.name}</A>
                                            <br />
                                            <span class="muted">{m.email}</span>
                                        </th>
                                        <td data-label="Account">
                                            {if m.active { "Active" } else { "Inactive" }}
                                            {if m.verified { ", verified" } else { "" }}
                                            {(!m.email_confirmed).then(|| view! { <br /><span class="muted">"Email not confirmed"</span> })}
                                        </td>
                                        <td data-label="Balance" class="num">{money_lines(&m.balances)}</td>
                                        <td data-label="Earned" class="num">{money_lines(&m.earned)}</td>
                                        <td data-label="Requested" class="num">{money_lines(&m.requested)}</td>
                                        <td data-label="Paid" class="num">{money_lines(&m.paid)}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            }
                .into_any()
        }}
        <Pager page pages total label="Member pages" href=move |p| format!("/admin/members?q={encoded}&page={p}") />
    }
}

#[component]
pub fn MemberPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or(0)
    });
    let wallet = Memo::new(move |_| {
        query
            .read()
            .get("wallet")
            .and_then(|w| w.parse::<i64>().ok())
    });
    let page = Memo::new(move |_| {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<u64>().ok())
            .unwrap_or(1)
    });
    let active = ServerAction::<SetMemberActive>::new();
    let adjust = ServerAction::<AdjustMemberBalance>::new();
    let review = ServerAction::<ReviewMemberVerification>::new();
    let request = ServerAction::<RequestForMember>::new();
    // Not a refetch trigger: a reveal changes nothing the page shows.
    let reveal = ServerAction::<RevealMemberDetails>::new();
    let detail = Resource::new(
        move || {
            (
                id.get(),
                wallet.get(),
                page.get(),
                active.version().get(),
                adjust.version().get(),
                review.version().get(),
                request.version().get(),
            )
        },
        |(id, wallet, page, ..)| member_detail(id, wallet, page),
    );
    view! {
        <Title text="Member · Paydesk admin" />
        <Transition fallback=|| view! { <Loading what="the member" /> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(view) => view! { <Member view active adjust review reveal request /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// One member's page: totals, then a card for each thing an admin does.
#[component]
fn Member(
    view: MemberView,
    active: ServerAction<SetMemberActive>,
    adjust: ServerAction<AdjustMemberBalance>,
    review: ServerAction<ReviewMemberVerification>,
    reveal: ServerAction<RevealMemberDetails>,
    request: ServerAction<RequestForMember>,
) -> impl IntoView {
    let m = view.member;
    let member_id = m.id;
    let can = view.can;
    view! {
        <h1>{m.name.clone()}</h1>
        <p class="muted">
            {format!("{} · member #{} · joined {}", m.email, m.id, view.joined)}
        </p>
        <dl class="stats">
            <div class="stat">
                <dt>"Balance"</dt>
                <dd>{money_lines(&m.balances)}</dd>
            </div>
            <div class="stat">
                <dt>"Earned"</dt>
                <dd>{money_lines(&m.earned)}</dd>
            </div>
            <div class="stat">
                <dt>"Requested"</dt>
                <dd>{money_lines(&m.requested)}</dd>
            </div>
            <div class="stat">
                <dt>"Paid"</dt>
                <dd>{money_lines(&m.paid)}</dd>
            </div>
        </dl>
        <AccountCard member_id active=m.active action=active can=can.switch_active />
        <VerificationCard member_id verification=view.verification review can=can.review />
        <PayoutDetailsCard member_id details=view.payout_details.clone() reveal can=can.reveal />
        {can
            .adjust
            .then(|| view! { <AdjustCard member_id assets=view.assets.clone() key=view.fresh_key.clone() adjust /> })}
        {can
            .request
            .then(|| {
                view! {
                    <RequestOnBehalf
                        member_id
                        wallets=view.statement.wallets.clone()
                        methods=view.payout_details.clone()
                        key=view.fresh_key.clone()
                        request
                    />
                }
            })}
        {can
            .add_incentive
            .then(|| view! { <AddIncentive member_id assets=view.assets.clone() key=view.fresh_key.clone() /> })}
        <MemberStatement member_id statement=view.statement />
        <LatestRequests requests=view.requests />
    }
}

/// The member's wallets, each a link to its statement, and the chosen
/// wallet's statement a page at a time: what the member sees on their own
/// statement page.
#[component]
fn MemberStatement(member_id: i64, statement: StatementPage) -> impl IntoView {
    let chosen = statement.wallet.clone();
    let (current, pages, total) = (statement.page, statement.pages(), statement.total);
    view! {
        <section aria-labelledby="statement-title">
            <h2 id="statement-title">"Wallets and statement"</h2>
            {if statement.wallets.is_empty() {
                view! { <p class="empty">"No wallet yet: nothing has been credited to this member."</p> }.into_any()
            } else {
                view! {
                    <ul class="balances" aria-label="Wallets">
                        {statement
                            .wallets
                            .clone()
                            .into_iter()
                            .map(|w| {
                                let is_current = chosen.as_ref().is_some_and(|c| c.wallet_id == w.wallet_id);
                                let amount = format_amount(w.balance, &w.asset.code, w.asset.scale);
                                let code = w.asset.code;
                                view! {
                                    <li class="balance">
                                        <A
                                            href=format!("/admin/members/{member_id}?wallet={}", w.wallet_id)
                                            attr:aria-current=if is_current { Some("page") } else { None }
                                        >
                                            <span class="balance-asset">{code}</span>
                                        </A>
                                        <span class="balance-amount">{amount}</span>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
            {chosen
                .map(|wallet| {
                    let code = wallet.asset.code.clone();
                    let wallet_id = wallet.wallet_id;
                    view! {
                        {if statement.lines.is_empty() {
                            view! { <p class="empty">{format!("No movements in the {code} wallet yet.")}</p> }.into_any()
                        } else {
                            view! {
                                <StatementTable
                                    lines=statement.lines.clone()
                                    asset=wallet.asset.clone()
                                    caption=format!("{code} wallet statement, newest first")
                                />
                            }
                                .into_any()
                        }}
                        <Pager
                            page=current
                            pages
                            total
                            label="Statement pages"
                            href=move |p| format!("/admin/members/{member_id}?wallet={wallet_id}&page={p}")
                        />
                    }
                })}
        </section>
    }
}
