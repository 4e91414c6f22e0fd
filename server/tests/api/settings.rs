//! Settings over HTTP: what a save stores, every refusal naming its field
//! and storing nothing, the audit trail, and members kept out.

use crate::client::Answered;
use crate::helpers::{error_of, spawn_app, Browser, TestApp};
use crate::ledger_fixture::admin_browser;
use crate::ledger_fixture::desk;
use app::ledger::money::{AssetKind, Rate};
use app::ledger::service as ledger;
use app::payout_details::method::PayoutMethod;
use app::settings::api::{CreateAsset, LoadSettings, SaveRate, SaveThreshold};
use app::settings::DeskSettings;
use app::withdrawals::rules;
use reqwest::StatusCode;

async fn load(admin: &Browser) -> DeskSettings {
    admin.ok(LoadSettings {}).await
}

async fn audited(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'settings_changed'")
        .await
}

fn general<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("one_open_request", "1"),
        ("min_delay_hours", "24"),
        ("confirmation_message", "Thanks! We pay on Fridays."),
        ("gift_card_brands", "Amazon\n  Apple \n\nSteam"),
        (
            "payquicker_columns",
            "clientPaymentId, amount,currency,email",
        ),
    ];
    for (key, value) in overrides {
        fields.retain(|(k, _)| k != key);
        if !value.is_empty() || *key != "one_open_request" {
            fields.push((key, value));
        }
    }
    fields
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn general_settings_are_validated_stored_and_audited() {
    let app = spawn_app().await;
    desk(&app).await;
    let admin = admin_browser(&app).await;
    let before = load(&admin).await;
    assert_eq!(before.general.payquicker_columns.len(), 8);

    for (overrides, message) in [
        (
            vec![("min_delay_hours", "soon")],
            "Minimum delay: a whole number",
        ),
        (
            vec![("min_delay_hours", "-1")],
            "Minimum delay: between 0 and 8760",
        ),
        (
            vec![("gift_card_brands", " \n ")],
            "Gift-card brands: list at least one",
        ),
        (
            vec![(
                "gift_card_brands",
                "A brand name that goes on and on well past fifty chars",
            )],
            "longer than 50 characters",
        ),
        (
            vec![("payquicker_columns", "amount,shoeSize")],
            "\"shoeSize\" is not one of",
        ),
        (
            vec![("payquicker_columns", "amount,amount")],
            "listed twice",
        ),
    ] {
        let (status, error) = error_of(
            admin
                .post_form("/api/admin/settings/general", &general(&overrides))
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{overrides:?}");
        assert!(error.message.contains(message), "{}", error.message);
    }
    let long = "x".repeat(501);
    let (status, error) = error_of(
        admin
            .post_form(
                "/api/admin/settings/general",
                &general(&[("confirmation_message", &long)]),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.message.starts_with("Confirmation message"));
    assert_eq!(load(&admin).await, before, "nothing was stored");
    assert_eq!(audited(&app).await, 0);

    let response = admin
        .post_form("/api/admin/settings/general", &general(&[]))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let after = load(&admin).await;
    assert!(after.general.one_open_request);
    assert_eq!(after.general.min_delay_hours, 24);
    assert_eq!(
        after.general.confirmation_message,
        "Thanks! We pay on Fridays."
    );
    assert_eq!(after.general.gift_card_brands, ["Amazon", "Apple", "Steam"]);
    assert_eq!(
        after.general.payquicker_columns,
        ["clientPaymentId", "amount", "currency", "email"]
    );
    let stored = rules::withdrawal_rules(&app.state.db).await.unwrap();
    assert!(stored.one_open_request);
    assert_eq!(stored.min_delay_seconds, 24 * 3600);
    assert_eq!(audited(&app).await, 1);

    // An unticked checkbox is not sent at all: that turns the rule off.
    let response = admin
        .post_form(
            "/api/admin/settings/general",
            &general(&[("one_open_request", "")]),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(!load(&admin).await.general.one_open_request);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thresholds_and_method_rules_are_validated_and_stored() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let admin = admin_browser(&app).await;
    let threshold = |currency: &str, amount: &str| {
        admin.call(SaveThreshold {
            currency: currency.into(),
            amount: amount.into(),
        })
    };
    assert_eq!(threshold("usd", "250").await.status(), StatusCode::OK);
    assert_eq!(
        rules::verification_threshold(&app.state.db, "USD")
            .await
            .unwrap(),
        Some(25_000)
    );
    for (currency, amount, message) in [
        ("USD", "lots", "Verification threshold"),
        ("XYZ", "5", "Unknown currency"),
        ("GEMS", "5", "Unknown currency"),
    ] {
        let (status, error) = threshold(currency, amount).await.refusal();
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(error.message.contains(message), "{}", error.message);
    }
    assert_eq!(threshold("USD", "").await.status(), StatusCode::OK);
    assert_eq!(
        rules::verification_threshold(&app.state.db, "USD")
            .await
            .unwrap(),
        None
    );

    let method = |overrides: &[(&'static str, &'static str)]| {
        let mut fields = vec![
            ("method", "paypal"),
            ("currency", "USD"),
            ("enabled", "1"),
            ("min", "5"),
            ("max", "500"),
            ("fee_fixed", "0.30"),
            ("fee_percent", "2.9"),
            ("fee_min", "0"),
            ("fee_max", ""),
        ];
        for (key, value) in overrides {
            fields.retain(|(k, _)| k != key);
            fields.push((key, value));
        }
        let admin = &admin;
        async move { admin.post_form("/api/admin/settings/method", &fields).await }
    };
    assert_eq!(method(&[]).await.status(), StatusCode::OK);
    let rule = rules::method_rule(&app.state.db, PayoutMethod::Paypal, desk.usd.id)
        .await
        .unwrap()
        .unwrap();
    assert!(rule.enabled);
    assert_eq!(
        (
            rule.min_minor,
            rule.max_minor,
            rule.fee_fixed_minor,
            rule.fee_basis_points
        ),
        (500, Some(50_000), 30, 290)
    );
    assert_eq!(rule.fee(10_000), 30 + 290, "0.30 + 2.9 % of 100.00");
    let shown = load(&admin).await;
    let row = shown
        .methods
        .iter()
        .find(|m| m.method == "paypal" && m.currency == "USD")
        .unwrap();
    assert_eq!(
        (
            row.min.as_str(),
            row.max.as_str(),
            row.fee_fixed.as_str(),
            row.fee_percent.as_str()
        ),
        ("5.00", "500.00", "0.30", "2.9")
    );

    for (overrides, message) in [
        (vec![("max", "1")], "Maximum: must not be below the minimum"),
        (vec![("fee_percent", "101")], "Fee percent"),
        (vec![("fee_percent", "2.999")], "Fee percent"),
        (vec![("fee_percent", "-1")], "Fee percent"),
        (vec![("fee_fixed", "0.301")], "Fixed fee"),
        (vec![("fee_min", "2"), ("fee_max", "1")], "Fee cap"),
        (vec![("method", "pigeon")], "Unknown payout method"),
    ] {
        let (status, error) = error_of(method(&overrides).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{overrides:?}");
        assert!(error.message.contains(message), "{}", error.message);
    }
    let unchanged = rules::method_rule(&app.state.db, PayoutMethod::Paypal, desk.usd.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(unchanged, rule, "refused saves stored nothing");
    assert_eq!(audited(&app).await, 3, "two thresholds and one method");

    // Members reach none of it.
    let member = app.new_browser();
    member.sign_up(&crate::helpers::TestUser::generate()).await;
    assert_eq!(
        member.call(LoadSettings {}).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        member
            .post_form("/api/admin/settings/general", &general(&[]))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_and_rates_are_added_validated_and_audited() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let admin = admin_browser(&app).await;
    let asset = |kind: &str, code: &str, name: &str| CreateAsset {
        kind: kind.into(),
        code: code.into(),
        name: name.into(),
    };
    let add = |kind: &str, code: &str, name: &str| admin.call(asset(kind, code, name));
    let assets = || app.count("SELECT COUNT(*) FROM assets");
    let before = assets().await;

    // A currency's scale and name come from ISO 4217.
    assert_eq!(add("currency", "kwd", "").await.status(), StatusCode::OK);
    let listed = load(&admin).await;
    let kwd = listed.assets.iter().find(|a| a.code == "KWD").unwrap();
    assert_eq!(
        (kwd.name.as_str(), kwd.kind, kwd.scale, kwd.rate.as_deref()),
        ("Kuwaiti dinar", AssetKind::Currency, 3, None)
    );
    assert!(
        listed.thresholds.iter().any(|t| t.currency == "KWD"),
        "a new currency gets its own threshold and method settings"
    );
    assert_eq!(
        add("points", "STARS", "Stars").await.status(),
        StatusCode::OK
    );

    for (kind, code, name, status, message) in [
        (
            "currency",
            "XYZ",
            "",
            StatusCode::BAD_REQUEST,
            "not an ISO 4217",
        ),
        (
            "points",
            "G",
            "Gee",
            StatusCode::BAD_REQUEST,
            "Code: 2 to 12",
        ),
        (
            "points",
            "EUR",
            "Euros",
            StatusCode::BAD_REQUEST,
            "currency code",
        ),
        ("points", "RUBIES", "", StatusCode::BAD_REQUEST, "Name:"),
        ("shares", "ACME", "Acme", StatusCode::BAD_REQUEST, "Kind:"),
        (
            "currency",
            "USD",
            "",
            StatusCode::CONFLICT,
            "USD exists already",
        ),
        (
            "points",
            "gems",
            "Gems",
            StatusCode::CONFLICT,
            "GEMS exists already",
        ),
    ] {
        let (got, error) = add(kind, code, name).await.refusal();
        assert_eq!(got, status, "{kind} {code}");
        assert!(error.message.contains(message), "{}", error.message);
    }
    assert_eq!(assets().await, before + 2, "refusals add nothing");
    assert_eq!(audited(&app).await, 2);

    // Two admins adding the same code at once: one asset, one refusal.
    let other = admin_browser(&app).await;
    let pearls = || asset("points", "PEARLS", "Pearls");
    let (a, b) = tokio::join!(admin.call(pearls()), other.call(pearls()));
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    assert_eq!(assets().await, before + 3);

    // Rates: the newest is in force; refusals name the field.
    let rate_of = |points_code: &str, points: &str, currency_code: &str, amount: &str| SaveRate {
        points_code: points_code.into(),
        points: points.into(),
        currency_code: currency_code.into(),
        amount: amount.into(),
    };
    let rate = |points_code: &str, points: &str, currency_code: &str, amount: &str| {
        admin.call(rate_of(points_code, points, currency_code, amount))
    };
    assert_eq!(
        rate("gems", "25", "usd", "1.50").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        ledger::current_rate(&app.state.db, desk.gems.id)
            .await
            .unwrap(),
        Some((
            desk.usd.id,
            Rate {
                points: 25,
                money_minor: 150
            }
        ))
    );
    let audited_before = audited(&app).await;
    for (points_code, points, currency_code, amount, message) in [
        (
            "GEMS",
            "1.5",
            "USD",
            "1",
            "Points: GEMS amounts are whole numbers",
        ),
        (
            "GEMS",
            "0",
            "USD",
            "1",
            "Points: The amount must be greater than zero",
        ),
        (
            "GEMS",
            "10",
            "USD",
            "1.001",
            "Worth: USD amounts have at most 2",
        ),
        (
            "GEMS",
            "10",
            "USD",
            "-1",
            "Worth: The amount cannot be negative",
        ),
        (
            "GEMS",
            "10",
            "KWD",
            "0.0001",
            "Worth: KWD amounts have at most 3",
        ),
        ("USD", "10", "USD", "1", "Point type: no point type \"USD\""),
        (
            "GEMS",
            "10",
            "STARS",
            "1",
            "Currency: no currency \"STARS\"",
        ),
        (
            "GEMS",
            "10000000000000",
            "USD",
            "1",
            "Rate: use smaller numbers",
        ),
    ] {
        let (status, error) = rate(points_code, points, currency_code, amount)
            .await
            .refusal();
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{points_code} {points} {amount}"
        );
        assert!(error.message.contains(message), "{}", error.message);
    }
    assert_eq!(
        audited(&app).await,
        audited_before,
        "refused rates record nothing"
    );
    let listed = load(&admin).await;
    let gems = listed.assets.iter().find(|a| a.code == "GEMS").unwrap();
    assert_eq!(gems.rate.as_deref(), Some("25 GEMS = 1.50 USD"));
    let stars = listed.assets.iter().find(|a| a.code == "STARS").unwrap();
    assert_eq!(stars.rate, None);

    // Members reach none of it.
    let member = app.new_browser();
    member.sign_up(&crate::helpers::TestUser::generate()).await;
    assert_eq!(
        member.call(asset("points", "MINE", "Mine")).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        member
            .call(rate_of("GEMS", "1", "USD", "100"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(assets().await, before + 3);
}
