//! The cards of one member's admin page: account, verification review,
//! payout details (masked, each reveal audited), credit or debit, and the
//! latest requests.

use leptos::prelude::*;
use leptos_router::components::A;

use super::api::{
    AdjustMemberBalance, RevealMemberDetails, ReviewMemberVerification, SetMemberActive,
};
use super::MaskedDetails;
use crate::auth::sessions_api::EndMemberSessions;
use crate::ledger::money::format_amount;
use crate::ui::{CsrfField, FormError};
use crate::verification::{VerificationStatus, VerificationView};
use crate::withdrawals::WithdrawalView;

/// Active or not, and the switch.
#[component]
pub fn AccountCard(
    member_id: i64,
    active: bool,
    action: ServerAction<SetMemberActive>,
    /// Whether the viewing admin may switch the account.
    can: bool,
) -> impl IntoView {
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let sign_out = ServerAction::<EndMemberSessions>::new();
    let sign_out_error = Signal::derive(move || sign_out.value().get().and_then(Result::err));
    let signed_out = move || {
        sign_out
            .value()
            .get()
            .and_then(Result::ok)
            .map(|n| format!("Ended {n} sessions."))
    };
    view! {
        <section class="card" aria-labelledby="account-title">
            <h2 id="account-title">"Account"</h2>
            <p>
                {if active {
                    "Active: the member can sign in and request withdrawals."
                } else {
                    "Inactive: the member cannot sign in or request withdrawals."
                }}
            </p>
            {can
                .then(|| {
                    view! {
                        <ActionForm action=action>
                            <CsrfField />
                            <input type="hidden" name="member_id" value=member_id />
                            <input type="hidden" name="active" value=if active { "false" } else { "true" } />
                            <FormError error=error />
                            <button type="submit" disabled=move || action.pending().get()>
                                {if active { "Deactivate account" } else { "Reactivate account" }}
                            </button>
                        </ActionForm>
                        <ActionForm action=sign_out>
                            <CsrfField />
                            <input type="hidden" name="member_id" value=member_id />
                            <FormError error=sign_out_error />
                            {move || signed_out().map(|text| view! { <p class="notice success" role="status">{text}</p> })}
                            <button type="submit" disabled=move || sign_out.pending().get()>
                                "Sign the member out everywhere"
                            </button>
                        </ActionForm>
                    }
                })}
        </section>
    }
}

/// The member's verification, and the review form while one waits.
#[component]
pub fn VerificationCard(
    member_id: i64,
    verification: VerificationView,
    review: ServerAction<ReviewMemberVerification>,
    /// Whether the viewing admin may review it.
    can: bool,
) -> impl IntoView {
    let review_error = Signal::derive(move || review.value().get().and_then(Result::err));
    let waiting = can && verification.status == VerificationStatus::Submitted;
    view! {
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
    }
}

/// Saved payout details, masked, each with its audited reveal.
#[component]
pub fn PayoutDetailsCard(
    member_id: i64,
    details: Vec<MaskedDetails>,
    reveal: ServerAction<RevealMemberDetails>,
    /// Whether the viewing admin may reveal them.
    can: bool,
) -> impl IntoView {
    let reveal_error = Signal::derive(move || reveal.value().get().and_then(Result::err));
    view! {
        <section class="card" aria-labelledby="details-title">
            <h2 id="details-title">"Payout details"</h2>
            <p class="muted">"Members keep these themselves. Admins see them masked; each reveal is recorded in the audit log."</p>
            {if details.is_empty() {
                view! { <p class="empty">"None saved yet."</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {details
                            .into_iter()
                            .map(|d| {
                                view! {
                                    <li>
                                        {format!("{}: {}", d.method, d.masked)}
                                        {d.is_default.then_some(" (default)")}
                                        {can
                                            .then(|| {
                                                view! {
                                                    <ActionForm action=reveal attr:class="inline-form">
                                                        <CsrfField />
                                                        <input type="hidden" name="member_id" value=member_id />
                                                        <input type="hidden" name="method" value=d.method_key.clone() />
                                                        <button type="submit">{format!("Reveal {}", d.method)}</button>
                                                    </ActionForm>
                                                }
                                            })}
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
    }
}

/// A manual credit or debit, with the reason the member sees.
#[component]
pub fn AdjustCard(
    member_id: i64,
    assets: Vec<String>,
    key: String,
    adjust: ServerAction<AdjustMemberBalance>,
) -> impl IntoView {
    let adjust_error = Signal::derive(move || adjust.value().get().and_then(Result::err));
    // Applied, or held above the approval limit (the message says so).
    let adjusted = move || match adjust.value().get() {
        Some(Ok(crate::ledger::held::Moved::Done(_))) => Some("Balance updated.".to_owned()),
        Some(Ok(crate::ledger::held::Moved::Held(held))) => {
            Some(format!("Not applied yet. {}.", held.message))
        }
        _ => None,
    };
    view! {
        <section class="card" aria-labelledby="adjust-title">
            <h2 id="adjust-title">"Credit or debit"</h2>
            <ActionForm action=adjust attr:class="stack">
                <CsrfField />
                <input type="hidden" name="member_id" value=member_id />
                <input type="hidden" name="idempotency_key" value=key />
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
                        {assets.into_iter().map(|code| view! { <option value=code.clone()>{code.clone()}</option> }).collect_view()}
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
                {move || adjusted().map(|text| view! { <p class="notice success" role="status">{text}</p> })}
                <button type="submit" class="primary" disabled=move || adjust.pending().get()>"Apply"</button>
            </ActionForm>
        </section>
    }
}

/// The member's latest requests, each linked to its process view.
#[component]
pub fn LatestRequests(requests: Vec<WithdrawalView>) -> impl IntoView {
    view! {
        <section aria-labelledby="requests-title">
            <h2 id="requests-title">"Latest withdrawal requests"</h2>
            {if requests.is_empty() {
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
                            {requests
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
