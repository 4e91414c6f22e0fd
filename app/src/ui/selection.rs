//! Choosing rows of a table for a bulk action: a checkbox per row and
//! "Select all on this page". The page checkbox stands outside the table,
//! so it is there on a phone too, where the table's header row is hidden.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A row the bulk action left alone, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub id: i64,
    pub reason: String,
}

/// What a bulk action did: the rows it changed and the ones it left.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOutcome {
    pub succeeded: Vec<i64>,
    pub skipped: Vec<Skipped>,
}

/// The chosen ids of a table.
pub type Chosen = RwSignal<BTreeSet<i64>>;

/// "Select all on this page": checked when every row of the page is chosen;
/// toggling it adds or removes the page's rows, leaving others chosen.
#[component]
pub fn SelectPage(page_ids: Vec<i64>, chosen: Chosen) -> impl IntoView {
    let empty = page_ids.is_empty();
    let ids = StoredValue::new(page_ids);
    let all_chosen = move || {
        !empty && ids.with_value(|ids| chosen.with(|c| ids.iter().all(|id| c.contains(id))))
    };
    let toggle = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        ids.with_value(|ids| {
            chosen.update(|c| {
                for id in ids {
                    if on {
                        c.insert(*id);
                    } else {
                        c.remove(id);
                    }
                }
            })
        });
    };
    view! {
        <label class="check">
            <input type="checkbox" prop:checked=all_chosen on:change=toggle disabled=empty />
            "Select all on this page"
        </label>
    }
}

/// A row's checkbox, in its own cell; `label` names the row for screen readers.
#[component]
pub fn SelectRow(id: i64, chosen: Chosen, label: String) -> impl IntoView {
    view! {
        <td data-label="Select">
            <input
                type="checkbox"
                aria-label=label
                prop:checked=move || chosen.with(|c| c.contains(&id))
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    chosen.update(|c| {
                        if on {
                            c.insert(id);
                        } else {
                            c.remove(&id);
                        }
                    });
                }
            />
        </td>
    }
}

/// Counts an action's successful completions: the source for a list that
/// reloads after a change went through, and not after a refusal, which
/// changed nothing (so the selection and what was typed stay).
pub fn successes<I, T, E>(action: Action<I, Result<T, E>>) -> Memo<u64>
where
    I: Send + Sync + 'static,
    T: Send + Sync + 'static,
    E: Send + Sync + 'static,
{
    Memo::new(move |before: Option<&u64>| {
        let before = before.copied().unwrap_or(0);
        if action.value().with(|value| matches!(value, Some(Ok(_)))) {
            before + 1
        } else {
            before
        }
    })
}
