//! Input no form would send: page numbers at the edge of u64, control
//! characters, amounts at the edge of i64. Each gets a clear answer and
//! changes nothing; none reaches a panic or a 500.

use crate::helpers::{error_of, spawn_app, Browser};
use crate::ledger_fixture::admin_browser;
use crate::ledger_fixture::some_requests;
use crate::ledger_fixture::{assert_ledger_clean, balance, desk, key};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Ada (of `some_requests`) and her USD wallet.
async fn ada_and_wallet(app: &crate::helpers::TestApp) -> (i64, i64) {
    let ada = app
        .count("SELECT id FROM users WHERE email = 'ada@example.com'")
        .await;
    let wallet = app
        .count(&format!(
            "SELECT id FROM wallets WHERE owner_user_id = {ada}"
        ))
        .await;
    (ada, wallet)
}

async fn ok_json(browser: &Browser, path: &str, body: Value) -> Value {
    let response = browser.post_json(path, body.clone()).await;
    assert_eq!(response.status(), StatusCode::OK, "{path} {body}");
    response.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_list_answers_a_page_past_the_end_with_an_empty_page() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    some_requests(&app, &desk).await;
    let admin = admin_browser(&app).await;
    let member = app.new_browser();
    member.log_in("ada@example.com", "member passphrase").await;
    let huge = u64::MAX;
    for page in [huge, huge / 2, 100_001, 0] {
        let history = ok_json(&member, "/api/withdrawals/history", json!({ "page": page })).await;
        let statement = ok_json(
            &member,
            "/api/account/statement",
            json!({ "wallet_id": null, "page": page }),
        )
        .await;
        let members = ok_json(
            &admin,
            "/api/admin/members/list",
            json!({ "q": "", "page": page }),
        )
        .await;
        let payouts = ok_json(
            &admin,
            "/api/admin/payouts/list",
            json!({ "query": { "page": page, "per_page": 50 } }),
        )
        .await;
        let incentives = ok_json(
            &admin,
            "/api/admin/incentives/list",
            json!({ "query": { "page": page, "per_page": 50 } }),
        )
        .await;
        let audit = ok_json(
            &admin,
            "/api/admin/audit/list",
            json!({ "query": { "page": page, "per_page": 50 } }),
        )
        .await;
        let email = ok_json(
            &admin,
            "/api/admin/email/list",
            json!({ "query": { "page": page } }),
        )
        .await;
        // Page 0 is the first page (where the desk has rows); every other
        // page asked for is past the end.
        for (name, rows, has_rows) in [
            ("history", &history["rows"], true),
            ("statement", &statement["lines"], true),
            ("members", &members["rows"], true),
            ("payouts", &payouts["rows"], true),
            ("incentives", &incentives["rows"], false),
            ("audit", &audit["rows"], true),
            ("email", &email["rows"], false),
        ] {
            let rows = rows.as_array().unwrap_or_else(|| panic!("{name}: {rows}"));
            if page == 0 {
                assert!(!has_rows || !rows.is_empty(), "{name} page {page}");
            } else {
                assert!(rows.is_empty(), "{name} page {page}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_characters_are_refused_by_name_and_change_nothing() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    some_requests(&app, &desk).await;
    let admin = admin_browser(&app).await;
    let (ada, wallet) = ada_and_wallet(&app).await;
    let before = balance(&app, wallet).await;
    let audit_rows = app.count("SELECT COUNT(*) FROM audit_events").await;

    // A form field (PostgreSQL would refuse the NUL with a 500).
    let response = admin
        .post_form(
            "/api/admin/members/adjust",
            &[
                ("member_id", ada.to_string().as_str()),
                ("asset", "USD"),
                ("direction", "credit"),
                ("amount", "5"),
                ("reason", "Good\0will"),
                ("idempotency_key", &key()),
            ],
        )
        .await;
    let (status, error) = error_of(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.message.contains("\"reason\""), "{}", error.message);
    assert!(error.message.contains("U+0000"), "{}", error.message);
    // A JSON field, named by its path.
    let (status, error) = error_of(
        admin
            .post_json(
                "/api/admin/payouts/list",
                json!({ "query": { "q": "a\u{0}b" } }),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.message.contains("query.q"), "{}", error.message);
    // Any field past the shared length limit, form or JSON, named.
    let huge = "x".repeat(app::platform::input::MAX_FIELD_CHARS + 1);
    let (status, error) = error_of(
        admin
            .post_form(
                "/api/admin/members/adjust",
                &[
                    ("member_id", ada.to_string().as_str()),
                    ("asset", "USD"),
                    ("direction", "credit"),
                    ("amount", "5"),
                    ("reason", huge.as_str()),
                    ("idempotency_key", &key()),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error.message.contains("\"reason\" is too long"),
        "{}",
        error.message
    );
    let (status, error) = error_of(
        admin
            .post_json("/api/admin/payouts/list", json!({ "query": { "q": huge } }))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.message.contains("query.q"), "{}", error.message);
    // A direction override hiding who is paid.
    let (status, _) = error_of(
        admin
            .post_json(
                "/api/admin/members/list",
                json!({ "q": "ada\u{202E}", "page": 1 }),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // A page's query string.
    let response = admin.get("/admin/members?q=%1B%5B31m").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // Line breaks and tabs in a note are fine.
    let response = admin
        .post_form(
            "/api/admin/members/adjust",
            &[
                ("member_id", ada.to_string().as_str()),
                ("asset", "USD"),
                ("direction", "credit"),
                ("amount", "5"),
                ("reason", "Goodwill\r\nfor the delay\t(ticket 12)"),
                ("idempotency_key", &key()),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(balance(&app, wallet).await, before + 500);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events").await,
        audit_rows + 1,
        "only the good adjustment left a trace"
    );
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credit_past_the_largest_balance_is_refused_and_moves_nothing() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    some_requests(&app, &desk).await;
    let admin = admin_browser(&app).await;
    let (ada, wallet) = ada_and_wallet(&app).await;
    let credit = |amount: &'static str| {
        let admin = &admin;
        async move {
            admin
                .post_form(
                    "/api/admin/members/adjust",
                    &[
                        ("member_id", ada.to_string().as_str()),
                        ("asset", "USD"),
                        ("direction", "credit"),
                        ("amount", amount),
                        ("reason", "Largest ever"),
                        ("idempotency_key", &key()),
                    ],
                )
                .await
        }
    };
    // 90 quadrillion dollars fit once (9.0e18 cents of 9.22e18), not twice.
    assert_eq!(credit("90000000000000000").await.status(), StatusCode::OK);
    let after_first = balance(&app, wallet).await;
    let (status, error) = error_of(credit("90000000000000000").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error.message.contains("largest amount Paydesk can hold"),
        "{}",
        error.message
    );
    assert_eq!(balance(&app, wallet).await, after_first);
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_in_pages_and_api_answers_are_never_stored_and_https_desks_send_hsts() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    some_requests(&app, &desk).await;
    let cache = |response: &reqwest::Response| {
        response
            .headers()
            .get(reqwest::header::CACHE_CONTROL)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let visitor = app.new_browser();
    let landing = visitor.get("/").await;
    assert_ne!(cache(&landing).as_deref(), Some("no-store"));
    let me = visitor.post_json("/api/auth/me", json!({})).await;
    assert_eq!(cache(&me).as_deref(), Some("no-store"));
    assert!(me.headers().get("strict-transport-security").is_none());

    let member = app.new_browser();
    member.log_in("ada@example.com", "member passphrase").await;
    let page = member.get("/account/withdrawals").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(cache(&page).as_deref(), Some("no-store"));
    let asset = member.get("/pkg/paydesk.css").await;
    assert_ne!(cache(&asset).as_deref(), Some("no-store"));

    let https = crate::helpers::spawn_app_with(
        app::platform::Settings {
            public_origin: Some("https://pay.example.com".into()),
            cookie_secure: true,
            ..app::platform::Settings::default()
        },
        false,
    )
    .await;
    let answer = https.get("/healthz").await;
    assert_eq!(
        answer.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    // Cookies behind HTTPS carry the __Host- prefix (Secure, Path=/, no
    // Domain), so no subdomain can plant one.
    let page = reqwest::get(format!("{}/login", https.address))
        .await
        .unwrap();
    let cookies: Vec<String> = page
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let csrf = cookies
        .iter()
        .find(|c| c.starts_with("__Host-paydesk_csrf="))
        .unwrap_or_else(|| panic!("{cookies:?}"));
    assert!(csrf.contains("; Secure") && csrf.contains("Path=/") && !csrf.contains("Domain"));
    let token = csrf
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("__Host-paydesk_csrf=")
        .to_owned();
    let admin = crate::helpers::TestUser::generate();
    https.create_admin(&admin).await;
    let signed_in = reqwest::Client::new()
        .post(format!("{}/api/auth/login", https.address))
        .header(reqwest::header::ORIGIN, "https://pay.example.com")
        .header(
            reqwest::header::COOKIE,
            format!("__Host-paydesk_csrf={token}"),
        )
        .form(&[
            ("email", admin.email.as_str()),
            ("password", admin.password.as_str()),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::OK);
    let session = signed_in
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("__Host-paydesk_session="))
        .expect("the session cookie has the prefix");
    assert!(session.contains("; Secure") && session.contains("HttpOnly"));
}

/// Every script a rendered page carries has the response's nonce, and the
/// Content-Security-Policy allows only those (and WebAssembly), so an
/// injected inline script would not run. The end-to-end suite runs the
/// hydrated app under this policy in Chromium.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_carry_a_content_security_policy_with_a_fresh_nonce_on_every_script() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    some_requests(&app, &desk).await;
    let member = app.new_browser();
    member.log_in("ada@example.com", "member passphrase").await;
    let mut nonces = Vec::new();
    for (browser, path) in [
        (&app.browser, "/login"),
        (&member, "/account"),
        (&member, "/account/withdrawals"),
    ] {
        let page = browser.get(path).await;
        assert_eq!(page.status(), StatusCode::OK, "{path}");
        let policy = page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        for directive in [
            "default-src 'self'",
            "'wasm-unsafe-eval'",
            "object-src 'none'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ] {
            assert!(policy.contains(directive), "{path}: {policy}");
        }
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        let nonce = policy
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap_or_else(|| panic!("{path}: no nonce in {policy}"))
            .to_owned();
        let html = page.text().await.unwrap();
        let scripts: Vec<&str> = html.split("<script").skip(1).collect();
        assert!(
            !scripts.is_empty(),
            "{path}: the page hydrates with a script"
        );
        for script in scripts {
            let tag = script.split('>').next().unwrap();
            assert!(
                tag.contains(&format!("nonce=\"{nonce}\"")),
                "{path}: a script without the nonce: <script{tag}>"
            );
        }
        nonces.push(nonce);
    }
    nonces.sort();
    nonces.dedup();
    assert_eq!(nonces.len(), 3, "a new nonce for every response");
    // API answers run nothing and need no policy of their own.
    let me = app.post_json("/api/auth/me", json!({})).await;
    assert!(me.headers().get("content-security-policy").is_none());
}
