//! SQLite write transactions take the write lock up front, so concurrent
//! writers queue instead of failing half-way with SQLITE_BUSY.

use crate::helpers::{spawn_sqlite_app, TestUser};
use app::platform::db::begin_write;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_read_then_write_transactions_all_commit_without_lost_updates() {
    let app = spawn_sqlite_app().await;
    let db = app.state.db.clone();
    db.execute_unprepared("CREATE TABLE writer_check (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
        .await
        .unwrap();
    db.execute_unprepared("INSERT INTO writer_check (id, n) VALUES (1, 0)")
        .await
        .unwrap();

    // Each task reads the counter, then writes it back plus one: the shape
    // of a balance check followed by a debit. A deferred transaction here
    // fails with SQLITE_BUSY when two readers both try to upgrade.
    let writers = 64;
    let tasks: Vec<_> = (0..writers)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                let txn = begin_write(&db).await?;
                let row = txn
                    .query_one_raw(Statement::from_string(
                        DbBackend::Sqlite,
                        "SELECT n FROM writer_check WHERE id = 1",
                    ))
                    .await?
                    .expect("the row");
                let n: i64 = row.try_get_by_index(0)?;
                txn.execute_raw(Statement::from_sql_and_values(
                    DbBackend::Sqlite,
                    "UPDATE writer_check SET n = ? WHERE id = 1",
                    [(n + 1).into()],
                ))
                .await?;
                txn.commit().await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().expect("every writer commits");
    }
    assert_eq!(
        app.count("SELECT n FROM writer_check WHERE id = 1").await,
        writers
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sign_ups_all_succeed() {
    let app = spawn_sqlite_app().await;
    let users: Vec<TestUser> = (0..24).map(|_| TestUser::generate()).collect();
    let browsers: Vec<_> = users.iter().map(|_| app.new_browser()).collect();
    // Fetch the CSRF cookies first so that every sign-up is in flight together.
    for browser in &browsers {
        browser.csrf_token().await;
    }
    let responses =
        futures::future::join_all(browsers.iter().zip(&users).map(|(b, u)| b.sign_up_form(u)))
            .await;
    for response in responses {
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 24);
    // Each with its confirmation link and its email, in its transaction.
    assert_eq!(app.count("SELECT COUNT(*) FROM password_links").await, 24);
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 24);
}
