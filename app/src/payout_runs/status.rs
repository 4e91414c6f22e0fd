//! A payout run's status and its members', and the one way each moves.
//!
//! A run is `Running` until no member is pending, then `Done` (a run with
//! nobody to pay is recorded done at once). Each member starts `Pending`
//! and moves once: to `Created` when its request was made, or `Skipped`
//! with the reason.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunStatus {
    Running,
    Done,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Done => "done",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [RunStatus::Running, RunStatus::Done]
            .into_iter()
            .find(|status| status.as_str() == text)
    }

    /// Where a new run starts: done already when nobody is in it.
    pub fn starting(members: usize) -> Self {
        if members == 0 {
            RunStatus::Done
        } else {
            RunStatus::Running
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberStatus {
    Pending,
    Created,
    Skipped,
}

impl MemberStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberStatus::Pending => "pending",
            MemberStatus::Created => "created",
            MemberStatus::Skipped => "skipped",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            MemberStatus::Pending,
            MemberStatus::Created,
            MemberStatus::Skipped,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }
}

/// What happened to a run or one of its members.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunEvent {
    /// The member's request was made.
    RequestMade,
    /// The member was left out (the reason is stored beside the status).
    MemberSkipped,
    /// No member of the run is pending any more.
    LastMemberDone,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("a payout run {what} that is {from} cannot take {event:?}")]
pub struct StatusError {
    what: &'static str,
    from: &'static str,
    event: RunEvent,
}

/// The one transition of a run member: pending, then created or skipped,
/// once. The caller's update is guarded on `from`, so two steps at once
/// move a member once.
pub fn member_transition(from: MemberStatus, event: RunEvent) -> Result<MemberStatus, StatusError> {
    match (from, event) {
        (MemberStatus::Pending, RunEvent::RequestMade) => Ok(MemberStatus::Created),
        (MemberStatus::Pending, RunEvent::MemberSkipped) => Ok(MemberStatus::Skipped),
        _ => Err(StatusError {
            what: "member",
            from: from.as_str(),
            event,
        }),
    }
}

/// The one transition of a run: running, then done once its last member is.
pub fn run_transition(from: RunStatus, event: RunEvent) -> Result<RunStatus, StatusError> {
    match (from, event) {
        (RunStatus::Running, RunEvent::LastMemberDone) => Ok(RunStatus::Done),
        _ => Err(StatusError {
            what: "run",
            from: from.as_str(),
            event,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENTS: [RunEvent; 3] = [
        RunEvent::RequestMade,
        RunEvent::MemberSkipped,
        RunEvent::LastMemberDone,
    ];

    #[test]
    fn a_member_moves_once_from_pending() {
        for from in [
            MemberStatus::Pending,
            MemberStatus::Created,
            MemberStatus::Skipped,
        ] {
            for event in EVENTS {
                let expected = match (from, event) {
                    (MemberStatus::Pending, RunEvent::RequestMade) => Some(MemberStatus::Created),
                    (MemberStatus::Pending, RunEvent::MemberSkipped) => Some(MemberStatus::Skipped),
                    _ => None,
                };
                assert_eq!(
                    member_transition(from, event).ok(),
                    expected,
                    "{from:?} + {event:?}"
                );
            }
            assert_eq!(MemberStatus::parse(from.as_str()), Some(from));
        }
    }

    #[test]
    fn a_run_ends_once() {
        assert_eq!(
            run_transition(RunStatus::Running, RunEvent::LastMemberDone),
            Ok(RunStatus::Done)
        );
        for event in EVENTS {
            assert!(run_transition(RunStatus::Done, event).is_err(), "{event:?}");
        }
        assert!(run_transition(RunStatus::Running, RunEvent::RequestMade).is_err());
        assert_eq!(RunStatus::starting(0), RunStatus::Done);
        assert_eq!(RunStatus::starting(3), RunStatus::Running);
        assert_eq!(RunStatus::parse("running"), Some(RunStatus::Running));
        assert_eq!(RunStatus::parse("finished"), None);
    }
}
