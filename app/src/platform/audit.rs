//! The audit trail: an append-only record of who did what, when (UTC) and
//! from where. Written in the same transaction as the change it describes.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};

use crate::entities::audit_event;

/// The actions Paydesk records. Stored as the snake-case name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditAction {
    SignedUp,
    LoginSucceeded,
    LoginFailed,
    LoggedOut,
    AdminCreated,
    DepositRecorded,
    BalanceAdjusted,
    WithdrawalRequested,
    WithdrawalStatusChanged,
    PayoutDetailsSaved,
    DefaultPayoutMethodChanged,
    VerificationSubmitted,
    VerificationReviewed,
    PayoutDetailsRevealed,
    PayoutsExported,
    FundingWalletCreated,
    MemberActiveChanged,
    SettingsChanged,
    IncentiveCreated,
    IncentivesApproved,
    IncentivesRejected,
    IncentivesPaid,
    ApiKeyCreated,
    ApiKeyRevoked,
    IncentivesImported,
    EmailRetried,
    PasswordResetRequested,
    PasswordReset,
    PayPalBatchSent,
    PayoutRunStarted,
    PayoutScheduleSaved,
    PayoutScheduleStopped,
    PayoutFieldChanged,
    EmailConfirmed,
    ConfirmationSent,
    PayPalAlertResolved,
    AdminInvited,
    AdminInviteRevoked,
    AdminRoleChanged,
    AdminActiveChanged,
    SessionsEnded,
    PasswordChanged,
    SecondApprovalAsked,
    SecondApprovalGranted,
    SecondApprovalDeclined,
    TwoFactorEnabled,
    TwoFactorDisabled,
    TwoFactorReset,
    RecoveryCodesRenewed,
    SteppedUp,
}

impl AuditAction {
    pub const ALL: [AuditAction; 50] = [
        AuditAction::SignedUp,
        AuditAction::LoginSucceeded,
        AuditAction::LoginFailed,
        AuditAction::LoggedOut,
        AuditAction::AdminCreated,
        AuditAction::DepositRecorded,
        AuditAction::BalanceAdjusted,
        AuditAction::WithdrawalRequested,
        AuditAction::WithdrawalStatusChanged,
        AuditAction::PayoutDetailsSaved,
        AuditAction::DefaultPayoutMethodChanged,
        AuditAction::VerificationSubmitted,
        AuditAction::VerificationReviewed,
        AuditAction::PayoutDetailsRevealed,
        AuditAction::PayoutsExported,
        AuditAction::FundingWalletCreated,
        AuditAction::MemberActiveChanged,
        AuditAction::SettingsChanged,
        AuditAction::IncentiveCreated,
        AuditAction::IncentivesApproved,
        AuditAction::IncentivesRejected,
        AuditAction::IncentivesPaid,
        AuditAction::ApiKeyCreated,
        AuditAction::ApiKeyRevoked,
        AuditAction::IncentivesImported,
        AuditAction::EmailRetried,
        AuditAction::PasswordResetRequested,
        AuditAction::PasswordReset,
        AuditAction::PayPalBatchSent,
        AuditAction::PayoutRunStarted,
        AuditAction::PayoutScheduleSaved,
        AuditAction::PayoutScheduleStopped,
        AuditAction::PayoutFieldChanged,
        AuditAction::EmailConfirmed,
        AuditAction::ConfirmationSent,
        AuditAction::PayPalAlertResolved,
        AuditAction::AdminInvited,
        AuditAction::AdminInviteRevoked,
        AuditAction::AdminRoleChanged,
        AuditAction::AdminActiveChanged,
        AuditAction::SessionsEnded,
        AuditAction::PasswordChanged,
        AuditAction::SecondApprovalAsked,
        AuditAction::SecondApprovalGranted,
        AuditAction::SecondApprovalDeclined,
        AuditAction::TwoFactorEnabled,
        AuditAction::TwoFactorDisabled,
        AuditAction::TwoFactorReset,
        AuditAction::RecoveryCodesRenewed,
        AuditAction::SteppedUp,
    ];

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// How the audit log viewer names the action.
    pub fn label(self) -> &'static str {
        match self {
            AuditAction::SignedUp => "Signed up",
            AuditAction::LoginSucceeded => "Signed in",
            AuditAction::LoginFailed => "Failed sign-in",
            AuditAction::LoggedOut => "Signed out",
            AuditAction::AdminCreated => "Administrator created",
            AuditAction::DepositRecorded => "Deposit recorded",
            AuditAction::BalanceAdjusted => "Balance adjusted",
            AuditAction::WithdrawalRequested => "Withdrawal requested",
            AuditAction::WithdrawalStatusChanged => "Withdrawal status changed",
            AuditAction::PayoutDetailsSaved => "Payout details saved",
            AuditAction::DefaultPayoutMethodChanged => "Default payout method changed",
            AuditAction::VerificationSubmitted => "Verification submitted",
            AuditAction::VerificationReviewed => "Verification reviewed",
            AuditAction::PayoutDetailsRevealed => "Payout details revealed",
            AuditAction::PayoutsExported => "Payouts exported",
            AuditAction::FundingWalletCreated => "Funding wallet created",
            AuditAction::MemberActiveChanged => "Member activated or deactivated",
            AuditAction::SettingsChanged => "Settings changed",
            AuditAction::IncentiveCreated => "Incentive created",
            AuditAction::IncentivesApproved => "Incentives approved",
            AuditAction::IncentivesRejected => "Incentives rejected",
            AuditAction::IncentivesPaid => "Incentives paid",
            AuditAction::ApiKeyCreated => "API key created",
            AuditAction::ApiKeyRevoked => "API key revoked",
            AuditAction::IncentivesImported => "Incentives imported",
            AuditAction::EmailRetried => "Email retried",
            AuditAction::PasswordResetRequested => "Password reset requested",
            AuditAction::PasswordReset => "Password reset",
            AuditAction::PayPalBatchSent => "Sent via PayPal",
            AuditAction::PayoutRunStarted => "Payout run started",
            AuditAction::PayoutScheduleSaved => "Payout run scheduled",
            AuditAction::PayoutScheduleStopped => "Payout schedule stopped",
            AuditAction::PayoutFieldChanged => "Payout method field changed",
            AuditAction::EmailConfirmed => "Email address confirmed",
            AuditAction::ConfirmationSent => "Confirmation link sent",
            AuditAction::PayPalAlertResolved => "PayPal alert resolved",
            AuditAction::AdminInvited => "Admin invited",
            AuditAction::AdminInviteRevoked => "Admin invitation revoked",
            AuditAction::AdminRoleChanged => "Admin role changed",
            AuditAction::AdminActiveChanged => "Admin activated or deactivated",
            AuditAction::SessionsEnded => "Sessions ended",
            AuditAction::PasswordChanged => "Password changed",
            AuditAction::SecondApprovalAsked => "Second approval asked for",
            AuditAction::SecondApprovalGranted => "Second approval granted",
            AuditAction::SecondApprovalDeclined => "Second approval declined",
            AuditAction::TwoFactorEnabled => "Two-factor sign-in turned on",
            AuditAction::TwoFactorDisabled => "Two-factor sign-in turned off",
            AuditAction::TwoFactorReset => "Two-factor sign-in reset",
            AuditAction::RecoveryCodesRenewed => "Recovery codes renewed",
            AuditAction::SteppedUp => "Confirmed with a code before moving money",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::SignedUp => "signed_up",
            AuditAction::LoginSucceeded => "login_succeeded",
            AuditAction::LoginFailed => "login_failed",
            AuditAction::LoggedOut => "logged_out",
            AuditAction::AdminCreated => "admin_created",
            AuditAction::DepositRecorded => "deposit_recorded",
            AuditAction::BalanceAdjusted => "balance_adjusted",
            AuditAction::WithdrawalRequested => "withdrawal_requested",
            AuditAction::WithdrawalStatusChanged => "withdrawal_status_changed",
            AuditAction::PayoutDetailsSaved => "payout_details_saved",
            AuditAction::DefaultPayoutMethodChanged => "default_payout_method_changed",
            AuditAction::VerificationSubmitted => "verification_submitted",
            AuditAction::VerificationReviewed => "verification_reviewed",
            AuditAction::PayoutDetailsRevealed => "payout_details_revealed",
            AuditAction::PayoutsExported => "payouts_exported",
            AuditAction::FundingWalletCreated => "funding_wallet_created",
            AuditAction::MemberActiveChanged => "member_active_changed",
            AuditAction::SettingsChanged => "settings_changed",
            AuditAction::IncentiveCreated => "incentive_created",
            AuditAction::IncentivesApproved => "incentives_approved",
            AuditAction::IncentivesRejected => "incentives_rejected",
            AuditAction::IncentivesPaid => "incentives_paid",
            AuditAction::ApiKeyCreated => "api_key_created",
            AuditAction::ApiKeyRevoked => "api_key_revoked",
            AuditAction::IncentivesImported => "incentives_imported",
            AuditAction::EmailRetried => "email_retried",
            AuditAction::PasswordResetRequested => "password_reset_requested",
            AuditAction::PasswordReset => "password_reset",
            AuditAction::PayPalBatchSent => "paypal_batch_sent",
            AuditAction::PayoutRunStarted => "payout_run_started",
            AuditAction::PayoutScheduleSaved => "payout_schedule_saved",
            AuditAction::PayoutScheduleStopped => "payout_schedule_stopped",
            AuditAction::PayoutFieldChanged => "payout_field_changed",
            AuditAction::EmailConfirmed => "email_confirmed",
            AuditAction::ConfirmationSent => "confirmation_sent",
            AuditAction::PayPalAlertResolved => "paypal_alert_resolved",
            AuditAction::AdminInvited => "admin_invited",
            AuditAction::AdminInviteRevoked => "admin_invite_revoked",
            AuditAction::AdminRoleChanged => "admin_role_changed",
            AuditAction::AdminActiveChanged => "admin_active_changed",
            AuditAction::SessionsEnded => "sessions_ended",
            AuditAction::PasswordChanged => "password_changed",
            AuditAction::SecondApprovalAsked => "second_approval_asked",
            AuditAction::SecondApprovalGranted => "second_approval_granted",
            AuditAction::SecondApprovalDeclined => "second_approval_declined",
            AuditAction::TwoFactorEnabled => "two_factor_enabled",
            AuditAction::TwoFactorDisabled => "two_factor_disabled",
            AuditAction::TwoFactorReset => "two_factor_reset",
            AuditAction::RecoveryCodesRenewed => "recovery_codes_renewed",
            AuditAction::SteppedUp => "stepped_up",
        }
    }
}

#[derive(Clone, Debug)]
pub struct AuditEntry {
    pub action: AuditAction,
    pub actor_user_id: Option<i64>,
    pub subject: Option<String>,
    pub ip: Option<String>,
    pub detail: Option<String>,
}

impl AuditEntry {
    pub fn new(action: AuditAction) -> Self {
        Self {
            action,
            actor_user_id: None,
            subject: None,
            ip: None,
            detail: None,
        }
    }

    pub fn actor(mut self, user_id: i64) -> Self {
        self.actor_user_id = Some(user_id);
        self
    }

    /// Kept to the column's size (see [`subject_text`]).
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject_text(&subject.into()));
        self
    }

    pub fn ip(mut self, ip: Option<String>) -> Self {
        self.ip = ip.map(|ip| clip(&ip, IP_CHARS));
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(clip(&detail.into(), DETAIL_CHARS));
        self
    }
}

/// The sizes of `audit_events.subject` and `.ip` (PostgreSQL refuses a
/// longer value outright), and a bound on the free-text detail.
pub const SUBJECT_CHARS: usize = 254;
const IP_CHARS: usize = 64;
const DETAIL_CHARS: usize = 4_000;

/// A subject as it is stored. Whatever a client typed (a 10,000-character
/// "email" at sign-in) is cut to fit, so the row is always written: a failed
/// sign-in that could not be recorded would not be counted by the throttle.
/// Lookups by subject (the throttle's) go through this too, to match.
pub fn subject_text(subject: &str) -> String {
    clip(subject, SUBJECT_CHARS)
}

fn clip(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((end, _)) => text[..end].to_owned(),
        None => text.to_owned(),
    }
}

pub async fn record(
    conn: &impl ConnectionTrait,
    at: DateTime<Utc>,
    entry: AuditEntry,
) -> Result<(), DbErr> {
    audit_event::Entity::insert(audit_event::ActiveModel {
        occurred_at: Set(at),
        actor_user_id: Set(entry.actor_user_id),
        action: Set(entry.action.as_str().to_owned()),
        subject: Set(entry.subject),
        ip: Set(entry.ip),
        detail: Set(entry.detail),
        ..Default::default()
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}
