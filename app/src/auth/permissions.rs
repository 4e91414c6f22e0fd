//! Who on the team may do what: the one table of action -> roles.
//!
//! Every admin server function and plain route names the [`Permission`] it
//! needs (`session::require(Permission::..)`, `session::admin_for_route`);
//! the pages ask [`UserView::can`](super::UserView::can) only to hide what
//! the server would refuse anyway. The integration suite calls every admin
//! endpoint as every role and fails when an endpoint has no entry.

use serde::{Deserialize, Serialize};

/// An admin's role on the team. Members have none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeamRole {
    /// Everything, the team, settings, API keys and funding wallets included.
    Owner,
    /// Moves money: processes payout requests, pays, exports, runs.
    PaymentsManager,
    /// Decides incentives and verifications; moves no money, reveals nothing.
    Reviewer,
    /// Reads every admin page, payout details masked; changes nothing.
    Viewer,
}

impl TeamRole {
    pub const ALL: [TeamRole; 4] = [
        TeamRole::Owner,
        TeamRole::PaymentsManager,
        TeamRole::Reviewer,
        TeamRole::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TeamRole::Owner => "owner",
            TeamRole::PaymentsManager => "payments_manager",
            TeamRole::Reviewer => "reviewer",
            TeamRole::Viewer => "viewer",
        }
    }

    pub fn parse(value: &str) -> Option<TeamRole> {
        TeamRole::ALL
            .into_iter()
            .find(|role| role.as_str() == value)
    }

    /// How the team page and emails name the role.
    pub fn label(self) -> &'static str {
        match self {
            TeamRole::Owner => "Owner",
            TeamRole::PaymentsManager => "Payments manager",
            TeamRole::Reviewer => "Reviewer",
            TeamRole::Viewer => "Viewer",
        }
    }

    pub fn allows(self, permission: Permission) -> bool {
        permission.roles().contains(&self)
    }
}

/// An action an admin endpoint performs, named by what it does to the desk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Any admin page or read: lists, details, figures, previews.
    Read,
    /// Approve, reject, mark processing/paid/failed/returned, cancel a
    /// payout request, one or in bulk; request for a member.
    ProcessPayouts,
    /// Send approved requests to PayPal, and settle PayPal's alerts.
    SendViaPaypal,
    /// Payment files and exports (they claim the requests they carry).
    ExportPayouts,
    /// Start and step payout runs; save and stop their schedules.
    RunPayouts,
    /// Add incentives by hand or from a file.
    CreateIncentives,
    /// Approve or reject incentives.
    DecideIncentives,
    /// Make Payment: pay approved incentives from a funding wallet.
    PayIncentives,
    /// Record a deposit into a funding wallet.
    Deposit,
    /// Open a funding wallet.
    ManageFundingWallets,
    /// Credit or debit a member's wallet by hand.
    AdjustBalances,
    /// Approve or reject a member's identity verification.
    ReviewVerifications,
    /// Approve or decline a money move held above the approval limit
    /// (never one's own: the approvals service refuses that).
    SecondApprove,
    /// See payout details unmasked (audited).
    RevealDetails,
    /// Activate or deactivate a member's account.
    ManageMembers,
    /// Retry an email the outbox gave up on.
    RetryEmails,
    /// Desk settings, assets and rates, extra payout fields, the digest.
    ManageSettings,
    /// Earnings API keys and what the API does with unknown members.
    ManageApiKeys,
    /// Invite, change and deactivate admins.
    ManageTeam,
}

impl Permission {
    /// The table: which roles may act. Owners may do everything.
    pub fn roles(self) -> &'static [TeamRole] {
        use TeamRole::*;
        match self {
            Permission::Read => &[Owner, PaymentsManager, Reviewer, Viewer],
            // Payments managers add and pay incentives; deciding them is
            // the reviewers' (SPEC: prepare, approve and pay are separate).
            Permission::DecideIncentives => &[Owner, Reviewer],
            Permission::ReviewVerifications | Permission::SecondApprove => {
                &[Owner, PaymentsManager, Reviewer]
            }
            Permission::ProcessPayouts
            | Permission::SendViaPaypal
            | Permission::ExportPayouts
            | Permission::RunPayouts
            | Permission::CreateIncentives
            | Permission::PayIncentives
            | Permission::Deposit
            | Permission::AdjustBalances
            | Permission::RevealDetails
            | Permission::ManageMembers
            | Permission::RetryEmails => &[Owner, PaymentsManager],
            Permission::ManageFundingWallets
            | Permission::ManageSettings
            | Permission::ManageApiKeys
            | Permission::ManageTeam => &[Owner],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Permission, TeamRole};

    #[test]
    fn roles_round_trip_through_their_stored_names() {
        for role in TeamRole::ALL {
            assert_eq!(TeamRole::parse(role.as_str()), Some(role));
        }
        assert_eq!(TeamRole::parse("admin"), None);
    }

    #[test]
    fn owners_may_do_everything_and_viewers_only_read() {
        let every = [
            Permission::Read,
            Permission::ProcessPayouts,
            Permission::SendViaPaypal,
            Permission::ExportPayouts,
            Permission::RunPayouts,
            Permission::CreateIncentives,
            Permission::DecideIncentives,
            Permission::PayIncentives,
            Permission::Deposit,
            Permission::ManageFundingWallets,
            Permission::AdjustBalances,
            Permission::ReviewVerifications,
            Permission::SecondApprove,
            Permission::RevealDetails,
            Permission::ManageMembers,
            Permission::RetryEmails,
            Permission::ManageSettings,
            Permission::ManageApiKeys,
            Permission::ManageTeam,
        ];
        for permission in every {
            assert!(TeamRole::Owner.allows(permission), "{permission:?}");
            assert_eq!(
                TeamRole::Viewer.allows(permission),
                permission == Permission::Read,
                "{permission:?}"
            );
        }
        // A reviewer decides (and gives second approvals) but moves and
        // reveals nothing.
        assert!(TeamRole::Reviewer.allows(Permission::DecideIncentives));
        assert!(TeamRole::Reviewer.allows(Permission::SecondApprove));
        for money in [
            Permission::ProcessPayouts,
            Permission::SendViaPaypal,
            Permission::PayIncentives,
            Permission::Deposit,
            Permission::AdjustBalances,
            Permission::RevealDetails,
        ] {
            assert!(!TeamRole::Reviewer.allows(money), "{money:?}");
            assert!(TeamRole::PaymentsManager.allows(money), "{money:?}");
        }
    }
}
