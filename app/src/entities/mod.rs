//! sea-orm entities, hand-written to match the migrations. A test in the
//! server crate migrates a fresh database and checks that every column named
//! here exists there, so the two cannot drift apart unnoticed.

pub mod audit_event;
pub mod session;
pub mod user;
