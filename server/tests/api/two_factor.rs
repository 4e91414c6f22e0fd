//! Two-factor sign-in: enrolment with a first code, the code step after the
//! password, replay refused, recovery codes used once, wrong codes
//! throttled like passwords, the command-line reset, and the secret sealed
//! at rest. The test plays the phone: it computes codes from the secret
//! the enrolment showed, at the app's (manual) clock.

use chrono::{DateTime, Duration, Utc};

use crate::client::Answered;
use crate::helpers::{spawn_app, Browser, TestApp, TestUser};
use app::auth::api::{LogIn, LogInCode, SignInStep};
use app::auth::two_factor_api::{
    BeginTwoFactor, ConfirmTwoFactor, RenewRecoveryCodes, TurnOffTwoFactor, TwoFactorStatus,
};
use app::error::ErrorCode;
use reqwest::StatusCode;

/// What an authenticator app shows for the secret at `at`.
fn code_at(secret: &str, at: DateTime<Utc>) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret.replace(' ', "")).expect("base32");
    let totp = totp_rs::Builder::new()
        .with_secret(secret)
        .build()
        .expect("an RFC 6238 TOTP");
    totp.generate(u64::try_from(at.timestamp()).unwrap())
        .to_string()
}

/// A member signed in, with two-factor set up; answers the secret and the
/// recovery codes.
async fn enrolled(app: &TestApp, browser: &Browser, user: &TestUser) -> (String, Vec<String>) {
    browser.sign_up(user).await;
    let enrolment = browser.ok(BeginTwoFactor {}).await;
    let codes = browser
        .ok(ConfirmTwoFactor {
            code: code_at(&enrolment.secret, app.clock.now()),
            password: user.password.clone(),
        })
        .await;
    (enrolment.secret, codes)
}

async fn password_step(
    browser: &Browser,
    user: &TestUser,
) -> Result<SignInStep, crate::client::Refused> {
    browser
        .call(LogIn {
            email: user.email.clone(),
            password: user.password.clone(),
        })
        .await
}

async fn audited(app: &TestApp, action: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM audit_events WHERE action = '{action}'"
    ))
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrolment_takes_a_first_code_and_then_sign_in_asks_for_one() {
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.sign_up(&user).await;
    let off = app.ok(TwoFactorStatus {}).await;
    assert!(!off.on && off.enrolment.is_none());

    let enrolment = app.ok(BeginTwoFactor {}).await;
    assert!(
        enrolment.uri.starts_with("otpauth://totp/Paydesk:")
            && enrolment.uri.contains("issuer=Paydesk"),
        "{}",
        enrolment.uri
    );
    assert!(enrolment.qr_svg.contains("<svg"), "an SVG QR code");
    assert_eq!(
        enrolment.secret.replace(' ', "").len(),
        32,
        "160 bits in base32"
    );
    // Not on until a code confirms it: signing in asks for none yet.
    let pending = app.ok(TwoFactorStatus {}).await;
    assert!(!pending.on);
    assert_eq!(
        pending.enrolment.as_ref(),
        Some(&enrolment),
        "shown again on reload"
    );

    let (status, error) = app
        .call(ConfirmTwoFactor {
            code: "000000".into(),
            password: user.password.clone(),
        })
        .await
        .refusal();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.message.contains("not right"), "{}", error.message);
    assert!(
        !app.ok(TwoFactorStatus {}).await.on,
        "a wrong code changes nothing"
    );
    // A session left open is not enough: the password is asked too.
    let (status, error) = app
        .call(ConfirmTwoFactor {
            code: code_at(&enrolment.secret, app.clock.now()),
            password: "not the password".into(),
        })
        .await
        .refusal();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error.message.contains("password is not right"),
        "{}",
        error.message
    );
    assert!(!app.ok(TwoFactorStatus {}).await.on);

    let codes = app
        .ok(ConfirmTwoFactor {
            code: code_at(&enrolment.secret, app.clock.now()),
            password: user.password.clone(),
        })
        .await;
    assert_eq!(codes.len(), 10);
    let on = app.ok(TwoFactorStatus {}).await;
    assert!(on.on);
    assert_eq!(on.recovery_codes_left, 10);
    assert_eq!(audited(&app, "two_factor_enabled").await, 1);

    // Sealed at rest: neither the secret nor a recovery code is in the database.
    let dump = app
        .count("SELECT COUNT(*) FROM two_factor WHERE secret LIKE 'enc1:%'")
        .await;
    assert_eq!(dump, 1);
    let plain = app
        .count(&format!(
            "SELECT COUNT(*) FROM two_factor WHERE secret LIKE '%{}%'",
            &enrolment.secret.replace(' ', "")[..8]
        ))
        .await;
    assert_eq!(plain, 0);
    let stored_code = app
        .count(&format!(
            "SELECT COUNT(*) FROM recovery_codes WHERE code_hash LIKE '%{}%'",
            codes[0].replace('-', "")
        ))
        .await;
    assert_eq!(stored_code, 0);

    // The password alone signs nobody in now.
    app.log_out().await;
    let browser = app.new_browser();
    let step = password_step(&browser, &user)
        .await
        .expect("the password is right");
    assert_eq!(step, SignInStep::CodeNeeded);
    assert!(
        browser.session_token().is_none(),
        "no session before the code"
    );
    assert_eq!(browser.me().await, None);
    assert!(
        browser.cookie("paydesk_signin").is_some(),
        "the challenge waits in a cookie"
    );

    let (status, _) = browser
        .call(LogInCode {
            code: "123456".into(),
        })
        .await
        .refusal();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(browser.me().await, None);

    // The next step's code (the enrolment used this one).
    app.clock.advance(Duration::seconds(30));
    let signed_in = browser
        .ok(LogInCode {
            code: code_at(&enrolment.secret, app.clock.now()),
        })
        .await;
    assert_eq!(signed_in.email, user.email);
    assert_eq!(
        browser.me().await.map(|me| me.email),
        Some(user.email.clone())
    );
    let detail = app
        .count(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'login_succeeded' \
             AND detail = 'with a two-factor code'",
        )
        .await;
    assert_eq!(detail, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_signs_in_once_even_when_sent_twice_at_once() {
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (secret, _) = enrolled(&app, &app.browser, &user).await;

    // The enrolment's own code is spent: the same code at the same moment
    // is a replay.
    let replay = app.new_browser();
    password_step(&replay, &user).await.unwrap();
    let (status, _) = replay
        .call(LogInCode {
            code: code_at(&secret, app.clock.now()),
        })
        .await
        .refusal();
    assert_eq!(status, StatusCode::BAD_REQUEST, "a code is used once");

    // Next step: two browsers, each past the password, send the same code
    // at the same time. One signs in.
    app.clock.advance(Duration::seconds(30));
    let first = app.new_browser();
    let second = app.new_browser();
    password_step(&first, &user).await.unwrap();
    password_step(&second, &user).await.unwrap();
    let code = code_at(&secret, app.clock.now());
    let (a, b) = tokio::join!(
        first.call(LogInCode { code: code.clone() }),
        second.call(LogInCode { code: code.clone() }),
    );
    let won = [a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count();
    assert_eq!(won, 1, "one of two identical codes signs in: {a:?} {b:?}");

    // A code of the step before still works once (one step of skew)...
    app.clock.advance(Duration::seconds(30));
    let late = app.new_browser();
    password_step(&late, &user).await.unwrap();
    let skewed = code_at(&secret, app.clock.now() + Duration::seconds(30));
    late.ok(LogInCode { code: skewed }).await;
    // ...but two steps out does not.
    app.clock.advance(Duration::seconds(30));
    let far = app.new_browser();
    password_step(&far, &user).await.unwrap();
    let (status, _) = far
        .call(LogInCode {
            code: code_at(&secret, app.clock.now() + Duration::seconds(90)),
        })
        .await
        .refusal();
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_codes_sign_in_once_and_renewing_retires_the_old_ones() {
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (secret, codes) = enrolled(&app, &app.browser, &user).await;

    let phoneless = app.new_browser();
    password_step(&phoneless, &user).await.unwrap();
    phoneless
        .ok(LogInCode {
            code: codes[0].to_uppercase(),
        })
        .await;
    assert_eq!(
        phoneless.ok(TwoFactorStatus {}).await.recovery_codes_left,
        9
    );

    let again = app.new_browser();
    password_step(&again, &user).await.unwrap();
    let (status, _) = again
        .call(LogInCode {
            code: codes[0].clone(),
        })
        .await
        .refusal();
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a recovery code works once"
    );

    // New codes take a code, and the old ones stop working.
    app.clock.advance(Duration::seconds(30));
    let renewed = phoneless
        .ok(RenewRecoveryCodes {
            code: code_at(&secret, app.clock.now()),
        })
        .await;
    assert_eq!(renewed.len(), 10);
    assert!(renewed.iter().all(|code| !codes.contains(code)));
    let old = app.new_browser();
    password_step(&old, &user).await.unwrap();
    assert_eq!(
        old.call(LogInCode {
            code: codes[1].clone()
        })
        .await
        .status(),
        StatusCode::BAD_REQUEST
    );
    old.ok(LogInCode {
        code: renewed[3].clone(),
    })
    .await;
    assert_eq!(audited(&app, "recovery_codes_renewed").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_codes_count_against_the_sign_in_throttle() {
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (secret, _) = enrolled(&app, &app.browser, &user).await;
    let limit = app.state.settings.login_max_failures_per_account;

    let guesser = app.new_browser();
    password_step(&guesser, &user).await.unwrap();
    for guess in 0..limit {
        let (status, _) = guesser
            .call(LogInCode {
                code: format!("{:06}", 100_000 + guess),
            })
            .await
            .refusal();
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    // The right password does not clear the count: the code is still owed.
    app.clock.advance(Duration::seconds(30));
    let (status, error) = password_step(&guesser, &user).await.refusal();
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{}", error.message);
    assert_eq!(error.code, ErrorCode::TooManyRequests);
    let (status, _) = guesser
        .call(LogInCode {
            code: code_at(&secret, app.clock.now()),
        })
        .await
        .refusal();
    assert!(
        status == StatusCode::UNAUTHORIZED || status == StatusCode::TOO_MANY_REQUESTS,
        "even the right code waits: {status}"
    );

    // After the wait, the right code signs in.
    let window = Duration::from_std(app.state.settings.login_failure_window).unwrap();
    app.clock.advance(window + Duration::seconds(30));
    password_step(&guesser, &user).await.unwrap();
    guesser
        .ok(LogInCode {
            code: code_at(&secret, app.clock.now()),
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_waits_five_minutes_for_its_code() {
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (secret, _) = enrolled(&app, &app.browser, &user).await;
    let slow = app.new_browser();
    password_step(&slow, &user).await.unwrap();
    app.clock
        .advance(Duration::minutes(5) + Duration::seconds(1));
    let (status, error) = slow
        .call(LogInCode {
            code: code_at(&secret, app.clock.now()),
        })
        .await
        .refusal();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(error.message.contains("expired"), "{}", error.message);
    // No challenge at all (a forged or missing cookie): the same answer.
    let stranger = app.new_browser();
    let (status, _) = stranger
        .call(LogInCode {
            code: "123456".into(),
        })
        .await
        .refusal();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn turning_it_on_or_off_takes_a_code_and_ends_the_other_sessions() {
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.sign_up(&user).await;
    let elsewhere = app.new_browser();
    elsewhere.log_in(&user.email, &user.password).await;
    assert!(elsewhere.me().await.is_some());

    let enrolment = app.ok(BeginTwoFactor {}).await;
    app.ok(ConfirmTwoFactor {
        code: code_at(&enrolment.secret, app.clock.now()),
        password: user.password.clone(),
    })
    .await;
    assert_eq!(
        elsewhere.me().await,
        None,
        "turning it on signs out the rest"
    );
    assert!(app.me().await.is_some(), "but not this browser");

    // Moving it to another app takes turning it off first, with a code.
    let (status, _) = app.call(BeginTwoFactor {}).await.refusal();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .call(TurnOffTwoFactor {
            code: "999999".into(),
        })
        .await
        .refusal();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(app.ok(TwoFactorStatus {}).await.on);

    let other = app.new_browser();
    password_step(&other, &user).await.unwrap();
    app.clock.advance(Duration::seconds(30));
    other
        .ok(LogInCode {
            code: code_at(&enrolment.secret, app.clock.now()),
        })
        .await;
    app.clock.advance(Duration::seconds(30));
    app.ok(TurnOffTwoFactor {
        code: code_at(&enrolment.secret, app.clock.now()),
    })
    .await;
    assert_eq!(
        other.me().await,
        None,
        "turning it off signs out the rest too"
    );
    assert!(!app.ok(TwoFactorStatus {}).await.on);
    assert_eq!(app.count("SELECT COUNT(*) FROM recovery_codes").await, 0);
    let fresh = app.new_browser();
    assert!(matches!(
        password_step(&fresh, &user).await,
        Ok(SignInStep::SignedIn(_))
    ));
    assert_eq!(audited(&app, "two_factor_disabled").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_reset_removes_the_second_factor_and_every_session() {
    let app = spawn_app().await;
    let user = TestUser::generate();
    enrolled(&app, &app.browser, &user).await;
    assert!(app.me().await.is_some());

    let had = app::auth::two_factor::reset(&app.state.db, app.clock.now(), &user.email)
        .await
        .unwrap();
    assert!(had);
    assert_eq!(app.me().await, None, "every session ends");
    assert_eq!(app.count("SELECT COUNT(*) FROM two_factor").await, 0);
    let fresh = app.new_browser();
    assert!(matches!(
        password_step(&fresh, &user).await,
        Ok(SignInStep::SignedIn(_))
    ));
    let row = app
        .count(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'two_factor_reset' \
             AND actor_user_id IS NULL AND detail LIKE 'from the server''s command line%'",
        )
        .await;
    assert_eq!(row, 1, "audited as the command line's doing");

    let unknown =
        app::auth::two_factor::reset(&app.state.db, app.clock.now(), "nobody@example.com").await;
    assert!(unknown.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_factor_pages_need_a_session() {
    let app = spawn_app().await;
    let stranger = app.new_browser();
    assert_eq!(
        stranger.call(TwoFactorStatus {}).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        stranger.call(BeginTwoFactor {}).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

mod step_up {
    //! Step-up: an admin with two-factor on confirms a fresh code before
    //! money moves, unless one was given in this session within ten
    //! minutes and what they moved since is under their step-up limit.

    use super::*;
    use crate::ledger_fixture::{admin_browser, desk, funding_wallet, key};
    use app::auth::two_factor_api::StepUp;
    use app::funding::api::RecordDeposit;
    use app::settings::api::SaveStepUpLimit;

    fn deposit(wallet_id: i64, amount: &str) -> RecordDeposit {
        RecordDeposit {
            wallet_id,
            amount: amount.into(),
            memo: "Wire from the vendor".into(),
            idempotency_key: key(),
        }
    }

    /// The desk's owner, with two-factor turned on in this browser.
    async fn owner_with_two_factor(app: &TestApp) -> (Browser, String) {
        let owner = admin_browser(app).await;
        let enrolment = owner.ok(BeginTwoFactor {}).await;
        owner
            .ok(ConfirmTwoFactor {
                code: code_at(&enrolment.secret, app.clock.now()),
                password: crate::ledger_fixture::ADMIN_PASSWORD.into(),
            })
            .await;
        (owner, enrolment.secret)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_code_counts_for_ten_minutes_of_money_moves() {
        let app = spawn_app().await;
        let desk = desk(&app).await;
        let wallet = funding_wallet(&app, &desk, "Operating", 100).await;
        let (owner, secret) = owner_with_two_factor(&app).await;

        // Turning two-factor on was a fresh code: the window is open.
        owner.ok(deposit(wallet.id, "10.00")).await;
        app.clock
            .advance(Duration::minutes(10) + Duration::seconds(1));
        let before = app.count("SELECT COUNT(*) FROM journal_entries").await;
        let (status, error) = owner.call(deposit(wallet.id, "10.00")).await.refusal();
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(error.code, ErrorCode::StepUpRequired);
        assert!(
            error.message.contains("authenticator app"),
            "{}",
            error.message
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM journal_entries").await,
            before,
            "nothing moved"
        );

        let (status, _) = owner
            .call(StepUp {
                code: "000000".into(),
            })
            .await
            .refusal();
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "a wrong code opens nothing"
        );
        owner
            .ok(StepUp {
                code: code_at(&secret, app.clock.now()),
            })
            .await;
        owner.ok(deposit(wallet.id, "10.00")).await;
        assert_eq!(audited(&app, "stepped_up").await, 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_running_total_since_the_code_is_capped_by_the_step_up_limit() {
        let app = spawn_app().await;
        let desk = desk(&app).await;
        let wallet = funding_wallet(&app, &desk, "Operating", 100).await;
        let (owner, secret) = owner_with_two_factor(&app).await;
        owner
            .ok(SaveStepUpLimit {
                asset: "USD".into(),
                amount: "100.00".into(),
            })
            .await;

        owner.ok(deposit(wallet.id, "60.00")).await;
        // 60.00 so far is under 100.00: one more goes.
        owner.ok(deposit(wallet.id, "60.00")).await;
        let (_, error) = owner.call(deposit(wallet.id, "1.00")).await.refusal();
        assert_eq!(error.code, ErrorCode::StepUpRequired);
        assert!(error.message.contains("step-up limit"), "{}", error.message);

        app.clock.advance(Duration::seconds(30));
        owner
            .ok(StepUp {
                code: code_at(&secret, app.clock.now()),
            })
            .await;
        owner.ok(deposit(wallet.id, "99.00")).await;
        // The same code again is a replay: it opens nothing.
        let (status, _) = owner
            .call(StepUp {
                code: code_at(&secret, app.clock.now()),
            })
            .await
            .refusal();
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let moved = app
            .count("SELECT COUNT(*) FROM admin_moves WHERE action = 'funding.deposit'")
            .await;
        assert_eq!(moved, 3, "every deposit made is counted, none refused");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_admin_without_two_factor_is_not_asked_and_bad_limits_are_refused() {
        let app = spawn_app().await;
        let desk = desk(&app).await;
        let wallet = funding_wallet(&app, &desk, "Operating", 100).await;
        let owner = admin_browser(&app).await;
        owner.ok(deposit(wallet.id, "20000.00")).await;
        for bad in ["-1", "1.234", "lots"] {
            let (status, _) = owner
                .call(SaveStepUpLimit {
                    asset: "USD".into(),
                    amount: bad.into(),
                })
                .await
                .refusal();
            assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        }
        assert_eq!(
            app.count("SELECT COUNT(*) FROM settings WHERE key LIKE 'step_up_limit:%'")
                .await,
            0
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tax_ids_written_before_encryption_are_sealed_on_start_and_rotate_with_the_key() {
    use app::entities::identity_verification;
    use app::platform::secrets::SecretKey;
    use sea_orm::{ActiveValue::Set, EntityTrait};

    let app = spawn_app().await;
    let user = TestUser::generate();
    app.sign_up(&user).await;
    let me = app.me().await.unwrap();
    // A row as an older Paydesk wrote it: the tax ID in plain text.
    identity_verification::Entity::insert(identity_verification::ActiveModel {
        user_id: Set(me.id),
        status: Set("submitted".into()),
        first_name: Set("Ada".into()),
        last_name: Set("Lovelace".into()),
        tax_id: Set("AB 12 34 56 C".into()),
        tax_id_last4: Set(String::new()),
        mobile: Set("+44 7700 900123".into()),
        country: Set("GB".into()),
        address: Set("12 St James's Square".into()),
        review_note: Set(None),
        submitted_at: Set(app.clock.now()),
        reviewed_at: Set(None),
        reviewed_by: Set(None),
    })
    .exec_without_returning(&app.state.db)
    .await
    .unwrap();
    let key = &app.state.settings.secret_key;
    let sealed = app::verification::service::seal_plain_tax_ids(&app.state.db, key)
        .await
        .unwrap();
    assert_eq!(sealed, 1);
    let again = app::verification::service::seal_plain_tax_ids(&app.state.db, key)
        .await
        .unwrap();
    assert_eq!(again, 0, "a sealed value is left alone");
    let row = identity_verification::Entity::find_by_id(me.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(!row.tax_id.contains("AB 12"));
    assert_eq!(row.tax_id_last4, "456C");
    let purpose = format!("tax_id:{}", me.id);
    assert_eq!(
        key.open_text(&purpose, &row.tax_id).unwrap(),
        "AB 12 34 56 C"
    );

    let new = SecretKey::generate();
    let moved = app::verification::service::reseal_tax_ids(&app.state.db, key, &new)
        .await
        .unwrap();
    assert_eq!(moved, 1);
    let row = identity_verification::Entity::find_by_id(me.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        new.open_text(&purpose, &row.tax_id).unwrap(),
        "AB 12 34 56 C"
    );
    assert!(key.open_text(&purpose, &row.tax_id).is_err());
}
