//! The session-aware chrome around every page: the header with its
//! navigation and sign-out, and the landing page. It sits beside `root.rs`,
//! above the features, because it reads the session (`auth`); `ui/` stays
//! free of any feature.

pub mod header;
pub mod landing;
