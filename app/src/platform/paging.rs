//! Where a page of a list starts, for every list a client can page through.
//!
//! Page numbers come from the client and are untrusted: `(page - 1) *
//! per_page` on a page number near `u64::MAX` overflows (a panic that drops
//! the connection) or becomes an offset the database cannot bind. Every list
//! goes through [`offset`], which keeps the page in `1..=MAX_PAGE`: a page
//! past the last one is simply empty.

/// No list of Paydesk's is paged this far (100,000 pages of 50 rows is five
/// million rows); pages beyond it answer as empty as any page past the end.
pub const MAX_PAGE: u64 = 100_000;

/// The page number a list answers with: at least 1, at most [`MAX_PAGE`].
pub fn page(requested: u64) -> u64 {
    requested.clamp(1, MAX_PAGE)
}

/// The number of rows before `page` (clamped as [`page`] does).
pub fn offset(requested: u64, per_page: u64) -> u64 {
    (page(requested) - 1).saturating_mul(per_page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_page_number_gives_an_offset_the_database_can_bind() {
        assert_eq!(offset(0, 20), 0);
        assert_eq!(offset(1, 20), 0);
        assert_eq!(offset(3, 20), 40);
        assert_eq!(offset(u64::MAX, 50), (MAX_PAGE - 1) * 50);
        assert_eq!(offset(u64::MAX, u64::MAX), u64::MAX);
        assert!(offset(u64::MAX, 50) <= i64::MAX as u64);
        assert_eq!(page(0), 1);
        assert_eq!(page(u64::MAX), MAX_PAGE);
    }
}
