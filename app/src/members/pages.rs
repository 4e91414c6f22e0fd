//! `/admin/members` (search and totals) and `/admin/members/:id` (one
//! member: wallets, verification review, the active switch, credits and
//! debits, requests). Forms are ActionForms, so they work before hydration.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::{use_params_map, use_query_map},
};

use super::api::{
    list_members, member_detail, AdjustMemberBalance, RequestForMember, RevealMemberDetails,
    ReviewMemberVerification, SetMemberActive,
};
use super::{MemberList, MemberView};
use crate::ledger::money::format_amount;
use crate::ledger::money::money_lines;
use crate::ledger::statement::{StatementPage, StatementTable};
use crate::ui::{CsrfField, FormError, LoadError, Loading, Pager};
use crate::verification::VerificationStatus;

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

#[component]
fn Member(
    view: MemberView,
    active: ServerAction<SetMemberActive>,
    adjust: ServerAction<AdjustMemberBalance>,
    review: ServerAction<ReviewMemberVerification>,
    reveal: ServerAction<RevealMemberDetails>,
    request: ServerAction<RequestForMember>,
) -> impl IntoView {
    let m = view.member.clone();
    let request_wallets = view.statement.wallets.clone();
    let request_methods = view.payout_details.clone();
    let request_key = view.fresh_key.clone();
    let incentive_key = view.fresh_key.clone();
    let reveal_error = Signal::derive(move || reveal.value().get().and_then(Result::err));
    let member_id = m.id;
    let active_error = Signal::derive(move || active.value().get().and_then(Result::err));
    let adjust_error = Signal::derive(move || adjust.value().get().and_then(Result::err));
    let review_error = Signal::derive(move || review.value().get().and_then(Result::err));
    let adjusted = move || adjust.value().get().is_some_and(|r| r.is_ok());
    let verification = view.verification.clone();
    let waiting = verification.status == VerificationStatus::Submitted;
    let incentive_assets = view.assets.clone();
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

        <section class="card" aria-labelledby="account-title">
            <h2 id="account-title">"Account"</h2>
            <p>
                {if m.active {
                    "Active: the member can sign in and request withdrawals."
                } else {
                    "Inactive: the member cannot sign in or request withdrawals."
                }}
            </p>
            <ActionForm action=active>
                <CsrfField />
                <input type="hidden" name="member_id" value=member_id />
                <input type="hidden" name="active" value=if m.active { "false" } else { "true" } />
                <FormError error=active_error />
                <button type="submit" disabled=move || active.pending().get()>
                    {if m.active { "Deactivate account" } else { "Reactivate account" }}
                </button>
            </ActionForm>
        </section>

        <section class="card" aria-labelledby="verification-title">
            <h2 id="verification-title">"Verification"</h2>
            <p>
                <strong>{verification.status.label()}</strong>
                {verification.review_note.clone().map(|note| format!(" · note: {note}"))}
            </p>
            {(verification.status != VerificationStatus::Unverified)
                .then(|| {
                    view! {
                        <dl class="details">
                            <dt>"Name"</dt>
                            <dd>{format!("{} {}", verification.first_name, verification.last_name)}</dd>
                            <dt>"Tax ID"</dt>
                            <dd>{verification.tax_id_masked.clone()}</dd>
                            <dt>"Mobile"</dt>
                            <dd>{verification.mobile.clone()}</dd>
                            <dt>"Country"</dt>
                            <dd>{verification.country.clone()}</dd>
                            <dt>"Address"</dt>
                            <dd>{verification.address.clone()}</dd>
                        </dl>
                    }
                })}
            {waiting
                .then(|| {
                    view! {
                        <ActionForm action=review attr:class="stack">
                            <CsrfField />
                            <input type="hidden" name="member_id" value=member_id />
                            // The submission shown above: a newer one makes this review stale.
                            <input type="hidden" name="submission" value=verification.submission.clone().unwrap_or_default() />
                            <div class="field">
                                <label for="v-decision">"Decision"</label>
                                <select id="v-decision" name="decision">
                                    <option value="approve">"Approve"</option>
                                    <option value="reject">"Reject"</option>
                                </select>
                            </div>
                            <div class="field">
                                <label for="v-note">"Note to the member (needed to reject)"</label>
                                <input id="v-note" name="note" />
                            </div>
                            <FormError error=review_error />
                            <button type="submit" class="primary" disabled=move || review.pending().get()>
                                "Record decision"
                            </button>
                        </ActionForm>
                    }
                })}
        </section>

        <section class="card" aria-labelledby="details-title">
            <h2 id="details-title">"Payout details"</h2>
            <p class="muted">"Members keep these themselves. Admins see them masked; each reveal is recorded in the audit log."</p>
            {if view.payout_details.is_empty() {
                view! { <p class="empty">"None saved yet."</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {view
                            .payout_details
                            .into_iter()
                            .map(|d| {
                                view! {
                                    <li>
                                        {format!("{}: {}", d.method, d.masked)}
                                        {d.is_default.then_some(" (default)")}
                                        <ActionForm action=reveal attr:class="inline-form">
                                            <CsrfField />
                                            <input type="hidden" name="member_id" value=member_id />
                                            <input type="hidden" name="method" value=d.method_key.clone() />
                                            <button type="submit">{format!("Reveal {}", d.method)}</button>
                                        </ActionForm>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
            <FormError error=reveal_error />
            {move || {
                reveal
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .map(|shown| {
                        view! {
                            <div class="notice" role="status">
                                <p>"This reveal is recorded in the audit log."</p>
                                <dl class="revealed">
                                    {shown
                                        .fields
                                        .into_iter()
                                        .map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> })
                                        .collect_view()}
                                </dl>
                            </div>
                        }
                    })
            }}
        </section>

        <section class="card" aria-labelledby="adjust-title">
            <h2 id="adjust-title">"Credit or debit"</h2>
            <ActionForm action=adjust attr:class="stack">
                <CsrfField />
                <input type="hidden" name="member_id" value=member_id />
                <input type="hidden" name="idempotency_key" value=view.fresh_key.clone() />
                <div class="field">
                    <label for="a-direction">"Credit or debit"</label>
                    <select id="a-direction" name="direction">
                        <option value="credit">"Credit (add)"</option>
                        <option value="debit">"Debit (take away)"</option>
                    </select>
                </div>
                <div class="field">
                    <label for="a-asset">"Asset"</label>
                    <select id="a-asset" name="asset">
                        {view.assets.into_iter().map(|code| view! { <option value=code.clone()>{code.clone()}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="a-amount">"Amount"</label>
                    <input id="a-amount" name="amount" inputmode="decimal" required />
                </div>
                <div class="field">
                    <label for="a-reason">"Reason (the member sees it)"</label>
                    <input id="a-reason" name="reason" required />
                </div>
                <FormError error=adjust_error />
                <Show when=adjusted>
                    <p class="notice success" role="status">"Balance updated."</p>
                </Show>
                <button type="submit" class="primary" disabled=move || adjust.pending().get()>"Apply"</button>
            </ActionForm>
        </section>

        <RequestOnBehalf member_id wallets=request_wallets methods=request_methods key=request_key request />

        <AddIncentive member_id assets=incentive_assets key=incentive_key />

        <MemberStatement member_id statement=view.statement />

        <section aria-labelledby="requests-title">
            <h2 id="requests-title">"Latest withdrawal requests"</h2>
            {if view.requests.is_empty() {
                view! { <p class="empty">"No withdrawal requests yet."</p> }.into_any()
            } else {
                view! {
                    <table class="data">
                        <caption class="visually-hidden">"The member's latest requests, newest first"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Request"</th>
                                <th scope="col" class="num">"Amount"</th>
                                <th scope="col">"Method"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Date"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {view
                                .requests
                                .into_iter()
                                .map(|r| {
                                    view! {
                                        <tr>
                                            <th scope="row" data-label="Request">
                                                <A href=format!("/admin/payouts/{}", r.id)>{format!("#{}", r.id)}</A>
                                            </th>
                                            <td data-label="Amount" class="num">
                                                {format_amount(r.gross_minor, &r.currency, r.currency_scale)}
                                            </td>
                                            <td data-label="Method">{r.method.label()}</td>
                                            <td data-label="Status"><span class="badge">{r.status.label()}</span></td>
                                            <td data-label="Date">{r.created_at.clone()}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                    .into_any()
            }}
        </section>
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

/// An incentive entered by hand for this member: pending approval, then
/// paid from the incentives dashboard like any other.
#[component]
fn AddIncentive(member_id: i64, assets: Vec<String>, key: String) -> impl IntoView {
    let create = ServerAction::<crate::incentives::api::CreateIncentive>::new();
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    // One key per incentive: a double click or a resend repeats this one,
    // and each one added moves the form on to the next key.
    let added = RwSignal::new(0u32);
    Effect::new(move |_| {
        if create.value().get().is_some_and(|made| made.is_ok()) {
            added.update(|n| *n += 1);
        }
    });
    let key = move || format!("incentive-{key}-{}", added.get());
    view! {
        <section class="card" aria-labelledby="add-incentive-title">
            <h2 id="add-incentive-title">"Add an incentive"</h2>
            <ActionForm action=create attr:class="stack">
                <CsrfField />
                <input type="hidden" name="member_id" value=member_id />
                <input type="hidden" name="idempotency_key" value=key />
                <div class="field">
                    <label for="n-program">"Program"</label>
                    <input id="n-program" name="program" required maxlength="40" list="n-programs" placeholder="SPIFF" />
                    <datalist id="n-programs">
                        <option value="SPIFF"></option>
                        <option value="commission"></option>
                        <option value="referral"></option>
                        <option value="bonus"></option>
                    </datalist>
                </div>
                <div class="field">
                    <label for="n-asset">"Asset"</label>
                    <select id="n-asset" name="asset">
                        {assets.into_iter().map(|code| view! { <option value=code.clone()>{code.clone()}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="n-amount">"Amount"</label>
                    <input id="n-amount" name="amount" inputmode="decimal" required />
                </div>
                <div class="field">
                    <label for="n-description">"Description (the member sees it)"</label>
                    <input id="n-description" name="description" maxlength="500" />
                </div>
                <FormError error />
                {move || {
                    create
                        .value()
                        .get()
                        .and_then(Result::ok)
                        .map(|made| view! {
                            <p class="notice success" role="status">
                                {format!("Incentive #{} added, pending approval.", made.id)}
                                " " <A href="/admin/incentives?status=pending">"Review incentives"</A>
                            </p>
                        })
                }}
                <button type="submit" disabled=move || create.pending().get()>"Add incentive"</button>
            </ActionForm>
        </section>
    }
}

/// An administrator makes a withdrawal request for the member: one of
/// their wallets, one of their saved methods (admins cannot enter payout
/// details for them), an amount or the maximum, and a note they see.
#[component]
fn RequestOnBehalf(
    member_id: i64,
    wallets: Vec<crate::ledger::statement::StatementWallet>,
    methods: Vec<super::MaskedDetails>,
    key: String,
    request: ServerAction<RequestForMember>,
) -> impl IntoView {
    let error = Signal::derive(move || request.value().get().and_then(Result::err));
    let made = move || request.value().get().and_then(Result::ok);
    let body = if wallets.is_empty() || methods.is_empty() {
        view! {
            <p class="empty">
                {if wallets.is_empty() {
                    "The member has no wallet yet."
                } else {
                    "The member has no saved payout details: they add them on their own payout details page."
                }}
            </p>
        }
        .into_any()
    } else {
        view! {
            <ActionForm action=request attr:class="stack">
                <CsrfField />
                <input type="hidden" name="member_id" value=member_id />
                <input type="hidden" name="idempotency_key" value=key />
                <div class="field">
                    <label for="r-wallet">"From wallet"</label>
                    <select id="r-wallet" name="wallet_id">
                        {wallets
                            .into_iter()
                            .map(|w| {
                                let label = format!(
                                    "{} · {}",
                                    w.asset.code,
                                    format_amount(w.balance, &w.asset.code, w.asset.scale),
                                );
                                view! { <option value=w.wallet_id.to_string()>{label}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="r-method">"Pay to"</label>
                    <select id="r-method" name="method">
                        {methods
                            .into_iter()
                            .map(|d| {
                                let label = format!("{} · {}", d.method, d.masked);
                                view! { <option value=d.method_key.clone() selected=d.is_default>{label}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="r-amount">"Amount"</label>
                    <input id="r-amount" name="amount" inputmode="decimal" />
                </div>
                <div class="field checkbox">
                    <input id="r-max" name="max" type="checkbox" value="on" />
                    <label for="r-max">"Withdraw the maximum available"</label>
                </div>
                <div class="field">
                    <label for="r-note">"Note to the member"</label>
                    <input id="r-note" name="note" />
                </div>
                <FormError error=error />
                {move || {
                    made()
                        .map(|r| {
                            view! {
                                <p class="notice success" role="status">
                                    {format!(
                                        "Request #{} made: {} requested.",
                                        r.id,
                                        format_amount(r.gross_minor, &r.currency, r.currency_scale),
                                    )}
                                </p>
                            }
                        })
                }}
                <button type="submit" class="primary" disabled=move || request.pending().get()>"Create request"</button>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <section class="card" aria-labelledby="request-title">
            <h2 id="request-title">"Request a withdrawal for this member"</h2>
            <p class="hint">"The member's own rules apply: balance, limits, fee, verification, one open request."</p>
            {body}
        </section>
    }
}
