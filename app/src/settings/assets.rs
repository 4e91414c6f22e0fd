//! Assets and conversion rates as admins manage them: add a currency (its
//! minor-unit scale comes from ISO 4217, never from a guess) or a point
//! type, and set what a point type is worth in a currency. Codes are
//! permanent once created: wallets, requests and exports refer to them.

use sea_orm::{
    sea_query::OnConflict, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use super::AssetRow;
use crate::entities::asset;

use super::error::SettingsError;
use crate::ledger::money::{decimal_string, parse_amount, AssetKind, Rate};
use crate::ledger::service as ledger;
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    db, Clock,
};

/// ISO 4217 currencies Paydesk knows: code, English name, minor-unit
/// digits. The digits are what matter: an amount of JPY has none, of KWD
/// three, and a wrong scale would misstate every amount in that currency.
pub const CURRENCIES: &[(&str, &str, u32)] = &[
    ("AED", "UAE dirham", 2),
    ("ARS", "Argentine peso", 2),
    ("AUD", "Australian dollar", 2),
    ("BGN", "Bulgarian lev", 2),
    ("BHD", "Bahraini dinar", 3),
    ("BRL", "Brazilian real", 2),
    ("CAD", "Canadian dollar", 2),
    ("CHF", "Swiss franc", 2),
    ("CLP", "Chilean peso", 0),
    ("CNY", "Chinese yuan", 2),
    ("COP", "Colombian peso", 2),
    ("CZK", "Czech koruna", 2),
    ("DKK", "Danish krone", 2),
    ("EGP", "Egyptian pound", 2),
    ("EUR", "Euro", 2),
    ("GBP", "Pound sterling", 2),
    ("HKD", "Hong Kong dollar", 2),
    ("HUF", "Hungarian forint", 2),
    ("IDR", "Indonesian rupiah", 2),
    ("ILS", "Israeli new shekel", 2),
    ("INR", "Indian rupee", 2),
    ("ISK", "Icelandic krona", 0),
    ("JOD", "Jordanian dinar", 3),
    ("JPY", "Japanese yen", 0),
    ("KES", "Kenyan shilling", 2),
    ("KRW", "South Korean won", 0),
    ("KWD", "Kuwaiti dinar", 3),
    ("MAD", "Moroccan dirham", 2),
    ("MXN", "Mexican peso", 2),
    ("MYR", "Malaysian ringgit", 2),
    ("NGN", "Nigerian naira", 2),
    ("NOK", "Norwegian krone", 2),
    ("NZD", "New Zealand dollar", 2),
    ("OMR", "Omani rial", 3),
    ("PEN", "Peruvian sol", 2),
    ("PHP", "Philippine peso", 2),
    ("PKR", "Pakistani rupee", 2),
    ("PLN", "Polish zloty", 2),
    ("QAR", "Qatari riyal", 2),
    ("RON", "Romanian leu", 2),
    ("SAR", "Saudi riyal", 2),
    ("SEK", "Swedish krona", 2),
    ("SGD", "Singapore dollar", 2),
    ("THB", "Thai baht", 2),
    ("TND", "Tunisian dinar", 3),
    ("TRY", "Turkish lira", 2),
    ("TWD", "New Taiwan dollar", 2),
    ("UAH", "Ukrainian hryvnia", 2),
    ("USD", "US dollar", 2),
    ("VND", "Vietnamese dong", 0),
    ("ZAR", "South African rand", 2),
];

fn known_currency(code: &str) -> Option<(&'static str, u32)> {
    CURRENCIES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, name, scale)| (*name, *scale))
}

/// The asset form as posted.
#[derive(Clone, Debug, Default)]
pub struct AssetInput {
    /// "currency" or "points".
    pub kind: String,
    pub code: String,
    /// Optional for a currency (its ISO name is used).
    pub name: String,
}

/// A validated new asset: code, kind, scale, name.
fn validate(input: &AssetInput) -> Result<(String, AssetKind, u32, String), SettingsError> {
    let kind = AssetKind::parse(input.kind.trim())
        .ok_or_else(|| SettingsError::invalid("Kind: choose a currency or a point type"))?;
    let code = input.code.trim().to_ascii_uppercase();
    if code.is_empty() {
        return Err(SettingsError::invalid(
            "Code: enter a code, like USD or GEMS",
        ));
    }
    let name = input.name.trim().to_owned();
    if name.chars().count() > 60 {
        return Err(SettingsError::invalid("Name: at most 60 characters"));
    }
    match kind {
        AssetKind::Currency => {
            let (iso_name, scale) = known_currency(&code).ok_or_else(|| {
                SettingsError::invalid(format!(
                    "Code: {code} is not an ISO 4217 currency code Paydesk knows \
                     (for points, choose the kind \"Point type\")"
                ))
            })?;
            let name = if name.is_empty() {
                iso_name.to_owned()
            } else {
                name
            };
            Ok((code, kind, scale, name))
        }
        AssetKind::Points => {
            let well_formed = (2..=12).contains(&code.len())
                && code.starts_with(|c: char| c.is_ascii_uppercase())
                && code
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
            if !well_formed {
                return Err(SettingsError::invalid(
                    "Code: 2 to 12 letters A-Z or digits, starting with a letter, like GEMS",
                ));
            }
            if known_currency(&code).is_some() {
                return Err(SettingsError::invalid(format!(
                    "Code: {code} is a currency code; give the point type another code"
                )));
            }
            if name.is_empty() {
                return Err(SettingsError::invalid("Name: enter a name, like Gems"));
            }
            Ok((code, kind, 0, name))
        }
    }
}

/// Adds an asset. A code that exists already is refused, not merged: two
/// admins adding GEMS at once get one asset and one clear refusal.
pub async fn create_asset(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    ip: Option<String>,
    input: &AssetInput,
) -> Result<(), SettingsError> {
    let (code, kind, scale, name) = validate(input)?;
    let now = clock.now();
    let txn = db::begin_write(db).await?;
    let inserted = asset::Entity::insert(asset::ActiveModel {
        code: Set(code.clone()),
        kind: Set(kind.as_str().to_owned()),
        scale: Set(i16::try_from(scale).map_err(anyhow::Error::from)?),
        name: Set(name.clone()),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(asset::Column::Code)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if inserted == 0 {
        return Err(SettingsError::conflict(format!("{code} exists already")));
    }
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::SettingsChanged)
            .actor(admin_user_id)
            .subject(format!("settings:asset:{code}"))
            .ip(ip)
            .detail(format!(
                "added {} {code} ({name}), {scale} decimals",
                match kind {
                    AssetKind::Currency => "currency",
                    AssetKind::Points => "point type",
                }
            )),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The rate form as posted: `points` of `points_code` are worth `amount`
/// of `currency_code`.
#[derive(Clone, Debug, Default)]
pub struct RateInput {
    pub points_code: String,
    pub points: String,
    pub currency_code: String,
    pub amount: String,
}

async fn asset_of_kind(
    db: &DatabaseConnection,
    code: &str,
    kind: AssetKind,
    what: &str,
) -> Result<asset::Model, SettingsError> {
    let code = code.trim().to_ascii_uppercase();
    asset::Entity::find()
        .filter(asset::Column::Code.eq(code.clone()))
        .filter(asset::Column::Kind.eq(kind.as_str()))
        .one(db)
        .await?
        .ok_or_else(|| SettingsError::invalid(format!("{what}: no {} {code:?}", kind_word(kind))))
}

fn kind_word(kind: AssetKind) -> &'static str {
    match kind {
        AssetKind::Currency => "currency",
        AssetKind::Points => "point type",
    }
}

/// Sets a point type's rate. Rates are kept as history: the newest is in
/// force for requests made from now on; requests already made keep the
/// amounts they were made with.
pub async fn save_rate(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    ip: Option<String>,
    input: &RateInput,
) -> Result<(), SettingsError> {
    let points_asset =
        asset_of_kind(db, &input.points_code, AssetKind::Points, "Point type").await?;
    let currency = asset_of_kind(db, &input.currency_code, AssetKind::Currency, "Currency").await?;
    let points = parse_amount(input.points.trim(), &points_asset.code, 0)
        .map_err(|err| SettingsError::invalid(format!("Points: {err}")))?;
    let scale = u32::try_from(currency.scale).unwrap_or(0);
    let money_minor = parse_amount(input.amount.trim(), &currency.code, scale)
        .map_err(|err| SettingsError::invalid(format!("Worth: {err}")))?;
    // Keeps every conversion inside i64 for any balance a wallet can hold.
    const LIMIT: i64 = 1_000_000_000_000;
    if points > LIMIT || money_minor > LIMIT {
        return Err(SettingsError::invalid(
            "Rate: use smaller numbers, like 10 points = 1.00",
        ));
    }
    let rate = Rate {
        points,
        money_minor,
    };
    let now = clock.now();
    let txn = db::begin_write(db).await?;
    ledger::set_rate(
        &txn,
        now,
        points_asset.id,
        currency.id,
        rate,
        Some(admin_user_id),
    )
    .await?;
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::SettingsChanged)
            .actor(admin_user_id)
            .subject(format!("settings:rate:{}", points_asset.code))
            .ip(ip)
            .detail(rate_text(&points_asset, &currency, rate)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn rate_text(points_asset: &asset::Model, currency: &asset::Model, rate: Rate) -> String {
    format!(
        "{} {} = {} {}",
        rate.points,
        points_asset.code,
        decimal_string(rate.money_minor, u32::try_from(currency.scale).unwrap_or(0)),
        currency.code
    )
}

/// Every asset, currencies first, each point type with its rate in force.
pub async fn rows(db: &DatabaseConnection) -> Result<Vec<AssetRow>, SettingsError> {
    let assets = asset::Entity::find()
        .order_by_asc(asset::Column::Kind)
        .order_by_asc(asset::Column::Code)
        .all(db)
        .await?;
    let mut rows = Vec::with_capacity(assets.len());
    for a in &assets {
        let kind = AssetKind::parse(&a.kind).unwrap_or(AssetKind::Points);
        let rate = match kind {
            AssetKind::Currency => None,
            AssetKind::Points => {
                ledger::current_rate(db, a.id)
                    .await?
                    .and_then(|(currency_id, rate)| {
                        let currency = assets.iter().find(|c| c.id == currency_id)?;
                        Some(rate_text(a, currency, rate))
                    })
            }
        };
        rows.push(AssetRow {
            code: a.code.clone(),
            name: a.name.clone(),
            kind,
            scale: u32::try_from(a.scale).unwrap_or(0),
            rate,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(kind: &str, code: &str, name: &str) -> AssetInput {
        AssetInput {
            kind: kind.into(),
            code: code.into(),
            name: name.into(),
        }
    }

    #[test]
    fn currencies_take_their_scale_from_iso() {
        let (code, _, scale, name) = validate(&input("currency", " jpy ", "")).unwrap();
        assert_eq!(
            (code.as_str(), scale, name.as_str()),
            ("JPY", 0, "Japanese yen")
        );
        let (_, _, scale, _) = validate(&input("currency", "KWD", "Dinar")).unwrap();
        assert_eq!(scale, 3);
        let err = validate(&input("currency", "XYZ", "")).unwrap_err();
        assert!(err.to_string().contains("not an ISO 4217"), "{err}");
    }

    #[test]
    fn point_types_are_whole_and_named() {
        let (code, kind, scale, _) = validate(&input("points", "gems", "Gems")).unwrap();
        assert_eq!((code.as_str(), kind, scale), ("GEMS", AssetKind::Points, 0));
        for bad in ["G", "1GEMS", "GE MS", "GÉMS", "ABCDEFGHIJKLM"] {
            let err = validate(&input("points", bad, "x")).unwrap_err();
            assert!(err.to_string().starts_with("Code:"), "{bad}: {err}");
        }
        let err = validate(&input("points", "USD", "Dollars")).unwrap_err();
        assert!(err.to_string().contains("currency code"), "{err}");
        let err = validate(&input("points", "GEMS", " ")).unwrap_err();
        assert!(err.to_string().starts_with("Name:"), "{err}");
        let err = validate(&input("shares", "GEMS", "Gems")).unwrap_err();
        assert!(err.to_string().starts_with("Kind:"), "{err}");
    }
}
