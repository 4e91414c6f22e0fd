//! A member's incentives, drawn on their account overview.

use leptos::prelude::*;

use crate::ledger::money::{format_amount, money_text};
use crate::ui::{LoadError, Loading};

/// The member's incentives on their account page: what waits for approval,
/// what is approved and about to be paid, what was paid, and the latest.
#[component]
pub fn MyIncentives() -> impl IntoView {
    let data = Resource::new(|| (), |_| super::api::my_incentives());
    view! {
        <section class="card" aria-labelledby="incentives-title">
            <h2 id="incentives-title">"Incentives"</h2>
            <Transition fallback=|| view! { <Loading what="your incentives" /> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(mine) if mine.latest.is_empty() => {
                            view! { <p class="empty">"No incentives yet. Rewards you earn will appear here."</p> }.into_any()
                        }
                        Ok(mine) => view! {
                            <dl class="stats">
                                <div class="stat">
                                    <dt>"Pending approval"</dt>
                                    <dd>{money_text(&mine.pending)}</dd>
                                </div>
                                <div class="stat">
                                    <dt>"Approved, to be paid"</dt>
                                    <dd>{money_text(&mine.approved)}</dd>
                                </div>
                                <div class="stat">
                                    <dt>"Paid"</dt>
                                    <dd>{money_text(&mine.paid)}</dd>
                                </div>
                            </dl>
                            <table class="data">
                                <caption class="visually-hidden">"Your latest incentives"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Program"</th>
                                        <th scope="col" class="num">"Amount"</th>
                                        <th scope="col">"Status"</th>
                                        <th scope="col">"Date"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {mine
                                        .latest
                                        .into_iter()
                                        .map(|r| view! {
                                            <tr>
                                                <th scope="row" data-label="Program">
                                                    {r.program.clone()}
                                                    {(!r.description.is_empty()).then(|| view! { <br /><span class="muted">{r.description.clone()}</span> })}
                                                </th>
                                                <td data-label="Amount" class="num">{format_amount(r.amount_minor, &r.asset, r.scale)}</td>
                                                <td data-label="Status">
                                                    {r.status.label()}
                                                    {r.note.clone().map(|n| view! { <br /><span class="muted">{n}</span> })}
                                                </td>
                                                <td data-label="Date">{r.paid_at.clone().unwrap_or_else(|| r.created_at.clone())}</td>
                                            </tr>
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        }
                            .into_any(),
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
