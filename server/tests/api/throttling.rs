use crate::helpers::{error_of, spawn_app, spawn_app_with, TestApp, TestUser};
use app::error::ErrorCode;
use app::platform::Settings;
use chrono::Duration;
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failures_for_one_account_are_refused_with_429() {
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.new_browser().sign_up(&user).await;
    let limit = app.state.settings.login_max_failures_per_account;

    for _ in 0..limit {
        let response = app.log_in(&user.email, "wrong password here").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused now, and says why.
    let (status, error) = error_of(app.log_in(&user.email, &user.password).await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error.code, ErrorCode::TooManyRequests);
    assert!(
        error.message.contains("Too many failed sign-in attempts"),
        "{}",
        error.message
    );
    assert!(app.session_token().is_none());

    // Once the window has passed, the account can sign in again.
    let window = Duration::from_std(app.state.settings.login_failure_window).unwrap();
    app.clock.advance(window + Duration::seconds(1));
    assert_eq!(
        app.log_in(&user.email, &user.password).await.status(),
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_successful_login_resets_the_account_count() {
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.new_browser().sign_up(&user).await;
    let limit = app.state.settings.login_max_failures_per_account;

    for _ in 0..limit - 1 {
        app.log_in(&user.email, "wrong password here").await;
    }
    app.clock.advance(Duration::seconds(1));
    assert_eq!(
        app.log_in(&user.email, &user.password).await.status(),
        StatusCode::OK
    );
    app.clock.advance(Duration::seconds(1));
    for _ in 0..limit - 1 {
        app.clock.advance(Duration::seconds(1));
        let response = app.log_in(&user.email, "wrong password here").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_guessing_many_accounts_is_refused_and_other_addresses_are_not() {
    let settings = Settings {
        trust_proxy_headers: true,
        ..Settings::default()
    };
    let app = spawn_app_with(settings, false).await;
    let limit = app.state.settings.login_max_failures_per_ip;
    // Documentation addresses (TEST-NET-3), carried only as header values.
    let (guesser, neighbour) = ("203.0.113.7", "203.0.113.8");
    for attempt in 0..limit {
        let email = format!("guess-{attempt}@example.com");
        let response = log_in_from(&app, guesser, &email, "some password").await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }
    let user = TestUser::generate();
    app.new_browser().sign_up(&user).await;

    let (status, _) = error_of(log_in_from(&app, guesser, &user.email, &user.password).await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let response = log_in_from(&app, neighbour, &user.email, &user.password).await;
    assert_eq!(response.status(), StatusCode::OK);
}

async fn log_in_from(app: &TestApp, ip: &str, email: &str, password: &str) -> reqwest::Response {
    let token = app.csrf_token().await;
    app.client
        .post(format!("{}/api/auth/login", app.address))
        .header(reqwest::header::ORIGIN, &app.address)
        .header("x-forwarded-for", ip)
        .form(&[
            ("email", email),
            ("password", password),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap()
}
