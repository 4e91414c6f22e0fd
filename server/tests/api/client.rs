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
