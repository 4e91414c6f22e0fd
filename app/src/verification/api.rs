//! The member's identity-verification server functions.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::VerificationView;
use crate::error::AppError;
use crate::ui::CsrfClient;

#[server(endpoint = "verification/get", input = Json)]
pub async fn my_verification() -> Result<VerificationView, AppError> {
    use crate::auth::session::require_member;
    use crate::platform::state::app_state;

    let user = require_member().await?;
    let state = app_state()?;
    super::service::get(&state.db, user.id)
        .await
        .map_err(AppError::internal)
}

#[server(endpoint = "verification/submit", client = CsrfClient)]
pub async fn submit_verification(
    first_name: String,
    last_name: String,
    tax_id: String,
    mobile: String,
    country: String,
    address: String,
) -> Result<VerificationView, AppError> {
    use super::{service, VerificationInput};
    use crate::auth::session::require_member;
    use crate::platform::{request::request_meta, state::app_state};

    let user = require_member().await?;
    let state = app_state()?;
    let input = VerificationInput {
        first_name,
        last_name,
        tax_id,
        mobile,
        country,
        address,
    };
    Ok(service::submit(
        &state.db,
        &state.clock,
        &state.settings.secret_key,
        user.id,
        &input,
        request_meta().ip,
    )
    .await?)
}
