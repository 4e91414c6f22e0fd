//! What the payouts desk's list, bulk actions, process view, reveal,
//! reports and payment files can fail with.

use crate::error::service_error;

#[derive(Debug, thiserror::Error)]
pub enum PayoutsError {
    /// A filter, selection or detail needs fixing; the message says how.
    #[error("{0}")]
    Invalid(String),
    /// The request or file asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// Someone else moved what this action needed first.
    #[error("{0}")]
    Conflict(String),
    /// A reused or still-running idempotency key.
    #[error(transparent)]
    Idempotency(#[from] crate::ledger::idempotency::IdempotencyError),
    /// A withdrawal rule or transition refused (its own message and code).
    #[error(transparent)]
    Withdrawal(#[from] crate::withdrawals::service::WithdrawalError),
    /// Reading the request's PayPal trail failed.
    #[error(transparent)]
    PayPal(#[from] crate::paypal::error::PayPalServiceError),
    /// A date filter is not a date, or ends before it starts.
    #[error(transparent)]
    Dates(#[from] crate::platform::dates::DayRangeError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

service_error!(PayoutsError {
    Invalid(invalid) => Invalid,
    NotFound(not_found) => NotFound,
    Conflict(conflict) => Conflict,
} delegates { Dates, Withdrawal, PayPal, Idempotency });
