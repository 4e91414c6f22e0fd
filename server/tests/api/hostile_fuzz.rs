//! A hostile-input run over every server function and plain route: values
//! no form sends (huge and negative numbers, NaN, control characters, long
//! and odd unicode text, wrong types, nested objects), from a visitor, a
//! member and an admin, as forms and as JSON. Whatever arrives, the answer
//! is never a 5xx nor a dropped connection, and the ledger still verifies.
//!
//! CI runs a bounded number of cases; `make fuzz` runs many more
//! (`PAYDESK_FUZZ_CASES`).

use crate::helpers::spawn_app;
use crate::ledger_fixture::admin_browser;
use crate::ledger_fixture::some_requests;
use crate::ledger_fixture::{assert_ledger_clean, desk};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reqwest::header;
use serde_json::{Map, Value};

/// Every argument name a server function takes, and a few more that plain
/// routes read.
const FIELDS: &[&str] = &[
    "account_number",
    "action",
    "active",
    "approval_id",
    "address",
    "amount",
    "asset",
    "bank_name",
    "bic",
    "brand",
    "code",
    "confirm",
    "confirmation_message",
    "country",
    "csv",
    "currency",
    "currency_code",
    "decision",
    "description",
    "direction",
    "display_name",
    "email",
    "enabled",
    "external_reference",
    "fee_fixed",
    "fee_max",
    "fee_min",
    "fee_percent",
    "field",
    "field_id",
    "first_name",
    "gift_card_brands",
    "holder_name",
    "iban",
    "id",
    "idempotency_key",
    "ids",
    "kind",
    "last_name",
    "make_default",
    "max",
    "member_id",
    "memo",
    "method",
    "min",
    "min_delay_hours",
    "mobile",
    "name",
    "network",
    "note",
    "on",
    "one_open_request",
    "page",
    "per_page",
    "params",
    "password",
    "payment_date",
    "payquicker_columns",
    "points",
    "points_code",
    "program",
    "q",
    "query",
    "reason",
    "request",
    "request_id",
    "routing_number",
    "run_id",
    "schedule",
    "schedule_id",
    "selection",
    "tax_id",
    "token",
    "up",
    "user_id",
    "wallet_id",
    "format",
    "scope",
    "status",
    "threshold",
    "cadence",
    "day",
    "hour",
    "label",
    "pattern",
    "required",
    "external_id",
    "member_email",
];

/// Routes that are not server functions (path, is a GET).
const ROUTES: &[(&str, bool)] = &[
    ("/admin/payouts/export", false),
    ("/admin/payouts/files/1/download", true),
    ("/admin/payouts/files/-1/download", true),
    ("/api/v1/incentives", false),
    ("/api/v1/incentives/x", true),
    ("/api/paypal/webhook", false),
    ("/admin/payouts", true),
    ("/admin/members", true),
    ("/admin/audit", true),
    ("/admin/incentives", true),
    ("/account/statement", true),
    ("/account/withdrawals", true),
    ("/admin/payouts/1", true),
    ("/admin/payouts/files/99999999999999999999", true),
    ("/admin/members/abc", true),
];

fn text_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("18446744073709551615".to_owned()),
        Just("-9223372036854775808".to_owned()),
        Just("9223372036854775807".to_owned()),
        Just("92233720368547758.08".to_owned()),
        Just("NaN".to_owned()),
        Just("1e309".to_owned()),
        Just("-0.001".to_owned()),
        Just("0".to_owned()),
        Just("true".to_owned()),
        Just("null".to_owned()),
        Just("2026-02-30".to_owned()),
        Just("x".repeat(5_000)),
        Just("a\u{0}b".to_owned()),
        Just("\u{202E}evil".to_owned()),
        Just("' OR 1=1 --".to_owned()),
        Just("<script>alert(1)</script>".to_owned()),
        Just("=HYPERLINK(\"http://x\")".to_owned()),
        "-?[0-9]{1,24}",
        "[0-9]{1,12}\\.[0-9]{1,8}",
        "\\PC{0,40}",
        any::<String>().prop_map(|s| s.chars().take(300).collect()),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        text_value().prop_map(Value::String),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
        Just(serde_json::json!(1.5e300)),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((proptest::sample::select(FIELDS), inner), 0..4).prop_map(
                |pairs| {
                    Value::Object(
                        pairs
                            .into_iter()
                            .map(|(k, v)| ((*k).to_owned(), v))
                            .collect::<Map<_, _>>(),
                    )
                }
            ),
        ]
    })
}

#[derive(Clone, Debug)]
struct Case {
    target: usize,
    who: usize,
    json: bool,
    form: Vec<(&'static str, String)>,
    body: Value,
}

fn case(targets: usize) -> impl Strategy<Value = Case> {
    (
        0..targets,
        0usize..3,
        any::<bool>(),
        proptest::collection::vec((proptest::sample::select(FIELDS), text_value()), 0..6),
        proptest::collection::vec((proptest::sample::select(FIELDS), json_value()), 0..5),
    )
        .prop_map(|(target, who, json, form, body)| Case {
            target,
            who,
            json,
            form,
            body: Value::Object(
                body.into_iter()
                    .map(|(k, v)| ((*k).to_owned(), v))
                    .collect::<Map<_, _>>(),
            ),
        })
}

#[test]
fn generated_input_never_gets_a_5xx_nor_drops_the_connection() {
    let cases = std::env::var("PAYDESK_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let app = runtime.block_on(spawn_app());
    let desk = runtime.block_on(desk(&app));
    runtime.block_on(some_requests(&app, &desk));
    let admin = runtime.block_on(admin_browser(&app));
    let member = app.new_browser();
    runtime.block_on(member.log_in("ada@example.com", "member passphrase"));
    let visitor = app.new_browser();
    let browsers = [&visitor, &member, &admin];
    // Every server function but signing out (which would only end the
    // run's own sessions), and the plain routes.
    let mut targets: Vec<(String, bool)> = leptos::server_fn::axum::server_fn_paths()
        .filter(|(path, _)| !path.ends_with("/logout"))
        .map(|(path, method)| (path.to_owned(), method == axum::http::Method::GET))
        .collect();
    targets.sort();
    assert!(targets.len() > 50, "server functions: {}", targets.len());
    targets.extend(ROUTES.iter().map(|(path, get)| ((*path).to_owned(), *get)));

    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    // What came back, by class: the run must reach the handlers (some
    // answers succeed), not only be turned away at the door.
    let succeeded = std::cell::Cell::new(0u32);
    let refused = std::cell::Cell::new(0u32);
    let result = runner.run(&case(targets.len()), |case| {
        let (path, get) = &targets[case.target];
        let browser = browsers[case.who];
        let url = format!("{}{path}", browser.address);
        let request = if *get {
            browser.client.get(&url).query(&case.form)
        } else if case.json {
            browser
                .client
                .post(&url)
                .header(header::ORIGIN, &browser.address)
                .json(&case.body)
        } else {
            let token = runtime.block_on(browser.csrf_token());
            let mut form = case.form.clone();
            form.push(("csrf_token", token));
            browser
                .client
                .post(&url)
                .header(header::ORIGIN, &browser.address)
                .form(&form)
        };
        let response = runtime
            .block_on(request.send())
            .map_err(|err| TestCaseError::fail(format!("{path}: no answer ({err})")))?;
        let status = response.status();
        if status.is_server_error() {
            let body = runtime.block_on(response.text()).unwrap_or_default();
            return Err(TestCaseError::fail(format!(
                "{path} answered {status}: {body}"
            )));
        }
        if status.is_success() || status.is_redirection() {
            succeeded.set(succeeded.get() + 1);
        } else {
            refused.set(refused.get() + 1);
        }
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    eprintln!(
        "{cases} cases: {} answered, {} refused",
        succeeded.get(),
        refused.get()
    );
    assert!(
        succeeded.get() > cases / 20,
        "only {} of {cases} requests reached a handler that answered",
        succeeded.get()
    );
    runtime.block_on(assert_ledger_clean(&app));
}
