//! The `paydesk` server: configuration, HTTP plumbing, start-up and the CLI
//! commands. Thin by design: the rules live in the `app` crate's services.

pub mod cli;
pub mod config;
pub mod demo;
pub mod http;
pub mod mail_catcher;
pub mod paypal_fake;
pub mod startup;
