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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_the_client_writes_itself_does_not_dodge_the_limit() {
    let settings = Settings {
        trust_proxy_headers: true,
        ..Settings::default()
    };
    let app = spawn_app_with(settings, false).await;
    let limit = app.state.settings.login_max_failures_per_ip;
    // The proxy appends the address it saw (203.0.113.7); the guesser puts a
    // new made-up address in front of it every time.
    for attempt in 0..limit {
        let chain = format!("198.51.100.{}, 203.0.113.7", attempt % 250);
        let email = format!("spoof-{attempt}@example.com");
        let response = log_in_from(&app, &chain, &email, "some password").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let (status, _) =
        error_of(log_in_from(&app, "198.51.100.251, 203.0.113.7", "x@example.com", "pw").await)
            .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_failing_from_their_address_does_not_lock_the_owner_out() {
    let settings = Settings {
        trust_proxy_headers: true,
        ..Settings::default()
    };
    let app = spawn_app_with(settings, false).await;
    let user = TestUser::generate();
    app.new_browser().sign_up(&user).await;
    let limit = app.state.settings.login_max_failures_per_account;
    for _ in 0..limit {
        let response = log_in_from(&app, "203.0.113.66", &user.email, "not the password").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let (status, _) =
        error_of(log_in_from(&app, "203.0.113.66", &user.email, &user.password).await).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the stranger's address waits"
    );
    let response = log_in_from(&app, "198.51.100.20", &user.email, &user.password).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the owner signs in from theirs"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_guesses_at_once_are_fifty_attempts_and_at_most_the_limit_are_checked() {
    let app = std::sync::Arc::new(spawn_app().await);
    let user = TestUser::generate();
    app.new_browser().sign_up_form(&user).await;
    let limit = app.state.settings.login_max_failures_per_account;
    let guesses: Vec<_> = (0..50)
        .map(|n| {
            let (app, email) = (app.clone(), user.email.clone());
            tokio::spawn(async move {
                app.new_browser()
                    .log_in(&email, &format!("guess number {n}"))
                    .await
                    .status()
            })
        })
        .collect();
    let (mut checked, mut refused) = (0, 0);
    for guess in guesses {
        match guess.await.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert!(checked <= limit, "{checked} guesses were checked");
    assert_eq!(checked + refused, 50);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sign_in_attempts").await,
        50,
        "every guess is an attempt"
    );
    // Refused guesses count for nothing: the address waits only if the
    // checked ones reached the limit.
    let expected = if checked == limit {
        StatusCode::TOO_MANY_REQUESTS
    } else {
        StatusCode::OK
    };
    assert_eq!(
        app.log_in(&user.email, &user.password).await.status(),
        expected
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_failure_past_the_limit_doubles_the_wait() {
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.new_browser().sign_up(&user).await;
    let limit = app.state.settings.login_max_failures_per_account;
    let window = Duration::from_std(app.state.settings.login_failure_window).unwrap();
    for _ in 0..limit {
        app.log_in(&user.email, "wrong password here").await;
    }
    app.clock.advance(window + Duration::seconds(1));
    // One more failure after the wait: now it is two windows.
    assert_eq!(
        app.log_in(&user.email, "wrong again here").await.status(),
        StatusCode::UNAUTHORIZED
    );
    app.clock.advance(window + Duration::seconds(1));
    let (status, error) = error_of(app.log_in(&user.email, &user.password).await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(error.message.contains("15 minutes"), "{}", error.message);
    app.clock.advance(window);
    assert_eq!(
        app.log_in(&user.email, &user.password).await.status(),
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_longer_than_any_column_is_a_counted_failure_not_a_500() {
    let app = spawn_app().await;
    // Past every column (254), within the shared field limit.
    let email = format!("{}@example.com", "x".repeat(2_000));
    let limit = app.state.settings.login_max_failures_per_account;
    for _ in 0..limit {
        let response = app.log_in(&email, "some password").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let (status, _) = error_of(app.log_in(&email, "some password").await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'login_failed' AND LENGTH(subject) = 254")
            .await,
        limit as i64
    );
    // Past the shared field limit it never reaches sign-in at all.
    let huge = format!("{}@example.com", "x".repeat(10_000));
    let (status, error) = error_of(app.new_browser().log_in(&huge, "some password").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error.message.contains("\"email\" is too long"),
        "{}",
        error.message
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sign_in_attempts").await,
        limit as i64 + 1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_may_sign_up_and_ask_for_reset_links_only_so_often() {
    let settings = Settings {
        trust_proxy_headers: true,
        ..Settings::default()
    };
    let app = spawn_app_with(settings, false).await;
    let limit = app.state.settings.account_requests_per_address;
    let post_from = |ip: &'static str, path: &'static str, fields: Vec<(String, String)>| {
        let app = &app;
        async move {
            let token = app.csrf_token().await;
            let mut fields = fields;
            fields.push(("csrf_token".into(), token));
            app.client
                .post(format!("{}{path}", app.address))
                .header(reqwest::header::ORIGIN, &app.address)
                .header("x-forwarded-for", ip)
                .form(&fields)
                .send()
                .await
                .unwrap()
        }
    };
    let sign_up = |n: u64| {
        vec![
            ("email".to_owned(), format!("new-{n}@example.com")),
            ("display_name".to_owned(), format!("New {n}")),
            ("password".to_owned(), "a fine long passphrase".to_owned()),
        ]
    };
    for n in 0..limit {
        let response = post_from("203.0.113.30", "/api/auth/signup", sign_up(n)).await;
        assert!(
            response.status().is_success() || response.status().is_redirection(),
            "{}",
            response.status()
        );
    }
    let (status, error) =
        error_of(post_from("203.0.113.30", "/api/auth/signup", sign_up(99)).await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        error.message.contains("from your address"),
        "{}",
        error.message
    );
    let other = post_from("203.0.113.31", "/api/auth/signup", sign_up(100)).await;
    assert!(other.status().is_success() || other.status().is_redirection());

    // Reset links: known and unknown addresses count alike.
    let forgot = |email: String| vec![("email".to_owned(), email)];
    for n in 0..limit {
        let email = if n % 2 == 0 {
            format!("new-{n}@example.com")
        } else {
            format!("nobody-{n}@example.com")
        };
        let response = post_from("203.0.113.40", "/api/auth/forgot-password", forgot(email)).await;
        assert!(
            response.status().is_success() || response.status().is_redirection(),
            "{}",
            response.status()
        );
    }
    let (status, _) = error_of(
        post_from(
            "203.0.113.40",
            "/api/auth/forgot-password",
            forgot("new-1@example.com".into()),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Every request left its audit row, unknown addresses too.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'password_reset_requested'")
            .await,
        limit as i64
    );
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
