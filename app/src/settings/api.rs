//! Settings' server functions: administrators only.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::DeskSettings;
use crate::error::AppError;
use crate::ui::CsrfClient;

/// Every setting, as the forms show them.
#[server(endpoint = "admin/settings/get", input = Json)]
pub async fn load_settings() -> Result<DeskSettings, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    let admin = require(Permission::Read).await?;
    let state = app_state()?;
    let mut view = super::service::view(&state.db).await?;
    view.can_change = admin.can(Permission::ManageSettings);
    Ok(view)
}

/// Withdrawal rules, confirmation message, gift-card brands (one per line)
/// and PayQuicker columns (comma-separated).
#[server(endpoint = "admin/settings/general", client = CsrfClient)]
pub async fn save_general_settings(
    one_open_request: Option<String>,
    min_delay_hours: String,
    confirmation_message: String,
    gift_card_brands: String,
    payquicker_columns: String,
) -> Result<(), AppError> {
    use super::service::{save_general, GeneralInput};
    use crate::auth::{session::require, Permission};
    use crate::platform::{request::request_meta, state::app_state};

    let admin = require(Permission::ManageSettings).await?;
    let state = app_state()?;
    let input = GeneralInput {
        one_open_request: one_open_request.is_some(),
        min_delay_hours,
        confirmation_message,
        gift_card_brands,
        payquicker_columns,
    };
    Ok(save_general(&state.db, &state.clock, admin.id, request_meta().ip, &input).await?)
}

/// One currency's verification threshold; an empty amount removes it.
#[server(endpoint = "admin/settings/threshold", client = CsrfClient)]
pub async fn save_threshold(currency: String, amount: String) -> Result<(), AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::{request::request_meta, state::app_state};

    let admin = require(Permission::ManageSettings).await?;
    let state = app_state()?;
    Ok(super::service::save_threshold(
        &state.db,
        &state.clock,
        admin.id,
        request_meta().ip,
        &currency,
        &amount,
    )
    .await?)
}

/// One asset's approval limit (four-eyes); an empty amount removes it.
#[server(endpoint = "admin/settings/approval-limit", client = CsrfClient)]
pub async fn save_approval_limit(asset: String, amount: String) -> Result<(), AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::{request::request_meta, state::app_state};

    let admin = require(Permission::ManageSettings).await?;
    let state = app_state()?;
    Ok(super::service::save_approval_limit(
        &state.db,
        &state.clock,
        admin.id,
        request_meta().ip,
        &asset,
        &amount,
    )
    .await?)
}

/// One asset's step-up limit; an empty amount goes back to the default.
#[server(endpoint = "admin/settings/step-up-limit", client = CsrfClient)]
pub async fn save_step_up_limit(asset: String, amount: String) -> Result<(), AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::{request::request_meta, state::app_state};

    let admin = require(Permission::ManageSettings).await?;
    let state = app_state()?;
    Ok(super::service::save_step_up_limit(
        &state.db,
        &state.clock,
        admin.id,
        request_meta().ip,
        &asset,
        &amount,
    )
    .await?)
}

/// One payout method's limits and fee in one currency.
#[allow(clippy::too_many_arguments)]
#[server(endpoint = "admin/settings/method", client = CsrfClient)]
pub async fn save_method_settings(
    method: String,
    currency: String,
    enabled: Option<String>,
    min: String,
    max: String,
    fee_fixed: String,
    fee_percent: String,
    fee_min: String,
    fee_max: String,
) -> Result<(), AppError> {
    use super::service::{save_method, MethodInput};
    use crate::auth::{session::require, Permission};
    use crate::platform::{request::request_meta, state::app_state};

    let admin = require(Permission::ManageSettings).await?;
    let state = app_state()?;
    let input = MethodInput {
        method,
        currency,
        enabled: enabled.is_some(),
        min,
        max,
        fee_fixed,
        fee_percent,
        fee_min,
        fee_max,
    };
    Ok(save_method(&state.db, &state.clock, admin.id, request_meta().ip, &input).await?)
}

/// Adds a currency (`kind` = "currency"; its scale comes from ISO 4217) or a
/// point type (`kind` = "points").
#[server(endpoint = "admin/settings/asset", client = CsrfClient)]
pub async fn create_asset(kind: String, code: String, name: String) -> Result<(), AppError> {
    use super::assets::AssetInput;
    use crate::auth::{session::require, Permission};
    use crate::platform::{request::request_meta, state::app_state};

    let admin = require(Permission::ManageSettings).await?;
    let state = app_state()?;
    let input = AssetInput { kind, code, name };
    Ok(
        super::assets::create_asset(&state.db, &state.clock, admin.id, request_meta().ip, &input)
            .await?,
    )
}

/// Sets what a point type is worth: `points` of `points_code` = `amount` of
/// `currency_code`.
#[server(endpoint = "admin/settings/rate", client = CsrfClient)]
pub async fn save_rate(
    points_code: String,
    points: String,
    currency_code: String,
    amount: String,
) -> Result<(), AppError> {
    use super::assets::RateInput;
    use crate::auth::{session::require, Permission};
    use crate::platform::{request::request_meta, state::app_state};

    let admin = require(Permission::ManageSettings).await?;
    let state = app_state()?;
    let input = RateInput {
        points_code,
        points,
        currency_code,
        amount,
    };
    Ok(
        super::assets::save_rate(&state.db, &state.clock, admin.id, request_meta().ip, &input)
            .await?,
    )
}
