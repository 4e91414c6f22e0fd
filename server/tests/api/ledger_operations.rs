use crate::helpers::spawn_app;
use crate::ledger_fixture::{assert_ledger_clean, balance, desk, key};
use app::error::{AppError, ErrorCode};
use app::ledger::operations::{adjust_member, record_deposit, Direction, OperationError};
use app::ledger::service as ledger;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deposit_is_recorded_once_per_key() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let funding =
        ledger::create_funding_wallet(&app.state.db, app.clock.now(), "USD main", desk.usd.id)
            .await
            .unwrap();
    let admin = desk.admin.user_id;
    let deposit_key = key();

    let first = record_deposit(
        &app.state.db,
        &app.clock,
        admin,
        funding.id,
        "1000.00",
        "Q1 budget",
        &deposit_key,
    )
    .await
    .unwrap();
    let again = record_deposit(
        &app.state.db,
        &app.clock,
        admin,
        funding.id,
        "1000.00",
        "Q1 budget",
        &deposit_key,
    )
    .await
    .unwrap();
    assert_eq!(first, again);
    assert_eq!(balance(&app, funding.id).await, 100_000);
    let err = record_deposit(
        &app.state.db,
        &app.clock,
        admin,
        funding.id,
        "5.00",
        "other",
        &deposit_key,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, OperationError::Idempotency(_)), "{err}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'deposit_recorded'")
            .await,
        1
    );

    let cases = [
        ("-5", "cannot be negative"),
        ("1.001", "at most 2 decimal places"),
        ("abc", "digits 0-9"),
    ];
    for (amount, expected) in cases {
        let err = record_deposit(
            &app.state.db,
            &app.clock,
            admin,
            funding.id,
            amount,
            "memo",
            &key(),
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains(expected), "{amount}: {err}");
    }
    let err = record_deposit(
        &app.state.db,
        &app.clock,
        admin,
        funding.id,
        "5",
        "  ",
        &key(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("Give a reason"), "{err}");
    assert_eq!(balance(&app, funding.id).await, 100_000);
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_adjustment_credits_or_debits_but_never_overdraws() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    let admin = desk.admin.user_id;
    let member = ada.actor.user_id;

    adjust_member(
        &app.state.db,
        &app.clock,
        admin,
        member,
        "GEMS",
        Direction::Credit,
        "250",
        "Reviews",
        &key(),
    )
    .await
    .unwrap();
    adjust_member(
        &app.state.db,
        &app.clock,
        admin,
        member,
        "GEMS",
        Direction::Debit,
        "50",
        "Correction",
        &key(),
    )
    .await
    .unwrap();
    let err = adjust_member(
        &app.state.db,
        &app.clock,
        admin,
        member,
        "GEMS",
        Direction::Debit,
        "201",
        "Too much",
        &key(),
    )
    .await
    .unwrap_err();
    assert_eq!(AppError::from(err).code, ErrorCode::Invalid);
    let err = adjust_member(
        &app.state.db,
        &app.clock,
        admin,
        member,
        "GEMS",
        Direction::Credit,
        "1.5",
        "Half",
        &key(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.to_string(), "GEMS amounts are whole numbers");
    let err = adjust_member(
        &app.state.db,
        &app.clock,
        admin,
        member,
        "XYZ",
        Direction::Credit,
        "1",
        "Nope",
        &key(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.to_string(), "Unknown currency or point type XYZ");
    let err = adjust_member(
        &app.state.db,
        &app.clock,
        admin,
        admin,
        "USD",
        Direction::Credit,
        "1",
        "Admin",
        &key(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        AppError::from(err).code,
        ErrorCode::NotFound,
        "admins have no member wallet"
    );

    let wallet = ledger::member_wallet(&app.state.db, app.clock.now(), member, desk.gems.id)
        .await
        .unwrap();
    assert_eq!(wallet.balance, 200);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'balance_adjusted'")
            .await,
        2
    );
    assert_ledger_clean(&app).await;
}
