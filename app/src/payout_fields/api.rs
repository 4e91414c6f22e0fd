//! Extra payout fields' server functions: administrators only.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{MethodField, NewField};
use crate::error::AppError;

/// Every field, retired ones included (marked), in form order.
#[server(endpoint = "admin/payout-fields/list", input = Json)]
pub async fn list_payout_fields() -> Result<Vec<MethodField>, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    require(Permission::Read).await?;
    let state = app_state()?;
    super::service::fields(&state.db, true)
        .await
        .map_err(AppError::internal)
}

/// Adds a field at the end of its method's form.
#[server(endpoint = "admin/payout-fields/add", input = Json)]
pub async fn add_payout_field(field: NewField) -> Result<MethodField, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    let admin = require(Permission::ManageSettings).await?;
    let state = app_state()?;
    Ok(super::service::add(&state.db, &state.clock, admin.id, field).await?)
}

/// Moves a field one place up (or down) its method's form.
#[server(endpoint = "admin/payout-fields/move", input = Json)]
pub async fn move_payout_field(field_id: i64, up: bool) -> Result<(), AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    let admin = require(Permission::ManageSettings).await?;
    let state = app_state()?;
    Ok(super::service::move_field(&state.db, &state.clock, admin.id, field_id, up).await?)
}

/// Retires a field; the answers already given are kept.
#[server(endpoint = "admin/payout-fields/retire", input = Json)]
pub async fn retire_payout_field(field_id: i64) -> Result<(), AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    let admin = require(Permission::ManageSettings).await?;
    let state = app_state()?;
    Ok(super::service::retire(&state.db, &state.clock, admin.id, field_id).await?)
}
