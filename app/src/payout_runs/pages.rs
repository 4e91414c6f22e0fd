//! `/admin/payouts/runs`: choose an asset and a threshold, preview who is
//! paid and who is skipped (and why), confirm, and watch the run's progress;
//! below, the runs history. Needs the hydrated page (the run is worked
//! through step by step from the browser).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::api::{preview_run, runs_page, start_run, step_run};
use super::{RunParams, RunPreview, RunProgress, RunSummary};
use crate::error::AppError;
use crate::ledger::money::format_amount;
use crate::ui::{LoadError, Loading};

#[component]
pub fn PayoutRunsPage() -> impl IntoView {
    let asset = RwSignal::new(String::new());
    let threshold = RwSignal::new(String::new());
    let max = RwSignal::new(String::new());
    let preview = Action::new(|params: &RunParams| preview_run(params.clone()));
    let start =
        Action::new(|(params, key): &(RunParams, String)| start_run(params.clone(), key.clone()));
    let progress = RwSignal::new(None::<Result<RunProgress, AppError>>);
    // Once started, the browser works the run through, a step at a time,
    // showing how far it is.
    Effect::new(move |_| {
        let Some(Ok(first)) = start.value().get() else {
            if let Some(Err(error)) = start.value().get() {
                progress.set(Some(Err(error)));
            }
            return;
        };
        progress.set(Some(Ok(first.clone())));
        if first.done {
            return;
        }
        leptos::task::spawn_local(async move {
            let mut current = first;
            while !current.done {
                match step_run(current.run_id).await {
                    Ok(next) => {
                        current = next.clone();
                        progress.set(Some(Ok(next)));
                    }
                    Err(error) => {
                        progress.set(Some(Err(error)));
                        break;
                    }
                }
            }
        });
    });
    let finished = move || {
        progress.with(|p| {
            p.as_ref()
                .and_then(|r| r.as_ref().ok())
                .is_some_and(|p| p.done)
        })
    };
    let data = Resource::new(finished, |_| runs_page());
    let run_preview = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        progress.set(None);
        preview.dispatch(RunParams {
            asset: asset.get_untracked(),
            threshold: threshold.get_untracked(),
            max_per_member: max.get_untracked(),
        });
    };
    view! {
        <Title text="Payout runs · Paydesk admin" />
        <h1>"Payout runs"</h1>
        <p class="hint">
            "A withdrawal request for every member whose balance is at or above a threshold, each to the member's default payout method, under the member's own rules."
        </p>
        <Transition fallback=|| view! { <Loading what="assets" /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => {
                        if asset.get_untracked().is_empty() {
                            if let Some(first) = page.assets.first() {
                                asset.set(first.clone());
                            }
                        }
                        view! {
                            <form class="card stack" aria-label="Payout run" on:submit=run_preview>
                                <div class="field">
                                    <label for="run-asset">"Asset"</label>
                                    <select id="run-asset" on:change=move |ev| asset.set(event_target_value(&ev))>
                                        {page
                                            .assets
                                            .iter()
                                            .map(|code| view! { <option value=code.clone() selected=asset.get_untracked() == *code>{code.clone()}</option> })
                                            .collect_view()}
                                    </select>
                                </div>
                                <div class="field">
                                    <label for="run-threshold">"Threshold (balance at or above)"</label>
                                    <input id="run-threshold" inputmode="decimal" required prop:value=move || threshold.get() on:input=move |ev| threshold.set(event_target_value(&ev)) />
                                </div>
                                <div class="field">
                                    <label for="run-max">"Maximum per member (optional)"</label>
                                    <input id="run-max" inputmode="decimal" prop:value=move || max.get() on:input=move |ev| max.set(event_target_value(&ev)) />
                                </div>
                                <button type="submit" class="primary" disabled=move || preview.pending().get()>
                                    {move || if preview.pending().get() { "Previewing…" } else { "Preview run" }}
                                </button>
                            </form>
                            <History runs=page.history />
                        }
                            .into_any()
                    }
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
        {move || {
            preview
                .value()
                .get()
                .map(|result| match result {
                    Ok(found) => view! { <Preview found start progress /> }.into_any(),
                    Err(error) => view! { <p class="form-error" role="alert">{error.message}</p> }.into_any(),
                })
        }}
    }
}

#[component]
fn Preview(
    found: RunPreview,
    start: Action<(RunParams, String), Result<RunProgress, AppError>>,
    progress: RwSignal<Option<Result<RunProgress, AppError>>>,
) -> impl IntoView {
    let count = found.eligible.len();
    let params = found.params.clone();
    let key = found.fresh_key.clone();
    let confirm = move |_| {
        start.dispatch((params.clone(), key.clone()));
    };
    let started = move || start.pending().get() || progress.with(Option::is_some);
    view! {
        <section class="card" aria-labelledby="preview-title">
            <h2 id="preview-title">"Preview"</h2>
            <p role="status">
                {format!(
                    "{count} member{} will get a request; {} skipped.",
                    if count == 1 { "" } else { "s" },
                    found.skipped.len()
                )}
            </p>
            {(count > 0)
                .then(|| {
                    view! {
                        <table class="data">
                            <caption class="visually-hidden">"Requests the run will make"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Member"</th>
                                    <th scope="col">"Method"</th>
                                    <th scope="col" class="num">"Amount"</th>
                                    <th scope="col" class="num">"Fee"</th>
                                    <th scope="col" class="num">"Net"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {found
                                    .eligible
                                    .into_iter()
                                    .map(|line| {
                                        let money = |m: i64| format_amount(m, &line.currency, line.currency_scale);
                                        view! {
                                            <tr>
                                                <th scope="row" data-label="Member">
                                                    {line.member_name.clone()}
                                                    <br />
                                                    <span class="muted">{line.member_email.clone()}</span>
                                                </th>
                                                <td data-label="Method">{line.method.clone()}</td>
                                                <td data-label="Amount" class="num">{money(line.gross_minor)}</td>
                                                <td data-label="Fee" class="num">{money(line.fee_minor)}</td>
                                                <td data-label="Net" class="num">{money(line.net_minor)}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    }
                })}
            <Skips skipped=found.skipped label="Members the run skips" />
            <button type="button" class="primary" disabled=move || count == 0 || started() on:click=confirm>
                {format!("Confirm: create {count} request{}", if count == 1 { "" } else { "s" })}
            </button>
            {move || {
                progress
                    .get()
                    .map(|state| match state {
                        Ok(p) => {
                            let text = if p.done {
                                format!(
                                    "Run #{} done: {} request{} created, {} skipped.",
                                    p.run_id,
                                    p.created,
                                    if p.created == 1 { "" } else { "s" },
                                    p.skipped
                                )
                            } else {
                                format!("Run #{}: {} of {} members done…", p.run_id, p.processed, p.total)
                            };
                            view! {
                                <div class="notice success" role="status" aria-live="polite">
                                    <progress max=p.total.to_string() value=p.processed.to_string() aria-label="Run progress"></progress>
                                    <p>{text}</p>
                                    {p.done.then(|| view! { <A href="/admin/payouts?status=requested">"See the requests"</A> })}
                                </div>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <p class="form-error" role="alert">{error.message}</p> }.into_any(),
                    })
            }}
        </section>
    }
}

#[component]
fn Skips(skipped: Vec<super::RunSkip>, label: &'static str) -> impl IntoView {
    (!skipped.is_empty()).then(|| {
        view! {
            <details class="skips">
                <summary>{format!("{label} ({})", skipped.len())}</summary>
                <ul>
                    {skipped
                        .into_iter()
                        .map(|s| view! { <li>{format!("{} ({}): {}", s.member_name, s.member_email, s.reason)}</li> })
                        .collect_view()}
                </ul>
            </details>
        }
    })
}

#[component]
fn History(runs: Vec<RunSummary>) -> impl IntoView {
    view! {
        <section aria-labelledby="history-title">
            <h2 id="history-title">"Runs history"</h2>
            {if runs.is_empty() {
                view! { <p class="empty">"No payout runs yet."</p> }.into_any()
            } else {
                view! {
                    <table class="data">
                        <caption class="visually-hidden">"Payout runs, newest first"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Run"</th>
                                <th scope="col">"Started"</th>
                                <th scope="col">"By"</th>
                                <th scope="col">"Asset and threshold"</th>
                                <th scope="col">"Outcome"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {runs
                                .into_iter()
                                .map(|run| {
                                    let p = run.progress.clone();
                                    let outcome = if p.done {
                                        format!("{} created, {} skipped", p.created, p.skipped)
                                    } else {
                                        format!("Under way: {} of {} done", p.processed, p.total)
                                    };
                                    let threshold = match &run.max_per_member {
                                        Some(max) => format!("{} or more (at most {max} each)", run.threshold),
                                        None => format!("{} or more", run.threshold),
                                    };
                                    view! {
                                        <tr>
                                            <th scope="row" data-label="Run">{format!("#{}", p.run_id)}</th>
                                            <td data-label="Started">{run.started_at.clone()}</td>
                                            <td data-label="By">{run.started_by.clone()}</td>
                                            <td data-label="Asset and threshold">{threshold}</td>
                                            <td data-label="Outcome">
                                                {outcome}
                                                <Skips skipped=run.skipped label="Skipped" />
                                            </td>
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
