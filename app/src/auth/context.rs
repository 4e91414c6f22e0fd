//! The session as every page sees it, provided once by the router.

use leptos::prelude::*;

use super::{
    api::{me, LogOut},
    UserView,
};
use crate::error::AppError;

/// The signed-in user, refetched after each sign-out and whenever a page
/// reports a sign-in or sign-up.
#[derive(Clone, Copy)]
pub struct Session {
    pub log_out: ServerAction<LogOut>,
    pub user: Resource<Result<Option<UserView>, AppError>>,
    changed: RwSignal<u64>,
}

impl Session {
    /// Called by a page whose action has just signed someone in.
    pub fn changed(&self) {
        self.changed.update(|n| *n += 1);
    }
}

/// Makes the session available to everything rendered below the caller.
pub fn provide_session() {
    let log_out = ServerAction::<LogOut>::new();
    let changed = RwSignal::new(0u64);
    let user = Resource::new(move || (changed.get(), log_out.version().get()), |_| me());
    provide_context(Session {
        log_out,
        user,
        changed,
    });
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}
