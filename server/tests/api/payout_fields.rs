//! Extra payout fields: admins add, reorder and retire them; members'
//! answers are checked on the server (nothing saved when wrong), kept when
//! a field retires, frozen with requests, shown in the process view and
//! carried by every export.

use crate::client::Answered;
use crate::client::{csv_rows, download, export, file, payment_file};
use crate::helpers::{error_of, spawn_app, Browser, TestApp, TestUser};
use crate::ledger_fixture::admin_browser;
use crate::ledger_fixture::{desk, key, request, Member};
use app::payout_details::api::LoadPayoutDetails;
use app::payout_details::SavedDetails;
use app::payout_fields::api::{
    AddPayoutField, ListPayoutFields, MovePayoutField, RetirePayoutField,
};
use app::payout_fields::{MethodField, NewField};
use app::payouts::api::PayoutProcessView;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn add(admin: &Browser, field: Value) -> reqwest::Response {
    admin
        .post_json("/api/admin/payout-fields/add", json!({ "field": field }))
        .await
}

async fn list(admin: &Browser) -> Vec<MethodField> {
    admin.ok(ListPayoutFields {}).await
}

fn labels(fields: &[MethodField]) -> Vec<&str> {
    fields.iter().map(|f| f.label.as_str()).collect()
}

async fn saved_rows(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM payout_details").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extra_fields_are_validated_stored_kept_when_retired_and_exported() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let admin = admin_browser(&app).await;

    // Fields that cannot work are refused, and nothing is added.
    for (field, message) in [
        (
            json!({ "method": "carrier_pigeon", "label": "Coop" }),
            "Choose the payout method the field belongs to",
        ),
        (
            json!({ "method": "paypal", "label": "  " }),
            "Give the field a label",
        ),
        (
            json!({ "method": "paypal", "label": "Memo", "pattern": "([a-z" }),
            "The pattern is not a valid regular expression",
        ),
        (
            json!({ "method": "paypal", "label": "x".repeat(101) }),
            "The label must be at most 100 characters",
        ),
    ] {
        let (status, error) = error_of(add(&admin, field).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(error.message, message);
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM payout_method_fields").await,
        0
    );

    let tax = add(
        &admin,
        json!({ "method": "paypal", "label": "Tax form on file", "help": "yes or no", "required": true, "pattern": "yes|no" }),
    )
    .await;
    assert_eq!(tax.status(), StatusCode::OK);
    let tax: MethodField = tax.json().await.unwrap();
    let memo: MethodField = add(
        &admin,
        json!({ "method": "paypal", "label": "Wallet memo" }),
    )
    .await
    .json()
    .await
    .unwrap();
    let branch: MethodField = add(
        &admin,
        json!({ "method": "bank", "label": "Branch code", "pattern": "[0-9]{3}" }),
    )
    .await
    .json()
    .await
    .unwrap();
    let (status, error) = error_of(
        add(
            &admin,
            json!({ "method": "paypal", "label": "tax form ON FILE" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error.message.contains("already has a field"),
        "{}",
        error.message
    );

    // Reorder: the memo first; moving the first up changes nothing.
    assert_eq!(
        labels(&list(&admin).await),
        ["Tax form on file", "Wallet memo", "Branch code"]
    );
    for _ in 0..2 {
        admin
            .ok(MovePayoutField {
                field_id: memo.id,
                up: true,
            })
            .await;
    }
    assert_eq!(
        labels(&list(&admin).await),
        ["Wallet memo", "Tax form on file", "Branch code"]
    );

    // A member's form asks for them; the server checks the answers.
    let user = TestUser::generate();
    let browser = app.new_browser();
    browser.sign_up(&user).await;
    let me = browser.me().await.expect("signed in");
    let page = browser.ok(LoadPayoutDetails {}).await;
    assert_eq!(
        labels(&page.extra_fields),
        ["Wallet memo", "Tax form on file", "Branch code"]
    );

    let (tax_name, memo_name) = (tax.input_name(), memo.input_name());
    let refused = [
        (vec![], "Enter the Tax form on file"),
        (
            vec![(tax_name.as_str(), "maybe")],
            "Tax form on file is not in the expected format: yes or no",
        ),
        // The whole answer must match, not a part of it.
        (
            vec![(tax_name.as_str(), "yes!")],
            "Tax form on file is not in the expected format: yes or no",
        ),
    ];
    for (extra, message) in refused {
        let mut form = vec![("method", "paypal"), ("email", user.email.as_str())];
        form.extend(extra);
        let (status, error) =
            error_of(browser.post_form("/api/payout-details/save", &form).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(error.message, message);
        assert_eq!(saved_rows(&app).await, 0, "nothing saved");
    }
    let saved = browser
        .post_form(
            "/api/payout-details/save",
            &[
                ("method", "paypal"),
                ("email", user.email.as_str()),
                (tax_name.as_str(), " yes "),
                (memo_name.as_str(), "@memo-1"),
                // Another method's field, or no field at all: not kept.
                (branch.input_name().as_str(), "123"),
                ("extra[f999999]", "sneaky"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let saved: SavedDetails = saved.json().await.unwrap();
    assert_eq!(
        saved.fields.extra,
        [
            (memo.key(), "@memo-1".to_owned()),
            (tax.key(), "yes".to_owned())
        ]
        .into_iter()
        .collect()
    );

    // A request freezes the answers with the rest of the details.
    let member = Member::new(me.id, me.email.clone());
    let wallet = desk.credit(&app, &member, &desk.usd, 10_000).await;
    let made = request(&app, &member, wallet.id, "paypal", "20.00", &key())
        .await
        .unwrap();

    // Retiring the tax field: the form stops asking, the answers stay.
    admin.ok(RetirePayoutField { field_id: tax.id }).await;
    let all = list(&admin).await;
    assert!(all.iter().any(|f| f.id == tax.id && f.retired));
    let page = browser.ok(LoadPayoutDetails {}).await;
    assert_eq!(labels(&page.extra_fields), ["Wallet memo", "Branch code"]);
    let resaved: SavedDetails = browser
        .post_form(
            "/api/payout-details/save",
            &[
                ("method", "paypal"),
                ("email", user.email.as_str()),
                (memo_name.as_str(), "@memo-2"),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        resaved.fields.extra.get(&tax.key()).map(String::as_str),
        Some("yes")
    );
    assert_eq!(
        resaved.fields.extra.get(&memo.key()).map(String::as_str),
        Some("@memo-2")
    );

    // The process view shows the request's answers, retired field included.
    let process = admin
        .ok(PayoutProcessView {
            request_id: made.id,
        })
        .await;
    assert_eq!(
        process.extra_details,
        [
            ("Wallet memo".to_owned(), "@memo-1".to_owned()),
            ("Tax form on file".to_owned(), "yes".to_owned()),
        ]
    );

    // Every export carries every field as a column, after its own.
    let columns = [
        "PayPal: Wallet memo",
        "PayPal: Tax form on file",
        "Bank transfer: Branch code",
    ];
    // (PayPal Payouts Web has a fixed layout PayPal reads, so no extras.)
    let response = export(&admin, &[("format", "csv"), ("scope", "matching")]).await;
    let report = file(response, "text/csv").await;
    let request_id: i64 = csv_rows(&report).1[0][0].parse().unwrap();
    app::withdrawals::service::change_status(
        &app.state.db,
        &app.clock,
        app::withdrawals::service::Actor {
            user_id: app
                .count("SELECT id FROM users WHERE email = 'boss@example.com'")
                .await,
            role: app::auth::Role::Admin,
        },
        request_id,
        app::withdrawals::WithdrawalAction::Approve,
        Default::default(),
        &crate::ledger_fixture::key(),
    )
    .await
    .unwrap();
    let payquicker = payment_file(
        &admin,
        &[
            ("format", "payquicker_csv"),
            ("scope", "matching"),
            ("idempotency_key", &crate::ledger_fixture::key()),
        ],
    )
    .await;
    let payquicker = download(&admin, payquicker).await.0;
    for (format, bytes) in [("csv", report), ("payquicker_csv", payquicker)] {
        let (header, rows) = csv_rows(&bytes);
        let at = header.len() - 3;
        assert_eq!(header[at..], columns, "{format}");
        assert_eq!(rows.len(), 1, "{format}");
        // A member's answer can never become a spreadsheet formula.
        assert_eq!(rows[0][at..], ["'@memo-1", "yes", ""], "{format}");
    }
    let response = export(&admin, &[("format", "xlsx"), ("scope", "matching")]).await;
    let bytes = file(
        response,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    .await;
    {
        use calamine::{Reader, Xlsx};
        let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let sheet = workbook.worksheet_range("Requests").unwrap();
        let rows: Vec<Vec<String>> = sheet
            .rows()
            .map(|r| r.iter().map(|cell| cell.to_string()).collect())
            .collect();
        let at = rows[0].len() - 3;
        assert_eq!(rows[0][at..], columns);
        assert_eq!(rows[1][at..], ["@memo-1", "yes", ""]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_change_fields() {
    let app = spawn_app().await;
    let _desk = desk(&app).await;
    let admin = admin_browser(&app).await;
    let field: MethodField = add(&admin, json!({ "method": "crypto", "label": "Memo tag" }))
        .await
        .json()
        .await
        .unwrap();
    let member = app.new_browser();
    member.sign_up(&TestUser::generate()).await;
    let sneaky = NewField {
        method: "paypal".into(),
        label: "Sneaky".into(),
        ..NewField::default()
    };
    let forbidden = [
        member.call(ListPayoutFields {}).await.status(),
        member.call(AddPayoutField { field: sneaky }).await.status(),
        member
            .call(MovePayoutField {
                field_id: field.id,
                up: false,
            })
            .await
            .status(),
        member
            .call(RetirePayoutField { field_id: field.id })
            .await
            .status(),
    ];
    assert_eq!(forbidden, [StatusCode::FORBIDDEN; 4]);
    assert_eq!(
        admin
            .call(RetirePayoutField { field_id: 999_999 })
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let fields = list(&admin).await;
    assert_eq!(labels(&fields), ["Memo tag"]);
    assert!(!fields[0].retired);
}
