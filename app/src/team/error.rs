//! What changing the team can fail with.

use crate::auth::AuthError;
use crate::error::service_error;

#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    /// The input breaks a rule; the message names the field and the fix.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    /// The change would break a rule of the team as it stands (the last
    /// owner, an invitation already taken up, an address in use).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

service_error!(TeamError {
    Invalid(invalid) => Invalid,
    NotFound(not_found) => NotFound,
    Conflict(conflict) => Conflict,
});

impl From<AuthError> for TeamError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::Invalid(message) => TeamError::Invalid(message),
            AuthError::EmailTaken => {
                TeamError::Conflict("An account already uses this address".into())
            }
            AuthError::Unexpected(cause) => TeamError::Unexpected(cause),
            other => TeamError::Unexpected(anyhow::anyhow!("{other}")),
        }
    }
}
