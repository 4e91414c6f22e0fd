//! Live updates for open admin pages: "the withdrawal requests changed,
//! count them again".
//!
//! A change is announced after its transaction commits. On PostgreSQL the
//! announcement is a `NOTIFY`, and every instance (this one included) hears
//! it through its own `LISTEN` connection, so a request made on one instance
//! moves the badge on pages served by another. SQLite is one process, so the
//! announcement goes straight to this process's subscribers.
//!
//! The message carries no data: subscribers recount, so a lost or duplicated
//! message can never leave a wrong number on screen for longer than the next
//! change, and a reconnect after a lost `LISTEN` connection triggers a recount.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use std::time::Duration;
use tokio::sync::{broadcast, watch};

/// The PostgreSQL channel. One channel per kind of change; there is one kind.
const CHANNEL: &str = "paydesk_requests";

#[derive(Clone)]
pub struct Live {
    changes: broadcast::Sender<()>,
    closed: watch::Sender<bool>,
}

impl Default for Live {
    fn default() -> Self {
        Self::new()
    }
}

impl Live {
    pub fn new() -> Self {
        // Subscribers only need to know that something changed, so a small
        // buffer is enough: a lagging subscriber recounts once.
        let (changes, _) = broadcast::channel(16);
        let (closed, _) = watch::channel(false);
        Self { changes, closed }
    }

    /// Change notices from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<()> {
        self.changes.subscribe()
    }

    /// Becomes `true` when the server shuts down: long-lived streams end then,
    /// or graceful shutdown would wait for them forever.
    pub fn closed(&self) -> watch::Receiver<bool> {
        self.closed.subscribe()
    }

    pub fn close(&self) {
        self.closed.send_replace(true);
    }

    /// Announces that withdrawal requests changed. Called after the change
    /// committed; a failure to announce is logged, never returned, because
    /// the money change itself has succeeded.
    pub async fn requests_changed(&self, db: &DatabaseConnection) {
        match db.get_database_backend() {
            DbBackend::Postgres => {
                let notify = Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT pg_notify($1, '')",
                    [CHANNEL.into()],
                );
                if let Err(err) = db.execute_raw(notify).await {
                    tracing::warn!(error = %err, "could not announce a change to withdrawal requests");
                }
            }
            _ => self.announce(),
        }
    }

    fn announce(&self) {
        // No subscribers is not an error: nobody has the admin area open.
        let _ = self.changes.send(());
    }

    /// On PostgreSQL, relays every instance's announcements to this
    /// instance's subscribers until the server closes. Does nothing on SQLite.
    pub fn spawn_listener(&self, db: &DatabaseConnection) -> Option<tokio::task::JoinHandle<()>> {
        if db.get_database_backend() != DbBackend::Postgres {
            return None;
        }
        let pool = db.get_postgres_connection_pool().clone();
        let live = self.clone();
        Some(tokio::spawn(async move {
            let mut closed = live.closed();
            tokio::select! {
                () = live.relay(pool) => {}
                _ = closed.wait_for(|closed| *closed) => {}
            }
        }))
    }

    async fn relay(&self, pool: sea_orm::sqlx::PgPool) {
        loop {
            let err = self.listen_until_error(&pool).await;
            tracing::warn!(error = %err, "lost the PostgreSQL LISTEN connection; retrying");
            // Back off so a database that is down is not hammered.
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    async fn listen_until_error(&self, pool: &sea_orm::sqlx::PgPool) -> sea_orm::sqlx::Error {
        use sea_orm::sqlx::postgres::PgListener;
        let mut listener = match PgListener::connect_with(pool).await {
            Ok(listener) => listener,
            Err(err) => return err,
        };
        if let Err(err) = listener.listen(CHANNEL).await {
            return err;
        }
        // Anything may have changed while nobody was listening.
        self.announce();
        loop {
            match listener.try_recv().await {
                Ok(Some(_)) => self.announce(),
                // The connection dropped and is being re-established: notices
                // sent meanwhile are lost, so everyone recounts.
                Ok(None) => self.announce(),
                Err(err) => return err,
            }
        }
    }
}
