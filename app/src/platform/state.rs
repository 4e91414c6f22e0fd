//! Application state, handed to server functions as Leptos context and to
//! axum handlers as router state. No globals: every test builds its own.

use super::Clock;
use axum::extract::FromRef;
use leptos::{config::LeptosOptions, prelude::use_context};
use sea_orm::DatabaseConnection;
use std::{sync::Arc, time::Duration};

use crate::error::AppError;

/// Runtime settings that come from configuration (environment and flags).
#[derive(Clone, Debug)]
pub struct Settings {
    /// A session unused for this long is over.
    pub session_idle_timeout: Duration,
    /// A session is over this long after sign-in, however busy.
    pub session_absolute_timeout: Duration,
    /// Mark cookies `Secure` (set when Paydesk is served over HTTPS).
    pub cookie_secure: bool,
    /// The origin browsers see (`https://pay.example.com`). When unset, a
    /// request's `Origin` must match its own `Host`.
    pub public_origin: Option<String>,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy
    /// that sets it).
    pub trust_proxy_headers: bool,
    /// Failed sign-ins for one account within the window before refusing.
    pub login_max_failures_per_account: u64,
    /// Failed sign-ins from one address within the window before refusing.
    pub login_max_failures_per_ip: u64,
    pub login_failure_window: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_idle_timeout: Duration::from_secs(60 * 60),
            session_absolute_timeout: Duration::from_secs(12 * 60 * 60),
            cookie_secure: false,
            public_origin: None,
            trust_proxy_headers: false,
            login_max_failures_per_account: 5,
            login_max_failures_per_ip: 20,
            login_failure_window: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub clock: Clock,
    pub leptos_options: LeptosOptions,
    /// Change notices for live admin pages.
    pub live: super::live::Live,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The state, from inside a server function or a component rendering on the server.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        AppError::internal(anyhow::anyhow!(
            "AppState missing from context: routes must be registered with it"
        ))
    })
}
