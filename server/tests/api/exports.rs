//! Exports over HTTP: each format read back with a real parser and compared
//! with the database, scopes ("selected", "matching", "only new"), payment
//! files that claim what they carry (and nothing twice), two admins
//! exporting at once, and bad input.

use std::collections::BTreeSet;

use crate::client::Answered;
use crate::client::{csv_rows, download, export, file, payment_file, EXPORT};
use crate::helpers::{spawn_app, Browser, TestApp};
use crate::ledger_fixture::admin_browser;
use crate::ledger_fixture::some_requests;
use crate::ledger_fixture::{act, assert_ledger_clean, desk, key, request, Desk};
use app::entities::{asset, user, withdrawal_request};
use app::payouts::api::{ExportHistory, PaymentFile};
use app::withdrawals::{rules, WithdrawalAction as A, WithdrawalStatus as S};
use reqwest::{header, StatusCode};
use sea_orm::EntityTrait;

/// PayPal Payouts Web has no header row: every line is a payout.
fn headerless_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

async fn file_view(browser: &Browser, id: i64) -> app::payouts::payment_files::PaymentFileView {
    browser.ok(PaymentFile { id }).await
}

/// The refusal message an export sent the admin back with.
fn refusal(response: &reqwest::Response) -> String {
    assert!(response.status().is_redirection(), "{}", response.status());
    let location = response.headers()[header::LOCATION].to_str().unwrap();
    assert!(location.starts_with("/admin/payouts?"), "{location}");
    let encoded = location
        .split_once("export_error=")
        .expect("an export_error parameter")
        .1;
    let bytes = encoded.as_bytes();
    let mut decoded = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            decoded.push(u8::from_str_radix(&encoded[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(decoded).unwrap()
}

/// An amount written independently of the app's formatting code.
fn expected_amount(minor: i64, scale: u32) -> String {
    match scale {
        0 => minor.to_string(),
        2 => format!("{}.{:02}", minor / 100, minor % 100),
        other => panic!("no expectation for scale {other}"),
    }
}

struct Expected {
    model: withdrawal_request::Model,
    email: String,
    code: String,
    scale: u32,
}

async fn expected(app: &TestApp, id: i64) -> Expected {
    let model = withdrawal_request::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let member = user::Entity::find_by_id(model.member_user_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let currency = asset::Entity::find_by_id(model.currency_asset_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    Expected {
        email: member.email,
        code: currency.code,
        scale: u32::try_from(currency.scale).unwrap(),
        model,
    }
}

async fn exports_recorded(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM payout_exports").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_export_matches_the_database() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ids = some_requests(&app, &desk).await;
    let admin = admin_browser(&app).await;

    let response = export(&admin, &[("format", "csv"), ("scope", "matching")]).await;
    assert_eq!(response.headers()["x-paydesk-rows"], "5");
    let (header, rows) = csv_rows(&file(response, "text/csv").await);
    assert_eq!(
        header,
        [
            "request_id",
            "created_at",
            "status",
            "member_name",
            "member_email",
            "method",
            "payout_to",
            "currency",
            "amount",
            "fee",
            "net",
            "external_reference",
            "payment_date",
            "note"
        ]
    );
    assert_eq!(rows.len(), ids.len());
    for (row, id) in rows.iter().zip(&ids) {
        let want = expected(&app, *id).await;
        assert_eq!(row[0], id.to_string());
        assert_eq!(row[2], "Requested");
        assert_eq!(row[4], want.email);
        assert_eq!(row[6], want.model.payout_masked.clone().unwrap());
        assert_eq!(row[7], want.code);
        assert_eq!(row[8], expected_amount(want.model.gross_minor, want.scale));
        assert_eq!(row[9], expected_amount(want.model.fee_minor, want.scale));
        assert_eq!(row[10], expected_amount(want.model.net_minor, want.scale));
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'payouts_exported'")
            .await,
        1
    );

    // Browsers ask for gzip: the streamed file must compress to the end.
    let token = admin.csrf_token().await;
    let response = admin
        .client
        .post(format!("{}{EXPORT}", admin.address))
        .header(header::ORIGIN, &admin.address)
        .header(header::ACCEPT_ENCODING, "gzip")
        .form(&[
            ("format", "csv"),
            ("scope", "matching"),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
    let compressed = response.bytes().await.expect("the whole compressed file");
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(&compressed[..]),
        &mut text,
    )
    .unwrap();
    let (_, again) = csv_rows(text.as_bytes());
    assert_eq!(again, rows);

    // The filters narrow the file as they narrow the table.
    let response = export(
        &admin,
        &[
            ("format", "csv"),
            ("scope", "matching"),
            ("currency", "JPY"),
        ],
    )
    .await;
    let (_, rows) = csv_rows(&file(response, "text/csv").await);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][0], ids[4].to_string());
    assert_eq!(rows[0][8], "5000");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paypal_payment_file_claims_its_approved_requests_in_paypals_own_layout() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ids = some_requests(&app, &desk).await;
    let admin = admin_browser(&app).await;
    // Ada's two PayPal requests (USD) and Bob's first (bank) are approved;
    // Cy's PayPal request (JPY) and Bob's second are not.
    for id in [ids[0], ids[1], ids[2]] {
        act(&app, desk.admin, id, A::Approve, &key()).await.unwrap();
    }
    let form_key = key();
    let file_id = payment_file(
        &admin,
        &[
            ("format", "paypal_csv"),
            ("scope", "matching"),
            ("idempotency_key", &form_key),
        ],
    )
    .await;
    let (bytes, again) = download(&admin, file_id).await;
    assert!(!again);
    let rows = headerless_rows(&bytes);
    assert_eq!(
        rows.len(),
        2,
        "Ada's two approved PayPal requests, no header"
    );
    for (row, id) in rows.iter().zip([ids[0], ids[1]]) {
        let want = expected(&app, id).await;
        assert_eq!(row.len(), 6, "{row:?}");
        assert_eq!(
            row[0], want.email,
            "the PayPal email saved with the request"
        );
        assert_eq!(row[1], expected_amount(want.model.net_minor, want.scale));
        assert_eq!(row[2], "USD");
        assert_eq!(row[3], id.to_string());
        assert!(row[3].len() <= 30 && !row[3].contains(' '));
        assert!(row[4].chars().count() <= 400);
        assert_eq!(row[5], "PAYPAL");
        // Claimed: processing, naming the file, with the timeline saying so.
        assert_eq!(want.model.status, S::Processing.as_str());
        assert_eq!(want.model.payment_file_id, Some(file_id));
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM withdrawal_events WHERE request_id = {id} AND note = 'In payment file #{file_id}'"
            ))
            .await,
            1
        );
    }
    // Everything else the scope matched is listed with why, and unchanged.
    let view = file_view(&admin, file_id).await;
    assert_eq!((view.rows, view.skipped_count), (2, 3));
    let reasons: Vec<(i64, &str)> = view
        .skipped
        .iter()
        .map(|s| (s.request_id, s.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            (ids[2], "Paid by Bank transfer, not PayPal"),
            (ids[3], "Not approved yet"),
            (ids[4], "Not approved yet"),
        ]
    );
    assert_eq!(
        expected(&app, ids[2]).await.model.status,
        S::Approved.as_str()
    );
    let net =
        expected(&app, ids[0]).await.model.net_minor + expected(&app, ids[1]).await.model.net_minor;
    assert_eq!(view.total, Some(format!("{} USD", expected_amount(net, 2))));

    // The same form again is the same file; a download again is the same
    // bytes, and says so.
    let again_id = payment_file(
        &admin,
        &[
            ("format", "paypal_csv"),
            ("scope", "matching"),
            ("idempotency_key", &form_key),
        ],
    )
    .await;
    assert_eq!(again_id, file_id);
    let (second, again) = download(&admin, file_id).await;
    assert!(again);
    assert_eq!(second, bytes);
    assert_eq!(file_view(&admin, file_id).await.downloads, 2);

    // Members and visitors get neither the file nor its page.
    let member = app.new_browser();
    member.log_in("ada@example.com", "member passphrase").await;
    let visitor = app.new_browser();
    for (browser, status) in [
        (&member, StatusCode::FORBIDDEN),
        (&visitor, StatusCode::UNAUTHORIZED),
    ] {
        let path = format!("/admin/payouts/files/{file_id}/download");
        assert_eq!(browser.get(&path).await.status(), status);
        assert_eq!(
            browser.call(PaymentFile { id: file_id }).await.status(),
            status
        );
        assert_eq!(browser.call(ExportHistory {}).await.status(), status);
    }
    assert_eq!(
        file_view(&admin, file_id).await.downloads,
        2,
        "refusals count nothing"
    );

    // A new export finds nothing left to claim, and says why.
    let response = export(
        &admin,
        &[
            ("format", "paypal_csv"),
            ("scope", "selected"),
            ("ids", &format!("{},{}", ids[0], ids[1])),
            ("idempotency_key", &key()),
        ],
    )
    .await;
    let said = refusal(&response);
    assert!(
        said.contains(&format!("2 already in payment file #{file_id}")),
        "{said}"
    );

    // In a payment file, a request ends only as paid or failed: the member
    // cannot cancel it and the admin cannot reject it or send it by API.
    for action in [A::Cancel, A::Reject, A::Approve] {
        let refused = act(&app, desk.admin, ids[0], action, &key()).await;
        assert!(refused.is_err(), "{action:?}");
    }
    act(&app, desk.admin, ids[0], A::MarkPaid, &key())
        .await
        .unwrap();
    act(&app, desk.admin, ids[1], A::MarkFailed, &key())
        .await
        .unwrap();
    assert_ledger_clean(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paypal_file_takes_one_currency_and_is_refused_up_front_otherwise() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ids = some_requests(&app, &desk).await;
    let admin = admin_browser(&app).await;
    // Ada's PayPal requests are in USD, Cy's in JPY.
    for id in [ids[0], ids[4]] {
        act(&app, desk.admin, id, A::Approve, &key()).await.unwrap();
    }
    let before = exports_recorded(&app).await;
    let response = export(
        &admin,
        &[
            ("format", "paypal_csv"),
            ("scope", "matching"),
            ("idempotency_key", &key()),
        ],
    )
    .await;
    let said = refusal(&response);
    assert!(said.contains("1 in JPY, 1 in USD"), "{said}");
    assert!(said.contains("need 2 files"), "{said}");
    assert_eq!(exports_recorded(&app).await, before);
    for id in [ids[0], ids[4]] {
        assert_eq!(expected(&app, id).await.model.status, S::Approved.as_str());
    }
    // One currency at a time works.
    let file_id = payment_file(
        &admin,
        &[
            ("format", "paypal_csv"),
            ("scope", "matching"),
            ("currency", "JPY"),
            ("idempotency_key", &key()),
        ],
    )
    .await;
    let rows = headerless_rows(&download(&admin, file_id).await.0);
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0][1].as_str(), rows[0][2].as_str()), ("5000", "JPY"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payquicker_files_carry_the_configured_columns() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ids = some_requests(&app, &desk).await;
    let admin = admin_browser(&app).await;
    for id in [ids[2], ids[4]] {
        act(&app, desk.admin, id, A::Approve, &key()).await.unwrap();
    }

    // PayQuicker's columns come from the settings, in that order.
    app::platform::settings_store::put_setting(
        &app.state.db,
        app::payouts::export::PAYQUICKER_COLUMNS_SETTING,
        "clientPaymentId, amount,currency,email,programUserId",
    )
    .await
    .unwrap();
    let selected = format!("{},{}", ids[2], ids[4]);
    let file_id = payment_file(
        &admin,
        &[
            ("format", "payquicker_csv"),
            ("scope", "selected"),
            ("ids", &selected),
            ("idempotency_key", &key()),
        ],
    )
    .await;
    let (header, rows) = csv_rows(&download(&admin, file_id).await.0);
    assert_eq!(
        header,
        [
            "clientPaymentId",
            "amount",
            "currency",
            "email",
            "programUserId"
        ]
    );
    assert_eq!(rows.len(), 2);
    for (row, id) in rows.iter().zip([ids[2], ids[4]]) {
        let want = expected(&app, id).await;
        assert_eq!(row[0], id.to_string());
        assert_eq!(row[1], expected_amount(want.model.net_minor, want.scale));
        assert_eq!(row[2], want.code);
        assert_eq!(row[3], want.email);
        assert_eq!(row[4], want.model.member_user_id.to_string());
    }

    // A setting naming a column PayQuicker does not have is refused.
    app::platform::settings_store::put_setting(
        &app.state.db,
        app::payouts::export::PAYQUICKER_COLUMNS_SETTING,
        "amount,shoeSize",
    )
    .await
    .unwrap();
    act(&app, desk.admin, ids[0], A::Approve, &key())
        .await
        .unwrap();
    let before = exports_recorded(&app).await;
    let response = export(
        &admin,
        &[
            ("format", "payquicker_csv"),
            ("scope", "matching"),
            ("idempotency_key", &key()),
        ],
    )
    .await;
    assert!(refusal(&response).contains("\"shoeSize\""));
    assert_eq!(exports_recorded(&app).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_excel_export_reads_back_with_exact_amounts() {
    use calamine::{Reader, Xlsx};

    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ids = some_requests(&app, &desk).await;
    let admin = admin_browser(&app).await;

    let response = export(&admin, &[("format", "xlsx"), ("scope", "matching")]).await;
    let bytes = file(
        response,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    .await;
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = workbook.worksheet_range("Requests").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|cell| cell.to_string()).collect())
        .collect();
    assert_eq!(rows[0][0], "request_id");
    assert_eq!(rows[0][8], "amount");
    assert_eq!(rows.len(), ids.len() + 1);
    for (row, id) in rows[1..].iter().zip(&ids) {
        let want = expected(&app, *id).await;
        assert_eq!(row[0], id.to_string());
        assert_eq!(row[4], want.email);
        assert_eq!(row[7], want.code);
        assert_eq!(row[8], expected_amount(want.model.gross_minor, want.scale));
        assert_eq!(row[10], expected_amount(want.model.net_minor, want.scale));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_new_requests_and_reports_move_nothing() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ids = some_requests(&app, &desk).await;
    let admin = admin_browser(&app).await;
    for id in [ids[0], ids[2]] {
        act(&app, desk.admin, id, A::Approve, &key()).await.unwrap();
    }

    let response = export(&admin, &[("format", "csv"), ("scope", "new")]).await;
    let (_, rows) = csv_rows(&file(response, "text/csv").await);
    assert_eq!(rows.len(), 5);
    // A report is not a payment file: the approved stay approved.
    for id in [ids[0], ids[2]] {
        assert_eq!(expected(&app, id).await.model.status, S::Approved.as_str());
    }
    for id in [ids[1], ids[3], ids[4]] {
        assert_eq!(expected(&app, id).await.model.status, S::Requested.as_str());
    }
    assert_ledger_clean(&app).await;

    // Nothing is new any more.
    let before = exports_recorded(&app).await;
    let response = export(&admin, &[("format", "csv"), ("scope", "new")]).await;
    assert_eq!(
        refusal(&response),
        "No new requests to export since the last export"
    );
    assert_eq!(exports_recorded(&app).await, before);

    // A request made since then is the only new one.
    let dee = desk.member(&app, "dee").await;
    let wallet = desk.credit(&app, &dee, &desk.usd, 10_000).await.id;
    let fresh = request(&app, &dee, wallet, "paypal", "12", &key())
        .await
        .unwrap();
    let response = export(&admin, &[("format", "csv"), ("scope", "new")]).await;
    let (_, rows) = csv_rows(&file(response, "text/csv").await);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][0], fresh.id.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_admins_exporting_new_requests_at_once_get_each_request_once() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let ids = some_requests(&app, &desk).await;
    let one = admin_browser(&app).await;
    let two = app.signed_in_admin().await;

    let fields = [("format", "csv"), ("scope", "new")];
    let (a, b) = tokio::join!(export(&one, &fields), export(&two, &fields));
    let mut seen = Vec::new();
    for response in [a, b] {
        if response.status() == StatusCode::OK {
            let (_, rows) = csv_rows(&file(response, "text/csv").await);
            seen.extend(rows.into_iter().map(|r| r[0].parse::<i64>().unwrap()));
        } else {
            // The slower one may find nothing left.
            assert!(refusal(&response).starts_with("No new requests"));
        }
    }
    let unique: BTreeSet<i64> = seen.iter().copied().collect();
    assert_eq!(seen.len(), unique.len(), "no request in both files");
    assert_eq!(unique, ids.iter().copied().collect::<BTreeSet<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_and_strangers_change_nothing() {
    let app = spawn_app().await;
    let desk: Desk = desk(&app).await;
    let ids = some_requests(&app, &desk).await;
    let admin = admin_browser(&app).await;

    // Bob's request is paid by bank.
    let selected = ids[2].to_string();
    for (fields, message) in [
        (
            vec![("format", "pdf"), ("scope", "matching")],
            "Unknown export format",
        ),
        (
            vec![("format", "csv"), ("scope", "everything")],
            "Unknown export scope",
        ),
        (
            vec![("format", "csv"), ("scope", "selected")],
            "Select at least one request",
        ),
        (
            vec![("format", "csv"), ("scope", "selected"), ("ids", "1,abc")],
            "\"abc\" is not a request number",
        ),
        (
            vec![
                ("format", "csv"),
                ("scope", "matching"),
                ("from", "2026-13-01"),
            ],
            "is not a date",
        ),
        (
            vec![
                ("format", "paypal_csv"),
                ("scope", "selected"),
                ("ids", &selected),
                ("idempotency_key", "k-bank"),
            ],
            "1 not approved yet",
        ),
        (
            vec![("format", "paypal_csv"), ("scope", "matching")],
            "idempotency key",
        ),
    ] {
        let response = export(&admin, &fields).await;
        let said = refusal(&response);
        assert!(said.contains(message), "{said:?} should say {message:?}");
    }
    assert_eq!(exports_recorded(&app).await, 0);

    // Strangers and members never get a file.
    let visitor = app.new_browser();
    let response = export(&visitor, &[("format", "csv"), ("scope", "matching")]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let member = app.new_browser();
    let response = member.log_in("ada@example.com", "member passphrase").await;
    assert!(response.status().is_success() || response.status().is_redirection());
    let response = export(&member, &[("format", "csv"), ("scope", "matching")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // A cross-site form post is refused before it is read.
    let response = admin
        .client
        .post(format!("{}{EXPORT}", admin.address))
        .header(header::ORIGIN, "https://evil.example")
        .form(&[("format", "csv"), ("scope", "matching")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(exports_recorded(&app).await, 0);
}

/// More rows than one page of the streamed file (500): every request once,
/// in id order, across the page boundaries, in CSV and in Excel.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_export_carries_every_request_once_across_pages() {
    use calamine::{Reader, Xlsx};

    let app = spawn_app().await;
    let desk = desk(&app).await;
    {
        let txn = app::platform::db::begin_write(&app.state.db).await.unwrap();
        app::platform::settings_store::put_setting(&txn, rules::ONE_OPEN_REQUEST, "false")
            .await
            .unwrap();
        app::platform::settings_store::put_setting(&txn, rules::MIN_DELAY_SECONDS, "0")
            .await
            .unwrap();
        txn.commit().await.unwrap();
    }
    const MEMBERS: usize = 4;
    const EACH: usize = 301;
    let mut members = Vec::new();
    for n in 0..MEMBERS {
        let member = desk.member(&app, &format!("bulk{n}")).await;
        let wallet = desk.credit(&app, &member, &desk.usd, 1_000_000).await;
        members.push((member, wallet.id));
    }
    let app_ref = &app;
    futures::future::join_all(members.iter().map(|(member, wallet)| async move {
        for _ in 0..EACH {
            request(app_ref, member, *wallet, "paypal", "1.25", &key())
                .await
                .unwrap();
        }
    }))
    .await;
    let total = MEMBERS * EACH;
    let admin = admin_browser(&app).await;

    let response = export(&admin, &[("format", "csv"), ("scope", "matching")]).await;
    assert_eq!(
        response.headers()["x-paydesk-rows"],
        total.to_string().as_str()
    );
    let (_, rows) = csv_rows(&file(response, "text/csv").await);
    let exported: Vec<i64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    let mut stored: Vec<i64> = withdrawal_request::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    stored.sort_unstable();
    assert_eq!(exported, stored, "each request once, in id order");
    assert!(rows.iter().all(|r| r[8] == "1.25"));

    let response = export(&admin, &[("format", "xlsx"), ("scope", "matching")]).await;
    let bytes = file(
        response,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    .await;
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = workbook.worksheet_range("Requests").unwrap();
    let ids: Vec<i64> = sheet
        .rows()
        .skip(1)
        .map(|r| r[0].to_string().parse().unwrap())
        .collect();
    assert_eq!(ids, stored);
    assert_ledger_clean(&app).await;
}
