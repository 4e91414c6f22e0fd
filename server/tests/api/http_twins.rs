//! The HTTP twins of the service-level money suites (`withdrawal_races.rs`,
//! `ledger_operations.rs`): what a client can do, done the way a client
//! does it, through the typed client, the session and CSRF checks and the
//! server functions, so a guard that only the service had would show here.

use std::sync::Arc;

use crate::helpers::spawn_app;
use crate::ledger_fixture::{admin_browser, assert_ledger_clean, balance, desk, key};
use app::funding::api::{CreateFundingWallet, RecordDeposit};
use app::ledger::money::Direction;
use app::members::api::AdjustMemberBalance;
use app::payouts::api::ActOnPayout;
use app::withdrawals::{api::RequestWithdrawal, WithdrawalAction, WithdrawalStatus};
use reqwest::StatusCode;

fn withdraw(wallet_id: i64, amount: &str, key: &str) -> RequestWithdrawal {
    RequestWithdrawal {
        wallet_id,
        method: "paypal".into(),
        amount: Some(amount.into()),
        max: None,
        idempotency_key: key.into(),
    }
}

fn act(request_id: i64, action: WithdrawalAction) -> ActOnPayout {
    ActOnPayout {
        request_id,
        action,
        note: None,
        external_reference: None,
        payment_date: None,
        idempotency_key: key(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_sent_at_once_over_http_take_only_what_the_wallet_holds() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    let k = 11;
    let wallet = desk.credit(&app, &ada, &desk.usd, k * 100).await;
    let browser = Arc::new(ada.browser(&app).await);

    let tasks: Vec<_> = (0..40)
        .map(|_| {
            let browser = browser.clone();
            tokio::spawn(async move { browser.call(withdraw(wallet.id, "1.00", &key())).await })
        })
        .collect();
    let mut succeeded = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(view) => {
                assert_eq!(view.gross_minor, 100);
                succeeded += 1;
            }
            Err(refused) => {
                assert_eq!(refused.status, StatusCode::BAD_REQUEST);
                assert!(
                    refused.error.message.starts_with("Insufficient funds"),
                    "{refused:?}"
                );
            }
        }
    }
    assert_eq!(succeeded, k);
    assert_eq!(balance(&app, wallet.id).await, 0);
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_key_sent_at_once_over_http_is_one_request_however_the_amount_is_typed() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    let wallet = desk.credit(&app, &ada, &desk.usd, 100_000).await;
    let browser = Arc::new(ada.browser(&app).await);
    let shared = key();

    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (browser, shared) = (browser.clone(), shared.clone());
            tokio::spawn(async move { browser.ok(withdraw(wallet.id, "12.34", &shared)).await })
        })
        .collect();
    let mut ids = std::collections::HashSet::new();
    for task in tasks {
        ids.insert(task.await.unwrap().id);
    }
    assert_eq!(ids.len(), 1, "one request for one key");
    let again = browser.ok(withdraw(wallet.id, "12.340", &shared)).await;
    assert!(ids.contains(&again.id), "the same amount typed another way");
    assert_eq!(balance(&app, wallet.id).await, 100_000 - 1_234);

    let refused = browser.refused(withdraw(wallet.id, "50", &shared)).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(
        refused.error.message,
        "This request key was already used for a different request"
    );
    // Another member cannot reuse the key to see or take ada's request.
    let bob = desk.member(&app, "bob").await;
    let bob_wallet = desk.credit(&app, &bob, &desk.usd, 5_000).await;
    let bob_browser = bob.browser(&app).await;
    let theirs = bob_browser
        .ok(withdraw(bob_wallet.id, "12.34", &shared))
        .await;
    assert!(!ids.contains(&theirs.id), "keys are per person");
    assert_eq!(theirs.member_user_id, bob.actor.user_id);
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_admins_over_http_finishing_one_request_move_its_money_once() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    let wallet = desk.credit(&app, &ada, &desk.usd, 10_000).await;
    let member = ada.browser(&app).await;
    let first = Arc::new(admin_browser(&app).await);
    let second = Arc::new(admin_browser(&app).await);

    for round in 0..5 {
        let view = member.ok(withdraw(wallet.id, "10", &key())).await;
        first.ok(act(view.id, WithdrawalAction::Approve)).await;
        first
            .ok(act(view.id, WithdrawalAction::MarkProcessing))
            .await;
        let paid = {
            let first = first.clone();
            tokio::spawn(async move { first.call(act(view.id, WithdrawalAction::MarkPaid)).await })
        };
        let failed = {
            let second = second.clone();
            tokio::spawn(async move {
                second
                    .call(act(view.id, WithdrawalAction::MarkFailed))
                    .await
            })
        };
        let (paid, failed) = (paid.await.unwrap(), failed.await.unwrap());
        assert!(paid.is_ok() != failed.is_ok(), "round {round}: one wins");
        let loser = paid.as_ref().err().or(failed.as_ref().err()).unwrap();
        assert_eq!(
            loser.status,
            StatusCode::CONFLICT,
            "round {round}: {loser:?}"
        );
        let winner = paid.or(failed).unwrap();
        assert!(
            matches!(
                winner.status,
                WithdrawalStatus::Paid | WithdrawalStatus::Failed
            ),
            "round {round}"
        );
    }
    // Each failed request's money came back once, each paid one left once.
    let paid_total = app
        .count(
            "SELECT CAST(COALESCE(SUM(gross_minor), 0) AS BIGINT) FROM withdrawal_requests WHERE status = 'paid'",
        )
        .await;
    assert_eq!(balance(&app, wallet.id).await, 10_000 - paid_total);
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deposits_and_adjustments_over_http_happen_once_per_key_and_only_for_admins() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    let admin = admin_browser(&app).await;
    let member = ada.browser(&app).await;

    let funding = admin
        .ok(CreateFundingWallet {
            name: "USD main".into(),
            asset: "USD".into(),
        })
        .await;
    let deposit_key = key();
    let deposit = |amount: &str, memo: &str, key: &str| RecordDeposit {
        wallet_id: funding,
        amount: amount.into(),
        memo: memo.into(),
        idempotency_key: key.into(),
    };
    let entry = admin.ok(deposit("1000", "Q1 budget", &deposit_key)).await;
    // The same key with the amount typed another way is the same deposit.
    let again = admin
        .ok(deposit("1000.00", "Q1 budget", &deposit_key))
        .await;
    assert_eq!(entry, again);
    let refused = admin.refused(deposit("5", "other", &deposit_key)).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let refused = admin.refused(deposit("1.001", "memo", &key())).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.error.message.contains("at most 2 decimal places"));
    assert_eq!(balance(&app, funding).await, 100_000);

    // A member reaches neither function, whatever they send.
    let refused = member.refused(deposit("1000000", "mine", &key())).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let adjust = |direction: Direction, amount: &str, key: &str| AdjustMemberBalance {
        member_id: ada.actor.user_id,
        asset: "GEMS".into(),
        direction,
        amount: amount.into(),
        reason: "Reviews".into(),
        idempotency_key: key.into(),
    };
    let refused = member
        .refused(adjust(Direction::Credit, "999", &key()))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let credit_key = key();
    let credit = admin
        .ok(adjust(Direction::Credit, "250", &credit_key))
        .await;
    assert_eq!(
        admin
            .ok(adjust(Direction::Credit, "250", &credit_key))
            .await,
        credit
    );
    let refused = admin.refused(adjust(Direction::Debit, "251", &key())).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let wallet = app::ledger::service::member_wallet(
        &app.state.db,
        app.clock.now(),
        ada.actor.user_id,
        desk.gems.id,
    )
    .await
    .unwrap();
    assert_eq!(wallet.balance, 250);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action IN ('deposit_recorded', 'balance_adjusted')")
            .await,
        2
    );
    assert_ledger_clean(&app).await;
}
