//! Payout details: where a member wants to be paid, per method. Validated on
//! the server and, with the same functions, in the browser while typing.

pub mod api;
pub mod countries;
pub mod method;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
pub mod validate;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use method::PayoutMethod;

/// The fields of every method's form. Empty means "not given"; only the
/// fields of the chosen method are kept.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetailsInput {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub email: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub holder_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub iban: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub account_number: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub routing_number: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub bic: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub bank_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub country: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub network: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub address: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub brand: String,
    /// Answers to the method's extra fields, keyed `f{id}` (see
    /// `payout_fields`); checked and merged by the service on save.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
}

impl DetailsInput {
    /// The filled-in fields with their labels, for an admin's audited reveal.
    pub fn labelled(self) -> Vec<(String, String)> {
        [
            ("Email", self.email),
            ("Account holder", self.holder_name),
            ("IBAN", self.iban),
            ("Account number", self.account_number),
            ("Routing number", self.routing_number),
            ("SWIFT/BIC", self.bic),
            ("Bank", self.bank_name),
            ("Country", self.country),
            ("Network", self.network),
            ("Address", self.address),
            ("Brand", self.brand),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(label, value)| (label.to_owned(), value))
        .collect()
    }
}

/// One field's problem, named by the field's form name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub label: &'static str,
    pub message: String,
}

fn required(value: &str, field: &'static str, label: &'static str) -> Result<(), FieldError> {
    if value.is_empty() {
        Err(FieldError {
            field,
            label,
            message: format!("Enter the {}", label.to_lowercase()),
        })
    } else {
        Ok(())
    }
}

fn check(
    result: Result<(), &'static str>,
    field: &'static str,
    label: &'static str,
) -> Result<(), FieldError> {
    result.map_err(|message| FieldError {
        field,
        label,
        message: message.to_owned(),
    })
}

fn at_most(
    value: &str,
    max: usize,
    field: &'static str,
    label: &'static str,
) -> Result<(), FieldError> {
    if value.chars().count() > max {
        Err(FieldError {
            field,
            label,
            message: format!(
                "The {} must be at most {max} characters",
                label.to_lowercase()
            ),
        })
    } else {
        Ok(())
    }
}

impl DetailsInput {
    /// Trims every field, normalises codes (IBAN, BIC, country) and keeps
    /// only the fields the method uses.
    pub fn normalized(&self, method: PayoutMethod) -> DetailsInput {
        let t = |s: &str| s.trim().to_owned();
        match method {
            PayoutMethod::Paypal => DetailsInput {
                email: t(&self.email),
                extra: self.extra.clone(),
                ..Default::default()
            },
            PayoutMethod::Bank => DetailsInput {
                holder_name: t(&self.holder_name),
                iban: validate::normalize_iban(&self.iban),
                account_number: t(&self.account_number),
                routing_number: t(&self.routing_number),
                bic: t(&self.bic).to_ascii_uppercase(),
                bank_name: t(&self.bank_name),
                country: t(&self.country).to_ascii_uppercase(),
                extra: self.extra.clone(),
                ..Default::default()
            },
            PayoutMethod::Crypto => DetailsInput {
                network: t(&self.network),
                address: t(&self.address),
                extra: self.extra.clone(),
                ..Default::default()
            },
            PayoutMethod::GiftCard => DetailsInput {
                brand: t(&self.brand),
                email: t(&self.email),
                extra: self.extra.clone(),
                ..Default::default()
            },
        }
    }

    /// Every problem with the (normalised) details, in form order. Empty
    /// when they can be saved.
    pub fn problems(&self, method: PayoutMethod, gift_card_brands: &[String]) -> Vec<FieldError> {
        let mut problems = Vec::new();
        let mut push = |result: Result<(), FieldError>| {
            if let Err(err) = result {
                problems.push(err);
            }
        };
        match method {
            PayoutMethod::Paypal => {
                push(check(
                    validate::check_email(&self.email),
                    "email",
                    "PayPal email",
                ));
            }
            PayoutMethod::Bank => {
                push(
                    required(&self.holder_name, "holder_name", "Account holder name").and_then(
                        |_| at_most(&self.holder_name, 100, "holder_name", "Account holder name"),
                    ),
                );
                if self.iban.is_empty() && self.account_number.is_empty() {
                    push(Err(FieldError {
                        field: "iban",
                        label: "IBAN",
                        message: "Enter an IBAN, or an account number and routing number".into(),
                    }));
                } else if !self.iban.is_empty() {
                    push(check(validate::check_iban(&self.iban), "iban", "IBAN"));
                    if !self.account_number.is_empty() || !self.routing_number.is_empty() {
                        push(Err(FieldError {
                            field: "account_number",
                            label: "Account number",
                            message:
                                "Give either an IBAN or an account and routing number, not both"
                                    .into(),
                        }));
                    }
                } else {
                    push(check(
                        validate::check_account_number(&self.account_number),
                        "account_number",
                        "Account number",
                    ));
                    push(check(
                        validate::check_routing_number(&self.routing_number),
                        "routing_number",
                        "Routing number",
                    ));
                }
                // International transfers (IBAN) need the BIC; a US domestic
                // transfer is routed by the routing number alone.
                if !self.bic.is_empty() || !self.iban.is_empty() {
                    push(check(validate::check_bic(&self.bic), "bic", "SWIFT/BIC"));
                }
                push(
                    required(&self.bank_name, "bank_name", "Bank name")
                        .and_then(|_| at_most(&self.bank_name, 100, "bank_name", "Bank name")),
                );
                push(check(
                    validate::check_country(&self.country),
                    "country",
                    "Country",
                ));
            }
            PayoutMethod::Crypto => {
                if validate::CRYPTO_NETWORKS
                    .iter()
                    .all(|(value, _)| *value != self.network)
                {
                    push(Err(FieldError {
                        field: "network",
                        label: "Network",
                        message: "Choose a network".into(),
                    }));
                } else {
                    push(check(
                        validate::check_crypto_address(&self.network, &self.address),
                        "address",
                        "Wallet address",
                    ));
                }
            }
            PayoutMethod::GiftCard => {
                if !gift_card_brands.contains(&self.brand) {
                    push(Err(FieldError {
                        field: "brand",
                        label: "Brand",
                        message: "Choose a brand from the list".into(),
                    }));
                }
                push(check(
                    validate::check_email(&self.email),
                    "email",
                    "Delivery email",
                ));
            }
        }
        problems
    }

    /// What lists show: enough to recognise the details, never enough to use them.
    pub fn masked(&self, method: PayoutMethod) -> String {
        match method {
            PayoutMethod::Paypal => validate::mask_email(&self.email),
            PayoutMethod::Bank => {
                let number = if self.iban.is_empty() {
                    &self.account_number
                } else {
                    &self.iban
                };
                format!("{} {}", self.bank_name, validate::mask_tail(number))
            }
            PayoutMethod::Crypto => {
                let network = validate::CRYPTO_NETWORKS
                    .iter()
                    .find(|(value, _)| *value == self.network)
                    .map_or(self.network.as_str(), |(_, label)| label);
                format!("{network} {}", validate::mask_tail(&self.address))
            }
            PayoutMethod::GiftCard => {
                format!("{} to {}", self.brand, validate::mask_email(&self.email))
            }
        }
    }
}

/// A member's saved details for one method.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedDetails {
    pub method: PayoutMethod,
    pub masked: String,
    pub is_default: bool,
    pub updated_at: String,
    /// The full details, for the member's own edit form only.
    pub fields: DetailsInput,
}

/// Everything the payout-details page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutDetailsPage {
    /// Methods an admin has enabled, each with the member's details if saved.
    pub methods: Vec<(PayoutMethod, Option<SavedDetails>)>,
    pub gift_card_brands: Vec<String>,
    /// The extra fields admins added, active ones, in form order.
    pub extra_fields: Vec<crate::payout_fields::MethodField>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brands() -> Vec<String> {
        vec!["Amazon".into()]
    }

    #[test]
    fn bank_details_take_an_iban_or_a_us_account() {
        let iban = DetailsInput {
            holder_name: " Ada Lovelace ".into(),
            iban: "de89 3704 0044 0532 0130 00".into(),
            bic: "deutdeff".into(),
            bank_name: "Deutsche Bank".into(),
            country: "de".into(),
            ..Default::default()
        }
        .normalized(PayoutMethod::Bank);
        assert_eq!(iban.problems(PayoutMethod::Bank, &brands()), vec![]);
        assert_eq!(iban.iban, "DE89370400440532013000");
        assert_eq!(iban.masked(PayoutMethod::Bank), "Deutsche Bank •••• 3000");

        let us = DetailsInput {
            holder_name: "Grace Hopper".into(),
            account_number: "123456789".into(),
            routing_number: "021000021".into(),
            bank_name: "Chase".into(),
            country: "US".into(),
            ..Default::default()
        };
        assert_eq!(us.problems(PayoutMethod::Bank, &brands()), vec![]);

        let neither = DetailsInput {
            holder_name: "Grace Hopper".into(),
            bank_name: "Chase".into(),
            country: "US".into(),
            ..Default::default()
        };
        let fields: Vec<_> = neither
            .problems(PayoutMethod::Bank, &brands())
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, vec!["iban"]);

        let bad_routing = DetailsInput {
            routing_number: "021000022".into(),
            ..us.clone()
        };
        let problems = bad_routing.problems(PayoutMethod::Bank, &brands());
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "routing_number");
    }

    #[test]
    fn only_the_methods_fields_are_kept() {
        let input = DetailsInput {
            email: "ada@example.com".into(),
            iban: "DE89370400440532013000".into(),
            ..Default::default()
        };
        let paypal = input.normalized(PayoutMethod::Paypal);
        assert!(paypal.iban.is_empty());
        assert_eq!(paypal.problems(PayoutMethod::Paypal, &[]), vec![]);
    }

    #[test]
    fn gift_cards_need_a_listed_brand() {
        let input = DetailsInput {
            brand: "Unlisted".into(),
            email: "ada@example.com".into(),
            ..Default::default()
        };
        let problems = input.problems(PayoutMethod::GiftCard, &brands());
        assert_eq!(problems[0].field, "brand");
    }
}
