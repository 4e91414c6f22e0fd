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
//! - `webhook.rs`: the verified webhook endpoint.
//! - `api.rs`: the server functions the payouts desk calls.

pub mod api;
#[cfg(feature = "ssr")]
pub mod client;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod sync;
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
    pub skipped: Vec<crate::payouts::Skipped>,
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
