//! Withdrawal rules and payout-method settings, stored in the database with
//! defaults that apply until an admin changes them.

use sea_orm::{
    sea_query::OnConflict, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter,
};

use super::decision::MethodLimits;
use crate::entities::payout_method_rule;
use crate::payout_details::method::PayoutMethod;
use crate::platform::settings_store::get_setting;

pub const ONE_OPEN_REQUEST: &str = "withdrawals.one_open_request";
pub const MIN_DELAY_SECONDS: &str = "withdrawals.min_delay_seconds";

/// The verification threshold's key for a currency code.
pub fn verification_threshold_key(currency: &str) -> String {
    format!("verification.threshold.{currency}")
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WithdrawalRules {
    /// A member may have only one open request at a time.
    pub one_open_request: bool,
    /// Seconds a member must wait after a request before the next one.
    pub min_delay_seconds: i64,
}

pub async fn withdrawal_rules(conn: &impl ConnectionTrait) -> Result<WithdrawalRules, DbErr> {
    let defaults = WithdrawalRules::default();
    Ok(WithdrawalRules {
        one_open_request: get_setting(conn, ONE_OPEN_REQUEST)
            .await?
            .map_or(defaults.one_open_request, |v| v == "true"),
        min_delay_seconds: get_setting(conn, MIN_DELAY_SECONDS)
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(defaults.min_delay_seconds),
    })
}

pub async fn verification_threshold(
    conn: &impl ConnectionTrait,
    currency: &str,
) -> Result<Option<i64>, DbErr> {
    Ok(get_setting(conn, &verification_threshold_key(currency))
        .await?
        .and_then(|v| v.parse().ok()))
}

/// Limits and fee of one payout method in one currency, in minor units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MethodRule {
    pub method: PayoutMethod,
    pub currency_asset_id: i64,
    pub enabled: bool,
    pub min_minor: i64,
    pub max_minor: Option<i64>,
    pub fee_fixed_minor: i64,
    /// Hundredths of a percent: 250 is 2.5 %.
    pub fee_basis_points: i64,
    pub fee_min_minor: i64,
    pub fee_max_minor: Option<i64>,
}

impl MethodRule {
    /// An enabled method with a minimum, no maximum and no fee: the start
    /// from which rules are written (`MethodRule { fee_basis_points: 290, ..free }`).
    pub fn free(method: PayoutMethod, currency_asset_id: i64, min_minor: i64) -> Self {
        MethodRule {
            method,
            currency_asset_id,
            enabled: true,
            min_minor,
            max_minor: None,
            fee_fixed_minor: 0,
            fee_basis_points: 0,
            fee_min_minor: 0,
            fee_max_minor: None,
        }
    }

    /// What the withdrawal decision reads of the rule.
    pub fn limits(&self) -> MethodLimits {
        MethodLimits {
            min_minor: self.min_minor,
            max_minor: self.max_minor,
            fee_fixed_minor: self.fee_fixed_minor,
            fee_basis_points: self.fee_basis_points,
            fee_min_minor: self.fee_min_minor,
            fee_max_minor: self.fee_max_minor,
        }
    }

    /// The fee on a gross amount (`MethodLimits::fee`).
    pub fn fee(&self, gross_minor: i64) -> i64 {
        self.limits().fee(gross_minor)
    }
}

pub async fn put_method_rule(conn: &impl ConnectionTrait, rule: MethodRule) -> Result<(), DbErr> {
    payout_method_rule::Entity::insert(payout_method_rule::ActiveModel {
        method: Set(rule.method.as_str().to_owned()),
        currency_asset_id: Set(rule.currency_asset_id),
        enabled: Set(rule.enabled),
        min_minor: Set(rule.min_minor),
        max_minor: Set(rule.max_minor),
        fee_fixed_minor: Set(rule.fee_fixed_minor),
        fee_basis_points: Set(rule.fee_basis_points),
        fee_min_minor: Set(rule.fee_min_minor),
        fee_max_minor: Set(rule.fee_max_minor),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            payout_method_rule::Column::Method,
            payout_method_rule::Column::CurrencyAssetId,
        ])
        .update_columns([
            payout_method_rule::Column::Enabled,
            payout_method_rule::Column::MinMinor,
            payout_method_rule::Column::MaxMinor,
            payout_method_rule::Column::FeeFixedMinor,
            payout_method_rule::Column::FeeBasisPoints,
            payout_method_rule::Column::FeeMinMinor,
            payout_method_rule::Column::FeeMaxMinor,
        ])
        .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

pub async fn method_rule(
    conn: &impl ConnectionTrait,
    method: PayoutMethod,
    currency_asset_id: i64,
) -> Result<Option<MethodRule>, DbErr> {
    let row = payout_method_rule::Entity::find()
        .filter(payout_method_rule::Column::Method.eq(method.as_str()))
        .filter(payout_method_rule::Column::CurrencyAssetId.eq(currency_asset_id))
        .one(conn)
        .await?;
    Ok(row.map(|row| MethodRule {
        method,
        currency_asset_id,
        enabled: row.enabled,
        min_minor: row.min_minor,
        max_minor: row.max_minor,
        fee_fixed_minor: row.fee_fixed_minor,
        fee_basis_points: row.fee_basis_points,
        fee_min_minor: row.fee_min_minor,
        fee_max_minor: row.fee_max_minor,
    }))
}

/// Every method enabled for a currency with the defaults a new desk starts
/// from: 1.00 minimum (in the currency's unit), no maximum, no fee.
pub async fn enable_default_methods(
    conn: &impl ConnectionTrait,
    currency_asset_id: i64,
    scale: u32,
) -> Result<(), DbErr> {
    let one_unit = 10i64.pow(scale.min(18));
    for method in PayoutMethod::ALL {
        if method_rule(conn, method, currency_asset_id)
            .await?
            .is_none()
        {
            put_method_rule(conn, MethodRule::free(method, currency_asset_id, one_unit)).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(fixed: i64, bp: i64, min: i64, max: Option<i64>) -> MethodRule {
        MethodRule {
            fee_fixed_minor: fixed,
            fee_basis_points: bp,
            fee_min_minor: min,
            fee_max_minor: max,
            ..MethodRule::free(PayoutMethod::Paypal, 1, 0)
        }
    }

    #[test]
    fn fees_are_fixed_plus_percent_within_bounds() {
        let check =
            |r: MethodRule, gross: i64, fee: i64| assert_eq!(r.fee(gross), fee, "{r:?} on {gross}");
        check(rule(0, 0, 0, None), 10_000, 0);
        check(rule(30, 290, 0, None), 10_000, 320);
        check(rule(0, 250, 0, None), 101, 3); // 2.525 rounds half up to 3
        check(rule(0, 250, 0, None), 99, 2); // 2.475 rounds to 2
        check(rule(0, 100, 50, None), 1_000, 50);
        check(rule(0, 500, 0, Some(200)), 100_000, 200);
        check(rule(0, 10_000, 0, None), i64::MAX, i64::MAX);
    }
}
