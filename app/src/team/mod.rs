//! The team (`/admin/team`, owners only): the desk's admins with their
//! roles, invitations by email, role changes and deactivation. What each
//! role may do is `auth::permissions`; this feature only changes who holds
//! which role, and keeps at least one active owner at all times.

pub mod api;
#[cfg(feature = "ssr")]
pub mod error;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;

use serde::{Deserialize, Serialize};

use crate::auth::TeamRole;

/// Where an admin's account stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Signed up through the invitation (or made by `create-admin`).
    Active,
    /// Invited; the link still works.
    Invited,
    /// Invited; the link expired or was used up without a password.
    InvitationExpired,
    /// Deactivated: cannot sign in, every session ended.
    Deactivated,
}

impl Standing {
    pub fn label(self) -> &'static str {
        match self {
            Standing::Active => "Active",
            Standing::Invited => "Invited",
            Standing::InvitationExpired => "Invitation expired",
            Standing::Deactivated => "Deactivated",
        }
    }

    /// Whether the account waits for its invitation to be taken up.
    pub fn is_invitation(self) -> bool {
        matches!(self, Standing::Invited | Standing::InvitationExpired)
    }
}

/// One admin as the team page lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMemberView {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: TeamRole,
    pub standing: Standing,
    /// `YYYY-MM-DD HH:MM` UTC; None: never.
    pub last_signed_in_at: Option<String>,
    /// Whether they sign in with a second factor.
    pub two_factor: bool,
    /// Until when the invitation's link works (invitations only).
    pub invitation_expires_at: Option<String>,
    /// Their own value limits (asset code, amount): moves above one wait
    /// for a second approval even under the desk's limit.
    pub value_limits: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamView {
    /// Owners first, then by name.
    pub members: Vec<TeamMemberView>,
    /// The signed-in owner, whose own row offers no deactivation.
    pub you: i64,
    /// The desk's asset codes, for the value-limit form.
    pub assets: Vec<String>,
}
