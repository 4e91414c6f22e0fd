//! CSV import on the incentives dashboard: choose a file, see every line
//! checked, confirm.

use leptos::prelude::*;

use crate::error::AppError;
use crate::ledger::money::money_text;

/// Largest file the browser sends: well under the server's body limit.
#[cfg(feature = "hydrate")]
const MAX_FILE_BYTES: f64 = 1_500_000.0;

#[cfg(feature = "hydrate")]
async fn read_file(input: web_sys::HtmlInputElement) -> Result<String, String> {
    let file = input
        .files()
        .and_then(|files| files.get(0))
        .ok_or_else(|| "Choose a CSV file".to_owned())?;
    if file.size() > MAX_FILE_BYTES {
        return Err("The file is larger than 1.5 MB: split it".to_owned());
    }
    wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| "The file could not be read as text".to_owned())
}

/// Lines of the preview listed one by one; the rest are counted.
const PREVIEW_SHOWN: usize = 200;

/// CSV import: choose a file, see every line checked, confirm.
#[component]
pub fn ImportCsv(import: Action<String, Result<super::ImportOutcome, AppError>>) -> impl IntoView {
    let csv = RwSignal::new(String::new());
    let file_error = RwSignal::new(None::<String>);
    let preview = Action::new(|text: &String| super::api::preview_import(text.clone()));
    let on_file = move |ev: leptos::ev::Event| {
        file_error.set(None);
        #[cfg(feature = "hydrate")]
        {
            let input: web_sys::HtmlInputElement = event_target(&ev);
            leptos::task::spawn_local(async move {
                match read_file(input).await {
                    Ok(text) => {
                        csv.set(text.clone());
                        preview.dispatch(text);
                    }
                    Err(message) => file_error.set(Some(message)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, csv, preview);
    };
    view! {
        <section class="card" aria-labelledby="import-title">
            <h2 id="import-title">"Import from CSV"</h2>
            <p class="muted">
                "Columns: member_email, program, asset, amount, external_id, and optionally description and member_name. "
                "Lines imported before (same external_id) are recognised and not imported twice."
            </p>
            <div class="field">
                <label for="import-file">"CSV file"</label>
                <input id="import-file" type="file" accept=".csv,text/csv" on:change=on_file />
            </div>
            {move || file_error.get().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
            <Show when=move || preview.pending().get()>
                <p role="status">"Checking every line…" <progress aria-label="Checking the file"></progress></p>
            </Show>
            {move || {
                preview
                    .value()
                    .get()
                    .map(|result| match result {
                        Err(error) => view! { <p class="form-error" role="alert">{error.message}</p> }.into_any(),
                        Ok(p) => {
                            let new = p.new;
                            let problems: Vec<super::ImportRow> = p
                                .rows
                                .iter()
                                .filter(|r| r.error.is_some() || r.existing.is_some())
                                .cloned()
                                .collect();
                            let hidden = problems.len().saturating_sub(PREVIEW_SHOWN);
                            view! {
                                <p role="status">
                                    {format!(
                                        "{new} new ({}), {} already imported, {} with errors.",
                                        money_text(&p.totals),
                                        p.existing,
                                        p.invalid,
                                    )}
                                </p>
                                {(!problems.is_empty())
                                    .then(|| view! {
                                        <table class="data">
                                            <caption>"Lines that will not be imported"</caption>
                                            <thead>
                                                <tr>
                                                    <th scope="col">"Line"</th>
                                                    <th scope="col">"Member"</th>
                                                    <th scope="col">"External id"</th>
                                                    <th scope="col">"Why"</th>
                                                </tr>
                                            </thead>
                                            <tbody>
                                                {problems
                                                    .into_iter()
                                                    .take(PREVIEW_SHOWN)
                                                    .map(|r| view! {
                                                        <tr>
                                                            <th scope="row" data-label="Line">{r.line}</th>
                                                            <td data-label="Member">{r.member_email.clone()}</td>
                                                            <td data-label="External id">{r.external_id.clone()}</td>
                                                            <td data-label="Why">
                                                                {match (r.error, r.existing) {
                                                                    (Some(e), _) => e,
                                                                    (None, Some(id)) => format!("already imported as #{id}"),
                                                                    (None, None) => String::new(),
                                                                }}
                                                            </td>
                                                        </tr>
                                                    })
                                                    .collect_view()}
                                            </tbody>
                                        </table>
                                        {(hidden > 0).then(|| view! { <p class="muted">{format!("…and {hidden} more.")}</p> })}
                                    })}
                                <button
                                    type="button"
                                    class="primary"
                                    disabled=move || import.pending().get() || new == 0
                                    on:click=move |_| {
                                        import.dispatch(csv.get_untracked());
                                    }
                                >
                                    {format!("Import {new} incentive{}", if new == 1 { "" } else { "s" })}
                                </button>
                            }
                                .into_any()
                        }
                    })
            }}
            <Show when=move || import.pending().get()>
                <p role="status">"Importing…" <progress aria-label="Importing"></progress></p>
            </Show>
            {move || {
                import
                    .value()
                    .get()
                    .map(|result| match result {
                        Ok(outcome) => view! {
                            <div class="notice success" role="status">
                                <p>
                                    {format!(
                                        "Imported {} incentive{}, pending approval; {} already there; {} refused.",
                                        outcome.created,
                                        if outcome.created == 1 { "" } else { "s" },
                                        outcome.existing,
                                        outcome.failed.len(),
                                    )}
                                </p>
                                <ul>
                                    {outcome
                                        .failed
                                        .into_iter()
                                        .take(PREVIEW_SHOWN)
                                        .map(|(line, why)| view! { <li>{format!("Line {line}: {why}")}</li> })
                                        .collect_view()}
                                </ul>
                            </div>
                        }
                            .into_any(),
                        Err(error) => view! { <p class="form-error" role="alert">{error.message}</p> }.into_any(),
                    })
            }}
        </section>
    }
}
