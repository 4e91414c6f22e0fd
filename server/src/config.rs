//! Configuration from flags and environment, with defaults that work with
//! nothing set.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::{net::SocketAddr, time::Duration};

use app::platform::{db::DEFAULT_DATABASE_URL, secrets::SecretKey, Settings};

#[derive(Debug, Parser)]
#[command(
    name = "paydesk",
    version,
    about = "Paydesk: a self-hosted payouts desk"
)]
pub struct Cli {
    /// Database to use: `sqlite://path?mode=rwc` or `postgres://user@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,

    /// The data key sealing two-factor secrets, tax IDs and account
    /// numbers at rest: 32 bytes as base64 or hex. Unset: the key file.
    #[arg(
        long,
        env = "PAYDESK_SECRET_KEY",
        hide_env_values = true,
        global = true
    )]
    pub secret_key: Option<String>,

    /// Where the data key is kept when PAYDESK_SECRET_KEY is not set; made
    /// (owner read/write only) on first start. Back it up apart from the
    /// database: without it the sealed values cannot be read.
    #[arg(
        long,
        env = "PAYDESK_SECRET_KEY_FILE",
        default_value = "data/paydesk.key",
        global = true
    )]
    pub secret_key_file: std::path::PathBuf,

    /// Log format.
    #[arg(long, env = "PAYDESK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty, global = true)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app (the default command). Applies pending migrations first.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an administrator account.
    CreateAdmin(CreateAdminArgs),
    /// Check the ledger's invariants; exits non-zero on any violation.
    Verify,
    /// Fill an empty database with realistic demo data and print the logins.
    Demo,
    /// Credit or debit a member's wallet, as an administrator, with a reason.
    Adjust(AdjustArgs),
    /// Make a new data key and re-seal everything sealed under the current
    /// one with it, writing the new key to a file; then point
    /// PAYDESK_SECRET_KEY(_FILE) at the new key and restart.
    RotateKey(RotateKeyArgs),
    /// Turn off an account's two-factor sign-in (a lost phone and lost
    /// recovery codes) and end its sessions. Audited.
    #[command(name = "reset-2fa")]
    ResetTwoFactor(ResetTwoFactorArgs),
    /// For development: an SMTP server that keeps what it receives, listed
    /// as JSON at http://<http>/messages. Point PAYDESK_SMTP_URL at it.
    MailCatcher(MailCatcherArgs),
    /// For development and tests: a local server speaking the PayPal
    /// Payouts API subset Paydesk uses. Point PAYDESK_PAYPAL_BASE_URL at it.
    PaypalFake(PayPalFakeArgs),
}

#[derive(Debug, Args)]
pub struct PayPalFakeArgs {
    #[arg(long, default_value = "127.0.0.1:2590")]
    pub addr: SocketAddr,
}

#[derive(Debug, Args)]
pub struct MailCatcherArgs {
    /// Where to accept SMTP.
    #[arg(long, default_value = "127.0.0.1:2525")]
    pub smtp: SocketAddr,
    /// Where to list the messages over HTTP.
    #[arg(long, default_value = "127.0.0.1:2580")]
    pub http: SocketAddr,
}

#[derive(Debug, Args)]
pub struct RotateKeyArgs {
    /// Where to write the new key (must not exist yet).
    #[arg(long)]
    pub new_key_file: std::path::PathBuf,
}

#[derive(Debug, Args)]
pub struct ResetTwoFactorArgs {
    /// The account's email.
    #[arg(long)]
    pub email: String,
}

#[derive(Debug, Args)]
pub struct AdjustArgs {
    /// The administrator making the adjustment (recorded in the audit trail).
    #[arg(long)]
    pub admin: String,
    /// The member's email.
    #[arg(long)]
    pub member: String,
    /// Currency or point type code, e.g. USD or GEMS.
    #[arg(long)]
    pub asset: String,
    /// Amount in the asset's units, e.g. 12.50 or 800.
    #[arg(long)]
    pub amount: String,
    /// Take the amount away instead of adding it.
    #[arg(long)]
    pub debit: bool,
    /// Why: shown to the member on their statement.
    #[arg(long)]
    pub reason: String,
    /// Idempotency key: running the same adjustment twice with it moves money once.
    #[arg(long)]
    pub key: Option<String>,
}

#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "PAYDESK_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Mark cookies `Secure`: set this when Paydesk is served over HTTPS.
    #[arg(long, env = "PAYDESK_COOKIE_SECURE", default_value_t = false)]
    pub cookie_secure: bool,

    /// The origin browsers use (e.g. `https://pay.example.com`); form posts
    /// from any other origin are refused. Defaults to the request's own host.
    #[arg(long, env = "PAYDESK_PUBLIC_ORIGIN")]
    pub public_origin: Option<String>,

    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    #[arg(long, env = "PAYDESK_TRUST_PROXY_HEADERS", default_value_t = false)]
    pub trust_proxy_headers: bool,

    /// With trusted proxy headers: the addresses or ranges (`10.0.0.0/8`) of
    /// the proxies in front of Paydesk, comma-separated. The client is the
    /// right-most `X-Forwarded-For` address not among them (by default, the
    /// right-most one: the address the one proxy saw).
    #[arg(long, env = "PAYDESK_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_proxy)]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// Sign-ups (and, apart, password-reset requests) one address may make
    /// per 15 minutes. Raise it for a rush of sign-ups behind one office
    /// address.
    #[arg(long, env = "PAYDESK_ACCOUNT_REQUESTS_PER_ADDRESS", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..))]
    pub account_requests_per_address: u64,

    /// Earnings API calls one key may make per minute (0: no limit); over
    /// it, 429 with Retry-After.
    #[arg(long, env = "PAYDESK_API_REQUESTS_PER_MINUTE", default_value_t = 600)]
    pub api_requests_per_minute: u32,

    /// Calls to the PayPal webhook one address may make per minute before
    /// Paydesk stops asking PayPal to verify them (0: no limit).
    #[arg(
        long,
        env = "PAYDESK_WEBHOOK_REQUESTS_PER_MINUTE",
        default_value_t = 120
    )]
    pub webhook_requests_per_minute: u32,

    /// Minutes of inactivity after which a session ends.
    #[arg(long, env = "PAYDESK_SESSION_IDLE_MINUTES", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=10_080))]
    pub session_idle_minutes: u64,

    /// Hours after sign-in after which a session ends, however active.
    #[arg(long, env = "PAYDESK_SESSION_ABSOLUTE_HOURS", default_value_t = 12, value_parser = clap::value_parser!(u64).range(1..=720))]
    pub session_absolute_hours: u64,

    /// The SMTP server emails go through: `smtp://host:port` (no TLS, e.g. a
    /// local catcher), `smtp://user:pass@host:587?tls=required` (STARTTLS) or
    /// `smtps://user:pass@host`. Unset: emails wait in the outbox.
    #[arg(long, env = "PAYDESK_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The sender of Paydesk's emails, `Name <address>`.
    #[arg(
        long,
        env = "PAYDESK_MAIL_FROM",
        default_value = "Paydesk <paydesk@localhost>"
    )]
    pub mail_from: String,

    /// The address members reach Paydesk at, for links in emails.
    /// Defaults to the public origin, else the listening address.
    #[arg(long, env = "PAYDESK_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// The PayPal REST app's client id. With the secret, turns on "Send
    /// via PayPal".
    #[arg(long, env = "PAYDESK_PAYPAL_CLIENT_ID")]
    pub paypal_client_id: Option<String>,

    /// The PayPal client secret: read from the environment only
    /// (PAYDESK_PAYPAL_CLIENT_SECRET), so it never shows in a process list.
    #[arg(skip = std::env::var("PAYDESK_PAYPAL_CLIENT_SECRET").ok())]
    pub paypal_client_secret: Option<String>,

    /// PayPal's sandbox or its live service.
    #[arg(long, env = "PAYDESK_PAYPAL_MODE", value_enum, default_value_t = PayPalMode::Sandbox)]
    pub paypal_mode: PayPalMode,

    /// Another PayPal API address (a local PayPal-speaking server in tests).
    #[arg(long, env = "PAYDESK_PAYPAL_BASE_URL")]
    pub paypal_base_url: Option<String>,

    /// The id PayPal gave the webhook pointing at /api/paypal/webhook.
    /// Unset: webhooks are refused and polling alone follows payouts.
    #[arg(long, env = "PAYDESK_PAYPAL_WEBHOOK_ID")]
    pub paypal_webhook_id: Option<String>,

    /// Seconds between readings of PayPal batches still open.
    #[arg(long, env = "PAYDESK_PAYPAL_POLL_SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub paypal_poll_seconds: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PayPalMode {
    Sandbox,
    Live,
}

impl PayPalMode {
    fn base_url(self) -> &'static str {
        match self {
            PayPalMode::Sandbox => "https://api-m.sandbox.paypal.com",
            PayPalMode::Live => "https://api-m.paypal.com",
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            PayPalMode::Sandbox => "sandbox",
            PayPalMode::Live => "live",
        }
    }
}

impl Default for ServeArgs {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            cookie_secure: false,
            public_origin: None,
            trust_proxy_headers: false,
            trusted_proxies: Vec::new(),
            account_requests_per_address: 20,
            api_requests_per_minute: 600,
            webhook_requests_per_minute: 120,
            session_idle_minutes: 60,
            session_absolute_hours: 12,
            smtp_url: None,
            mail_from: "Paydesk <paydesk@localhost>".into(),
            public_url: None,
            paypal_client_id: None,
            paypal_client_secret: None,
            paypal_mode: PayPalMode::Sandbox,
            paypal_base_url: None,
            paypal_webhook_id: None,
            paypal_poll_seconds: 60,
        }
    }
}

impl Cli {
    /// The data key: PAYDESK_SECRET_KEY, else the key file (made if missing).
    pub fn secret_key(&self) -> anyhow::Result<SecretKey> {
        match self
            .secret_key
            .as_deref()
            .filter(|key| !key.trim().is_empty())
        {
            Some(text) => {
                SecretKey::parse(text).map_err(|err| anyhow::anyhow!("PAYDESK_SECRET_KEY: {err}"))
            }
            None => SecretKey::load_or_create(&self.secret_key_file)
                .map_err(|err| anyhow::anyhow!("{err}")),
        }
    }
}

impl ServeArgs {
    pub fn settings(&self, secret_key: SecretKey) -> Settings {
        Settings {
            secret_key,
            session_idle_timeout: Duration::from_secs(self.session_idle_minutes * 60),
            session_absolute_timeout: Duration::from_secs(self.session_absolute_hours * 3600),
            // Served over HTTPS (the public origin says so): Secure cookies
            // whether or not the flag was given.
            cookie_secure: self.cookie_secure
                || self
                    .public_origin
                    .as_deref()
                    .is_some_and(|origin| origin.starts_with("https://")),
            public_origin: self
                .public_origin
                .as_ref()
                .map(|origin| origin.trim_end_matches('/').to_owned()),
            trust_proxy_headers: self.trust_proxy_headers,
            trusted_proxies: self.trusted_proxies.clone(),
            account_requests_per_address: self.account_requests_per_address,
            api_requests_per_minute: self.api_requests_per_minute,
            webhook_requests_per_minute: self.webhook_requests_per_minute,
            mail: app::platform::state::MailSettings {
                smtp_url: self.smtp_url.clone().filter(|url| !url.trim().is_empty()),
                from: self.mail_from.clone(),
                public_url: self
                    .public_url
                    .clone()
                    .or_else(|| self.public_origin.clone())
                    .unwrap_or_else(|| format!("http://{}", self.addr))
                    .trim_end_matches('/')
                    .to_owned(),
                ..Default::default()
            },
            paypal: self.paypal_settings(),
            ..Settings::default()
        }
    }

    /// PayPal is on when both the client id and the secret are given.
    fn paypal_settings(&self) -> Option<app::platform::state::PayPalSettings> {
        let given = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let (client_id, client_secret) = match (
            given(&self.paypal_client_id),
            given(&self.paypal_client_secret),
        ) {
            (Some(id), Some(secret)) => (id, secret),
            (None, None) => return None,
            (Some(_), None) => {
                tracing::warn!("PAYDESK_PAYPAL_CLIENT_ID is set but PAYDESK_PAYPAL_CLIENT_SECRET is not: PayPal stays off");
                return None;
            }
            (None, Some(_)) => {
                tracing::warn!("PAYDESK_PAYPAL_CLIENT_SECRET is set but PAYDESK_PAYPAL_CLIENT_ID is not: PayPal stays off");
                return None;
            }
        };
        Some(app::platform::state::PayPalSettings {
            api: app::paypal::client::PayPalConfig {
                base_url: given(&self.paypal_base_url)
                    .unwrap_or_else(|| self.paypal_mode.base_url().to_owned()),
                client_id,
                client_secret,
            },
            mode: self.paypal_mode.as_str().to_owned(),
            webhook_id: given(&self.paypal_webhook_id),
            poll_every: Duration::from_secs(self.paypal_poll_seconds),
            timeout: Duration::from_secs(30),
        })
    }
}

#[derive(Debug, Args)]
pub struct CreateAdminArgs {
    /// The administrator's email (their sign-in name).
    #[arg(long)]
    pub email: String,

    /// The name shown in the app.
    #[arg(long, default_value = "Administrator")]
    pub name: String,

    /// Read the password from standard input (one line) instead of prompting.
    #[arg(long)]
    pub password_stdin: bool,

    /// Their role on the team: the first admin of a new desk is its owner.
    #[arg(long, value_enum, default_value_t = TeamRoleArg::Owner)]
    pub role: TeamRoleArg,
}

/// `--role` of `create-admin`, as the team page names the roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TeamRoleArg {
    Owner,
    PaymentsManager,
    Reviewer,
    Viewer,
}

impl From<TeamRoleArg> for app::auth::TeamRole {
    fn from(arg: TeamRoleArg) -> Self {
        use app::auth::TeamRole;
        match arg {
            TeamRoleArg::Owner => TeamRole::Owner,
            TeamRoleArg::PaymentsManager => TeamRole::PaymentsManager,
            TeamRoleArg::Reviewer => TeamRole::Reviewer,
            TeamRoleArg::Viewer => TeamRole::Viewer,
        }
    }
}

/// An address (`10.1.2.3`) or a range (`10.0.0.0/8`, `fd00::/8`).
fn parse_proxy(raw: &str) -> Result<ipnet::IpNet, String> {
    let raw = raw.trim();
    raw.parse::<ipnet::IpNet>()
        .or_else(|_| raw.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{raw:?} is not an IP address or range (like 10.0.0.0/8)"))
}
