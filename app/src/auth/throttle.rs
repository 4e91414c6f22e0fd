//! Sign-in throttling, on attempts recorded before any password is checked.
//!
//! Each attempt is written (and committed) first and only then counted
//! against the ones before it, so fifty guesses sent at once are fifty
//! attempts, and at most the limit of them ever reach a password check: of
//! the attempts let through, the last to count saw all the others.
//!
//! Two limits, each over attempts that failed or are still being checked:
//! - per account *and address*: after `login_max_failures_per_account`
//!   failures since the account's last sign-in, that address waits a
//!   window, then twice as long after the next failure, and so on (up to a
//!   day). A stranger failing from their own address locks out only
//!   themselves: the owner's right password from another address works.
//! - per address, over every account: `login_max_failures_per_ip` within
//!   the window, against one address guessing many accounts.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    sea_query::Expr, ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::AuthError;
use crate::entities::audit_event;
use crate::entities::sign_in_attempt::{self, Column};
use crate::platform::{
    audit::{self, AuditAction},
    state::Settings,
};

/// How far back failures for an account and address are counted: the
/// longest wait the doubling reaches.
const LONGEST_WAIT: Duration = Duration::hours(24);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Failed,
    Succeeded,
    /// The password was right and the second factor is still owed: counts
    /// neither as a failure nor as the sign-in that clears them.
    Passed,
    /// Not checked (too many attempts, or no hashing slot free): counts
    /// for nothing.
    Refused,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Failed => "failed",
            Outcome::Succeeded => "succeeded",
            Outcome::Passed => "passed",
            Outcome::Refused => "refused",
        }
    }
}

const PENDING: &str = "pending";

/// The attempt being made, to be finished with [`finish`].
#[derive(Debug)]
pub struct Attempt {
    id: i64,
}

/// Records an attempt for `email` from `ip` and lets it through, or refuses
/// it (recorded as refused, which counts for nothing) when a limit is hit.
pub async fn begin(
    db: &DatabaseConnection,
    settings: &Settings,
    email: &str,
    ip: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Attempt, AuthError> {
    let email = audit::subject_text(email);
    let inserted = sign_in_attempt::Entity::insert(sign_in_attempt::ActiveModel {
        email: Set(email.clone()),
        ip: Set(ip.map(str::to_owned)),
        started_at: Set(now),
        outcome: Set(PENDING.to_owned()),
        ..Default::default()
    })
    .exec(db)
    .await?;
    let attempt = Attempt {
        id: inserted.last_insert_id,
    };
    if let Err(refused) = check(db, settings, &email, ip, now, attempt.id).await {
        mark(db, &attempt, Outcome::Refused.as_str()).await?;
        return Err(refused);
    }
    Ok(attempt)
}

/// Records how the attempt ended.
pub async fn finish(
    db: &DatabaseConnection,
    attempt: Attempt,
    outcome: Outcome,
) -> Result<(), DbErr> {
    mark(db, &attempt, outcome.as_str()).await
}

async fn mark(db: &DatabaseConnection, attempt: &Attempt, outcome: &str) -> Result<(), DbErr> {
    sign_in_attempt::Entity::update_many()
        .col_expr(Column::Outcome, Expr::value(outcome))
        .filter(Column::Id.eq(attempt.id))
        .filter(Column::Outcome.eq(PENDING))
        .exec(db)
        .await?;
    Ok(())
}

/// Failed, or still being checked: what counts against a limit.
fn counts() -> Condition {
    Condition::any()
        .add(Column::Outcome.eq(Outcome::Failed.as_str()))
        .add(Column::Outcome.eq(PENDING))
}

fn from_ip(ip: Option<&str>) -> Condition {
    match ip {
        Some(ip) => Condition::all().add(Column::Ip.eq(ip)),
        None => Condition::all().add(Column::Ip.is_null()),
    }
}

async fn check(
    db: &DatabaseConnection,
    settings: &Settings,
    email: &str,
    ip: Option<&str>,
    now: DateTime<Utc>,
    mine: i64,
) -> Result<(), AuthError> {
    let window = Duration::from_std(settings.login_failure_window)
        .map_err(|err| AuthError::Unexpected(err.into()))?;

    // Per account and address, since the account last signed in.
    let last_success = sign_in_attempt::Entity::find()
        .filter(Column::Email.eq(email))
        .filter(Column::Outcome.eq(Outcome::Succeeded.as_str()))
        .filter(Column::StartedAt.gt(now - LONGEST_WAIT))
        .order_by_desc(Column::StartedAt)
        .one(db)
        .await?
        .map(|attempt| attempt.started_at);
    let since = last_success.unwrap_or(now - LONGEST_WAIT);
    let pair = sign_in_attempt::Entity::find()
        .filter(Column::Email.eq(email))
        .filter(from_ip(ip))
        .filter(Column::StartedAt.gte(since))
        .filter(Column::Id.ne(mine))
        .filter(counts());
    let failures = pair.clone().count(db).await?;
    let limit = settings.login_max_failures_per_account;
    if failures >= limit {
        let latest: Option<DateTime<Utc>> = pair
            .select_only()
            .column(Column::StartedAt)
            .order_by_desc(Column::StartedAt)
            .into_tuple()
            .one(db)
            .await?;
        let until = latest.unwrap_or(now) + wait_after(failures - limit, window);
        if now < until {
            return Err(throttled(until - now));
        }
    }

    // Per address, over every account.
    if ip.is_some() {
        let from_here = sign_in_attempt::Entity::find()
            .filter(from_ip(ip))
            .filter(Column::StartedAt.gt(now - window))
            .filter(Column::Id.ne(mine))
            .filter(counts())
            .count(db)
            .await?;
        if from_here >= settings.login_max_failures_per_ip {
            return Err(throttled(window));
        }
    }
    Ok(())
}

/// The wait after `over` failures beyond the limit: a window, doubling with
/// each further failure, at most a day.
fn wait_after(over: u64, window: Duration) -> Duration {
    let factor = 1i32 << over.min(10);
    (window * factor).min(LONGEST_WAIT)
}

fn throttled(wait: Duration) -> AuthError {
    let minutes = u64::try_from(wait.num_seconds().max(1))
        .unwrap_or(1)
        .div_ceil(60);
    AuthError::Throttled { minutes }
}

/// Refuses a sign-up or password-reset request from an address that made
/// `account_requests_per_address` of them within the sign-in window (each
/// costs an argon2 hash or an email), counting their audit rows (every one
/// is audited, whatever its outcome).
pub async fn check_address(
    conn: &impl sea_orm::ConnectionTrait,
    settings: &Settings,
    action: AuditAction,
    ip: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), AuthError> {
    let Some(ip) = ip else { return Ok(()) };
    let window = Duration::from_std(settings.login_failure_window)
        .map_err(|err| AuthError::Unexpected(err.into()))?;
    let made = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action.as_str()))
        .filter(audit_event::Column::Ip.eq(ip))
        .filter(audit_event::Column::OccurredAt.gt(now - window))
        .count(conn)
        .await?;
    if made >= settings.account_requests_per_address {
        let minutes = u64::try_from(window.num_minutes().max(1)).unwrap_or(15);
        return Err(AuthError::TooManyFromHere { minutes });
    }
    Ok(())
}

/// Attempts older than anything a limit looks at.
pub async fn purge(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let deleted = sign_in_attempt::Entity::delete_many()
        .filter(Column::StartedAt.lt(now - LONGEST_WAIT - Duration::hours(1)))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_with_each_failure_past_the_limit_up_to_a_day() {
        let window = Duration::minutes(15);
        assert_eq!(wait_after(0, window), Duration::minutes(15));
        assert_eq!(wait_after(1, window), Duration::minutes(30));
        assert_eq!(wait_after(3, window), Duration::minutes(120));
        assert_eq!(wait_after(7, window), LONGEST_WAIT);
        assert_eq!(wait_after(u64::MAX, window), LONGEST_WAIT);
    }
}
