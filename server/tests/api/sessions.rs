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
