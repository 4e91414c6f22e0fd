//! The plumbing every list page shares: reading its query from the address,
//! writing the address of another page of it, the date-range and per-page
//! filter fields, and a page of rows with its page count.
//!
//! Filters are GET forms, so a list's state is its address: it works before
//! the bundle loads, survives a reload and can be shared.

use leptos::prelude::*;
use leptos_router::params::ParamsMap;
use serde::{Deserialize, Serialize};

/// Rows per page the admin's tables offer (payouts adds 5, for a quick look
/// on a phone).
pub const PAGE_SIZES: [u64; 4] = [10, 20, 50, 100];

/// Rows per page when the address names none.
pub const DEFAULT_PER_PAGE: u64 = 20;

/// One page of a list, with how many rows match over all pages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl<T> Page<T> {
    pub fn pages(&self) -> u64 {
        page_count(self.total, self.per_page)
    }
}

/// How many pages `total` rows fill, `per_page` at a time: at least one, so
/// an empty list is "page 1 of 1".
pub fn page_count(total: u64, per_page: u64) -> u64 {
    total.div_ceil(per_page.max(1)).max(1)
}

/// The page size a list answers with: one it offers, or the default.
pub fn per_page(requested: u64, offered: &[u64]) -> u64 {
    if offered.contains(&requested) {
        requested
    } else {
        DEFAULT_PER_PAGE
    }
}

/// A list's query as the address carries it.
pub struct QueryParams<'a>(pub &'a ParamsMap);

impl QueryParams<'_> {
    /// The text of `key`, empty when absent.
    pub fn text(&self, key: &str) -> String {
        self.0.get(key).unwrap_or_default()
    }

    /// `page`, 1 when absent or not a number.
    pub fn page(&self) -> u64 {
        self.number("page").unwrap_or(1)
    }

    /// `per_page`, [`DEFAULT_PER_PAGE`] when absent or not a number.
    pub fn per_page(&self) -> u64 {
        self.number("per_page").unwrap_or(DEFAULT_PER_PAGE)
    }

    fn number(&self, key: &str) -> Option<u64> {
        self.0.get(key).and_then(|value| value.parse().ok())
    }
}

/// A query-string value, percent-encoded: everything but letters, digits
/// and `-._~@` (`@` is allowed in a query and keeps an email readable).
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// `path` with the non-empty pairs as its query, in the order given.
pub fn href(path: &str, pairs: &[(&str, String)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| format!("{key}={}", encode(value)))
        .collect();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// "From" and "To" date fields of a filter form (`from`, `to`; ids start
/// with `prefix`, so two forms on one page do not clash).
#[component]
pub fn DateRangeFields(prefix: &'static str, from: String, to: String) -> impl IntoView {
    let (from_id, to_id) = (format!("{prefix}-from"), format!("{prefix}-to"));
    view! {
        <div class="field">
            <label for=from_id.clone()>"From"</label>
            <input id=from_id name="from" type="date" value=from />
        </div>
        <div class="field">
            <label for=to_id.clone()>"To"</label>
            <input id=to_id name="to" type="date" value=to />
        </div>
    }
}

/// The "Per page" choice of a filter form (`per_page`).
#[component]
pub fn PerPageField(prefix: &'static str, sizes: &'static [u64], chosen: u64) -> impl IntoView {
    let id = format!("{prefix}-per-page");
    view! {
        <div class="field">
            <label for=id.clone()>"Per page"</label>
            <select id=id name="per_page">
                {sizes
                    .iter()
                    .map(|n| view! { <option value=n.to_string() selected=chosen == *n>{n.to_string()}</option> })
                    .collect_view()}
            </select>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_encoded_so_the_address_reads_them_back() {
        assert_eq!(encode("ada@example.com"), "ada@example.com");
        assert_eq!(encode("a b&c=d"), "a%20b%26c%3Dd");
        assert_eq!(encode("25.00"), "25.00");
        assert_eq!(encode("é"), "%C3%A9");
    }

    #[test]
    fn an_address_carries_only_what_is_set() {
        assert_eq!(
            href("/admin/audit", &[("q", String::new())]),
            "/admin/audit"
        );
        assert_eq!(
            href(
                "/admin/audit",
                &[
                    ("q", "x y".into()),
                    ("to", String::new()),
                    ("page", "2".into())
                ]
            ),
            "/admin/audit?q=x%20y&page=2"
        );
    }

    #[test]
    fn an_empty_list_is_one_page_and_a_partial_page_counts() {
        assert_eq!(page_count(0, 20), 1);
        assert_eq!(page_count(20, 20), 1);
        assert_eq!(page_count(21, 20), 2);
        assert_eq!(page_count(5, 0), 5);
        assert_eq!(per_page(50, &PAGE_SIZES), 50);
        assert_eq!(per_page(7, &PAGE_SIZES), DEFAULT_PER_PAGE);
    }
}
