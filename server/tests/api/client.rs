//! The typed test client. A test calls a server function by the argument
//! struct `#[server]` generates for it (`RequestWithdrawal { wallet_id, .. }`),
//! so the compiler checks the function's name, its fields and its answer
//! type; the request travels as the hydrated app sends it (form-encoded with
//! the CSRF header for mutations, JSON for reads), through the real router.
//!
//! One generic `call` covers every server function, so the client cannot
//! fall behind the app: a new function is callable the day it exists, and a
//! renamed field breaks the tests that use it at compile time. Flows many
//! suites share (a member with money, an admin's browser) are builders here
//! and in `ledger_fixture.rs`.

use app::error::AppError;
use leptos::server_fn::{
    codec::{Json, PostUrl},
    Http, ServerFn,
};
use reqwest::{header, StatusCode};
use serde::{de::DeserializeOwned, Serialize};

use crate::helpers::Browser;

/// A server function's refusal: the status and the error it answered.
#[derive(Debug)]
pub struct Refused {
    pub status: StatusCode,
    pub error: AppError,
}

/// How a server function's arguments travel, read off its protocol type:
/// the mutations pages post are form-encoded, the reads are JSON.
pub trait ArgsEncoding {
    const FORM: bool;
}

impl<Output> ArgsEncoding for Http<PostUrl, Output> {
    const FORM: bool = true;
}

impl<Output> ArgsEncoding for Http<Json, Output> {
    const FORM: bool = false;
}

impl Browser {
    /// Calls the server function `args` belongs to, as this browser (its
    /// cookies, its CSRF token), and answers its output or its refusal.
    pub async fn call<F>(&self, args: F) -> Result<F::Output, Refused>
    where
        F: ServerFn + Serialize,
        F::Protocol: ArgsEncoding,
        F::Output: DeserializeOwned,
    {
        let request = self
            .client
            .post(format!("{}{}", self.address, F::PATH))
            .header(header::ORIGIN, &self.address);
        let request = if <F::Protocol as ArgsEncoding>::FORM {
            let token = self.csrf_token().await;
            request.header(app::ui::CSRF_HEADER, token).form(&args)
        } else {
            request.json(&args)
        };
        let answer = request.send().await.expect("the server function answers");
        let status = answer.status();
        let body = answer.text().await.expect("a body");
        if status.is_success() {
            Ok(serde_json::from_str(&body).unwrap_or_else(|err| {
                panic!("{} answered {body:?}, not its output: {err}", F::PATH)
            }))
        } else {
            let error = serde_json::from_str(&body).unwrap_or_else(|err| {
                panic!(
                    "{} refused with {status} and {body:?}, not an AppError: {err}",
                    F::PATH
                )
            });
            Err(Refused { status, error })
        }
    }

    /// `call` for a function the test expects to succeed.
    pub async fn ok<F>(&self, args: F) -> F::Output
    where
        F: ServerFn + Serialize,
        F::Protocol: ArgsEncoding,
        F::Output: DeserializeOwned,
    {
        let path = F::PATH;
        match self.call(args).await {
            Ok(output) => output,
            Err(refused) => panic!("{path} refused: {refused:?}"),
        }
    }

    /// `call` for a function the test expects to refuse.
    pub async fn refused<F>(&self, args: F) -> Refused
    where
        F: ServerFn + Serialize,
        F::Protocol: ArgsEncoding,
        F::Output: DeserializeOwned + std::fmt::Debug,
    {
        let path = F::PATH;
        match self.call(args).await {
            Ok(output) => panic!("{path} was expected to refuse, and answered {output:?}"),
            Err(refused) => refused,
        }
    }
}

/// What a test reads off a call's answer, whichever way it went.
pub trait Answered {
    /// 200 for an output, else the refusal's status.
    fn status(&self) -> StatusCode;
    /// The refusal's status and error; panics on an output.
    fn refusal(self) -> (StatusCode, AppError);
}

impl<T: std::fmt::Debug> Answered for Result<T, Refused> {
    fn status(&self) -> StatusCode {
        match self {
            Ok(_) => StatusCode::OK,
            Err(refused) => refused.status,
        }
    }

    fn refusal(self) -> (StatusCode, AppError) {
        match self {
            Ok(output) => panic!("the call was expected to refuse, and answered {output:?}"),
            Err(refused) => (refused.status, refused.error),
        }
    }
}

// The plain routes a browser navigates to rather than calls: the export
// form and the payment-file download answer files, not JSON.

pub const EXPORT: &str = "/admin/payouts/export";

/// The export form (a plain route: the browser downloads its answer).
pub async fn export(browser: &Browser, fields: &[(&str, &str)]) -> reqwest::Response {
    browser.post_form(EXPORT, fields).await
}

/// The file's bytes, after checking it is an attachment of the given type.
pub async fn file(response: reqwest::Response, kind: &str) -> Vec<u8> {
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with(kind),
        "{:?}",
        headers[header::CONTENT_TYPE]
    );
    let disposition = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"paydesk-"),
        "{disposition}"
    );
    response.bytes().await.unwrap().to_vec()
}

pub fn csv_rows(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(bytes);
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

/// Makes a payment file: the export answers with the file's page.
pub async fn payment_file(browser: &Browser, fields: &[(&str, &str)]) -> i64 {
    let response = export(browser, fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{fields:?}");
    let location = response.headers()[header::LOCATION].to_str().unwrap();
    location
        .strip_prefix("/admin/payouts/files/")
        .unwrap_or_else(|| panic!("{location}"))
        .parse()
        .unwrap()
}

/// A payment file's bytes, and whether the server called it a re-download.
pub async fn download(browser: &Browser, id: i64) -> (Vec<u8>, bool) {
    let response = browser
        .get(&format!("/admin/payouts/files/{id}/download"))
        .await;
    let again = response.headers()["x-paydesk-redownload"] == "true";
    (file(response, "text/csv").await, again)
}
