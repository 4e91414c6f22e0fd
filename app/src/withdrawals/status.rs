//! Withdrawal request statuses and the one function that moves between them.
//!
//! `transition` is the only place that decides whether a status may change
//! and what happens to the money when it does. It matches every (status,
//! action) pair explicitly, with no wildcard arm, so adding a status or an
//! action does not compile until each pair has been thought about.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WithdrawalStatus {
    Requested,
    Approved,
    Processing,
    Paid,
    Rejected,
    Canceled,
    Failed,
    Returned,
}

impl WithdrawalStatus {
    pub const ALL: [WithdrawalStatus; 8] = [
        WithdrawalStatus::Requested,
        WithdrawalStatus::Approved,
        WithdrawalStatus::Processing,
        WithdrawalStatus::Paid,
        WithdrawalStatus::Rejected,
        WithdrawalStatus::Canceled,
        WithdrawalStatus::Failed,
        WithdrawalStatus::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WithdrawalStatus::Requested => "requested",
            WithdrawalStatus::Approved => "approved",
            WithdrawalStatus::Processing => "processing",
            WithdrawalStatus::Paid => "paid",
            WithdrawalStatus::Rejected => "rejected",
            WithdrawalStatus::Canceled => "canceled",
            WithdrawalStatus::Failed => "failed",
            WithdrawalStatus::Returned => "returned",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == value)
    }

    /// How the status reads to a member.
    pub fn label(self) -> &'static str {
        match self {
            WithdrawalStatus::Requested => "Requested",
            WithdrawalStatus::Approved => "Approved",
            WithdrawalStatus::Processing => "Processing",
            WithdrawalStatus::Paid => "Paid",
            WithdrawalStatus::Rejected => "Rejected",
            WithdrawalStatus::Canceled => "Canceled",
            WithdrawalStatus::Failed => "Failed",
            WithdrawalStatus::Returned => "Returned",
        }
    }

    /// Whether the amount is still held in flight for this request.
    pub fn is_open(self) -> bool {
        match self {
            WithdrawalStatus::Requested
            | WithdrawalStatus::Approved
            | WithdrawalStatus::Processing => true,
            WithdrawalStatus::Paid
            | WithdrawalStatus::Rejected
            | WithdrawalStatus::Canceled
            | WithdrawalStatus::Failed
            | WithdrawalStatus::Returned => false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WithdrawalAction {
    Approve,
    MarkProcessing,
    MarkPaid,
    Reject,
    Cancel,
    MarkFailed,
    MarkReturned,
}

impl WithdrawalAction {
    pub const ALL: [WithdrawalAction; 7] = [
        WithdrawalAction::Approve,
        WithdrawalAction::MarkProcessing,
        WithdrawalAction::MarkPaid,
        WithdrawalAction::Reject,
        WithdrawalAction::Cancel,
        WithdrawalAction::MarkFailed,
        WithdrawalAction::MarkReturned,
    ];

    /// The action's name on the wire (as serde writes it).
    pub fn as_str(self) -> &'static str {
        match self {
            WithdrawalAction::Approve => "approve",
            WithdrawalAction::MarkProcessing => "mark_processing",
            WithdrawalAction::MarkPaid => "mark_paid",
            WithdrawalAction::Reject => "reject",
            WithdrawalAction::Cancel => "cancel",
            WithdrawalAction::MarkFailed => "mark_failed",
            WithdrawalAction::MarkReturned => "mark_returned",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|action| action.as_str() == value)
    }

    /// The button's label.
    pub fn label(self) -> &'static str {
        match self {
            WithdrawalAction::Approve => "Approve",
            WithdrawalAction::MarkProcessing => "Mark processing",
            WithdrawalAction::MarkPaid => "Mark paid",
            WithdrawalAction::Reject => "Reject",
            WithdrawalAction::Cancel => "Cancel",
            WithdrawalAction::MarkFailed => "Mark failed",
            WithdrawalAction::MarkReturned => "Mark returned",
        }
    }

    pub fn verb(self) -> &'static str {
        match self {
            WithdrawalAction::Approve => "approve",
            WithdrawalAction::MarkProcessing => "mark as processing",
            WithdrawalAction::MarkPaid => "mark as paid",
            WithdrawalAction::Reject => "reject",
            WithdrawalAction::Cancel => "cancel",
            WithdrawalAction::MarkFailed => "mark as failed",
            WithdrawalAction::MarkReturned => "mark as returned",
        }
    }
}

/// What a transition does to the money held for the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoneyEffect {
    /// Only the status changes.
    None,
    /// The held amount leaves for the outside world (and the fee to the fee wallet).
    Settle,
    /// The held amount goes back to the member's wallet.
    CreditBack,
    /// A paid amount came back from the provider: it returns to the member.
    Reverse,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("A {from} request cannot be {verb}", from = from.as_str(), verb = past(*action))]
pub struct TransitionError {
    pub from: WithdrawalStatus,
    pub action: WithdrawalAction,
}

fn past(action: WithdrawalAction) -> &'static str {
    match action {
        WithdrawalAction::Approve => "approved",
        WithdrawalAction::MarkProcessing => "marked as processing",
        WithdrawalAction::MarkPaid => "marked as paid",
        WithdrawalAction::Reject => "rejected",
        WithdrawalAction::Cancel => "canceled",
        WithdrawalAction::MarkFailed => "marked as failed",
        WithdrawalAction::MarkReturned => "marked as returned",
    }
}

/// The one transition function: the next status and the money effect, or
/// why the action is not allowed from this status.
pub fn transition(
    from: WithdrawalStatus,
    action: WithdrawalAction,
) -> Result<(WithdrawalStatus, MoneyEffect), TransitionError> {
    use MoneyEffect as M;
    use WithdrawalAction as A;
    use WithdrawalStatus as S;
    let refused = Err(TransitionError { from, action });
    match (from, action) {
        (S::Requested, A::Approve) => Ok((S::Approved, M::None)),
        (S::Requested, A::Reject) => Ok((S::Rejected, M::CreditBack)),
        (S::Requested, A::Cancel) => Ok((S::Canceled, M::CreditBack)),
        (S::Requested, A::MarkProcessing | A::MarkPaid | A::MarkFailed | A::MarkReturned) => {
            refused
        }

        (S::Approved, A::MarkProcessing) => Ok((S::Processing, M::None)),
        (S::Approved, A::Reject) => Ok((S::Rejected, M::CreditBack)),
        (S::Approved, A::Approve | A::MarkPaid | A::Cancel | A::MarkFailed | A::MarkReturned) => {
            refused
        }

        (S::Processing, A::MarkPaid) => Ok((S::Paid, M::Settle)),
        (S::Processing, A::MarkFailed) => Ok((S::Failed, M::CreditBack)),
        (
            S::Processing,
            A::Approve | A::MarkProcessing | A::Reject | A::Cancel | A::MarkReturned,
        ) => refused,

        (S::Paid, A::MarkReturned) => Ok((S::Returned, M::Reverse)),
        (
            S::Paid,
            A::Approve | A::MarkProcessing | A::MarkPaid | A::Reject | A::Cancel | A::MarkFailed,
        ) => refused,

        (
            S::Rejected | S::Canceled | S::Failed | S::Returned,
            A::Approve
            | A::MarkProcessing
            | A::MarkPaid
            | A::Reject
            | A::Cancel
            | A::MarkFailed
            | A::MarkReturned,
        ) => refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MoneyEffect as M;
    use WithdrawalAction as A;
    use WithdrawalStatus as S;

    /// Every allowed pair; every pair not listed here must be refused.
    const ALLOWED: [(S, A, S, M); 8] = [
        (S::Requested, A::Approve, S::Approved, M::None),
        (S::Requested, A::Reject, S::Rejected, M::CreditBack),
        (S::Requested, A::Cancel, S::Canceled, M::CreditBack),
        (S::Approved, A::MarkProcessing, S::Processing, M::None),
        (S::Approved, A::Reject, S::Rejected, M::CreditBack),
        (S::Processing, A::MarkPaid, S::Paid, M::Settle),
        (S::Processing, A::MarkFailed, S::Failed, M::CreditBack),
        (S::Paid, A::MarkReturned, S::Returned, M::Reverse),
    ];

    fn check(from: S, action: A, expected: Option<(S, M)>) {
        match expected {
            Some(next) => assert_eq!(transition(from, action), Ok(next), "{from:?} + {action:?}"),
            None => assert_eq!(
                transition(from, action),
                Err(TransitionError { from, action }),
                "{from:?} + {action:?} must be refused"
            ),
        }
    }

    #[test]
    fn every_status_and_action_pair() {
        let mut allowed_pairs = std::collections::HashSet::new();
        for status in S::ALL {
            for action in A::ALL {
                let expected = ALLOWED
                    .iter()
                    .find(|(from, act, _, _)| *from == status && *act == action)
                    .map(|(_, _, to, effect)| (*to, *effect));
                if expected.is_some() {
                    allowed_pairs.insert((status, action));
                }
                check(status, action, expected);
            }
        }
        assert_eq!(allowed_pairs.len(), 8, "exactly eight transitions exist");
        assert_eq!(S::ALL.len() * A::ALL.len(), 56);
    }

    #[test]
    fn terminal_statuses_release_the_hold() {
        for status in S::ALL {
            let open = matches!(status, S::Requested | S::Approved | S::Processing);
            assert_eq!(status.is_open(), open, "{status:?}");
            assert_eq!(S::parse(status.as_str()), Some(status));
        }
    }

    #[test]
    fn refusals_read_as_sentences() {
        let err = transition(S::Paid, A::Cancel).unwrap_err();
        assert_eq!(err.to_string(), "A paid request cannot be canceled");
    }
}
