//! The audit log viewer (`/admin/audit`): every sign-in and every admin
//! action, newest first, filtered and paged. The trail itself is written by
//! `platform::audit`, in the transaction of the change it records.

pub mod api;
#[cfg(feature = "ssr")]
pub mod error;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;

use leptos_router::params::ParamsMap;
use serde::{Deserialize, Serialize};

use crate::ui::list::{self, QueryParams};

/// Page sizes the log offers.
pub const PAGE_SIZES: [u64; 4] = list::PAGE_SIZES;

/// What the admin is looking for. Empty strings mean "any".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// An action name (`login_failed`, ...).
    #[serde(default)]
    pub action: String,
    /// Part of the actor's name or email.
    #[serde(default)]
    pub actor: String,
    /// Part of the subject (`withdrawal:12`, an email, ...).
    #[serde(default)]
    pub subject: String,
    /// `YYYY-MM-DD`, inclusive, UTC.
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default = "first_page")]
    pub page: u64,
    #[serde(default = "default_per_page")]
    pub per_page: u64,
}

impl AuditQuery {
    /// The query an `/admin/audit` address carries.
    pub fn from_params(params: &ParamsMap) -> Self {
        let params = QueryParams(params);
        AuditQuery {
            action: params.text("action"),
            actor: params.text("actor"),
            subject: params.text("subject"),
            from: params.text("from"),
            to: params.text("to"),
            page: params.page(),
            per_page: params.per_page(),
        }
    }

    /// The address of this query on `page`.
    pub fn href(&self, page: u64) -> String {
        list::href(
            "/admin/audit",
            &[
                ("action", self.action.clone()),
                ("actor", self.actor.clone()),
                ("subject", self.subject.clone()),
                ("from", self.from.clone()),
                ("to", self.to.clone()),
                ("per_page", self.per_page.to_string()),
                ("page", page.to_string()),
            ],
        )
    }
}

fn first_page() -> u64 {
    1
}

fn default_per_page() -> u64 {
    list::DEFAULT_PER_PAGE
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: i64,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub at: String,
    pub action: String,
    pub action_label: String,
    /// Empty when nobody was signed in (a failed sign-in, a sign-up).
    pub actor: String,
    pub subject: String,
    pub ip: String,
    pub detail: String,
}

/// A known action, for the filter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionChoice {
    pub name: String,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    pub actions: Vec<ActionChoice>,
}

impl AuditPage {
    pub fn pages(&self) -> u64 {
        list::page_count(self.total, self.per_page)
    }
}
