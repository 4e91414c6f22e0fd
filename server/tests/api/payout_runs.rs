//! Payout runs: the preview promises what confirming does, members are
//! skipped with their reason, a run (or a step) repeated makes nothing
//! twice, and the ledger stays clean.

use crate::client::Answered;
use crate::helpers::{spawn_app, TestApp};
use crate::ledger_fixture::admin_browser;
use crate::ledger_fixture::{assert_ledger_clean, balance, desk, key, request, Desk, Member};
use app::auth::{service as auth, Role};
use app::entities::{user, withdrawal_request};
use app::payout_runs::api::{PreviewRun, RunsPage, SaveSchedule, StartRun, StepRun, StopSchedule};
use app::payout_runs::{
    queries, schedule, service as runs, RunParams, RunProgress, ScheduleInput, ScheduleView,
};
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
            team_role: None,
        },
        "test",
    )
    .await
    .unwrap();
    let member = Member::new(user.id, user.email.clone());
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
    app::platform::settings_store::put_setting(
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
    let history = queries::history(&app.state.db, 10).await.unwrap();
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
    let usd = |asset: &str, threshold: &str, max: &str| RunParams {
        asset: asset.into(),
        threshold: threshold.into(),
        max_per_member: max.into(),
    };

    let bad = [
        (usd("XYZ", "10", ""), "There is no asset XYZ"),
        (usd("USD", "-5", ""), "Threshold:"),
        (usd("USD", "10", "ten"), "Maximum per member:"),
    ];
    for (params, message) in bad {
        let (status, error) = admin.call(PreviewRun { params }).await.refusal();
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(error.message.starts_with(message), "{}", error.message);
    }
    let preview = admin
        .ok(PreviewRun {
            params: usd("USD", "10", ""),
        })
        .await;
    assert_eq!(preview.eligible.len(), 1);
    let started = admin
        .ok(StartRun {
            params: preview.params,
            idempotency_key: preview.fresh_key,
        })
        .await;
    let stepped = admin
        .ok(StepRun {
            run_id: started.run_id,
        })
        .await;
    assert!(stepped.done);
    assert_eq!(stepped.created, 1);
    // Nobody at the threshold: nothing to start.
    let none = admin
        .call(StartRun {
            params: usd("USD", "1000", ""),
            idempotency_key: key(),
        })
        .await;
    assert_eq!(none.status(), StatusCode::BAD_REQUEST);

    let member = app.new_browser();
    member.sign_up(&crate::helpers::TestUser::generate()).await;
    let forbidden = [
        member
            .call(PreviewRun {
                params: usd("USD", "10", ""),
            })
            .await
            .status(),
        member
            .call(StepRun {
                run_id: started.run_id,
            })
            .await
            .status(),
        member.call(RunsPage {}).await.status(),
    ];
    assert_eq!(forbidden, [StatusCode::FORBIDDEN; 3]);
    assert_ledger_clean(&app).await;
}

/// `n` verified members with PayPal details as their default and `amount`
/// in USD each, written in bulk (signing up each would take minutes).
async fn funded_in_bulk(app: &TestApp, desk: &Desk, n: u64, amount: i64) {
    use app::entities::{payout_detail, wallet};
    use app::ledger::service::{self as ledger, EntryKind, Leg, NewEntry, SystemRole};

    let now = app.clock.now();
    let usd = desk.usd.id;
    let txn = app::platform::db::begin_write(&app.state.db).await.unwrap();
    let users = crate::ledger_fixture::bulk_members(&txn, now, usize::try_from(n).unwrap()).await;
    let outside = ledger::system_wallet(&txn, now, SystemRole::OutsideWorld, usd)
        .await
        .unwrap();
    for chunk in users.chunks(500) {
        payout_detail::Entity::insert_many(chunk.iter().map(|(id, email)| {
            payout_detail::ActiveModel {
                user_id: Set(*id),
                method: Set("paypal".into()),
                details: Set(json!({ "email": email }).to_string()),
                masked: Set(email.clone()),
                is_default: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
        }))
        .exec_without_returning(&txn)
        .await
        .unwrap();
        let ids: Vec<i64> = chunk.iter().map(|(id, _)| *id).collect();
        let wallets = ledger::member_wallets(&txn, now, &ids, usd).await.unwrap();
        let wallets: Vec<&wallet::Model> = ids.iter().map(|id| &wallets[id]).collect();
        ledger::post_entry(
            &txn,
            now,
            NewEntry {
                kind: EntryKind::Adjustment,
                reference: None,
                memo: Some("bulk test credit".into()),
                actor_user_id: Some(desk.admin.user_id),
                legs: wallets
                    .iter()
                    .map(|w| Leg {
                        from: &outside,
                        to: w,
                        amount,
                    })
                    .collect(),
            },
        )
        .await
        .unwrap();
    }
    txn.commit().await.unwrap();
}

fn monthly(threshold: &str, day: u32, hour: u32) -> ScheduleInput {
    ScheduleInput {
        params: params(threshold, ""),
        cadence: "monthly".into(),
        day,
        hour,
    }
}

async fn scheduled_runs(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM payout_runs WHERE schedule_id IS NOT NULL")
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schedule_starts_each_occurrence_once_even_with_two_workers_at_once() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let crowd = crowd(&app, &desk).await;
    let admin = desk.admin.user_id;
    let (db, clock) = (&app.state.db, &app.clock);
    // The test clock starts on Monday 2026-03-02 at 09:00 UTC.
    let saved = schedule::save(db, clock, admin, monthly("50.00", 5, 6), &key())
        .await
        .unwrap();
    assert!(saved.active);
    assert_eq!(saved.when, "Monthly on day 5 at 06:00 UTC");
    assert_eq!(saved.next_run_at.as_deref(), Some("2026-03-05 06:00"));
    let before = requests(&app).await;

    // Not due yet: nothing starts.
    assert_eq!(schedule::pass(db, clock).await.unwrap(), 0);
    assert_eq!(scheduled_runs(&app).await, 0);

    // Due: two workers (as two app instances would) pass at once.
    clock.advance(chrono::Duration::days(3));
    let (one, two) = tokio::join!(schedule::pass(db, clock), schedule::pass(db, clock));
    one.unwrap();
    two.unwrap();
    assert_eq!(scheduled_runs(&app).await, 1, "one run for the occurrence");
    // Ada alone is eligible (see `crowd`); Dora's earlier request is hers.
    assert_eq!(requests(&app).await, before + 1);
    let ada_requests = withdrawal_request::Entity::find()
        .filter(withdrawal_request::Column::MemberUserId.eq(crowd.ada))
        .all(db)
        .await
        .unwrap();
    assert_eq!(ada_requests.len(), 1);
    assert_eq!(ada_requests[0].created_by_user_id, Some(admin));

    let history = queries::history(db, 10).await.unwrap();
    assert_eq!(history.len(), 1);
    let run = &history[0];
    assert_eq!(run.schedule_id, Some(saved.id));
    assert!(run.progress.done);
    assert_eq!((run.progress.created, run.progress.skipped), (1, 4));
    let reasons: Vec<(i64, &str)> = run
        .skipped
        .iter()
        .map(|s| (s.member_user_id, s.reason.as_str()))
        .collect();
    assert!(reasons.contains(&(crowd.bob, "No default payout method")));
    assert!(reasons.contains(&(crowd.carl, "Inactive account")));
    assert!(reasons.contains(&(crowd.dora, "Has an open request already")));
    assert!(reasons
        .iter()
        .any(|(id, reason)| *id == crowd.fay && reason.starts_with("Not verified")));

    // The schedule moved on to the next month; passing again starts nothing.
    let listed = schedule::list(db).await.unwrap();
    assert_eq!(listed[0].next_run_at.as_deref(), Some("2026-04-05 06:00"));
    assert_eq!(schedule::pass(db, clock).await.unwrap(), 0);
    assert_eq!(scheduled_runs(&app).await, 1);

    // The next occurrence is a run of its own. Ada's balance went to her
    // request, so she is no longer at the threshold; the others are
    // skipped again, and nothing is requested twice.
    clock.advance(chrono::Duration::days(31));
    schedule::pass(db, clock).await.unwrap();
    assert_eq!(scheduled_runs(&app).await, 2);
    assert_eq!(requests(&app).await, before + 1);
    let latest = &queries::history(db, 1).await.unwrap()[0];
    assert_eq!(latest.schedule_id, Some(saved.id));
    assert_eq!((latest.progress.created, latest.progress.skipped), (0, 4));
    assert!(latest
        .skipped
        .iter()
        .any(|s| s.member_user_id == crowd.dora && s.reason == "Has an open request already"));

    // Stopped: no more runs, and the history keeps what ran.
    schedule::stop(db, clock, admin, saved.id).await.unwrap();
    clock.advance(chrono::Duration::days(31));
    schedule::pass(db, clock).await.unwrap();
    assert_eq!(scheduled_runs(&app).await, 2);
    assert_eq!(schedule::list(db).await.unwrap()[0].next_run_at, None);
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_done_scheduled_run_is_finished_by_the_next_pass() {
    // No scheduler of the app's own: its first pass, late at start-up,
    // could otherwise take part of the run before the test's pass does.
    let settings = app::platform::Settings {
        schedule_every: std::time::Duration::ZERO,
        ..app::platform::Settings::default()
    };
    let app = crate::helpers::spawn_app_with(settings, false).await;
    let desk = desk(&app).await;
    // More members than one step takes.
    let count = runs::STEP + 5;
    funded_in_bulk(&app, &desk, count, 3_000).await;
    let (db, clock) = (&app.state.db, &app.clock);
    let saved = schedule::save(
        db,
        clock,
        desk.admin.user_id,
        ScheduleInput {
            params: params("10.00", ""),
            cadence: "weekly".into(),
            day: 1,
            hour: 10,
        },
        &key(),
    )
    .await
    .unwrap();
    // Monday 09:00 -> the same Monday at 10:00.
    assert_eq!(saved.next_run_at.as_deref(), Some("2026-03-02 10:00"));
    clock.advance(chrono::Duration::hours(1));
    // An instance claims the occurrence and stops after one step...
    let started = schedule::start_due(db, clock).await.unwrap();
    assert_eq!(started.len(), 1);
    let first = runs::step(db, clock, started[0]).await.unwrap();
    assert!(!first.done);
    // ...and the next pass (of any instance) finishes it, making each
    // member's request once.
    let made = schedule::pass(db, clock).await.unwrap();
    assert_eq!(made, 5);
    let done = queries::progress(db, started[0]).await.unwrap();
    assert!(done.done);
    assert_eq!(done.created, count);
    assert_eq!(requests(&app).await, i64::try_from(count).unwrap());
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedules_over_http_for_admins_only_with_bad_input_refused() {
    let app = spawn_app().await;
    let _desk = desk(&app).await;
    let admin = admin_browser(&app).await;
    let every = |threshold: &str, cadence: &str, day: u32, hour: u32| ScheduleInput {
        params: RunParams {
            asset: "USD".into(),
            threshold: threshold.into(),
            max_per_member: String::new(),
        },
        cadence: cadence.into(),
        day,
        hour,
    };
    let bad = [
        (every("10", "monthly", 29, 6), "Day of the month"),
        (every("10", "daily", 1, 6), "Choose how often"),
        (every("10", "weekly", 2, 24), "Hour"),
        (every("ten", "weekly", 2, 6), "Threshold:"),
    ];
    for (schedule, message) in bad {
        let (status, error) = admin
            .call(SaveSchedule {
                schedule,
                idempotency_key: key(),
            })
            .await
            .refusal();
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(error.message.starts_with(message), "{}", error.message);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM payout_schedules").await, 0);

    let same_key = key();
    let save = || SaveSchedule {
        schedule: every("10", "weekly", 5, 8),
        idempotency_key: same_key.clone(),
    };
    let first: ScheduleView = admin.ok(save()).await;
    let again = admin.ok(save()).await;
    assert_eq!(first.id, again.id, "the same save twice is one schedule");
    assert_eq!(first.when, "Weekly on Friday at 08:00 UTC");
    assert_eq!(app.count("SELECT COUNT(*) FROM payout_schedules").await, 1);

    let member = app.new_browser();
    member.sign_up(&crate::helpers::TestUser::generate()).await;
    let stop = |schedule_id: i64| StopSchedule { schedule_id };
    assert_eq!(
        member.call(stop(first.id)).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        admin.call(stop(999_999)).await.status(),
        StatusCode::NOT_FOUND
    );
    admin.ok(stop(first.id)).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM payout_schedules WHERE active")
            .await,
        0
    );
}
