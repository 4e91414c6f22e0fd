//! What the payouts desk's list, bulk actions, process view and reveal can
//! fail with.

use crate::error::service_error;

#[derive(Debug, thiserror::Error)]
pub enum PayoutsError {
    /// A filter, selection or detail needs fixing; the message says how.
    #[error("{0}")]
    Invalid(String),
    /// The request asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A withdrawal rule or transition refused (its own message and code).
    #[error(transparent)]
    Withdrawal(#[from] crate::withdrawals::service::WithdrawalError),
    /// Reading the request's PayPal trail failed.
    #[error(transparent)]
    PayPal(#[from] crate::paypal::error::PayPalServiceError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

service_error!(PayoutsError {
    Invalid(invalid) => Invalid,
    NotFound(not_found) => NotFound,
} delegates { Withdrawal, PayPal });
