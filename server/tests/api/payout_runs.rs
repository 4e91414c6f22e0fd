//! Payout runs: the preview promises what confirming does, members are
//! skipped with their reason, a run (or a step) repeated makes nothing
//! twice, and the ledger stays clean.

use crate::helpers::{spawn_app, TestApp};
use crate::ledger_fixture::{assert_ledger_clean, balance, desk, key, request, Desk, Member};
use crate::payouts_desk::admin_browser;
use app::auth::{service as auth, Role};
use app::entities::{user, withdrawal_request};
use app::payout_runs::{service as runs, RunParams, RunPreview, RunProgress};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

fn params(threshold: &str, max: &str) -> RunParams {
    RunParams {
        asset: "USD".into(),
        threshold: threshold.into(),
        max_per_member: max.into(),
    }
}

/// A member without any payout details.
async fn bare_member(app: &TestApp, desk: &Desk, name: &str) -> Member {
    let user = auth::create_account(
        &app.state.db,
        app.clock.now(),
        auth::NewUser {
            email: &format!("{name}@example.com"),
            display_name: name,
            password: "member passphrase",
            role: Role::Member,
        },
        "test",
    )
    .await
    .unwrap();
    let member = Member {
        actor: app::withdrawals::service::Actor {
            user_id: user.id,
            role: Role::Member,
        },
    };
    desk.credit(app, &member, &desk.usd, 10_000).await;
    member
}

struct Crowd {
    ada: i64,
    bob: i64,
    carl: i64,
    dora: i64,
    fay: i64,
}

/// Ada is eligible; Bob has no payout method, Carl is inactive, Dora has an
/// open request, Fay is unverified above the limit; Erin is below the
/// threshold and not considered at all.
async fn crowd(app: &TestApp, desk: &Desk) -> Crowd {
    let ada = desk.member(app, "ada").await;
    desk.credit(app, &ada, &desk.usd, 10_000).await;
    let bob = bare_member(app, desk, "bob").await;
    let carl = desk.member(app, "carl").await;
    desk.credit(app, &carl, &desk.usd, 10_000).await;
    let mut inactive: user::ActiveModel = user::Entity::find_by_id(carl.actor.user_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    inactive.is_active = Set(false);
    inactive.update(&app.state.db).await.unwrap();
    let dora = desk.member(app, "dora").await;
    let dora_wallet = desk.credit(app, &dora, &desk.usd, 10_000).await;
    request(app, &dora, dora_wallet.id, "bank", "10.00", &key())
        .await
        .unwrap();
    let erin = desk.member(app, "erin").await;
    desk.credit(app, &erin, &desk.usd, 2_000).await;
    let fay = desk.member(app, "fay").await;
    let fay_wallet = desk.credit(app, &fay, &desk.usd, 10_000).await;
    // Fay is unverified, and 80.00 is above the limit of 70.00; the
    // others are verified.
    app::withdrawals::rules::put_setting(
        &app.state.db,
        &app::withdrawals::rules::verification_threshold_key("USD"),
        "7000",
    )
    .await
    .unwrap();
    for member in [&ada, &bob, &carl, &dora, &erin] {
        let mut verified: user::ActiveModel = user::Entity::find_by_id(member.actor.user_id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .into();
        verified.is_verified = Set(true);
        verified.update(&app.state.db).await.unwrap();
    }
    assert_eq!(balance(app, fay_wallet.id).await, 10_000);
    Crowd {
        ada: ada.actor.user_id,
        bob: bob.actor.user_id,
        carl: carl.actor.user_id,
        dora: dora.actor.user_id,
        fay: fay.actor.user_id,
    }
}

async fn requests(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM withdrawal_requests").await
}

async fn finish(app: &TestApp, run_id: i64) -> RunProgress {
    // Each step works through some members; the run ends when none is left.
    loop {
        let progress = runs::step(&app.state.db, &app.clock, run_id).await.unwrap();
        if progress.done {
            return progress;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_creates_exactly_what_its_preview_promised_and_says_why_others_are_skipped() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let crowd = crowd(&app, &desk).await;
    let admin = desk.admin.user_id;
    let before = requests(&app).await;
    let outbox = app.count("SELECT COUNT(*) FROM outbox").await;

    let preview = runs::preview(&app.state.db, &app.clock, admin, params("50.00", "80.00"))
        .await
        .unwrap();
    let eligible: Vec<(i64, i64)> = preview
        .eligible
        .iter()
        .map(|line| (line.member_user_id, line.gross_minor))
        .collect();
    assert_eq!(eligible, vec![(crowd.ada, 8_000)]);
    let mut skipped: Vec<(i64, String)> = preview
        .skipped
        .iter()
        .map(|s| (s.member_user_id, s.reason.clone()))
        .collect();
    skipped.sort();
    let mut expected = vec![
        (crowd.bob, "No default payout method".to_owned()),
        (crowd.carl, "Inactive account".to_owned()),
        (crowd.dora, "Has an open request already".to_owned()),
        (
            crowd.fay,
            "Not verified, and the amount is above the verification limit of 70.00 USD".to_owned(),
        ),
    ];
    expected.sort();
    assert_eq!(skipped, expected);
    // The preview changed nothing.
    assert_eq!(requests(&app).await, before);
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, outbox);
    assert_ledger_clean(&app).await;

    let run_key = key();
    let started = runs::start(
        &app.state.db,
        &app.clock,
        admin,
        params("50.00", "80.00"),
        &run_key,
    )
    .await
    .unwrap();
    assert_eq!(started.total, 5, "everyone at or above the threshold");
    assert_eq!(started.processed, 0);
    let done = finish(&app, started.run_id).await;
    assert_eq!((done.created, done.skipped), (1, 4));
    assert_eq!(requests(&app).await, before + 1);
    let made = withdrawal_request::Entity::find()
        .filter(withdrawal_request::Column::MemberUserId.eq(crowd.ada))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(made.gross_minor, 8_000);
    assert_eq!(made.created_by_user_id, Some(admin));
    assert_eq!(
        made.note.as_deref(),
        Some(format!("Payout run #{}", started.run_id).as_str())
    );
    // The history tells the same story as the preview.
    let history = runs::history(&app.state.db, 10).await.unwrap();
    let mut recorded: Vec<(i64, String)> = history[0]
        .skipped
        .iter()
        .map(|s| (s.member_user_id, s.reason.clone()))
        .collect();
    recorded.sort();
    assert_eq!(recorded, expected);
    assert_eq!(history[0].started_by, "Boss");

    // The same confirm again, and more steps: nothing new.
    let again = runs::start(
        &app.state.db,
        &app.clock,
        admin,
        params("50.00", "80.00"),
        &run_key,
    )
    .await
    .unwrap();
    assert_eq!(again.run_id, started.run_id);
    assert!(again.done);
    runs::step(&app.state.db, &app.clock, started.run_id)
        .await
        .unwrap();
    assert_eq!(requests(&app).await, before + 1);
    // A new run over the same members: Ada now has an open request.
    let second = runs::start(
        &app.state.db,
        &app.clock,
        admin,
        params("50.00", ""),
        &key(),
    )
    .await
    .unwrap();
    let second = finish(&app, second.run_id).await;
    assert_eq!(second.created, 0);
    assert_eq!(requests(&app).await, before + 1);
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_steps_at_once_make_each_request_once() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let mut members = Vec::new();
    for n in 0..6 {
        let member = desk.member(&app, &format!("m{n}")).await;
        desk.credit(&app, &member, &desk.usd, 5_000).await;
        members.push(member.actor.user_id);
    }
    let started = runs::start(
        &app.state.db,
        &app.clock,
        desk.admin.user_id,
        params("10.00", ""),
        &key(),
    )
    .await
    .unwrap();
    let (one, two) = tokio::join!(
        runs::step(&app.state.db, &app.clock, started.run_id),
        runs::step(&app.state.db, &app.clock, started.run_id),
    );
    one.unwrap();
    two.unwrap();
    let done = finish(&app, started.run_id).await;
    assert_eq!(done.created, 6);
    assert_eq!(requests(&app).await, 6, "one request per member");
    for member in members {
        let theirs = withdrawal_request::Entity::find()
            .filter(withdrawal_request::Column::MemberUserId.eq(member))
            .all(&app.state.db)
            .await
            .unwrap();
        assert_eq!(theirs.len(), 1);
        assert_eq!(theirs[0].gross_minor, 5_000, "the whole balance");
    }
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_over_http_for_admins_only_with_bad_input_refused() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ada = desk.member(&app, "ada").await;
    desk.credit(&app, &ada, &desk.usd, 5_000).await;
    let admin = admin_browser(&app).await;

    let bad = [
        (
            json!({ "asset": "XYZ", "threshold": "10" }),
            "There is no asset XYZ",
        ),
        (json!({ "asset": "USD", "threshold": "-5" }), "Threshold:"),
        (
            json!({ "asset": "USD", "threshold": "10", "max_per_member": "ten" }),
            "Maximum per member:",
        ),
    ];
    for (params, message) in bad {
        let response = admin
            .post_json("/api/admin/runs/preview", json!({ "params": params }))
            .await;
        let (status, error) = crate::helpers::error_of(response).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(error.message.starts_with(message), "{}", error.message);
    }
    let response = admin
        .post_json(
            "/api/admin/runs/preview",
            json!({ "params": { "asset": "USD", "threshold": "10" } }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let preview: RunPreview = response.json().await.unwrap();
    assert_eq!(preview.eligible.len(), 1);
    let started = admin
        .post_json(
            "/api/admin/runs/start",
            json!({ "params": preview.params, "idempotency_key": preview.fresh_key }),
        )
        .await;
    assert_eq!(started.status(), StatusCode::OK);
    let started: RunProgress = started.json().await.unwrap();
    let stepped = admin
        .post_json("/api/admin/runs/step", json!({ "run_id": started.run_id }))
        .await;
    let stepped: RunProgress = stepped.json().await.unwrap();
    assert!(stepped.done);
    assert_eq!(stepped.created, 1);
    // Nobody at the threshold: nothing to start.
    let none = admin
        .post_json(
            "/api/admin/runs/start",
            json!({ "params": { "asset": "USD", "threshold": "1000" }, "idempotency_key": key() }),
        )
        .await;
    assert_eq!(none.status(), StatusCode::BAD_REQUEST);

    let member = app.new_browser();
    member.sign_up(&crate::helpers::TestUser::generate()).await;
    for (path, body) in [
        (
            "/api/admin/runs/preview",
            json!({ "params": { "asset": "USD", "threshold": "10" } }),
        ),
        ("/api/admin/runs/step", json!({ "run_id": started.run_id })),
        ("/api/admin/runs/page", json!({})),
    ] {
        let response = member.post_json(path, body).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
    }
    assert_ledger_clean(&app).await;
}
