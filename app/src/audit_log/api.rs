//! The audit log's server function: administrators only.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{AuditPage, AuditQuery};
use crate::error::AppError;

/// One page of audit events matching the query, newest first.
#[server(endpoint = "admin/audit/list", input = Json)]
pub async fn list_audit(query: AuditQuery) -> Result<AuditPage, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    require(Permission::Read).await?;
    let state = app_state()?;
    Ok(super::service::list(&state.db, &query).await?)
}
