//! Reading and saving settings. Each save validates every field first and
//! writes in one transaction with its audit row, so a bad field stores
//! nothing.

use std::str::FromStr;

use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use super::{DeskSettings, GeneralSettings, MethodRow, ThresholdRow};
use crate::entities::asset;

use super::error::SettingsError;
use crate::ledger::four_eyes;
use crate::ledger::money::{
    decimal_string, parse_amount, parse_optional_amount, AmountError, AssetKind,
};
use crate::payout_details::method::PayoutMethod;
use crate::payout_details::service::GIFT_CARD_BRANDS;
use crate::payouts::export::{PAYQUICKER_COLUMNS, PAYQUICKER_COLUMNS_SETTING};
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    db, Clock,
};
use crate::withdrawals::queries::CONFIRMATION_MESSAGE;
use crate::withdrawals::rules::{self, MethodRule};

async fn currencies(db: &DatabaseConnection) -> Result<Vec<asset::Model>, SettingsError> {
    Ok(asset::Entity::find()
        .filter(asset::Column::Kind.eq(AssetKind::Currency.as_str()))
        .order_by_asc(asset::Column::Code)
        .all(db)
        .await?)
}

fn scale_of(asset: &asset::Model) -> u32 {
    u32::try_from(asset.scale).unwrap_or(0)
}

fn percent_text(basis_points: i64) -> String {
    Decimal::new(basis_points, 2).normalize().to_string()
}

pub async fn view(db: &DatabaseConnection) -> Result<DeskSettings, SettingsError> {
    let withdrawal = rules::withdrawal_rules(db).await?;
    let general = GeneralSettings {
        one_open_request: withdrawal.one_open_request,
        min_delay_hours: withdrawal.min_delay_seconds / 3600,
        confirmation_message: crate::platform::settings_store::get_setting(
            db,
            CONFIRMATION_MESSAGE,
        )
        .await?
        .unwrap_or_default(),
        gift_card_brands: crate::payout_details::service::gift_card_brands(db).await?,
        payquicker_columns: match crate::platform::settings_store::get_setting(
            db,
            PAYQUICKER_COLUMNS_SETTING,
        )
        .await?
        {
            Some(list) if !list.trim().is_empty() => {
                list.split(',').map(|c| c.trim().to_owned()).collect()
            }
            _ => PAYQUICKER_COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
        },
    };
    let mut thresholds = Vec::new();
    let mut methods = Vec::new();
    for currency in currencies(db).await? {
        let scale = scale_of(&currency);
        let amount = |minor: i64| decimal_string(minor, scale);
        thresholds.push(ThresholdRow {
            currency: currency.code.clone(),
            amount: rules::verification_threshold(db, &currency.code)
                .await?
                .map(amount)
                .unwrap_or_default(),
        });
        for method in PayoutMethod::ALL {
            let rule = rules::method_rule(db, method, currency.id)
                .await?
                .unwrap_or(MethodRule {
                    enabled: false,
                    ..MethodRule::free(method, currency.id, 10i64.pow(scale.min(18)))
                });
            methods.push(MethodRow {
                method: method.as_str().to_owned(),
                method_label: method.label().to_owned(),
                currency: currency.code.clone(),
                enabled: rule.enabled,
                min: amount(rule.min_minor),
                max: rule.max_minor.map(amount).unwrap_or_default(),
                fee_fixed: amount(rule.fee_fixed_minor),
                fee_percent: percent_text(rule.fee_basis_points),
                fee_min: amount(rule.fee_min_minor),
                fee_max: rule.fee_max_minor.map(amount).unwrap_or_default(),
            });
        }
    }
    // Every asset, points included: an adjustment in points moves value too.
    let mut approval_limits = Vec::new();
    let mut step_up_limits = Vec::new();
    for asset in asset::Entity::find()
        .order_by_asc(asset::Column::Kind)
        .order_by_asc(asset::Column::Code)
        .all(db)
        .await?
    {
        approval_limits.push(ThresholdRow {
            amount: four_eyes::limit(db, &asset.code)
                .await?
                .map(|minor| decimal_string(minor, scale_of(&asset)))
                .unwrap_or_default(),
            currency: asset.code.clone(),
        });
        step_up_limits.push(ThresholdRow {
            amount: decimal_string(
                crate::auth::step_up::limit(db, &asset).await?,
                scale_of(&asset),
            ),
            currency: asset.code,
        });
    }
    Ok(DeskSettings {
        assets: super::assets::rows(db).await?,
        general,
        thresholds,
        approval_limits,
        step_up_limits,
        methods,
        payquicker_known: PAYQUICKER_COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
        // The server function sets it for the viewing admin.
        can_change: false,
    })
}

/// The general form as posted.
#[derive(Clone, Debug, Default)]
pub struct GeneralInput {
    pub one_open_request: bool,
    pub min_delay_hours: String,
    pub confirmation_message: String,
    /// One brand per line.
    pub gift_card_brands: String,
    /// Comma-separated.
    pub payquicker_columns: String,
}

pub async fn save_general(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    ip: Option<String>,
    input: &GeneralInput,
) -> Result<(), SettingsError> {
    let hours: i64 = input.min_delay_hours.trim().parse().map_err(|_| {
        SettingsError::invalid("Minimum delay: a whole number of hours, like 0 or 24")
    })?;
    if !(0..=8760).contains(&hours) {
        return Err(SettingsError::invalid(
            "Minimum delay: between 0 and 8760 hours (a year)",
        ));
    }
    let message = input.confirmation_message.trim();
    if message.chars().count() > 500 {
        return Err(SettingsError::invalid(
            "Confirmation message: at most 500 characters",
        ));
    }
    let brands: Vec<&str> = input
        .gift_card_brands
        .lines()
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .collect();
    if brands.is_empty() {
        return Err(SettingsError::invalid(
            "Gift-card brands: list at least one",
        ));
    }
    if let Some(long) = brands.iter().find(|b| b.chars().count() > 50) {
        return Err(SettingsError::invalid(format!(
            "Gift-card brands: \"{long}\" is longer than 50 characters"
        )));
    }
    let columns: Vec<&str> = input
        .payquicker_columns
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    if columns.is_empty() {
        return Err(SettingsError::invalid(
            "PayQuicker columns: list at least one",
        ));
    }
    for (i, column) in columns.iter().enumerate() {
        if !PAYQUICKER_COLUMNS.contains(column) {
            return Err(SettingsError::invalid(format!(
                "PayQuicker columns: \"{column}\" is not one of {}",
                PAYQUICKER_COLUMNS.join(", ")
            )));
        }
        if columns[..i].contains(column) {
            return Err(SettingsError::invalid(format!(
                "PayQuicker columns: \"{column}\" is listed twice"
            )));
        }
    }

    let now = clock.now();
    let txn = db::begin_write(db).await?;
    let one_open = if input.one_open_request {
        "true"
    } else {
        "false"
    };
    for (key, value) in [
        (rules::ONE_OPEN_REQUEST, one_open.to_owned()),
        (rules::MIN_DELAY_SECONDS, (hours * 3600).to_string()),
        (CONFIRMATION_MESSAGE, message.to_owned()),
        (GIFT_CARD_BRANDS, brands.join("\n")),
        (PAYQUICKER_COLUMNS_SETTING, columns.join(",")),
    ] {
        crate::platform::settings_store::put_setting(&txn, key, &value).await?;
    }
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::SettingsChanged)
            .actor(admin_user_id)
            .subject("settings:general")
            .ip(ip)
            .detail(format!(
                "one open request {one_open}; delay {hours} h; {} brands; PayQuicker {}",
                brands.len(),
                columns.join(",")
            )),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn currency(db: &DatabaseConnection, code: &str) -> Result<asset::Model, SettingsError> {
    let code = code.trim().to_ascii_uppercase();
    asset::Entity::find()
        .filter(asset::Column::Code.eq(code.clone()))
        .filter(asset::Column::Kind.eq(AssetKind::Currency.as_str()))
        .one(db)
        .await?
        .ok_or_else(|| SettingsError::invalid(format!("Unknown currency {code:?}")))
}

/// An amount in a currency where zero is allowed (fees, minimums).
fn amount(text: &str, what: &str, asset: &asset::Model) -> Result<i64, SettingsError> {
    match parse_amount(text, &asset.code, scale_of(asset)) {
        Ok(minor) => Ok(minor),
        Err(AmountError::Zero) => Ok(0),
        Err(err) => Err(SettingsError::invalid(format!("{what}: {err}"))),
    }
}

/// An optional amount: empty means "none".
fn optional_amount(
    text: &str,
    what: &str,
    asset: &asset::Model,
) -> Result<Option<i64>, SettingsError> {
    parse_optional_amount(text, &asset.code, scale_of(asset))
        .map_err(|err| SettingsError::invalid(format!("{what}: {err}")))
}

pub async fn save_threshold(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    ip: Option<String>,
    currency_code: &str,
    text: &str,
) -> Result<(), SettingsError> {
    let asset = currency(db, currency_code).await?;
    let threshold = optional_amount(text, "Verification threshold", &asset)?;
    let stored = AmountSetting {
        key: rules::verification_threshold_key(&asset.code),
        subject: format!("settings:threshold:{}", asset.code),
        asset: &asset,
        value: threshold,
    };
    store_amount(db, clock, admin_user_id, ip, stored).await
}

/// One asset's approval limit: money moves above it need a second admin
/// (`ledger::four_eyes`). Empty removes it; zero holds every move.
pub async fn save_approval_limit(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    ip: Option<String>,
    asset_code: &str,
    text: &str,
) -> Result<(), SettingsError> {
    let limit = AssetLimit {
        what: "Approval limit",
        setting: "approval_limit",
        key: four_eyes::limit_key,
    };
    save_asset_limit(db, clock, (admin_user_id, ip), asset_code, text, limit).await
}

/// One asset's step-up limit: an admin with two-factor on who has moved
/// this much since their last code gives a fresh one (`auth::step_up`).
/// Empty goes back to the default (10,000 in the asset's units); zero asks
/// for a code before every move.
pub async fn save_step_up_limit(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    ip: Option<String>,
    asset_code: &str,
    text: &str,
) -> Result<(), SettingsError> {
    let limit = AssetLimit {
        what: "Step-up limit",
        setting: "step_up_limit",
        key: crate::auth::step_up::limit_key,
    };
    save_asset_limit(db, clock, (admin_user_id, ip), asset_code, text, limit).await
}

/// A per-asset limit kept under a settings key.
struct AssetLimit {
    /// Names the field in a refusal.
    what: &'static str,
    /// The audit subject's middle part (`settings:{setting}:{CODE}`).
    setting: &'static str,
    key: fn(&str) -> String,
}

async fn save_asset_limit(
    db: &DatabaseConnection,
    clock: &Clock,
    (admin_user_id, ip): (i64, Option<String>),
    asset_code: &str,
    text: &str,
    limit: AssetLimit,
) -> Result<(), SettingsError> {
    let code = asset_code.trim().to_ascii_uppercase();
    let asset = crate::ledger::service::find_asset(db, &code)
        .await
        .map_err(|_| SettingsError::invalid(format!("Unknown currency or point type {code:?}")))?;
    let value = optional_amount(text, limit.what, &asset)?;
    let stored = AmountSetting {
        key: (limit.key)(&asset.code),
        subject: format!("settings:{}:{}", limit.setting, asset.code),
        asset: &asset,
        value,
    };
    store_amount(db, clock, admin_user_id, ip, stored).await
}

/// An amount stored under a settings key (None removes it), audited.
struct AmountSetting<'a> {
    key: String,
    subject: String,
    asset: &'a asset::Model,
    value: Option<i64>,
}

async fn store_amount(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    ip: Option<String>,
    stored: AmountSetting<'_>,
) -> Result<(), SettingsError> {
    let AmountSetting {
        key,
        subject,
        asset,
        value,
    } = stored;
    let now = clock.now();
    let txn = db::begin_write(db).await?;
    match value {
        Some(minor) => {
            crate::platform::settings_store::put_setting(&txn, &key, &minor.to_string()).await?
        }
        None => {
            crate::entities::setting::Entity::delete_by_id(key)
                .exec(&txn)
                .await?;
        }
    }
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::SettingsChanged)
            .actor(admin_user_id)
            .subject(subject)
            .ip(ip)
            .detail(match value {
                Some(minor) => {
                    format!("{} {}", decimal_string(minor, scale_of(asset)), asset.code)
                }
                None => "none".to_owned(),
            }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The method form as posted.
#[derive(Clone, Debug, Default)]
pub struct MethodInput {
    pub method: String,
    pub currency: String,
    pub enabled: bool,
    pub min: String,
    pub max: String,
    pub fee_fixed: String,
    pub fee_percent: String,
    pub fee_min: String,
    pub fee_max: String,
}

fn basis_points(text: &str) -> Result<i64, SettingsError> {
    let text = text.trim();
    let problem = || {
        SettingsError::invalid(
            "Fee percent: a number from 0 to 100 with at most two decimals, like 2.9",
        )
    };
    if text.is_empty() {
        return Ok(0);
    }
    let value = Decimal::from_str(text).map_err(|_| problem())?;
    if value.is_sign_negative() || value > Decimal::from(100) || value.scale() > 2 {
        return Err(problem());
    }
    i64::try_from((value * Decimal::from(100)).trunc().mantissa()).map_err(|_| problem())
}

pub async fn save_method(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    ip: Option<String>,
    input: &MethodInput,
) -> Result<(), SettingsError> {
    let method = PayoutMethod::parse(&input.method).ok_or_else(|| {
        SettingsError::invalid(format!("Unknown payout method {:?}", input.method))
    })?;
    let asset = currency(db, &input.currency).await?;
    let min = amount(&input.min, "Minimum", &asset)?;
    let max = optional_amount(&input.max, "Maximum", &asset)?;
    if max.is_some_and(|max| max < min) {
        return Err(SettingsError::invalid(
            "Maximum: must not be below the minimum",
        ));
    }
    let fee_fixed = amount(&input.fee_fixed, "Fixed fee", &asset)?;
    let fee_basis_points = basis_points(&input.fee_percent)?;
    let fee_min = amount(&input.fee_min, "Fee minimum", &asset)?;
    let fee_max = optional_amount(&input.fee_max, "Fee cap", &asset)?;
    if fee_max.is_some_and(|cap| cap < fee_min) {
        return Err(SettingsError::invalid(
            "Fee cap: must not be below the fee minimum",
        ));
    }
    let rule = MethodRule {
        method,
        currency_asset_id: asset.id,
        enabled: input.enabled,
        min_minor: min,
        max_minor: max,
        fee_fixed_minor: fee_fixed,
        fee_basis_points,
        fee_min_minor: fee_min,
        fee_max_minor: fee_max,
    };
    let now = clock.now();
    let txn = db::begin_write(db).await?;
    rules::put_method_rule(&txn, rule).await?;
    let scale = scale_of(&asset);
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::SettingsChanged)
            .actor(admin_user_id)
            .subject(format!(
                "settings:method:{}:{}",
                method.as_str(),
                asset.code
            ))
            .ip(ip)
            .detail(format!(
                "{}; min {}; max {}; fee {} + {} %",
                if input.enabled { "enabled" } else { "disabled" },
                decimal_string(min, scale),
                max.map_or("none".to_owned(), |m| decimal_string(m, scale)),
                decimal_string(fee_fixed, scale),
                percent_text(fee_basis_points),
            )),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
