//! What reading the audit log can fail with.

use crate::error::service_error;

#[derive(Debug, thiserror::Error)]
pub enum AuditLogError {
    /// The input breaks a rule; the message names the field and the fix.
    #[error("{0}")]
    Invalid(String),
    /// A date filter is not a date, or ends before it starts.
    #[error(transparent)]
    Dates(#[from] crate::platform::dates::DayRangeError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

service_error!(AuditLogError {
    Invalid(invalid) => Invalid,
} delegates { Dates });
