//! Automatic transfers through the PayPal Payouts API.
//!
//! - `client.rs`: the HTTP client (OAuth2 token cached until it expires;
//!   batches created under our own `sender_batch_id`, PayPal's idempotency
//!   key, so a retry after an ambiguous outcome finds the batch PayPal
//!   already has instead of paying twice).
//! - `service.rs`: "Send via PayPal": approved PayPal requests move to
//!   processing in the transaction that records their batch, then the
//!   batch is created at PayPal. A definitive refusal credits the money
//!   back; an ambiguous outcome leaves the batch "unconfirmed" for the
//!   poller to settle under the same `sender_batch_id`.
//! - `sync.rs`: PayPal's item statuses (from the poller or a webhook)
//!   applied to requests through the one transition function, each at most
//!   once, whatever the order they arrive in.
//! - `alerts.rs`: reports that arrive after their request was settled and
//!   contradict it; kept until an admin resolves each one with an audited
//!   correcting action.
//! - `trail.rs`: a request's batch, item and reports, for the process view.
//! - `unclaimed.rs`: payouts waiting for their member to accept them: the
//!   admins' list past the claim period and the members' reminders.
//! - `error.rs`: what the PayPal services can fail with, told to the client.
//! - `webhook.rs`: the verified webhook endpoint.
//! - `api.rs`: the server functions the payouts desk calls.

#[cfg(feature = "ssr")]
pub mod alerts;
pub mod api;
#[cfg(feature = "ssr")]
pub mod client;
#[cfg(feature = "ssr")]
pub mod error;
#[cfg(feature = "ssr")]
pub mod report;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod sync;
#[cfg(feature = "ssr")]
pub mod trail;
#[cfg(feature = "ssr")]
pub mod unclaimed;
#[cfg(feature = "ssr")]
pub mod webhook;

use serde::{Deserialize, Serialize};

/// PayPal's limit on items in one payout batch.
pub const MAX_ITEMS_PER_BATCH: usize = 15_000;

/// What "Send via PayPal" did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendOutcome {
    /// Requests now at PayPal (processing).
    pub sent: Vec<i64>,
    /// Our ids of the batches they went in.
    pub batches: Vec<String>,
    /// Batches PayPal did not confirm yet (a timeout or an error on its
    /// side): Paydesk keeps asking under the same id, never sends again.
    pub unconfirmed: usize,
    /// Requests PayPal refused outright: failed, money back in the wallet.
    pub refused: Vec<i64>,
    pub skipped: Vec<crate::ui::Skipped>,
}

/// Whether automatic transfers are available, for the desk and Settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayPalStatus {
    pub configured: bool,
    /// "sandbox" or "live".
    pub mode: String,
    pub webhook_configured: bool,
    /// Payouts unclaimed past PayPal's claim period: only PayPal's word
    /// (returned, ...) credits them back, so a person should look.
    pub attention: Vec<AttentionItem>,
    /// Late reports that contradict a settled request, still open.
    pub alerts: Vec<AlertView>,
}

/// A PayPal payout that needs a person: unclaimed past the claim period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttentionItem {
    pub request_id: i64,
    /// Days since the batch was sent.
    pub days: i64,
}

/// A request's life at PayPal, for the process view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayPalTrail {
    pub sender_batch_id: String,
    pub payout_batch_id: Option<String>,
    /// Ours: sending, unconfirmed, open, closed, refused.
    pub batch_state: String,
    pub batch_error: Option<String>,
    pub payout_item_id: Option<String>,
    pub transaction_status: Option<String>,
    /// Why the item waits or failed.
    pub reason: Option<String>,
    /// PayPal's outcome is final (paid, or failed with the money back).
    pub settled: bool,
    /// Oldest first.
    pub history: Vec<PayPalEventView>,
    /// Reports that came after the request was settled and contradict it,
    /// open ones first.
    pub alerts: Vec<AlertView>,
}

/// What a late, contradicting report means for the money.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// PayPal says paid after Paydesk credited the money back: the member
    /// may have been paid twice.
    PaidAfterCreditBack,
    /// PayPal says not paid after Paydesk marked the request paid: the
    /// member may have been paid nothing.
    FailedAfterPaid,
}

/// How an admin resolves an alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertResolution {
    /// PayPal paid after all: take the credited-back amount from the
    /// member's wallet again (only for [`AlertKind::PaidAfterCreditBack`]).
    Recover,
    /// PayPal did not pay after all: credit the member back, the request
    /// becomes returned (only for [`AlertKind::FailedAfterPaid`]).
    CreditBack,
    /// Nothing moves: the admin checked with PayPal and the settled state
    /// stands (a note says why).
    Dismiss,
    /// PayPal itself answered it since: it returned a payment it had
    /// reported paid and then failed, and the money came back. Set by
    /// Paydesk, never chosen.
    Superseded,
}

impl AlertResolution {
    pub const ALL: [AlertResolution; 4] = [
        AlertResolution::Recover,
        AlertResolution::CreditBack,
        AlertResolution::Dismiss,
        AlertResolution::Superseded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertResolution::Recover => "recover",
            AlertResolution::CreditBack => "credit_back",
            AlertResolution::Dismiss => "dismiss",
            AlertResolution::Superseded => "superseded",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            AlertResolution::Recover => "PayPal paid: take the money back from the member's wallet",
            AlertResolution::CreditBack => "PayPal did not pay: credit the member back",
            AlertResolution::Dismiss => "Keep the request as it is",
            AlertResolution::Superseded => {
                "PayPal returned the payment since; the member was credited back"
            }
        }
    }

    /// The resolutions that fit an alert of this kind.
    pub fn for_kind(kind: AlertKind) -> [AlertResolution; 2] {
        match kind {
            AlertKind::PaidAfterCreditBack => [AlertResolution::Recover, AlertResolution::Dismiss],
            AlertKind::FailedAfterPaid => [AlertResolution::CreditBack, AlertResolution::Dismiss],
        }
    }
}

/// A late report that contradicts a settled request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertView {
    pub id: i64,
    pub request_id: i64,
    pub kind: AlertKind,
    pub settled_status: String,
    pub reported_status: String,
    pub detail: Option<String>,
    /// RFC 3339.
    pub raised_at: String,
    pub resolved_at: Option<String>,
    pub resolved_by: Option<String>,
    pub resolution: Option<AlertResolution>,
    pub note: Option<String>,
}

impl AlertView {
    /// What happened, as the desk says it.
    pub fn summary(&self) -> String {
        match self.kind {
            AlertKind::PaidAfterCreditBack => format!(
                "PayPal reported {} after Paydesk had settled this payout as {} and credited the money back: the member may have been paid twice.",
                self.reported_status, self.settled_status
            ),
            AlertKind::FailedAfterPaid => format!(
                "PayPal reported {} after Paydesk had marked this payout paid ({}): the member may not have been paid.",
                self.reported_status, self.settled_status
            ),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayPalEventView {
    /// RFC 3339.
    pub at: String,
    /// send, poll or webhook.
    pub source: String,
    pub status: String,
    pub detail: Option<String>,
}
