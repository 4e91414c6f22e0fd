//! Random sequences of credits, debits, requests and status changes keep
//! every invariant `verify` checks, and the member's balance matches a
//! simple model of what should have happened.

use crate::helpers::spawn_app;
use crate::ledger_fixture::{act, balance, desk, key, request, Member};
use app::withdrawals::{
    decision::Problem, service::WithdrawalError, WithdrawalAction as A, WithdrawalStatus as S,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

#[derive(Clone, Debug)]
enum Op {
    /// A deposit into the company's funding wallet, then an incentive
    /// payment of that much from it to the member.
    Fund(i64),
    Credit(i64),
    Debit(i64),
    Request(i64),
    Change {
        index: usize,
        action: A,
        by_member: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1i64..5_000).prop_map(Op::Fund),
        (1i64..5_000).prop_map(Op::Credit),
        (1i64..3_000).prop_map(Op::Debit),
        (100i64..4_000).prop_map(Op::Request),
        (
            0usize..8,
            proptest::sample::select(A::ALL.to_vec()),
            any::<bool>()
        )
            .prop_map(|(index, action, by_member)| Op::Change {
                index,
                action,
                by_member
            }),
    ]
}

fn is_expected(err: &WithdrawalError) -> bool {
    matches!(
        err,
        WithdrawalError::Refused(Problem::InsufficientFunds(_))
            | WithdrawalError::Transition(_)
            | WithdrawalError::Forbidden
            | WithdrawalError::Refused(Problem::BelowMinimum(_))
    )
}

#[test]
fn random_operation_sequences_keep_the_ledger_consistent() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let app = runtime.block_on(spawn_app());
    let desk = runtime.block_on(desk(&app));
    let funding = runtime
        .block_on(app::ledger::service::create_funding_wallet(
            &app.state.db,
            app.clock.now(),
            "Property budget",
            desk.usd.id,
        ))
        .unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 24,
        ..Config::default()
    });
    let result = runner.run(&proptest::collection::vec(op(), 1..30), |ops| {
        runtime.block_on(async {
            let member: Member = desk.member(&app, &format!("prop-{}", key())).await;
            let wallet = desk.credit(&app, &member, &desk.usd, 1).await;
            let mut expected = 1i64;
            let mut requests: Vec<(i64, i64)> = Vec::new();
            for op in &ops {
                match op {
                    Op::Fund(amount) => {
                        let now = app.clock.now();
                        let txn = app::platform::db::begin_write(&app.state.db).await.unwrap();
                        app::ledger::service::record_deposit(
                            &txn, now, &funding, *amount, None, None,
                        )
                        .await
                        .unwrap();
                        app::ledger::service::pay_member_from_funding(
                            &txn, now, &funding, &wallet, *amount, None, None,
                        )
                        .await
                        .unwrap();
                        txn.commit().await.unwrap();
                        expected += amount;
                    }
                    Op::Credit(amount) => {
                        desk.credit(&app, &member, &desk.usd, *amount).await;
                        expected += amount;
                    }
                    Op::Debit(amount) => {
                        let now = app.clock.now();
                        let txn = app::platform::db::begin_write(&app.state.db).await.unwrap();
                        let debited = app::ledger::service::adjust_member(
                            &txn,
                            now,
                            &wallet,
                            -amount,
                            "prop debit",
                            None,
                        )
                        .await;
                        match debited {
                            Ok(_) => {
                                txn.commit().await.unwrap();
                                expected -= amount;
                            }
                            Err(app::ledger::service::LedgerError::InsufficientFunds {
                                ..
                            }) => {
                                txn.rollback().await.unwrap();
                            }
                            Err(other) => {
                                return Err(TestCaseError::fail(format!("debit: {other}")))
                            }
                        }
                    }
                    Op::Request(cents) => {
                        let text = format!("{}.{:02}", cents / 100, cents % 100);
                        match request(&app, &member, wallet.id, "paypal", &text, &key()).await {
                            Ok(view) => {
                                expected -= view.amount;
                                requests.push((view.id, view.amount));
                            }
                            Err(err) if is_expected(&err) => {}
                            Err(err) => {
                                return Err(TestCaseError::fail(format!("request {text}: {err}")))
                            }
                        }
                    }
                    Op::Change {
                        index,
                        action,
                        by_member,
                    } => {
                        let Some(&(id, amount)) = requests.get(index % requests.len().max(1))
                        else {
                            continue;
                        };
                        let actor = if *by_member { member.actor } else { desk.admin };
                        match act(&app, actor, id, *action, &key()).await {
                            Ok(view) => {
                                if matches!(
                                    view.status,
                                    S::Rejected | S::Canceled | S::Failed | S::Returned
                                ) {
                                    expected += amount;
                                }
                            }
                            Err(err) if is_expected(&err) => {}
                            Err(err) => {
                                return Err(TestCaseError::fail(format!("{action:?}: {err}")))
                            }
                        }
                    }
                }
            }
            let actual = balance(&app, wallet.id).await;
            prop_assert_eq!(actual, expected, "balance after {:?}", ops);
            let report = app::integrity::verify(&app.state.db).await.unwrap();
            prop_assert!(
                report.is_clean(),
                "violations {:?} after {:?}",
                report.violations,
                ops
            );
            Ok(())
        })
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
