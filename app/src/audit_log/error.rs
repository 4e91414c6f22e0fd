//! What reading the audit log can fail with.

use crate::error::service_error;

#[derive(Debug, thiserror::Error)]
pub enum AuditLogError {
    /// The input breaks a rule; the message names the field and the fix.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

service_error!(AuditLogError {
    Invalid(invalid) => Invalid,
});
