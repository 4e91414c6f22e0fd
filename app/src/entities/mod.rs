//! sea-orm entities, hand-written to match the migrations. A test in the
//! server crate migrates a fresh database and checks that every column named
//! here exists there, so the two cannot drift apart unnoticed.

pub mod admin_move;
pub mod api_key;
pub mod asset;
pub mod audit_event;
pub mod conversion_rate;
pub mod idempotency_key;
pub mod identity_verification;
pub mod incentive;
pub mod journal_entry;
pub mod login_challenge;
pub mod outbox_message;
pub mod password_link;
pub mod payout_detail;
pub mod payout_export;
pub mod payout_method_field;
pub mod payout_method_rule;
pub mod payout_run;
pub mod payout_run_member;
pub mod payout_schedule;
pub mod paypal_alert;
pub mod paypal_batch;
pub mod paypal_event;
pub mod paypal_item;
pub mod recovery_code;
pub mod reset_request;
pub mod second_approval;
pub mod session;
pub mod setting;
pub mod sign_in_attempt;
pub mod transfer;
pub mod two_factor;
pub mod user;
pub mod wallet;
pub mod withdrawal_event;
pub mod withdrawal_request;
