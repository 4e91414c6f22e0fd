//! Identity verification: a member submits who they are; an admin verifies
//! or rejects it with a note. Withdrawals above the admin's threshold need a
//! verified member.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;

/// An admin's decision on a submitted identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    Approve,
    Reject,
}

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationStatus {
    Unverified,
    Submitted,
    Verified,
    Rejected,
}

impl VerificationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VerificationStatus::Unverified => "unverified",
            VerificationStatus::Submitted => "submitted",
            VerificationStatus::Verified => "verified",
            VerificationStatus::Rejected => "rejected",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [
            VerificationStatus::Unverified,
            VerificationStatus::Submitted,
            VerificationStatus::Verified,
            VerificationStatus::Rejected,
        ]
        .into_iter()
        .find(|s| s.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            VerificationStatus::Unverified => "Not verified",
            VerificationStatus::Submitted => "Submitted, waiting for review",
            VerificationStatus::Verified => "Verified",
            VerificationStatus::Rejected => "Rejected",
        }
    }

    /// A member may (re)submit unless already verified.
    /// A member may submit when nothing is verified or waiting: a
    /// submission under review cannot be replaced (the reviewer would
    /// approve details they never saw).
    pub fn can_submit(self) -> bool {
        matches!(
            self,
            VerificationStatus::Unverified | VerificationStatus::Rejected
        )
    }
}

/// What the member sees of their verification. The tax ID only masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationView {
    pub status: VerificationStatus,
    pub first_name: String,
    pub last_name: String,
    pub tax_id_masked: String,
    pub mobile: String,
    pub country: String,
    pub address: String,
    pub review_note: Option<String>,
    pub submitted_at: Option<String>,
    /// Which submission this is, exactly: a review names the one the admin
    /// saw, and is refused if the member has submitted since.
    pub submission: Option<String>,
}

/// What a member submits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerificationInput {
    pub first_name: String,
    pub last_name: String,
    pub tax_id: String,
    pub mobile: String,
    pub country: String,
    pub address: String,
}

impl VerificationInput {
    pub fn normalized(&self) -> VerificationInput {
        VerificationInput {
            first_name: self.first_name.trim().to_owned(),
            last_name: self.last_name.trim().to_owned(),
            tax_id: self.tax_id.trim().to_owned(),
            mobile: self
                .mobile
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-' && *c != '(' && *c != ')')
                .collect(),
            country: self.country.trim().to_ascii_uppercase(),
            address: self.address.trim().to_owned(),
        }
    }

    /// The first problem, as a message naming the field.
    pub fn problem(&self) -> Option<String> {
        let name_ok = |v: &str| !v.is_empty() && v.chars().count() <= 100;
        if !name_ok(&self.first_name) {
            return Some("First name: enter your first name (at most 100 characters)".into());
        }
        if !name_ok(&self.last_name) {
            return Some("Last name: enter your last name (at most 100 characters)".into());
        }
        let tax_chars = self
            .tax_id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .count();
        if !(4..=20).contains(&tax_chars)
            || !self
                .tax_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ' || c == '.' || c == '/')
        {
            return Some(
                "Tax ID: enter 4 to 20 letters and digits (dashes and spaces are fine)".into(),
            );
        }
        let digits = self.mobile.trim_start_matches('+');
        if !self.mobile.starts_with('+')
            || !(8..=15).contains(&digits.len())
            || !digits.chars().all(|c| c.is_ascii_digit())
        {
            return Some(
                "Mobile number: use the international form with the country code, like +44 7700 900123"
                    .into(),
            );
        }
        if crate::payout_details::validate::check_country(&self.country).is_err() {
            return Some("Country: choose your country".into());
        }
        if self.address.chars().count() < 5 || self.address.chars().count() > 500 {
            return Some("Address: enter your full postal address".into());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> VerificationInput {
        VerificationInput {
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            tax_id: "AB 12 34 56 C".into(),
            mobile: "+44 7700 900123".into(),
            country: "gb".into(),
            address: "12 St James's Square, London".into(),
        }
        .normalized()
    }

    #[test]
    fn a_complete_submission_passes() {
        assert_eq!(good().problem(), None);
        assert_eq!(good().mobile, "+447700900123");
        assert_eq!(good().country, "GB");
    }

    #[test]
    fn each_field_is_checked() {
        type Breaker = fn(&mut VerificationInput);
        let cases: [(Breaker, &str); 6] = [
            (|i| i.first_name.clear(), "First name"),
            (|i| i.last_name = "x".repeat(101), "Last name"),
            (|i| i.tax_id = "12".into(), "Tax ID"),
            (|i| i.mobile = "07700900123".into(), "Mobile number"),
            (|i| i.country = "GBR".into(), "Country"),
            (|i| i.address = "x".into(), "Address"),
        ];
        for (break_it, field) in cases {
            let mut input = good();
            break_it(&mut input);
            let problem = input.problem().unwrap_or_default();
            assert!(problem.starts_with(field), "{field}: {problem}");
        }
    }
}
