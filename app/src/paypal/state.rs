//! Our states of a PayPal batch, as stored on `paypal_batch.status`.

/// Recorded; the create call is under way (or the process died in it).
pub const SENDING: &str = "sending";
/// The create call had no definitive answer; retried by the poller.
pub const UNCONFIRMED: &str = "unconfirmed";
/// PayPal has it; items still to settle.
pub const OPEN: &str = "open";
/// Every item settled.
pub const CLOSED: &str = "closed";
/// PayPal refused the batch; its requests failed, money back.
pub const REFUSED: &str = "refused";
