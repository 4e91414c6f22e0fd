//! Accounts and sessions: sign up, sign in, sign out, and who is asking.

pub mod api;
pub mod confirm_banner;
pub mod context;
pub mod pages;
pub mod permissions;
pub mod sessions_api;
pub mod sessions_pages;
pub mod two_factor_api;
pub mod two_factor_pages;
pub mod two_factor_section;

pub use permissions::{Permission, TeamRole};

#[cfg(feature = "ssr")]
pub mod devices;
#[cfg(feature = "ssr")]
pub mod links;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod sign_in;
#[cfg(feature = "ssr")]
pub mod step_up;
#[cfg(feature = "ssr")]
pub mod throttle;
#[cfg(feature = "ssr")]
pub mod two_factor;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Member,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Admin => "admin",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        match value {
            "member" => Some(Role::Member),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// The signed-in user as the UI sees them (a wire type, never a database model).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// Whether the owner of the address has confirmed it: until then no
    /// incentive is paid to the account and it cannot withdraw.
    pub email_confirmed: bool,
    /// An admin's role on the team; None for members.
    pub team_role: Option<TeamRole>,
}

impl UserView {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether this user's role allows `permission` (members: never).
    pub fn can(&self, permission: Permission) -> bool {
        self.is_admin() && self.team_role.is_some_and(|role| role.allows(permission))
    }
}

/// One open session, as its owner (or an admin allowed to) sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// Names the session to end it; derived from the stored digest, never
    /// the cookie's token.
    pub handle: String,
    /// "Firefox on Windows".
    pub device: String,
    pub ip: Option<String>,
    /// `YYYY-MM-DD HH:MM` UTC.
    pub signed_in_at: String,
    pub last_seen_at: String,
    /// The browser asking.
    pub current: bool,
}

/// Two-factor sign-in as its owner sees it on their security page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorView {
    pub on: bool,
    /// Set while an app is being set up and no code has confirmed it yet.
    pub enrolment: Option<EnrolmentView>,
    pub recovery_codes_left: u64,
}

/// What to put into an authenticator app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolmentView {
    /// Base32, in groups of four, for typing in.
    pub secret: String,
    /// `otpauth://totp/Paydesk:...`
    pub uri: String,
    /// The URI as a QR code, an SVG document drawn by the server.
    pub qr_svg: String,
}

/// Where a user lands after signing in.
pub fn home_for(role: Role) -> &'static str {
    match role {
        Role::Member => "/account",
        Role::Admin => "/admin",
    }
}

// What every part of the server side of auth shares (sessions, links,
// sign-up, sign-in, throttling): the error, the address rule, the view of
// a user and a fresh session. Here, below all of them, so none of them
// imports another for it.

#[cfg(feature = "ssr")]
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    Invalid(String),
    #[error("This email cannot be used to sign up. If it is yours, sign in instead")]
    EmailTaken,
    /// One message for a wrong email and a wrong password: no enumeration.
    #[error("Wrong email or password")]
    InvalidCredentials,
    #[error("This account has been deactivated. Contact the administrator")]
    Deactivated,
    #[error("Too many failed sign-in attempts. Please wait {minutes} minutes and try again")]
    Throttled { minutes: u64 },
    #[error("{0}")]
    Busy(String),
    #[error("Too many attempts from your address. Please wait {minutes} minutes and try again")]
    TooManyFromHere { minutes: u64 },
    /// The password typed on an email-confirmation link is not the account's.
    #[error("Wrong password: enter the password you chose when you signed up. Forgot it? Choose a new one through \"Forgot your password?\" on the sign-in page; that confirms the address too.")]
    WrongConfirmPassword,
    /// A wrong two-factor or recovery code, or one already used.
    #[error("That code is not right, or was already used. Type the code your authenticator app shows now (check that your phone's clock is set automatically), or one of your recovery codes")]
    WrongCode,
    /// The account's password, asked again before a security change.
    #[error("Your password is not right: nothing was changed")]
    WrongPassword,
    /// The sign-in waiting for its code is over (or never was).
    #[error("This sign-in has expired: enter your email and password again")]
    ChallengeExpired,
    /// The signed-in account no longer exists.
    #[error("Please sign in to continue")]
    SignedOut,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

#[cfg(feature = "ssr")]
impl AuthError {
    pub fn invalid(message: impl Into<String>) -> Self {
        AuthError::Invalid(message.into())
    }
}

#[cfg(feature = "ssr")]
impl From<sea_orm::DbErr> for AuthError {
    fn from(err: sea_orm::DbErr) -> Self {
        AuthError::Unexpected(err.into())
    }
}

#[cfg(feature = "ssr")]
impl From<password::HashError> for AuthError {
    fn from(err: password::HashError) -> Self {
        match err {
            password::HashError::Busy => AuthError::Busy(err.to_string()),
            password::HashError::Failed(cause) => AuthError::Unexpected(cause),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<AuthError> for crate::error::AppError {
    fn from(err: AuthError) -> Self {
        use crate::error::{AppError, ErrorCode};
        match err {
            AuthError::Invalid(message) => AppError::invalid(message),
            AuthError::WrongCode | AuthError::WrongPassword => AppError::invalid(err.to_string()),
            AuthError::EmailTaken => AppError::conflict(AuthError::EmailTaken.to_string()),
            AuthError::InvalidCredentials
            | AuthError::Deactivated
            | AuthError::WrongConfirmPassword
            | AuthError::ChallengeExpired
            | AuthError::SignedOut => AppError::new(ErrorCode::Unauthenticated, err.to_string()),
            AuthError::Throttled { .. }
            | AuthError::Busy(_)
            | AuthError::TooManyFromHere { .. } => {
                AppError::new(ErrorCode::TooManyRequests, err.to_string())
            }
            AuthError::Unexpected(cause) => AppError::internal(cause),
        }
    }
}

#[cfg(feature = "ssr")]
/// A validated email: trimmed, lower-cased, RFC-shaped, with a dot in the domain.
pub fn normalize_email(raw: &str) -> Result<String, AuthError> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err(AuthError::Invalid("Enter your email address".into()));
    }
    if email.len() > 254 {
        return Err(AuthError::Invalid("That email address is too long".into()));
    }
    let parsed =
        <email_address::EmailAddress as std::str::FromStr>::from_str(&email).map_err(|_| {
            AuthError::Invalid(format!("\"{}\" is not a valid email address", raw.trim()))
        })?;
    if !parsed.domain().contains('.') {
        return Err(AuthError::Invalid(format!(
            "\"{}\" is not a valid email address",
            raw.trim()
        )));
    }
    Ok(email)
}

#[cfg(feature = "ssr")]
pub fn user_view(model: &crate::entities::user::Model) -> Result<UserView, AuthError> {
    let role = Role::parse(&model.role).ok_or_else(|| {
        AuthError::Unexpected(anyhow::anyhow!(
            "user {} has an unknown role {:?}",
            model.id,
            model.role
        ))
    })?;
    let team_role = match (role, model.team_role.as_deref()) {
        (Role::Admin, Some(stored)) => Some(TeamRole::parse(stored).ok_or_else(|| {
            AuthError::Unexpected(anyhow::anyhow!(
                "admin {} has an unknown team role {stored:?}",
                model.id
            ))
        })?),
        // An admin row without a role (written around the application):
        // the least power, not the most.
        (Role::Admin, None) => Some(TeamRole::Viewer),
        (Role::Member, _) => None,
    };
    Ok(UserView {
        id: model.id,
        email: model.email.clone(),
        display_name: model.display_name.clone(),
        role,
        email_confirmed: model.email_confirmed_at.is_some(),
        team_role,
    })
}

#[cfg(feature = "ssr")]
/// A new session: the raw token goes into the cookie, only its hash is stored.
pub struct IssuedSession {
    pub token: String,
    pub user: UserView,
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::Role;

    fn check(raw: &str, expected: Result<&str, ()>) {
        let got = super::normalize_email(raw).map_err(|_| ());
        assert_eq!(
            got.as_deref(),
            expected.as_ref().map(|s| *s).map_err(|_| &()),
            "{raw:?}"
        );
    }

    #[test]
    fn emails_are_trimmed_lower_cased_and_checked() {
        check("  Ada@Example.COM ", Ok("ada@example.com"));
        check("a.b+tag@sub.example.org", Ok("a.b+tag@sub.example.org"));
        check("", Err(()));
        check("no-at-sign", Err(()));
        check("two@@example.com", Err(()));
        check("nodot@localhost", Err(()));
        check("spaces in@example.com", Err(()));
    }

    #[test]
    fn the_ledger_reads_a_member_the_way_auth_stores_one() {
        assert_eq!(Role::Member.as_str(), crate::entities::user::MEMBER_ROLE);
        assert_ne!(Role::Admin.as_str(), crate::entities::user::MEMBER_ROLE);
    }
}
