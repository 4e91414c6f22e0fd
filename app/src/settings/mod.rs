//! Settings (`/admin/settings`): assets and conversion rates, withdrawal rules, the confirmation message,
//! gift-card brands, PayQuicker's export columns, verification thresholds,
//! and each payout method's limits and fee per currency. Every save is
//! validated as a whole (nothing is stored if any field is wrong) and
//! audited.

pub mod api;
#[cfg(feature = "ssr")]
pub mod assets;
#[cfg(feature = "ssr")]
pub mod error;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;

use serde::{Deserialize, Serialize};

use crate::ledger::money::AssetKind;

/// One asset as the settings page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetRow {
    pub code: String,
    pub name: String,
    pub kind: AssetKind,
    pub scale: u32,
    /// A point type's rate in force, like "10 GEMS = 1.00 USD"; None for
    /// currencies and for point types without a rate yet.
    pub rate: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneralSettings {
    pub one_open_request: bool,
    /// Hours a member waits after a request before the next one.
    pub min_delay_hours: i64,
    pub confirmation_message: String,
    pub gift_card_brands: Vec<String>,
    pub payquicker_columns: Vec<String>,
}

/// One currency's verification threshold, as the form shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThresholdRow {
    pub currency: String,
    /// Empty when withdrawals of any size need no verification.
    pub amount: String,
}

/// One payout method in one currency, amounts as the form shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodRow {
    pub method: String,
    pub method_label: String,
    pub currency: String,
    pub enabled: bool,
    pub min: String,
    /// Empty: no maximum.
    pub max: String,
    pub fee_fixed: String,
    /// Percent, e.g. "2.9".
    pub fee_percent: String,
    pub fee_min: String,
    /// Empty: no cap.
    pub fee_max: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskSettings {
    pub assets: Vec<AssetRow>,
    pub general: GeneralSettings,
    pub thresholds: Vec<ThresholdRow>,
    /// Per asset (`currency` is its code): moves above it need a second
    /// admin. Empty: no limit.
    pub approval_limits: Vec<ThresholdRow>,
    /// Per asset: what an admin with two-factor on may move within ten
    /// minutes of a code before they are asked for another.
    pub step_up_limits: Vec<ThresholdRow>,
    pub methods: Vec<MethodRow>,
    /// Columns PayQuicker accepts, for the hint next to the field.
    pub payquicker_known: Vec<String>,
    /// Whether the viewing admin's role may change settings (else the
    /// page shows them read-only).
    pub can_change: bool,
}
