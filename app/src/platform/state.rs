//! Application state, handed to server functions as Leptos context and to
//! axum handlers as router state. No globals: every test builds its own.

use super::clock::Clock;
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
    /// The proxies in front of Paydesk. The client is the right-most
    /// `X-Forwarded-For` address that is not one of them: everything to its
    /// left was written by the client and proves nothing.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Failed sign-ins for one account within the window before refusing.
    pub login_max_failures_per_account: u64,
    /// Failed sign-ins from one address within the window before refusing.
    pub login_max_failures_per_ip: u64,
    pub login_failure_window: Duration,
    /// Sign-ups, and password-reset requests, one address may make within
    /// the window (each).
    pub account_requests_per_address: u64,
    /// Earnings API calls one key may make per minute (0: no limit).
    pub api_requests_per_minute: u32,
    /// Calls to the PayPal webhook one address may make per minute, before
    /// anything is asked of PayPal (0: no limit).
    pub webhook_requests_per_minute: u32,
    pub mail: MailSettings,
    /// Automatic transfers; None when no PayPal credentials are configured.
    pub paypal: Option<PayPalSettings>,
    /// How often the worker looks for scheduled payout runs that are due.
    /// Zero: this instance runs no scheduler and leaves scheduled runs to
    /// the other instances (tests use it to be the only one stepping a run).
    pub schedule_every: Duration,
    /// Seals what a database dump must not reveal (two-factor secrets, tax
    /// IDs, account numbers): `PAYDESK_SECRET_KEY` or the key file.
    pub secret_key: super::secrets::SecretKey,
}

/// Email delivery. With no SMTP server, messages wait in the outbox (and
/// the admin's Email page says why) until one is configured.
#[derive(Clone, Debug)]
pub struct MailSettings {
    /// `smtp://host:port` (plain, e.g. a local catcher),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS) or
    /// `smtps://user:pass@host` (TLS).
    pub smtp_url: Option<String>,
    /// The sender, `Name <address>`.
    pub from: String,
    /// Where links in emails point (`https://pay.example.com`).
    pub public_url: String,
    /// Failed deliveries before a message is given up on.
    pub max_attempts: i32,
    /// The wait after the first failure; it doubles with each one after.
    pub first_retry_after: Duration,
    /// How often the worker looks for messages to send.
    pub poll_every: Duration,
    /// Connecting to and talking with the SMTP server, each step.
    pub smtp_timeout: Duration,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            smtp_url: None,
            from: "Paydesk <paydesk@localhost>".into(),
            public_url: "http://127.0.0.1:3000".into(),
            max_attempts: 8,
            first_retry_after: Duration::from_secs(30),
            poll_every: Duration::from_secs(1),
            smtp_timeout: Duration::from_secs(10),
        }
    }
}

/// The PayPal Payouts API. The client secret comes from the environment
/// only: it is never stored in the database, shown, or logged (`Debug`
/// redacts it).
#[derive(Clone, Debug)]
pub struct PayPalSettings {
    pub api: PayPalConfig,
    /// "sandbox" or "live", as shown to admins.
    pub mode: String,
    /// The id PayPal gave our webhook; incoming events are verified
    /// against it. None: webhooks are refused and polling alone syncs.
    pub webhook_id: Option<String>,
    /// How often batches still open are read back from PayPal.
    pub poll_every: Duration,
    /// Each call to PayPal.
    pub timeout: Duration,
}

/// Where the PayPal Payouts API is and who we are to it.
#[derive(Clone)]
pub struct PayPalConfig {
    /// `https://api-m.sandbox.paypal.com`, `https://api-m.paypal.com`, or a
    /// local server in tests.
    pub base_url: String,
    pub client_id: String,
    pub client_secret: String,
}

/// The secret never reaches a log, even through `{:?}`.
impl std::fmt::Debug for PayPalConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PayPalConfig")
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .finish()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_idle_timeout: Duration::from_secs(60 * 60),
            session_absolute_timeout: Duration::from_secs(12 * 60 * 60),
            cookie_secure: false,
            public_origin: None,
            trust_proxy_headers: false,
            trusted_proxies: Vec::new(),
            login_max_failures_per_account: 5,
            login_max_failures_per_ip: 20,
            login_failure_window: Duration::from_secs(15 * 60),
            account_requests_per_address: 20,
            api_requests_per_minute: 600,
            webhook_requests_per_minute: 120,
            mail: MailSettings::default(),
            paypal: None,
            schedule_every: Duration::from_secs(60),
            // A key for this process alone (tests, `Settings::default()`):
            // `serve` always loads the configured one.
            secret_key: super::secrets::SecretKey::generate(),
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
    /// Long-lived objects a feature keeps for the whole process, looked up
    /// by type (PayPal's API client, so its OAuth2 token is reused): the
    /// feature owns the type, so `platform` names none.
    pub features: Arc<http::Extensions>,
    /// Request limits kept in memory (per instance).
    pub limits: Arc<super::limits::Limits>,
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
