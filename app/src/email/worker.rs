//! Delivering the outbox. A pass claims due messages (a lease, so another
//! worker or instance leaves them alone; on PostgreSQL the claim also skips
//! rows another transaction is claiming: `FOR UPDATE SKIP LOCKED`), sends
//! each, and records the outcome: sent, retry later with exponential
//! backoff, or given up (dead) after `max_attempts`.
//!
//! A crash after the send but before recording it sends the message again
//! when the lease runs out: at least once, never lost, and with the same
//! Message-ID, so a duplicate is recognisable.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    sea_query::{Expr, ExprTrait, LockBehavior, LockType},
    ColumnTrait, Condition, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::compose::{compose, ComposeError};
use super::mailer::Mailer;
use super::notice::{carries_token, Notice};
use crate::entities::outbox_message::{self, Column};
use crate::platform::{db, state::MailSettings, Clock};

/// Messages claimed per round trip.
const BATCH: u64 = 20;

/// What one pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pass {
    pub sent: usize,
    /// Failed this time; tried again later.
    pub retrying: usize,
    /// Given up on.
    pub dead: usize,
    /// Nothing to send for them (a notice that tells the member nothing).
    pub skipped: usize,
}

/// The wait before attempt `attempts + 1`: doubling from the first delay,
/// at most a day.
pub fn backoff(mail: &MailSettings, attempts: i32) -> Duration {
    let first = Duration::from_std(mail.first_retry_after).unwrap_or(Duration::seconds(30));
    let doublings = std::cmp::min(u32::try_from(attempts.saturating_sub(1)).unwrap_or(0), 16);
    std::cmp::min(first * 2i32.pow(doublings), Duration::days(1))
}

/// How long a claim holds: long enough for the SMTP exchange with its
/// timeouts, short enough that a crashed worker's messages go out soon.
fn lease(mail: &MailSettings) -> Duration {
    Duration::from_std(mail.smtp_timeout * 6).unwrap_or(Duration::minutes(1))
        + Duration::seconds(30)
}

fn due(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(Column::SentAt.is_null())
        .add(Column::DeadAt.is_null())
        .add(
            Condition::any()
                .add(Column::NextAttemptAt.is_null())
                .add(Column::NextAttemptAt.lte(now)),
        )
        .add(
            Condition::any()
                .add(Column::LockedUntil.is_null())
                .add(Column::LockedUntil.lt(now)),
        )
}

/// Claims up to a batch of due messages: each claim is a guarded update, so
/// two workers never hold one message at once.
async fn claim(
    conn: &DatabaseConnection,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<outbox_message::Model>, DbErr> {
    let txn = db::begin_write(conn).await?;
    let mut select = outbox_message::Entity::find()
        .filter(due(now))
        .order_by_asc(Column::Id)
        .limit(BATCH);
    if conn.get_database_backend() == DbBackend::Postgres {
        select = select.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let candidates = select.all(&txn).await?;
    let mut claimed = Vec::with_capacity(candidates.len());
    for mut row in candidates {
        let taken = outbox_message::Entity::update_many()
            .col_expr(Column::LockedUntil, Expr::value(until))
            .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
            .filter(Column::Id.eq(row.id))
            .filter(due(now))
            .exec(&txn)
            .await?;
        if taken.rows_affected == 1 {
            row.attempts += 1;
            row.locked_until = Some(until);
            claimed.push(row);
        }
    }
    txn.commit().await?;
    Ok(claimed)
}

enum Outcome {
    Sent,
    Skipped,
    Failed(String),
    Unsendable(String),
}

/// One pass over the due messages; returns what it did. Errors are the
/// database's (the SMTP server's are recorded on the messages).
pub async fn deliver_due(
    conn: &DatabaseConnection,
    clock: &Clock,
    mail: &MailSettings,
    mailer: &Mailer,
) -> Result<Pass, DbErr> {
    let mut pass = Pass::default();
    loop {
        let now = clock.now();
        let until = now + lease(mail);
        let claimed = claim(conn, now, until).await?;
        let full = claimed.len() as u64 == BATCH;
        for row in claimed {
            let outcome = match compose(conn, &row, mail).await {
                Ok(None) => Outcome::Skipped,
                Ok(Some(message)) => {
                    // Each SMTP step has its own timeout; this bounds the whole.
                    let limit = mail.smtp_timeout * 4;
                    match tokio::time::timeout(limit, mailer.send(row.id, &message)).await {
                        Ok(Ok(())) => Outcome::Sent,
                        Ok(Err(err)) => Outcome::Failed(err),
                        Err(_) => Outcome::Failed("SMTP: no answer in time".into()),
                    }
                }
                Err(ComposeError::Unsendable(why)) => Outcome::Unsendable(why),
                Err(ComposeError::Db(err)) => Outcome::Failed(format!("database: {err}")),
            };
            record(conn, clock.now(), mail, &row, until, outcome, &mut pass).await?;
        }
        if !full {
            return Ok(pass);
        }
    }
}

async fn record(
    conn: &DatabaseConnection,
    now: DateTime<Utc>,
    mail: &MailSettings,
    row: &outbox_message::Model,
    until: DateTime<Utc>,
    outcome: Outcome,
    pass: &mut Pass,
) -> Result<(), DbErr> {
    let update = outbox_message::Entity::update_many()
        .col_expr(Column::LockedUntil, Expr::value(None::<DateTime<Utc>>))
        .filter(Column::Id.eq(row.id));
    match outcome {
        Outcome::Sent | Outcome::Skipped => {
            let mut update = update
                .col_expr(Column::SentAt, Expr::value(now))
                .col_expr(Column::NextAttemptAt, Expr::value(None::<DateTime<Utc>>));
            if matches!(outcome, Outcome::Sent) {
                pass.sent += 1;
                update = update.col_expr(Column::LastError, Expr::value(None::<String>));
                // The link's token has reached the member: it need not stay
                // in the database any longer (only its hash does).
                if carries_token(&row.kind) {
                    if let Ok(Notice::PasswordLink {
                        purpose,
                        expires_at,
                        ..
                    }) = Notice::parse(&row.kind, &row.payload)
                    {
                        let blanked = Notice::PasswordLink {
                            purpose,
                            token: String::new(),
                            expires_at,
                        };
                        update = update.col_expr(Column::Payload, Expr::value(blanked.payload()));
                    }
                }
            } else {
                pass.skipped += 1;
                update = update.col_expr(
                    Column::LastError,
                    Expr::value("nothing to send for this change"),
                );
            }
            // Recorded even if the lease ran out meanwhile: it was sent.
            update.filter(Column::SentAt.is_null()).exec(conn).await?;
        }
        Outcome::Failed(error) => {
            let update = update.col_expr(Column::LastError, Expr::value(error));
            let update = if row.attempts >= mail.max_attempts {
                pass.dead += 1;
                update.col_expr(Column::DeadAt, Expr::value(now))
            } else {
                pass.retrying += 1;
                update.col_expr(
                    Column::NextAttemptAt,
                    Expr::value(now + backoff(mail, row.attempts)),
                )
            };
            // Only while the claim is still ours: past it, another worker
            // owns the message and its outcome.
            update
                .filter(Column::LockedUntil.eq(until))
                .exec(conn)
                .await?;
        }
        Outcome::Unsendable(error) => {
            pass.dead += 1;
            update
                .col_expr(Column::LastError, Expr::value(error))
                .col_expr(Column::DeadAt, Expr::value(now))
                .filter(Column::LockedUntil.eq(until))
                .exec(conn)
                .await?;
        }
    }
    Ok(())
}

/// Delivers until `stop` turns true. A pass under way finishes first, so
/// what it sent is recorded as sent. A failing database is logged and tried
/// again on the next tick; it never ends the loop.
pub async fn run(
    conn: DatabaseConnection,
    clock: Clock,
    mail: MailSettings,
    mailer: Mailer,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut every = tokio::time::interval(mail.poll_every);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            return;
        }
        if let Err(err) = super::digest::write_if_due(&conn, clock.now()).await {
            tracing::warn!(error = %err, "admin digest: database error");
        }
        if let Err(err) = crate::auth::links::send_reset_links(&conn, &clock).await {
            tracing::warn!(error = %err, "password reset links: database error");
        }
        match deliver_due(&conn, &clock, &mail, &mailer).await {
            Ok(pass) if pass != Pass::default() => tracing::info!(?pass, "email delivery"),
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "email delivery: database error"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_after_each_failure_up_to_a_day() {
        let mail = MailSettings::default();
        assert_eq!(backoff(&mail, 1), Duration::seconds(30));
        assert_eq!(backoff(&mail, 2), Duration::seconds(60));
        assert_eq!(backoff(&mail, 5), Duration::seconds(480));
        assert_eq!(backoff(&mail, 40), Duration::days(1));
    }
}
