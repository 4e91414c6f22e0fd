//! Server functions for the admin dashboard.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::AdminFigures;
use crate::error::AppError;

#[server(endpoint = "admin/overview", input = Json)]
pub async fn admin_overview() -> Result<AdminFigures, AppError> {
    use super::service;
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    require(Permission::Read).await?;
    let state = app_state()?;
    Ok(service::overview(&state.db, state.clock.now()).await?)
}
