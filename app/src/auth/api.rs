//! Server functions for accounts. Thin: read the request, call the service,
//! set the cookie, redirect.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::UserView;
use crate::error::AppError;
use crate::ui::CsrfClient;

/// Who is signed in (None for a visitor). Read-only; the session's
/// last-seen time is bookkeeping, not a change the user makes.
#[server(endpoint = "auth/me", input = Json)]
pub async fn me() -> Result<Option<UserView>, AppError> {
    super::session::current_user().await
}

/// Sign-up answers the same for a new address and a taken one (see
/// `service::sign_up`), and signs nobody in: the confirmation link does.
#[server(endpoint = "auth/signup", client = CsrfClient)]
pub async fn sign_up(
    email: String,
    display_name: String,
    password: String,
) -> Result<String, AppError> {
    use super::{service, Role};
    use crate::platform::{request::request_meta, state::app_state};

    let state = app_state()?;
    service::sign_up(
        &state,
        service::NewUser {
            email: &email,
            display_name: &display_name,
            password: &password,
            role: Role::Member,
            team_role: None,
        },
        &request_meta(),
    )
    .await?;
    // The page says "check your inbox" from its address, so a form posted
    // without JavaScript shows it too.
    leptos_axum::redirect("/signup?sent=1");
    Ok(service::SIGN_UP_SENT.to_owned())
}

/// Confirms the address with the link's token and the account's password,
/// and signs the account in.
#[server(endpoint = "auth/confirm-email", client = CsrfClient)]
pub async fn confirm_email(token: String, password: String) -> Result<SignInStep, AppError> {
    use super::session;
    use crate::platform::{
        request::{request_cookie, request_meta},
        state::app_state,
    };

    let state = app_state()?;
    let previous = request_cookie(session::cookie_name(&state.settings));
    let issued = super::links::confirm_email(
        &state,
        &token,
        &password,
        previous.as_deref(),
        &request_meta(),
    )
    .await?;
    match issued {
        super::sign_in::SignedIn::Session(issued) => {
            session::set_session_cookie(&state, &issued.token)?;
            leptos_axum::redirect("/account?email=confirmed");
            Ok(SignInStep::SignedIn(issued.user))
        }
        // Two-factor already on: the address is confirmed, the code opens
        // the session.
        super::sign_in::SignedIn::CodeNeeded { challenge } => {
            session::set_challenge_cookie(&state, &challenge)?;
            leptos_axum::redirect(CODE_PAGE);
            Ok(SignInStep::CodeNeeded)
        }
    }
}

/// A new confirmation link for the signed-in member.
#[server(endpoint = "auth/resend-confirmation", client = CsrfClient)]
pub async fn resend_confirmation() -> Result<String, AppError> {
    use crate::platform::{request::request_meta, state::app_state};

    let user = super::session::require_user().await?;
    let state = app_state()?;
    Ok(
        super::links::resend_confirmation(&state.db, &state.clock, user.id, &request_meta())
            .await?,
    )
}

/// The password step. With two-factor on, nobody is signed in yet: the
/// browser gets the challenge cookie and goes on to the code page.
#[server(endpoint = "auth/login", client = CsrfClient)]
pub async fn log_in(email: String, password: String) -> Result<SignInStep, AppError> {
    use super::{session, sign_in};
    use crate::platform::{
        request::{request_cookie, request_meta},
        state::app_state,
    };

    let state = app_state()?;
    let previous = request_cookie(session::cookie_name(&state.settings));
    let step = sign_in::log_in(
        &state,
        &email,
        &password,
        previous.as_deref(),
        &request_meta(),
    )
    .await?;
    match step {
        sign_in::SignedIn::Session(issued) => {
            session::set_session_cookie(&state, &issued.token)?;
            leptos_axum::redirect(super::home_for(issued.user.role));
            Ok(SignInStep::SignedIn(issued.user))
        }
        sign_in::SignedIn::CodeNeeded { challenge } => {
            session::set_challenge_cookie(&state, &challenge)?;
            leptos_axum::redirect(CODE_PAGE);
            Ok(SignInStep::CodeNeeded)
        }
    }
}

/// The code step: a code from the authenticator app, or a recovery code.
#[server(endpoint = "auth/login/code", client = CsrfClient)]
pub async fn log_in_code(code: String) -> Result<UserView, AppError> {
    use super::{session, sign_in};
    use crate::platform::{
        request::{request_cookie, request_meta},
        state::app_state,
    };

    let state = app_state()?;
    let Some(challenge) = request_cookie(session::challenge_cookie_name(&state.settings)) else {
        return Err(super::AuthError::ChallengeExpired.into());
    };
    let previous = request_cookie(session::cookie_name(&state.settings));
    let issued = sign_in::log_in_with_code(
        &state,
        &challenge,
        &code,
        previous.as_deref(),
        &request_meta(),
    )
    .await?;
    session::clear_challenge_cookie(&state)?;
    session::set_session_cookie(&state, &issued.token)?;
    leptos_axum::redirect(super::home_for(issued.user.role));
    Ok(issued.user)
}

/// Where the code is asked for.
pub const CODE_PAGE: &str = "/login/code";

/// How far a right password got.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SignInStep {
    SignedIn(UserView),
    /// Two-factor is on: the code page comes next.
    CodeNeeded,
}

#[server(endpoint = "auth/logout", client = CsrfClient)]
pub async fn log_out() -> Result<(), AppError> {
    use super::{session, sign_in};
    use crate::platform::{
        request::{request_cookie, request_meta},
        state::app_state,
    };

    let state = app_state()?;
    if let Some(token) = request_cookie(session::cookie_name(&state.settings)) {
        sign_in::log_out(&state, &token, &request_meta()).await?;
    }
    session::clear_session_cookie(&state)?;
    leptos_axum::redirect("/");
    Ok(())
}

/// "Forgot password": the same answer whether or not the address has an
/// account.
#[server(endpoint = "auth/forgot-password", client = CsrfClient)]
pub async fn forgot_password(email: String) -> Result<String, AppError> {
    use crate::platform::{request::request_meta, state::app_state};

    let state = app_state()?;
    super::links::request_reset(
        &state.db,
        &state.clock,
        &state.settings,
        &email,
        &request_meta(),
    )
    .await?;
    Ok(super::links::RESET_SENT.to_owned())
}

/// Sets a new password with the link's token, then sends the member to
/// sign in with it.
#[server(endpoint = "auth/reset-password", client = CsrfClient)]
pub async fn reset_password(
    token: String,
    password: String,
    confirm: String,
) -> Result<String, AppError> {
    use crate::platform::{request::request_meta, state::app_state};

    let state = app_state()?;
    let email = super::links::redeem(
        &state.db,
        &state.clock,
        &token,
        &password,
        &confirm,
        &request_meta(),
    )
    .await?;
    leptos_axum::redirect("/login?password=set");
    Ok(email)
}
