//! The member's payout-details server functions.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{PayoutDetailsPage, SavedDetails};
use crate::error::AppError;
use crate::ui::CsrfClient;

/// The methods an admin enabled, each with the member's saved details.
#[server(endpoint = "payout-details/page", input = Json)]
pub async fn load_payout_details() -> Result<PayoutDetailsPage, AppError> {
    use crate::auth::session::require_member;
    use crate::platform::state::app_state;

    let user = require_member().await?;
    let state = app_state()?;
    super::service::page(&state.db, user.id)
        .await
        .map_err(AppError::internal)
}

/// Saves the details of one method; only that method's fields are read.
#[allow(clippy::too_many_arguments)]
#[server(endpoint = "payout-details/save", client = CsrfClient)]
pub async fn save_payout_details(
    method: String,
    email: Option<String>,
    holder_name: Option<String>,
    iban: Option<String>,
    account_number: Option<String>,
    routing_number: Option<String>,
    bic: Option<String>,
    bank_name: Option<String>,
    country: Option<String>,
    network: Option<String>,
    address: Option<String>,
    brand: Option<String>,
    make_default: Option<String>,
    /// Answers to the method's extra fields: inputs named `extra[f{id}]`.
    extra: Option<std::collections::BTreeMap<String, String>>,
) -> Result<SavedDetails, AppError> {
    use super::{service, DetailsInput};
    use crate::auth::session::require_member;
    use crate::platform::{request::request_meta, state::app_state};

    let user = require_member().await?;
    let state = app_state()?;
    let method = service::parse_method(&method)?;
    let input = DetailsInput {
        email: email.unwrap_or_default(),
        holder_name: holder_name.unwrap_or_default(),
        iban: iban.unwrap_or_default(),
        account_number: account_number.unwrap_or_default(),
        routing_number: routing_number.unwrap_or_default(),
        bic: bic.unwrap_or_default(),
        bank_name: bank_name.unwrap_or_default(),
        country: country.unwrap_or_default(),
        network: network.unwrap_or_default(),
        address: address.unwrap_or_default(),
        brand: brand.unwrap_or_default(),
        extra: extra.unwrap_or_default(),
    };
    let saved = service::save(
        &state.db,
        &state.clock,
        user.id,
        method,
        &input,
        make_default.is_some(),
        request_meta().ip,
    )
    .await?;
    Ok(saved)
}

/// Makes one method's saved details the default.
#[server(endpoint = "payout-details/default", client = CsrfClient)]
pub async fn set_default_payout_method(method: String) -> Result<(), AppError> {
    use super::service;
    use crate::auth::session::require_member;
    use crate::platform::{request::request_meta, state::app_state};

    let user = require_member().await?;
    let state = app_state()?;
    let method = service::parse_method(&method)?;
    service::set_default(&state.db, &state.clock, user.id, method, request_meta().ip).await?;
    Ok(())
}
