//! Incentives: money or points a member has earned (a SPIFF, a commission,
//! a referral, a bonus), reported by the vendor's website through the
//! earnings API, imported from CSV or entered by an admin. Each is pending
//! until an admin approves or rejects it; approved ones are paid in bulk
//! from a funding wallet ("Make Payment") in one journal entry.

pub mod api;
#[cfg(feature = "ssr")]
pub mod api_v1;
#[cfg(feature = "ssr")]
pub mod import;
pub mod import_form;
#[cfg(feature = "ssr")]
pub mod keys;
pub mod keys_panel;
pub mod member_view;
pub mod pages;
mod pay_dialog;
#[cfg(feature = "ssr")]
pub mod service;

use leptos_router::params::ParamsMap;
use serde::{Deserialize, Serialize};

use crate::ledger::money::Money;
use crate::ui::list::{self, QueryParams};
use crate::ui::Skipped;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncentiveStatus {
    Pending,
    Approved,
    Paid,
    Rejected,
}

/// What an admin decides about pending incentives (the decide endpoint
/// takes nothing else; paying is Make Payment's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncentiveDecision {
    Approve,
    Reject,
}

/// What an admin (or Make Payment) does to an incentive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncentiveAction {
    Approve,
    Reject,
    Pay,
}

impl IncentiveStatus {
    pub const ALL: [IncentiveStatus; 4] = [
        IncentiveStatus::Pending,
        IncentiveStatus::Approved,
        IncentiveStatus::Paid,
        IncentiveStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IncentiveStatus::Pending => "pending",
            IncentiveStatus::Approved => "approved",
            IncentiveStatus::Paid => "paid",
            IncentiveStatus::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            IncentiveStatus::Pending => "Pending approval",
            IncentiveStatus::Approved => "Approved",
            IncentiveStatus::Paid => "Paid",
            IncentiveStatus::Rejected => "Rejected",
        }
    }

    /// The one transition function: where `action` takes an incentive in
    /// this status, or why it cannot. Paid and rejected are final.
    pub fn apply(self, action: IncentiveAction) -> Result<IncentiveStatus, &'static str> {
        use IncentiveAction as A;
        use IncentiveStatus as S;
        match (self, action) {
            (S::Pending, A::Approve) => Ok(S::Approved),
            (S::Pending, A::Reject) | (S::Approved, A::Reject) => Ok(S::Rejected),
            (S::Approved, A::Pay) => Ok(S::Paid),
            (S::Pending, A::Pay) => Err("not approved yet"),
            (S::Approved, A::Approve) => Err("already approved"),
            (S::Paid, A::Approve) | (S::Paid, A::Reject) | (S::Paid, A::Pay) => Err("already paid"),
            (S::Rejected, A::Approve) | (S::Rejected, A::Reject) | (S::Rejected, A::Pay) => {
                Err("rejected")
            }
        }
    }

    /// The statuses `action` may start from.
    pub fn sources(action: IncentiveAction) -> Vec<IncentiveStatus> {
        Self::ALL
            .into_iter()
            .filter(|s| s.apply(action).is_ok())
            .collect()
    }
}

/// Where an incentive came from; its external id is unique per source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncentiveSource {
    Api,
    Csv,
    Manual,
}

impl IncentiveSource {
    pub fn as_str(self) -> &'static str {
        match self {
            IncentiveSource::Api => "api",
            IncentiveSource::Csv => "csv",
            IncentiveSource::Manual => "manual",
        }
    }
}

/// One incentive as it arrives, amounts as text in the asset's units.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncentiveInput {
    pub member_email: String,
    /// Used when the member is created (invited) because they are new.
    #[serde(default)]
    pub member_name: Option<String>,
    pub program: String,
    pub asset: String,
    pub amount: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub external_id: Option<String>,
}

/// An incentive as the API and the admin pages show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncentiveView {
    pub id: i64,
    pub member_id: i64,
    pub member_email: String,
    pub member_name: String,
    /// False while the member has not confirmed their address: the
    /// incentive waits, and Make Payment skips it.
    pub member_confirmed: bool,
    pub program: String,
    pub asset: String,
    pub scale: u32,
    pub amount_minor: i64,
    /// The amount as a decimal string in the asset's units, like "12.50".
    pub amount: String,
    pub description: String,
    pub source: IncentiveSource,
    pub external_id: Option<String>,
    pub status: IncentiveStatus,
    pub note: Option<String>,
    pub created_at: String,
    pub paid_at: Option<String>,
    pub paid_entry_id: Option<i64>,
}

/// What Make Payment did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentOutcome {
    pub paid: Vec<i64>,
    pub skipped: Vec<Skipped>,
    pub total: Money,
    pub entry_id: i64,
    /// Set when the total is above the approval limit: nothing was paid;
    /// it waits for a second approval.
    #[serde(default)]
    pub held: Option<crate::ledger::held::Held>,
}

/// What a member sees of their incentives: the latest, and the totals
/// waiting for approval, approved (to be paid) and paid, per asset.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberIncentives {
    pub latest: Vec<IncentiveView>,
    pub pending: Vec<Money>,
    pub approved: Vec<Money>,
    pub paid: Vec<Money>,
}

/// One line of an uploaded CSV file as the preview shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRow {
    /// The line in the file (the header is line 1).
    pub line: u64,
    pub member_email: String,
    pub program: String,
    pub amount: String,
    pub asset: String,
    pub external_id: String,
    /// Why the line cannot be imported; None when it can.
    pub error: Option<String>,
    /// Imported before (same external id): importing again changes nothing.
    pub existing: Option<i64>,
}

/// What importing the file would do, line by line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPreview {
    pub rows: Vec<ImportRow>,
    pub new: u64,
    pub existing: u64,
    pub invalid: u64,
    /// The new incentives' total per asset.
    pub totals: Vec<Money>,
}

/// What an import did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOutcome {
    pub created: u64,
    pub existing: u64,
    /// Lines not imported, with the reason.
    pub failed: Vec<(u64, String)>,
}

/// An API key as the admin pages list it: never the key itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: i64,
    pub name: String,
    /// The key's first characters, to tell keys apart.
    pub prefix: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    /// When it stops working by itself (None: until revoked).
    pub expires_at: Option<String>,
    /// Past its expiry now.
    pub expired: bool,
}

/// The earnings API's settings page: its keys, and whether an unknown
/// member email invites that member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiSettings {
    pub keys: Vec<ApiKeyView>,
    pub invite_missing: bool,
}

/// A key just made: `secret` is the whole key, shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApiKey {
    pub key: ApiKeyView,
    pub secret: String,
}

/// The incentives table's filters, as the query string carries them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncentiveQuery {
    /// "" for every status, or a status name.
    #[serde(default)]
    pub status: String,
    /// Member name or email, program, external id, or `#id`.
    #[serde(default)]
    pub q: String,
    /// An asset code, or "".
    #[serde(default)]
    pub asset: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub page: u64,
    #[serde(default)]
    pub per_page: u64,
}

pub const PER_PAGE_CHOICES: [u64; 4] = list::PAGE_SIZES;

impl IncentiveQuery {
    /// The query an `/admin/incentives` address carries.
    pub fn from_params(params: &ParamsMap) -> Self {
        let params = QueryParams(params);
        IncentiveQuery {
            status: params.text("status"),
            q: params.text("q"),
            asset: params.text("asset"),
            from: params.text("from"),
            to: params.text("to"),
            page: params.page(),
            per_page: params.per_page(),
        }
    }

    /// The address of this query with `status` on `page`.
    pub fn href(&self, status: &str, page: u64) -> String {
        list::href(
            "/admin/incentives",
            &[
                ("status", status.to_owned()),
                ("q", self.q.clone()),
                ("asset", self.asset.clone()),
                ("from", self.from.clone()),
                ("to", self.to.clone()),
                ("per_page", self.per_page.to_string()),
                ("page", page.to_string()),
            ],
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncentiveList {
    pub rows: Vec<IncentiveView>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    /// The sum of every incentive matching the filters, per asset.
    pub totals: Vec<Money>,
    /// An idempotency key for the next Make Payment.
    pub fresh_key: String,
    /// Whether the viewing admin's role may decide and pay (the page hides
    /// the buttons it may not press; the server functions check again).
    pub can_decide: bool,
    pub can_pay: bool,
}

impl IncentiveList {
    pub fn pages(&self) -> u64 {
        list::page_count(self.total, self.per_page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_and_action_has_one_answer() {
        use IncentiveAction as A;
        use IncentiveStatus as S;
        let allowed: Vec<(S, A, S)> = S::ALL
            .into_iter()
            .flat_map(|s| [A::Approve, A::Reject, A::Pay].map(move |a| (s, a)))
            .filter_map(|(s, a)| s.apply(a).ok().map(|to| (s, a, to)))
            .collect();
        assert_eq!(
            allowed,
            [
                (S::Pending, A::Approve, S::Approved),
                (S::Pending, A::Reject, S::Rejected),
                (S::Approved, A::Reject, S::Rejected),
                (S::Approved, A::Pay, S::Paid),
            ]
        );
        assert_eq!(
            IncentiveStatus::sources(A::Reject),
            [S::Pending, S::Approved]
        );
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
    }
}
