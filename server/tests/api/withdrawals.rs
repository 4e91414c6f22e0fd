use crate::helpers::spawn_app;
use crate::ledger_fixture::{act, assert_ledger_clean, balance, desk, key, request};
use app::error::{AppError, ErrorCode};
use app::payout_details::method::PayoutMethod;
use app::withdrawals::{
    rules::{self, MethodRule},
    service::{self as withdrawals, EventDetails, WithdrawalError},
    WithdrawalAction as A, WithdrawalStatus as S,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_holds_the_amount_and_records_everything_in_one_go() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    let wallet = desk.credit(&app, &ada, &desk.usd, 10_000).await;

    let view = request(&app, &ada, wallet.id, "paypal", "25.50", &key())
        .await
        .unwrap();
    assert_eq!(view.status, S::Requested);
    assert_eq!(
        (
            view.amount,
            view.gross_minor,
            view.fee_minor,
            view.net_minor
        ),
        (2_550, 2_550, 0, 2_550)
    );
    assert_eq!(balance(&app, wallet.id).await, 7_450);
    assert_eq!(app.count("SELECT COUNT(*) FROM withdrawal_events").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'withdrawal.requested'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'withdrawal_requested'")
            .await,
        1
    );
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn points_are_debited_rounded_up_for_the_money_asked() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    let gems = desk.credit(&app, &ada, &desk.gems, 1_000).await;

    // 2.55 USD at 10 GEMS a dollar is 25.5 gems: 26 leave the wallet.
    let view = request(&app, &ada, gems.id, "paypal", "2.55", &key())
        .await
        .unwrap();
    assert_eq!(view.amount, 26);
    assert_eq!(view.currency, "USD");
    assert_eq!(view.gross_minor, 255);
    assert_eq!(balance(&app, gems.id).await, 974);

    // "max" asks for everything the points are worth, rounded down to the cent.
    let view = request(&app, &ada, gems.id, "paypal", "max", &key())
        .await
        .unwrap();
    assert_eq!((view.gross_minor, view.amount), (9_740, 974));
    assert_eq!(balance(&app, gems.id).await, 0);
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fees_and_limits_come_from_the_method_rules() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    let wallet = desk.credit(&app, &ada, &desk.usd, 100_000).await;
    rules::put_method_rule(
        &app.state.db,
        MethodRule {
            max_minor: Some(20_000),
            fee_fixed_minor: 30,
            fee_basis_points: 290,
            ..MethodRule::free(PayoutMethod::Paypal, desk.usd.id, 500)
        },
    )
    .await
    .unwrap();

    let view = request(&app, &ada, wallet.id, "paypal", "100", &key())
        .await
        .unwrap();
    assert_eq!(
        (view.gross_minor, view.fee_minor, view.net_minor),
        (10_000, 320, 9_680)
    );

    let check = |result: Result<_, WithdrawalError>, expected: &str| {
        let message = result.map(|_| ()).unwrap_err().to_string();
        assert!(
            message.contains(expected),
            "{message:?} should contain {expected:?}"
        );
    };
    check(
        request(&app, &ada, wallet.id, "paypal", "4.99", &key()).await,
        "minimum withdrawal is 5.00 USD",
    );
    check(
        request(&app, &ada, wallet.id, "paypal", "200.01", &key()).await,
        "maximum withdrawal is 200.00 USD",
    );
    let max = request(&app, &ada, wallet.id, "paypal", "max", &key())
        .await
        .unwrap();
    assert_eq!(
        max.gross_minor, 20_000,
        "max is capped by the method's maximum"
    );
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_clear_error_and_writes_nothing() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    let bob = desk.member(&app, "bob").await;
    let wallet = desk.credit(&app, &ada, &desk.usd, 10_000).await;
    let bobs_wallet = desk.credit(&app, &bob, &desk.usd, 10_000).await;
    let transfers_before = app.count("SELECT COUNT(*) FROM transfers").await;

    let cases: Vec<(i64, &str, &str, ErrorCode, &str)> = vec![
        (
            wallet.id,
            "paypal",
            "-1",
            ErrorCode::Invalid,
            "cannot be negative",
        ),
        (
            wallet.id,
            "paypal",
            "0",
            ErrorCode::Invalid,
            "greater than zero",
        ),
        (wallet.id, "paypal", "1e3", ErrorCode::Invalid, "digits 0-9"),
        (
            wallet.id,
            "paypal",
            "1.234",
            ErrorCode::Invalid,
            "at most 2 decimal places",
        ),
        (wallet.id, "paypal", "NaN", ErrorCode::Invalid, "digits 0-9"),
        (
            wallet.id,
            "paypal",
            "99999999999999999999",
            ErrorCode::Invalid,
            "too large",
        ),
        (
            wallet.id,
            "paypal",
            "",
            ErrorCode::Invalid,
            "Enter an amount",
        ),
        (wallet.id, "paypal", " 12 ", ErrorCode::Invalid, "spaces"),
        (wallet.id, "paypal", "١٢", ErrorCode::Invalid, "digits 0-9"),
        (
            wallet.id,
            "paypal",
            "100.01",
            ErrorCode::Invalid,
            "Insufficient funds",
        ),
        (
            wallet.id,
            "carrier_pigeon",
            "10",
            ErrorCode::Invalid,
            "Unknown payout method",
        ),
        (
            999_999,
            "paypal",
            "10",
            ErrorCode::NotFound,
            "Wallet not found",
        ),
        (
            bobs_wallet.id,
            "paypal",
            "10",
            ErrorCode::NotFound,
            "Wallet not found",
        ),
    ];
    for (wallet_id, method, amount, code, expected) in cases {
        let err = AppError::from(
            request(&app, &ada, wallet_id, method, amount, &key())
                .await
                .unwrap_err(),
        );
        assert_eq!(err.code, code, "{amount:?} via {method}: {}", err.message);
        assert!(
            err.message.contains(expected),
            "{amount:?} via {method}: {:?} lacks {expected:?}",
            err.message
        );
    }
    let jpy = desk.credit(&app, &ada, &desk.jpy, 10_000).await;
    let err = request(&app, &ada, jpy.id, "paypal", "1.5", &key())
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "JPY amounts are whole numbers");

    assert_eq!(
        app.count("SELECT COUNT(*) FROM withdrawal_requests").await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM idempotency_keys").await,
        0,
        "refused requests leave no key"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM transfers").await,
        transfers_before + 1,
        "only the JPY credit"
    );
    assert_eq!(balance(&app, wallet.id).await, 10_000);
    assert_eq!(balance(&app, bobs_wallet.id).await, 10_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configurable_rules_are_enforced() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    let wallet = desk.credit(&app, &ada, &desk.usd, 100_000).await;

    app::platform::settings_store::put_setting(
        &app.state.db,
        &rules::verification_threshold_key("USD"),
        "50000",
    )
    .await
    .unwrap();
    let err = request(&app, &ada, wallet.id, "bank", "500.01", &key())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("need a verified account"), "{err}");
    app::auth::service::set_verified(&app.state.db, ada.actor.user_id, true)
        .await
        .unwrap();
    request(&app, &ada, wallet.id, "bank", "500.01", &key())
        .await
        .unwrap();

    app::platform::settings_store::put_setting(&app.state.db, rules::ONE_OPEN_REQUEST, "true")
        .await
        .unwrap();
    let err = request(&app, &ada, wallet.id, "bank", "10", &key())
        .await
        .unwrap_err();
    assert!(matches!(err, WithdrawalError::OneOpenRequest), "{err}");
    app::platform::settings_store::put_setting(&app.state.db, rules::ONE_OPEN_REQUEST, "false")
        .await
        .unwrap();

    app::platform::settings_store::put_setting(&app.state.db, rules::MIN_DELAY_SECONDS, "3600")
        .await
        .unwrap();
    let err = request(&app, &ada, wallet.id, "bank", "10", &key())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Please wait 60 minutes before requesting another withdrawal"
    );
    app.clock.advance(chrono::Duration::hours(1));
    request(&app, &ada, wallet.id, "bank", "10", &key())
        .await
        .unwrap();

    rules::put_method_rule(
        &app.state.db,
        MethodRule {
            enabled: false,
            ..MethodRule::free(PayoutMethod::Crypto, desk.usd.id, 100)
        },
    )
    .await
    .unwrap();
    app.clock.advance(chrono::Duration::hours(1));
    let err = request(&app, &ada, wallet.id, "crypto", "10", &key())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Crypto is not available for USD withdrawals"
    );
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_outcome_moves_the_money_it_should() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    let wallet = desk.credit(&app, &ada, &desk.usd, 100_000).await;
    rules::put_method_rule(
        &app.state.db,
        MethodRule {
            fee_fixed_minor: 100,
            ..MethodRule::free(PayoutMethod::Bank, desk.usd.id, 100)
        },
    )
    .await
    .unwrap();
    let admin = desk.admin;

    // Each path ends in a terminal status; the wallet's balance tells where the money went.
    let paths: Vec<(&[A], S, i64)> = vec![
        (&[A::Reject], S::Rejected, 0),
        (&[A::Cancel], S::Canceled, 0),
        (&[A::Approve, A::Reject], S::Rejected, 0),
        (
            &[A::Approve, A::MarkProcessing, A::MarkFailed],
            S::Failed,
            0,
        ),
        (
            &[A::Approve, A::MarkProcessing, A::MarkPaid],
            S::Paid,
            10_000,
        ),
        (
            &[A::Approve, A::MarkProcessing, A::MarkPaid, A::MarkReturned],
            S::Returned,
            0,
        ),
    ];
    for (steps, final_status, spent) in paths {
        let before = balance(&app, wallet.id).await;
        let view = request(&app, &ada, wallet.id, "bank", "100", &key())
            .await
            .unwrap();
        assert_eq!(
            balance(&app, wallet.id).await,
            before - 10_000,
            "held at creation"
        );
        let mut last = view.clone();
        for action in steps {
            let actor = if *action == A::Cancel {
                ada.actor
            } else {
                admin
            };
            last = act(&app, actor, view.id, *action, &key()).await.unwrap();
        }
        assert_eq!(last.status, final_status);
        assert_eq!(balance(&app, wallet.id).await, before - spent, "{steps:?}");
        assert_ledger_clean(&app).await;
    }
    // One paid request: 99.00 left for the outside world, 1.00 kept as the fee.
    assert_eq!(
        app.count("SELECT CAST(COALESCE(SUM(t.amount), 0) AS BIGINT) FROM transfers t JOIN wallets w ON w.id = t.credit_wallet_id WHERE w.system_role = 'fees'").await,
        200,
        "fees of both paid requests (one was later returned)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_or_repeated_change_is_a_conflict_and_moves_nothing() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    let wallet = desk.credit(&app, &ada, &desk.usd, 10_000).await;
    let view = request(&app, &ada, wallet.id, "paypal", "10", &key())
        .await
        .unwrap();

    act(&app, desk.admin, view.id, A::Reject, &key())
        .await
        .unwrap();
    let transfers = app.count("SELECT COUNT(*) FROM transfers").await;
    let err = act(&app, desk.admin, view.id, A::Reject, &key())
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "A rejected request cannot be rejected");
    assert_eq!(AppError::from(err).code, ErrorCode::Conflict);
    let err = act(&app, ada.actor, view.id, A::Cancel, &key())
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "A rejected request cannot be canceled");
    assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, transfers);
    assert_eq!(balance(&app, wallet.id).await, 10_000);
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_may_only_cancel_their_own_requests() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    let bob = desk.member(&app, "bob").await;
    let wallet = desk.credit(&app, &ada, &desk.usd, 10_000).await;
    let view = request(&app, &ada, wallet.id, "paypal", "10", &key())
        .await
        .unwrap();

    let err = act(&app, ada.actor, view.id, A::Approve, &key())
        .await
        .unwrap_err();
    assert_eq!(AppError::from(err).code, ErrorCode::Forbidden);
    let err = act(&app, bob.actor, view.id, A::Cancel, &key())
        .await
        .unwrap_err();
    assert_eq!(
        AppError::from(err).code,
        ErrorCode::NotFound,
        "another member's request does not exist for bob"
    );
    let canceled = act(&app, ada.actor, view.id, A::Cancel, &key())
        .await
        .unwrap();
    assert_eq!(canceled.status, S::Canceled);
    assert_eq!(balance(&app, wallet.id).await, 10_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timeline_keeps_receipt_date_and_note() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    let wallet = desk.credit(&app, &ada, &desk.usd, 10_000).await;
    let view = request(&app, &ada, wallet.id, "paypal", "10", &key())
        .await
        .unwrap();
    act(&app, desk.admin, view.id, A::Approve, &key())
        .await
        .unwrap();
    act(&app, desk.admin, view.id, A::MarkProcessing, &key())
        .await
        .unwrap();

    let bad = EventDetails {
        payment_date: Some("22/11/2026".into()),
        ..EventDetails::default()
    };
    let err = withdrawals::change_status(
        &app.state.db,
        &app.clock,
        desk.admin,
        view.id,
        A::MarkPaid,
        bad,
        &key(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("use YYYY-MM-DD"), "{err}");

    let details = EventDetails {
        note: Some("Paid, thanks!".into()),
        external_reference: Some("RCPT-42".into()),
        payment_date: Some("2026-03-02".into()),
        ..EventDetails::default()
    };
    let paid = withdrawals::change_status(
        &app.state.db,
        &app.clock,
        desk.admin,
        view.id,
        A::MarkPaid,
        details,
        &key(),
    )
    .await
    .unwrap();
    assert_eq!(paid.external_reference.as_deref(), Some("RCPT-42"));
    assert_eq!(paid.payment_date.as_deref(), Some("2026-03-02"));
    assert_eq!(paid.note.as_deref(), Some("Paid, thanks!"));
    assert_eq!(app.count("SELECT COUNT(*) FROM withdrawal_events").await, 4);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM withdrawal_events WHERE to_status = 'paid' AND external_reference = 'RCPT-42'").await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_notices_a_tampered_balance() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    let wallet = desk.credit(&app, &ada, &desk.usd, 10_000).await;
    assert_ledger_clean(&app).await;

    use sea_orm::ConnectionTrait;
    app.state
        .db
        .execute_unprepared(&format!(
            "UPDATE wallets SET balance = balance + 1 WHERE id = {}",
            wallet.id
        ))
        .await
        .unwrap();
    let report = app::integrity::verify(&app.state.db).await.unwrap();
    assert_eq!(report.violations.len(), 1, "{:?}", report.violations);
    assert!(
        report.violations[0].contains("caches balance 10001"),
        "{:?}",
        report.violations
    );
}

/// The browser's preview and the server decide with one function: the same
/// cases, fed to the page's `preview` (over the page data the member gets)
/// and to the service (inside a savepoint rolled back), give the same
/// amounts or the same message, for a money wallet and a points wallet.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_preview_and_the_service_decide_alike() {
    use app::platform::db;
    use app::withdrawals::{
        preview::preview,
        queries,
        service::{AmountRequest, NewWithdrawal},
    };

    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    let usd_wallet = desk.credit(&app, &ada, &desk.usd, 30_000).await;
    let gems_wallet = desk.credit(&app, &ada, &desk.gems, 2_000).await;
    rules::put_method_rule(
        &app.state.db,
        MethodRule {
            max_minor: Some(28_000),
            fee_fixed_minor: 30,
            fee_basis_points: 290,
            ..MethodRule::free(PayoutMethod::Paypal, desk.usd.id, 500)
        },
    )
    .await
    .unwrap();
    app::platform::settings_store::put_setting(
        &app.state.db,
        &rules::verification_threshold_key("USD"),
        "25000",
    )
    .await
    .unwrap();

    let page = queries::withdraw_page(&app.state.db, ada.actor.user_id)
        .await
        .unwrap();
    let amounts = [
        "4.99", "5", "12.34", "0.30", "abc", "-1", "0", "12.345", " 7", "199.99", "200.01",
        "250.01", "280.01", "299.99", "300.01", "max",
    ];
    let mut compared = 0;
    let mut allowed = 0;
    for wallet_id in [usd_wallet.id, gems_wallet.id] {
        let wallet = page.wallet(wallet_id).expect("the page offers the wallet");
        for option in page.methods_for(wallet) {
            for amount in amounts {
                let max = amount == "max";
                let previewed = preview(&page, wallet, option, amount, max)
                    .map(|p| (p.gross, p.fee, p.net, p.debit))
                    .map_err(|problem| problem.message().to_owned());
                let txn = db::begin_write(&app.state.db).await.unwrap();
                let decided = withdrawals::dry_run(
                    &txn,
                    app.clock.now(),
                    desk.admin.user_id,
                    &NewWithdrawal {
                        member_user_id: ada.actor.user_id,
                        wallet_id,
                        method: option.method.as_str(),
                        amount: if max {
                            AmountRequest::Max
                        } else {
                            AmountRequest::Exact(amount.to_owned())
                        },
                        idempotency_key: &key(),
                    },
                    false,
                )
                .await
                .map(|v| (v.gross_minor, v.fee_minor, v.net_minor, v.amount))
                .map_err(|err| err.to_string());
                txn.rollback().await.unwrap();
                assert_eq!(
                    previewed, decided,
                    "{amount:?} from wallet {wallet_id} by {:?}",
                    option.method
                );
                compared += 1;
                allowed += usize::from(decided.is_ok());
            }
        }
    }
    // Both kinds of answer were compared, for more than one method.
    assert!(compared > 2 * amounts.len(), "{compared} cases");
    assert!(
        allowed > 4 && allowed < compared,
        "{allowed} of {compared} allowed"
    );
    assert_ledger_clean(&app).await;
}
