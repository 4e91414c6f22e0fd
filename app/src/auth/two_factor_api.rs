//! Server functions for one's own two-factor sign-in (members and admins
//! alike). Thin: who is asking, then `two_factor`.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{EnrolmentView, TwoFactorView};
use crate::error::AppError;
use crate::ui::CsrfClient;

/// The digest of the asking browser's session.
#[cfg(feature = "ssr")]
fn here(state: &crate::platform::AppState) -> Option<String> {
    crate::platform::request::request_cookie(super::session::cookie_name(&state.settings))
        .map(|token| super::session::token_id(&token))
}

#[server(endpoint = "account/two-factor", input = Json)]
pub async fn two_factor_status() -> Result<TwoFactorView, AppError> {
    use crate::platform::state::app_state;
    let user = super::session::require_user().await?;
    let state = app_state()?;
    Ok(super::two_factor::status(&state, user.id, &user.email).await?)
}

/// A new secret to scan; nothing is asked at sign-in until a code confirms it.
#[server(endpoint = "account/two-factor/begin", client = CsrfClient)]
pub async fn begin_two_factor() -> Result<EnrolmentView, AppError> {
    use crate::platform::state::app_state;
    let user = super::session::require_user().await?;
    let state = app_state()?;
    Ok(super::two_factor::begin_enrolment(&state, user.id, &user.email).await?)
}

/// Turns it on with a first code and the password; answers the ten
/// recovery codes, shown once.
#[server(endpoint = "account/two-factor/confirm", client = CsrfClient)]
pub async fn confirm_two_factor(code: String, password: String) -> Result<Vec<String>, AppError> {
    use crate::platform::{request::request_meta, state::app_state};
    let user = super::session::require_user().await?;
    let state = app_state()?;
    let here = here(&state);
    Ok(super::two_factor::confirm_enrolment(
        &state,
        user.id,
        &user.email,
        (&code, &password),
        here.as_deref(),
        &request_meta(),
    )
    .await?)
}

#[server(endpoint = "account/two-factor/off", client = CsrfClient)]
pub async fn turn_off_two_factor(code: String) -> Result<(), AppError> {
    use crate::platform::{request::request_meta, state::app_state};
    let user = super::session::require_user().await?;
    let state = app_state()?;
    let here = here(&state);
    Ok(super::two_factor::turn_off(
        &state,
        user.id,
        &user.email,
        &code,
        here.as_deref(),
        &request_meta(),
    )
    .await?)
}

#[server(endpoint = "account/two-factor/recovery-codes", client = CsrfClient)]
pub async fn renew_recovery_codes(code: String) -> Result<Vec<String>, AppError> {
    use crate::platform::{request::request_meta, state::app_state};
    let user = super::session::require_user().await?;
    let state = app_state()?;
    Ok(super::two_factor::renew_recovery_codes(
        &state,
        user.id,
        &user.email,
        &code,
        &request_meta(),
    )
    .await?)
}

/// A fresh code before money moves (step-up): the next ten minutes of
/// moves in this session, up to the step-up limit, ask for none.
#[server(endpoint = "account/two-factor/step-up", client = CsrfClient)]
pub async fn step_up(code: String) -> Result<String, AppError> {
    use crate::platform::{request::request_meta, state::app_state};
    let user = super::session::require_user().await?;
    let state = app_state()?;
    let here = here(&state).ok_or_else(AppError::unauthenticated)?;
    super::step_up::confirm(&state, user.id, &user.email, &here, &code, &request_meta()).await?;
    Ok(
        "Confirmed. Press the button again to go on: for the next 10 minutes no code is asked."
            .to_owned(),
    )
}
