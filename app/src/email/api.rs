//! The admin's Email page: administrators only.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{EmailList, EmailQuery};
use crate::error::AppError;
use crate::ui::CsrfClient;

#[server(endpoint = "admin/email/list", input = Json)]
pub async fn list_emails(query: EmailQuery) -> Result<EmailList, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    let admin = require(Permission::Read).await?;
    let state = app_state()?;
    let configured = state.settings.mail.smtp_url.is_some();
    let mut list = super::service::list(&state.db, &query, configured).await?;
    list.can_retry = admin.can(Permission::RetryEmails);
    list.can_switch_digest = admin.can(Permission::ManageSettings);
    Ok(list)
}

// A form post: the CSRF token travels as a header (`CsrfClient`), since the
// hydrated form sends only the function's own arguments.
#[server(endpoint = "admin/email/retry", client = CsrfClient)]
pub async fn retry_email(id: i64) -> Result<(), AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    let admin = require(Permission::RetryEmails).await?;
    let state = app_state()?;
    Ok(super::service::retry(&state.db, &state.clock, admin.id, id).await?)
}

/// Switches the daily digest of requests waiting, to every admin, on or off.
#[server(endpoint = "admin/email/digest", client = CsrfClient)]
pub async fn set_digest(on: bool) -> Result<(), AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    let admin = require(Permission::ManageSettings).await?;
    let state = app_state()?;
    Ok(super::digest::set_enabled(&state.db, &state.clock, admin.id, on).await?)
}
