//! The admin dashboard's figures, against requests made, moved and paid
//! across several weeks and two months.

use crate::client::Answered;
use crate::helpers::{spawn_app, TestApp};
use crate::ledger_fixture::admin_browser;
use crate::ledger_fixture::some_requests;
use crate::ledger_fixture::{act, desk, key, request};
use app::admin::api::AdminOverview;
use app::entities::withdrawal_request;
use app::withdrawals::{WithdrawalAction as A, WithdrawalStatus as S};
use app::{admin::AdminFigures, ledger::money::Money};
use reqwest::StatusCode;
use sea_orm::EntityTrait;

async fn gross(app: &TestApp, id: i64) -> i64 {
    withdrawal_request::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .gross_minor
}

fn amount(money: &[Money], code: &str) -> i64 {
    money.iter().find(|m| m.code == code).map_or(0, |m| m.minor)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_adds_up_what_is_owed_and_paid() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    // Five requests from Monday 2 March, one a day: [Ada 10 USD, Ada 30 USD,
    // Bob 20 USD, Bob 50 USD, Cy 5000 JPY]; the clock is then on 7 March.
    let ids = some_requests(&app, &desk).await;
    let pay = |id: i64| {
        let (app, admin) = (&app, desk.admin);
        async move {
            for step in [A::Approve, A::MarkProcessing, A::MarkPaid] {
                act(app, admin, id, step, &key()).await.unwrap();
            }
        }
    };
    pay(ids[0]).await; // week of 2 March
    app.clock.advance(chrono::Duration::days(14));
    pay(ids[1]).await; // week of 16 March
    act(&app, desk.admin, ids[2], A::Approve, &key())
        .await
        .unwrap();
    for step in [A::Approve, A::MarkProcessing] {
        act(&app, desk.admin, ids[3], step, &key()).await.unwrap();
    }
    // Thursday 2 April: a new month, and one payment in it.
    app.clock.advance(chrono::Duration::days(12));
    let dee = desk.member(&app, "dee").await;
    let wallet = desk.credit(&app, &dee, &desk.usd, 10_000).await.id;
    let april = request(&app, &dee, wallet, "paypal", "12", &key())
        .await
        .unwrap()
        .id;
    pay(april).await;

    let admin = admin_browser(&app).await;
    let figures: AdminFigures = admin.ok(AdminOverview {}).await;

    assert_eq!(
        amount(&figures.owed, "USD"),
        gross(&app, ids[2]).await + gross(&app, ids[3]).await,
        "approved and processing are still owed"
    );
    assert_eq!(amount(&figures.owed, "JPY"), gross(&app, ids[4]).await);
    assert_eq!(
        figures.paid_this_month,
        vec![Money {
            code: "USD".into(),
            scale: 2,
            minor: gross(&app, april).await,
        }],
        "only April's payment"
    );

    let count = |status: S| {
        figures
            .by_status
            .iter()
            .find(|s| s.status == status)
            .map(|s| s.count)
    };
    assert_eq!(figures.by_status.len(), 8, "every status, zeros too");
    assert_eq!(count(S::Requested), Some(1));
    assert_eq!(count(S::Approved), Some(1));
    assert_eq!(count(S::Processing), Some(1));
    assert_eq!(count(S::Paid), Some(3));
    assert_eq!(count(S::Rejected), Some(0));

    // Twelve weeks, oldest first, ending with this week (Monday 30 March).
    assert_eq!(figures.weeks.len(), 12);
    assert_eq!(figures.weeks[0].starts, "2026-01-12");
    assert_eq!(figures.weeks[11].starts, "2026-03-30");
    let paid_weeks: Vec<(&str, u64)> = figures
        .weeks
        .iter()
        .filter(|w| w.count > 0)
        .map(|w| (w.starts.as_str(), w.count))
        .collect();
    assert_eq!(
        paid_weeks,
        [("2026-03-02", 1), ("2026-03-16", 1), ("2026-03-30", 1)]
    );

    // Members see none of it.
    let member = app.new_browser();
    member.log_in("ada@example.com", "member passphrase").await;
    assert_eq!(
        member.call(AdminOverview {}).await.status(),
        StatusCode::FORBIDDEN
    );
}
