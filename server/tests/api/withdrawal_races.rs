//! Concurrency: the guards hold when many requests arrive at once, on
//! SQLite and on PostgreSQL.

use crate::helpers::spawn_app;
use crate::ledger_fixture::{act, assert_ledger_clean, balance, desk, key, request};
use app::withdrawals::{
    decision::Problem, service::WithdrawalError, WithdrawalAction as A, WithdrawalStatus as S,
};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_requests_against_a_balance_for_k_of_them() {
    let app = Arc::new(spawn_app().await);
    let desk = desk(&app).await;
    let ada = Arc::new(desk.member(&app, "ada").await);
    let k = 37;
    let wallet = desk.credit(&app, &ada, &desk.usd, k * 100).await;

    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let (app, ada) = (app.clone(), ada.clone());
            tokio::spawn(
                async move { request(&app, &ada, wallet.id, "paypal", "1.00", &key()).await },
            )
        })
        .collect();
    let mut succeeded = 0;
    let mut insufficient = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => succeeded += 1,
            Err(WithdrawalError::Refused(Problem::InsufficientFunds(_))) => insufficient += 1,
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    assert_eq!(succeeded, k);
    assert_eq!(insufficient, 200 - k);
    assert_eq!(balance(&app, wallet.id).await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM withdrawal_requests").await,
        k
    );
    assert_ledger_clean(&app).await;
}

/// "One open request" and "a minimum delay between requests" are read and
/// written in one transaction: twenty requests at once, each with its own
/// key and money for all of them, make exactly one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_requests_at_once_make_one_when_one_may_be_open() {
    for (setting, value) in [
        (app::withdrawals::rules::ONE_OPEN_REQUEST, "true"),
        (app::withdrawals::rules::MIN_DELAY_SECONDS, "86400"),
    ] {
        let app = Arc::new(spawn_app().await);
        let desk = desk(&app).await;
        let ada = Arc::new(desk.member(&app, "ada").await);
        let wallet = desk.credit(&app, &ada, &desk.usd, 100_000).await;
        app::platform::settings_store::put_setting(&app.state.db, setting, value)
            .await
            .unwrap();
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (app, ada) = (app.clone(), ada.clone());
                tokio::spawn(async move {
                    request(&app, &ada, wallet.id, "paypal", "10.00", &key()).await
                })
            })
            .collect();
        let mut made = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => made += 1,
                Err(WithdrawalError::OneOpenRequest | WithdrawalError::TooSoon(_)) => {}
                Err(other) => panic!("{setting}: unexpected error: {other}"),
            }
        }
        assert_eq!(made, 1, "{setting}");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM withdrawal_requests").await,
            1,
            "{setting}"
        );
        assert_eq!(balance(&app, wallet.id).await, 100_000 - 1_000);
        assert_ledger_clean(&app).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_admins_finishing_the_same_request_at_once_move_money_once() {
    let app = Arc::new(spawn_app().await);
    let desk = desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    let wallet = desk.credit(&app, &ada, &desk.usd, 10_000).await;

    for round in 0..10 {
        let view = request(&app, &ada, wallet.id, "paypal", "10", &key())
            .await
            .unwrap();
        act(&app, desk.admin, view.id, A::Approve, &key())
            .await
            .unwrap();
        act(&app, desk.admin, view.id, A::MarkProcessing, &key())
            .await
            .unwrap();
        let admin = desk.admin;
        let paid = {
            let app = app.clone();
            tokio::spawn(async move { act(&app, admin, view.id, A::MarkPaid, &key()).await })
        };
        let failed = {
            let app = app.clone();
            tokio::spawn(async move { act(&app, admin, view.id, A::MarkFailed, &key()).await })
        };
        let (paid, failed) = (paid.await.unwrap(), failed.await.unwrap());
        assert!(
            paid.is_ok() != failed.is_ok(),
            "round {round}: exactly one wins"
        );
        let loser = paid.as_ref().err().or(failed.as_ref().err()).unwrap();
        assert!(
            matches!(
                loser,
                WithdrawalError::Stale | WithdrawalError::Transition(_)
            ),
            "round {round}: the loser is told of the conflict, got {loser}"
        );
        let settled = app
            .count(&format!(
                "SELECT COUNT(*) FROM journal_entries WHERE reference = 'withdrawal:{}' AND kind IN ('withdrawal_settle', 'credit_back')",
                view.id
            ))
            .await;
        assert_eq!(settled, 1, "round {round}: money moved once");
    }
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_idempotency_key_fifty_times_at_once_is_one_request() {
    let app = Arc::new(spawn_app().await);
    let desk = desk(&app).await;
    let ada = Arc::new(desk.member(&app, "ada").await);
    let wallet = desk.credit(&app, &ada, &desk.usd, 100_000).await;
    let shared_key = key();

    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (app, ada, shared_key) = (app.clone(), ada.clone(), shared_key.clone());
            tokio::spawn(async move {
                request(&app, &ada, wallet.id, "paypal", "12.34", &shared_key).await
            })
        })
        .collect();
    let mut ids = std::collections::HashSet::new();
    for task in tasks {
        let view = task
            .await
            .unwrap()
            .expect("every retry gets the first result");
        assert_eq!(view.gross_minor, 1_234);
        ids.insert(view.id);
    }
    assert_eq!(ids.len(), 1, "one request for one key");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM withdrawal_requests").await,
        1
    );
    assert_eq!(balance(&app, wallet.id).await, 100_000 - 1_234);

    // The same amount typed another way is the same request.
    for typed in ["12.340", " 12.34 ", "012.34"] {
        let again = request(&app, &ada, wallet.id, "paypal", typed, &shared_key)
            .await
            .unwrap();
        assert!(ids.contains(&again.id), "{typed:?}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM withdrawal_requests").await,
        1
    );

    // The same key for something else is refused, not silently replayed.
    let err = request(&app, &ada, wallet.id, "paypal", "50", &shared_key)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "This request key was already used for a different request"
    );

    // A repeated status change with its key is answered, not repeated.
    let id = *ids.iter().next().unwrap();
    let change_key = key();
    let first = act(&app, desk.admin, id, A::Reject, &change_key)
        .await
        .unwrap();
    let again = act(&app, desk.admin, id, A::Reject, &change_key)
        .await
        .unwrap();
    assert_eq!((first.status, again.status), (S::Rejected, S::Rejected));
    assert_eq!(balance(&app, wallet.id).await, 100_000);
    assert_ledger_clean(&app).await;
}
