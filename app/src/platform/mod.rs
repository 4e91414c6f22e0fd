//! Server-only plumbing shared by every feature: application state, the
//! clock, database access, the audit trail, live change notices and
//! per-request metadata.

pub mod audit;
pub mod clock;
pub mod dates;
pub mod db;
pub mod input;
pub mod limits;
pub mod live;
pub mod paging;
pub mod request;
pub mod secrets;
pub mod settings_store;
pub mod state;

pub use clock::Clock;
pub use state::{AppState, Settings};
