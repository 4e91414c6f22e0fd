//! Automatic transfers through the PayPal Payouts API. So far the client
//! (`client.rs`): OAuth2 token cached until it expires, creating a batch
//! under our own `sender_batch_id` (the idempotency key: a retry after a
//! timeout or a 5xx reuses it, and a duplicate resolves to the batch PayPal
//! already has), and reading a batch with its items' statuses.

#[cfg(feature = "ssr")]
pub mod client;
