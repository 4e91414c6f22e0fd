use crate::helpers::{spawn_app, TestUser};
use chrono::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_expires_and_is_deleted() {
    let app = spawn_app().await;
    app.sign_up(&TestUser::generate()).await;
    let idle = Duration::from_std(app.state.settings.session_idle_timeout).unwrap();

    app.clock.advance(idle - Duration::minutes(1));
    assert!(app.me().await.is_some(), "still within the idle timeout");

    // The request above counted as activity, so idleness starts again from there.
    app.clock.advance(idle - Duration::minutes(1));
    assert!(app.me().await.is_some(), "activity keeps the session alive");

    app.clock.advance(idle + Duration::seconds(1));
    assert_eq!(app.me().await, None, "idle too long");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_session_still_ends_at_the_absolute_timeout() {
    let app = spawn_app().await;
    app.sign_up(&TestUser::generate()).await;
    let absolute = Duration::from_std(app.state.settings.session_absolute_timeout).unwrap();
    let step = Duration::minutes(30);

    let mut elapsed = Duration::zero();
    while elapsed + step < absolute {
        app.clock.advance(step);
        elapsed += step;
        assert!(app.me().await.is_some(), "active at {elapsed}");
    }
    app.clock.advance(absolute - elapsed);
    assert_eq!(app.me().await, None, "over after the absolute timeout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_sessions_are_purged_in_bulk() {
    let app = spawn_app().await;
    app.new_browser().sign_up(&TestUser::generate()).await;
    app.new_browser().sign_up(&TestUser::generate()).await;
    app.sign_up(&TestUser::generate()).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 3);

    let idle = Duration::from_std(app.state.settings.session_idle_timeout).unwrap();
    app.clock.advance(idle - Duration::minutes(2));
    assert!(app.me().await.is_some());
    app.clock.advance(Duration::minutes(3));

    let removed = app::auth::session::purge_expired_sessions(&app.state)
        .await
        .unwrap();
    assert_eq!(removed, 2, "only the two idle sessions go");
    assert!(app.me().await.is_some());
}

const FIREFOX: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";
const PHONE: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_sees_their_sessions_and_ends_one_or_all_the_others() {
    use crate::client::Answered;
    use app::auth::sessions_api::{EndMyOtherSessions, EndMySession, MySessions};
    use reqwest::StatusCode;

    let app = spawn_app().await;
    let user = TestUser::generate();
    let laptop = app.new_browser_as(FIREFOX);
    laptop.sign_up(&user).await;
    let phone = app.new_browser_as(PHONE);
    phone.log_in(&user.email, &user.password).await;
    let third = app.new_browser();
    third.log_in(&user.email, &user.password).await;

    let listed = laptop.ok(MySessions {}).await;
    assert_eq!(listed.len(), 3);
    let here: Vec<_> = listed.iter().filter(|s| s.current).collect();
    assert_eq!(here.len(), 1);
    assert_eq!(here[0].device, "Firefox on Windows");
    let on_phone = listed
        .iter()
        .find(|s| s.device == "Chrome on Android")
        .expect("the phone's session");
    assert!(listed.iter().all(|s| s.handle.len() == 16));

    // Ending the phone's session signs the phone out, and only the phone.
    laptop
        .ok(EndMySession {
            handle: on_phone.handle.clone(),
        })
        .await;
    assert_eq!(phone.me().await, None);
    assert!(laptop.me().await.is_some());
    assert!(third.me().await.is_some());
    let again = laptop
        .call(EndMySession {
            handle: on_phone.handle.clone(),
        })
        .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);

    // Someone else's handle ends nothing of theirs.
    let other = app.new_browser();
    other.sign_up(&TestUser::generate()).await;
    let theirs = other.ok(MySessions {}).await;
    assert_eq!(
        laptop
            .call(EndMySession {
                handle: theirs[0].handle.clone(),
            })
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert!(other.me().await.is_some());

    assert_eq!(laptop.ok(EndMyOtherSessions {}).await, 1);
    assert_eq!(third.me().await, None);
    assert!(laptop.me().await.is_some(), "this browser stays signed in");
    assert_eq!(laptop.ok(MySessions {}).await.len(), 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'sessions_ended'")
            .await,
        2
    );
    // A visitor has none to see.
    assert_eq!(
        app.new_browser().call(MySessions {}).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_sign_a_member_out_and_owners_sign_an_admin_out() {
    use crate::client::Answered;
    use app::auth::sessions_api::{
        AdminSessions, EndAdminSessions, EndMemberSessions, MemberSessions,
    };
    use app::auth::TeamRole;
    use reqwest::StatusCode;

    let app = spawn_app().await;
    let member = app.new_browser_as(PHONE);
    member.sign_up(&TestUser::generate()).await;
    let member_id = member.me().await.expect("signed in").id;
    let manager = app.signed_in_team_member(TeamRole::PaymentsManager).await;
    let reviewer = app.signed_in_team_member(TeamRole::Reviewer).await;
    let owner = app.signed_in_admin().await;

    let listed = manager.ok(MemberSessions { member_id }).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].device, "Chrome on Android");
    assert!(!listed[0].current, "not the admin's own browser");
    assert_eq!(
        reviewer
            .call(EndMemberSessions { member_id })
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert!(member.me().await.is_some());
    assert_eq!(manager.ok(EndMemberSessions { member_id }).await, 1);
    assert_eq!(member.me().await, None);

    // The member endpoints do not reach admins, nor the team's members.
    assert_eq!(
        manager
            .call(EndMemberSessions {
                member_id: owner.view.id,
            })
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        owner
            .call(AdminSessions { user_id: member_id })
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        manager
            .call(EndAdminSessions {
                user_id: reviewer.view.id,
            })
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        owner
            .ok(AdminSessions {
                user_id: manager.view.id,
            })
            .await
            .len(),
        1
    );
    assert_eq!(
        owner
            .ok(EndAdminSessions {
                user_id: manager.view.id,
            })
            .await,
        1
    );
    assert_eq!(manager.me().await, None);
    assert!(owner.me().await.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_password_needs_the_current_one_and_ends_the_other_sessions() {
    use crate::client::Answered;
    use app::auth::sessions_api::ChangePassword;
    use reqwest::StatusCode;

    let app = spawn_app().await;
    let user = TestUser::generate();
    let here = app.new_browser();
    here.sign_up(&user).await;
    let elsewhere = app.new_browser();
    elsewhere.log_in(&user.email, &user.password).await;
    let fresh = format!("{} changed", user.password);
    let change = |current: &str, new: &str, confirm: &str| ChangePassword {
        current: current.into(),
        password: new.into(),
        confirm: confirm.into(),
    };

    for (current, new, confirm, message) in [
        (
            "not my password",
            fresh.as_str(),
            fresh.as_str(),
            "current password is not right",
        ),
        (
            user.password.as_str(),
            fresh.as_str(),
            "typed differently",
            "differ",
        ),
        (
            user.password.as_str(),
            "short",
            "short",
            "at least 8 characters",
        ),
    ] {
        let (status, error) = here.call(change(current, new, confirm)).await.refusal();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{message}");
        assert!(error.message.contains(message), "{}", error.message);
    }
    assert!(elsewhere.me().await.is_some(), "nothing changed yet");

    assert_eq!(here.ok(change(&user.password, &fresh, &fresh)).await, 1);
    assert_eq!(elsewhere.me().await, None, "the other session ended");
    assert!(here.me().await.is_some(), "this one stays");
    let old = app.new_browser().log_in(&user.email, &user.password).await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let new = app.new_browser().log_in(&user.email, &fresh).await;
    assert!(new.status().is_success() || new.status().is_redirection());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'password_changed'")
            .await,
        1
    );
}
