//! The pages of payment files: one file (`/admin/payouts/files/:id`), with
//! what it claimed and skipped and its download, and the exports history
//! (`/admin/payouts/files`), from which a file can be downloaded again.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use super::api::{export_history, payment_file};
use super::payment_files::{ExportSummary, PaymentFileView, FILES_PATH};
use crate::ui::{LoadError, Loading};

#[component]
pub fn PaymentFilePage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or(0)
    });
    let file = Resource::new(move || id.get(), payment_file);
    view! {
        <Title text="Payment file · Paydesk admin" />
        <p><A href="/admin/payouts">"← Payout requests"</A> " · " <A href=FILES_PATH>"Exports history"</A></p>
        <Suspense fallback=|| view! { <Loading what="the payment file" /> }>
            {move || Suspend::new(async move {
                match file.await {
                    Ok(file) => view! { <FileView file /> }.into_any(),
                    Err(error) => view! { <h1>"Payment file"</h1> <LoadError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn FileView(file: PaymentFileView) -> impl IntoView {
    let again = file.downloads > 0;
    let rows = file.rows;
    let skipped_count = file.skipped_count;
    let kept = file.skipped.len();
    view! {
        <h1>{format!("Payment file #{}", file.id)}</h1>
        <section class="card" aria-labelledby="file-summary">
            <h2 id="file-summary" class="visually-hidden">"Summary"</h2>
            <dl class="facts">
                <dt>"Format"</dt><dd>{file.format_label.clone()}</dd>
                <dt>"Made"</dt><dd>{format!("{} by {}", file.created_at, file.created_by)}</dd>
                <dt>"Requests"</dt><dd>{rows}</dd>
                {file.total.clone().map(|total| view! { <dt>"Total to pay"</dt><dd>{total}</dd> })}
                <dt>"Downloaded"</dt>
                <dd>{match file.downloads { 0 => "Not yet".to_owned(), 1 => "Once".to_owned(), n => format!("{n} times") }}</dd>
            </dl>
            <p class="notice" role="note">
                {format!(
                    "These {rows} requests are now processing and belong to this file. Upload it to the provider once; when the provider reports back, mark each request paid or failed from the payout requests table."
                )}
            </p>
            {again.then(|| view! {
                <p class="notice warning" role="alert">
                    "This file was downloaded before. Downloading again gives the same file with the same requests: do not upload it a second time."
                </p>
            })}
            <a class="button" href=file.download_href.clone() download rel="external">
                {if again { "Download again (the same file)" } else { "Download the payment file" }}
            </a>
        </section>
        <section class="card" aria-labelledby="file-lines">
            <h2 id="file-lines">"In this file"</h2>
            <table class="data">
                <caption class="visually-hidden">"Requests in this payment file"</caption>
                <thead>
                    <tr><th scope="col">"Request"</th><th scope="col">"Member"</th><th scope="col">"Amount"</th></tr>
                </thead>
                <tbody>
                    {file
                        .lines
                        .into_iter()
                        .map(|line| view! {
                            <tr>
                                <th scope="row" data-label="Request">
                                    <A href=format!("/admin/payouts/{}", line.request_id)>{format!("#{}", line.request_id)}</A>
                                </th>
                                <td data-label="Member">{line.member}</td>
                                <td data-label="Amount" class="num">{line.amount}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
            {(rows > super::payment_files::LINES_SHOWN as i64).then(|| view! {
                <p class="muted">{format!("The first {} of {rows} are listed; the file has them all.", super::payment_files::LINES_SHOWN)}</p>
            })}
        </section>
        <section class="card" aria-labelledby="file-skipped">
            <h2 id="file-skipped">{format!("Skipped ({skipped_count})")}</h2>
            {if skipped_count == 0 {
                view! { <p class="empty">"Every request the export matched is in the file."</p> }.into_any()
            } else {
                view! {
                    <p class="muted">"Matched by the export but not in the file, and why. Nothing happened to them."</p>
                    <table class="data">
                        <caption class="visually-hidden">"Requests skipped, with the reason"</caption>
                        <thead>
                            <tr><th scope="col">"Request"</th><th scope="col">"Why it was skipped"</th></tr>
                        </thead>
                        <tbody>
                            {file
                                .skipped
                                .into_iter()
                                .map(|skip| view! {
                                    <tr>
                                        <th scope="row" data-label="Request">
                                            <A href=format!("/admin/payouts/{}", skip.request_id)>{format!("#{}", skip.request_id)}</A>
                                        </th>
                                        <td data-label="Why">{skip.reason}</td>
                                    </tr>
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                    {(skipped_count > kept as i64).then(|| view! {
                        <p class="muted">{format!("The first {kept} of {skipped_count} are listed.")}</p>
                    })}
                }
                    .into_any()
            }}
        </section>
    }
}

#[component]
pub fn ExportsPage() -> impl IntoView {
    let history = Resource::new(|| (), |_| export_history());
    view! {
        <Title text="Exports history · Paydesk admin" />
        <p><A href="/admin/payouts">"← Payout requests"</A></p>
        <h1>"Exports history"</h1>
        <p class="muted">
            "Payment files claimed their requests and can be downloaded again (the same file). Reports list requests and changed nothing."
        </p>
        <Suspense fallback=|| view! { <Loading what="the exports" /> }>
            {move || Suspend::new(async move {
                match history.await {
                    Ok(exports) if exports.is_empty() => {
                        view! { <p class="empty">"No exports yet. Export from the payout requests table."</p> }.into_any()
                    }
                    Ok(exports) => view! { <History exports /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn History(exports: Vec<ExportSummary>) -> impl IntoView {
    view! {
        <table class="data">
            <caption class="visually-hidden">"Exports, newest first"</caption>
            <thead>
                <tr>
                    <th scope="col">"Export"</th>
                    <th scope="col">"Kind"</th>
                    <th scope="col">"Made (UTC)"</th>
                    <th scope="col">"By"</th>
                    <th scope="col">"Requests"</th>
                    <th scope="col">"Downloads"</th>
                </tr>
            </thead>
            <tbody>
                {exports
                    .into_iter()
                    .map(|e| {
                        let name = match &e.currency {
                            Some(code) => format!("{} · {code}", e.format_label),
                            None => e.format_label.clone(),
                        };
                        view! {
                            <tr>
                                <th scope="row" data-label="Export">
                                    {if e.payment_file {
                                        view! { <A href=format!("{FILES_PATH}/{}", e.id)>{format!("#{} {name}", e.id)}</A> }.into_any()
                                    } else {
                                        view! { <span>{format!("#{} {name}", e.id)}</span> }.into_any()
                                    }}
                                </th>
                                <td data-label="Kind">{if e.payment_file { "Payment file" } else { "Report" }}</td>
                                <td data-label="Made">{e.created_at}</td>
                                <td data-label="By">{e.created_by}</td>
                                <td data-label="Requests" class="num">{e.rows}</td>
                                <td data-label="Downloads" class="num">
                                    {if e.payment_file { e.downloads.to_string() } else { "—".to_owned() }}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
