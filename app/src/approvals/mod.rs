//! Second approvals (`/admin/approvals`): money moves held above the
//! approval limit of their asset (`ledger::four_eyes`) wait here for another
//! admin. Approving carries the move out at once as the initiator's action,
//! using the approval; declining keeps everything where it was. Nobody
//! approves their own ask, nor a request they made on the member's behalf.

pub mod api;
#[cfg(feature = "ssr")]
pub mod error;
#[cfg(feature = "ssr")]
mod execute;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;

use serde::{Deserialize, Serialize};

use crate::ledger::money::Money;

/// One held move as the queue shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalView {
    pub id: i64,
    /// "Mark paid", "Deposit"...
    pub kind: String,
    /// What, for whom, how much.
    pub summary: String,
    pub amount: Money,
    pub requested_by: String,
    /// `YYYY-MM-DD HH:MM` UTC.
    pub requested_at: String,
    /// Why, in the initiator's words.
    pub note: Option<String>,
    /// pending | approved | done | declined | void
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_note: Option<String>,
    /// What came of it (carried out, waiting for the next file, void and why).
    pub outcome: Option<String>,
    /// The page of what it acts on (a request's process view).
    pub link: Option<String>,
    /// Why the viewing admin may not decide it (their own ask, say); None
    /// when they may.
    pub cannot_decide: Option<String>,
    /// The viewing admin asked for it (and may withdraw the ask).
    pub own: bool,
}

/// The queue and the latest decisions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalQueue {
    pub waiting: Vec<ApprovalView>,
    pub recent: Vec<ApprovalView>,
}

/// What a decision did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decided {
    pub approval: ApprovalView,
    /// Says what happened and what, if anything, is left to do.
    pub message: String,
}
