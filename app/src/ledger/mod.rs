//! The ledger: assets, wallets and the double-entry journal.
//!
//! Every movement of value is an immutable transfer from one wallet to
//! another of the same asset, grouped in a journal entry that commits with
//! whatever caused it. Member and funding wallets cache their balance on the
//! wallet row, changed only by guarded updates in the same transaction as the
//! transfer; system wallets (in flight, fees, outside world) do not, so that
//! no two writers wait on the same row, and their balance is derived.

pub mod held;
pub mod money;
pub mod statement;

#[cfg(feature = "ssr")]
pub mod assets;
#[cfg(feature = "ssr")]
pub mod error;
#[cfg(feature = "ssr")]
pub mod four_eyes;
#[cfg(feature = "ssr")]
pub mod idempotency;
#[cfg(feature = "ssr")]
pub mod operations;
#[cfg(feature = "ssr")]
pub mod service;
