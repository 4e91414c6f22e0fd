//! `/admin/payouts/runs`: choose an asset and a threshold, preview who is
//! paid and who is skipped (and why), confirm, and watch the run's progress;
//! below, the runs history. Needs the hydrated page (the run is worked
//! through step by step from the browser).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::api::{preview_run, runs_page, save_schedule, start_run, step_run, stop_schedule};
use super::{
    RunParams, RunPreview, RunProgress, RunSummary, ScheduleInput, ScheduleView, WEEKDAYS,
};
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
    let cadence = RwSignal::new("monthly".to_owned());
    let day = RwSignal::new(1_u32);
    let hour = RwSignal::new(6_u32);
    let save = Action::new(|(input, key): &(ScheduleInput, String)| {
        save_schedule(input.clone(), key.clone())
    });
    let stop = Action::new(|id: &i64| stop_schedule(*id));
    let (saved, stopped) = (crate::ui::successes(save), crate::ui::successes(stop));
    let data = Resource::new(
        move || (finished(), saved.get(), stopped.get()),
        |_| runs_page(),
    );
    let params = move || RunParams {
        asset: asset.get_untracked(),
        threshold: threshold.get_untracked(),
        max_per_member: max.get_untracked(),
    };
    let run_preview = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        progress.set(None);
        preview.dispatch(params());
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
                        // try_: on the server the page may be gone (a
                        // redirect ended the response) by the time the data is.
                        if asset.try_get_untracked().is_some_and(|a| a.is_empty()) {
                            if let Some(first) = page.assets.first() {
                                asset.try_set(first.clone());
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
                            {page
                                .can_run
                                .then(|| view! { <ScheduleForm key=page.fresh_key.clone() params cadence day hour save /> })}
                            <Schedules schedules=page.schedules stop />
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

/// Saves the run above as a schedule.
#[component]
fn ScheduleForm(
    key: String,
    params: impl Fn() -> RunParams + Send + Sync + 'static,
    cadence: RwSignal<String>,
    day: RwSignal<u32>,
    hour: RwSignal<u32>,
    save: Action<(ScheduleInput, String), Result<ScheduleView, AppError>>,
) -> impl IntoView {
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch((
            ScheduleInput {
                params: params(),
                cadence: cadence.get_untracked(),
                day: day.get_untracked(),
                hour: hour.get_untracked(),
            },
            key.clone(),
        ));
    };
    let weekly = move || cadence.get() == "weekly";
    view! {
        <form class="card stack" aria-labelledby="schedule-title" on:submit=submit>
            <h2 id="schedule-title">"Save as schedule"</h2>
            <p class="hint">"Runs with the asset, threshold and maximum above, at the time you choose, and appears in the runs history."</p>
            <div class="field">
                <label for="schedule-cadence">"How often"</label>
                <select
                    id="schedule-cadence"
                    on:change=move |ev| {
                        // The day first: the options drawn for the new
                        // cadence select what it holds.
                        day.set(1);
                        cadence.set(event_target_value(&ev));
                    }
                >
                    <option value="monthly" selected=move || !weekly()>"Monthly"</option>
                    <option value="weekly" selected=weekly>"Weekly"</option>
                </select>
            </div>
            <div class="field">
                <label for="schedule-day">{move || if weekly() { "Weekday" } else { "Day of the month" }}</label>
                <select id="schedule-day" on:change=move |ev| day.set(event_target_value(&ev).parse().unwrap_or(1))>
                    {move || {
                        if weekly() {
                            WEEKDAYS
                                .iter()
                                .enumerate()
                                .map(|(i, name)| {
                                    let value = i as u32 + 1;
                                    view! { <option value=value.to_string() selected=day.get_untracked() == value>{*name}</option> }
                                })
                                .collect_view()
                                .into_any()
                        } else {
                            (1..=28_u32)
                                .map(|value| view! { <option value=value.to_string() selected=day.get_untracked() == value>{value.to_string()}</option> })
                                .collect_view()
                                .into_any()
                        }
                    }}
                </select>
            </div>
            <div class="field">
                <label for="schedule-hour">"Hour (UTC)"</label>
                <select id="schedule-hour" on:change=move |ev| hour.set(event_target_value(&ev).parse().unwrap_or(0))>
                    {(0..24_u32)
                        .map(|value| view! { <option value=value.to_string() selected=hour.get_untracked() == value>{format!("{value:02}:00")}</option> })
                        .collect_view()}
                </select>
            </div>
            <button type="submit" disabled=move || save.pending().get()>
                {move || if save.pending().get() { "Saving…" } else { "Save schedule" }}
            </button>
            {move || {
                save.value()
                    .get()
                    .map(|result| match result {
                        Ok(saved) => view! {
                            <p class="notice success" role="status">
                                {format!("Schedule #{} saved: {}; next run {} UTC.", saved.id, saved.when, saved.next_run_at.unwrap_or_default())}
                            </p>
                        }
                            .into_any(),
                        Err(error) => view! { <p class="form-error" role="alert">{error.message}</p> }.into_any(),
                    })
            }}
        </form>
    }
}

#[component]
fn Schedules(
    schedules: Vec<ScheduleView>,
    stop: Action<i64, Result<(), AppError>>,
) -> impl IntoView {
    view! {
        <section aria-labelledby="schedules-title">
            <h2 id="schedules-title">"Schedules"</h2>
            {move || stop.value().get().and_then(Result::err).map(|error| view! { <p class="form-error" role="alert">{error.message}</p> })}
            {if schedules.is_empty() {
                view! { <p class="empty">"No scheduled runs."</p> }.into_any()
            } else {
                view! {
                    <table class="data">
                        <caption class="visually-hidden">"Scheduled payout runs"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Schedule"</th>
                                <th scope="col">"When"</th>
                                <th scope="col">"Asset and threshold"</th>
                                <th scope="col">"Next run (UTC)"</th>
                                <th scope="col">"Set up by"</th>
                                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            {schedules
                                .into_iter()
                                .map(|schedule| {
                                    let id = schedule.id;
                                    let threshold = match &schedule.max_per_member {
                                        Some(max) => format!("{} or more (at most {max} each)", schedule.threshold),
                                        None => format!("{} or more", schedule.threshold),
                                    };
                                    view! {
                                        <tr>
                                            <th scope="row" data-label="Schedule">{format!("#{id}")}</th>
                                            <td data-label="When">{schedule.when.clone()}</td>
                                            <td data-label="Asset and threshold">{threshold}</td>
                                            <td data-label="Next run (UTC)">{schedule.next_run_at.clone().unwrap_or_else(|| "Stopped".into())}</td>
                                            <td data-label="Set up by">{schedule.created_by.clone()}</td>
                                            <td data-label="Actions">
                                                {schedule.active.then(|| view! {
                                                    <button
                                                        type="button"
                                                        class="danger"
                                                        aria-label=format!("Stop schedule #{id}")
                                                        disabled=move || stop.pending().get()
                                                        on:click=move |_| { stop.dispatch(id); }
                                                    >
                                                        "Stop"
                                                    </button>
                                                })}
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
                                            <td data-label="By">
                                                {match run.schedule_id {
                                                    Some(schedule) => format!("Schedule #{schedule} (set up by {})", run.started_by),
                                                    None => run.started_by.clone(),
                                                }}
                                            </td>
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
