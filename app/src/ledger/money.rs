//! Amounts of money and points: integer minor units, parsed from what people
//! type and formatted for them per asset.
//!
//! Nothing here uses floating point. `rust_decimal` turns validated text into
//! an exact decimal; from there on an amount is an `i64` of minor units
//! (cents for USD, yen for JPY, whole points for a point type).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Whether an adjustment adds to or takes from the member's wallet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Credit,
    Debit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssetKind {
    /// An ISO 4217 currency, with its minor-unit scale.
    Currency,
    /// A point type (GEMS, POINTS), always scale 0.
    Points,
}

impl AssetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AssetKind::Currency => "currency",
            AssetKind::Points => "points",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "currency" => Some(AssetKind::Currency),
            "points" => Some(AssetKind::Points),
            _ => None,
        }
    }
}

/// An amount of one asset, as lists and figures send it: the browser
/// formats it with the asset's scale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub code: String,
    pub scale: u32,
    pub minor: i64,
}

/// What an amount is counted in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetView {
    pub id: i64,
    pub code: String,
    pub kind: AssetKind,
    /// Decimal places of the minor unit: 2 for USD, 0 for JPY and points.
    pub scale: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("Enter an amount")]
    Empty,
    #[error("Remove the spaces around the amount")]
    Whitespace,
    #[error("The amount cannot be negative")]
    Negative,
    #[error("The amount must be greater than zero")]
    Zero,
    #[error("Write the amount with the digits 0-9 and at most one decimal point, like 12.50")]
    NotANumber,
    #[error("{code} amounts have at most {scale} decimal places")]
    TooManyDecimals { code: String, scale: u32 },
    #[error("{code} amounts are whole numbers")]
    NoDecimalsAllowed { code: String },
    #[error("The amount is too large")]
    TooLarge,
}

/// Parses an amount typed by a person into minor units of `asset`.
///
/// Accepts `12`, `12.5`, `12.50`, `0.01`. Refuses signs, exponents,
/// separators, spaces, non-ASCII digits, NaN, and more decimals than the
/// asset has: each with a message that says what to fix. Zero is refused
/// too; every money movement needs a positive amount.
pub fn parse_amount(text: &str, code: &str, scale: u32) -> Result<i64, AmountError> {
    if text.is_empty() {
        return Err(AmountError::Empty);
    }
    if text.trim() != text {
        return Err(if text.trim().is_empty() {
            AmountError::Empty
        } else {
            AmountError::Whitespace
        });
    }
    if text.starts_with('-') {
        return Err(AmountError::Negative);
    }
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    let digits_only = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    let well_formed = !whole.is_empty()
        && digits_only(whole)
        && fraction.is_none_or(|f| !f.is_empty() && digits_only(f));
    if !well_formed {
        return Err(AmountError::NotANumber);
    }
    let decimals = fraction.map_or(0, str::len);
    if decimals > scale as usize {
        return Err(if scale == 0 {
            AmountError::NoDecimalsAllowed {
                code: code.to_owned(),
            }
        } else {
            AmountError::TooManyDecimals {
                code: code.to_owned(),
                scale,
            }
        });
    }
    // Validated above: only ASCII digits and one point, so anything
    // rust_decimal refuses now is too many digits.
    let value = Decimal::from_str_exact(text).map_err(|_| AmountError::TooLarge)?;
    let factor = Decimal::from(10i64.checked_pow(scale).ok_or(AmountError::TooLarge)?);
    let minor = value.checked_mul(factor).ok_or(AmountError::TooLarge)?;
    let minor = i64::try_from(minor.trunc()).map_err(|_| AmountError::TooLarge)?;
    if minor == 0 {
        return Err(AmountError::Zero);
    }
    Ok(minor)
}

/// A limit or threshold as a settings form gives it: empty is "none", zero
/// is allowed (a limit of nothing), anything else as [`parse_amount`].
pub fn parse_optional_amount(
    text: &str,
    code: &str,
    scale: u32,
) -> Result<Option<i64>, AmountError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    match parse_amount(text, code, scale) {
        Ok(minor) => Ok(Some(minor)),
        Err(AmountError::Zero) => Ok(Some(0)),
        Err(err) => Err(err),
    }
}

/// `1234567` with scale 2 and code USD -> `1,234,567` -> "12,345.67 USD".
pub fn format_amount(minor: i64, code: &str, scale: u32) -> String {
    format!("{} {code}", format_number(minor, scale))
}

/// The number as a plain decimal string, exactly `scale` decimals and no
/// separators (`1234567`, 2 -> "12345.67"): what files for other systems carry.
pub fn decimal_string(minor: i64, scale: u32) -> String {
    let digits = minor.unsigned_abs().to_string();
    let scale = scale as usize;
    let padded = if digits.len() <= scale {
        format!("{}{digits}", "0".repeat(scale + 1 - digits.len()))
    } else {
        digits
    };
    let (whole, fraction) = padded.split_at(padded.len() - scale);
    let sign = if minor < 0 { "-" } else { "" };
    if scale == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{fraction}")
    }
}

/// The number alone, with thousands separators and exactly `scale` decimals.
pub fn format_number(minor: i64, scale: u32) -> String {
    let plain = decimal_string(minor, scale);
    let (sign, unsigned) = match plain.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", plain.as_str()),
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    match fraction {
        Some(fraction) => format!("{sign}{grouped}.{fraction}"),
        None => format!("{sign}{grouped}"),
    }
}

/// An exact exchange rate from a point type to a currency: `points` points
/// are worth `money_minor` minor units (10 GEMS = 1.00 USD is 10 and 100).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rate {
    pub points: i64,
    pub money_minor: i64,
}

impl Rate {
    /// What a number of points is worth, rounded down to the minor unit.
    pub fn money_for_points(self, points: i64) -> Option<i64> {
        let value = i128::from(points) * i128::from(self.money_minor) / i128::from(self.points);
        i64::try_from(value).ok()
    }

    /// The fewest whole points worth at least `money_minor`.
    pub fn points_for_money(self, money_minor: i64) -> Option<i64> {
        let numerator = i128::from(money_minor) * i128::from(self.points);
        let denominator = i128::from(self.money_minor);
        let points = (numerator + denominator - 1).div_euclid(denominator);
        i64::try_from(points).ok()
    }
}

/// Amounts per currency, one per line; "Nothing" when there are none.
pub fn money_lines(money: &[Money]) -> impl leptos::prelude::IntoView {
    use leptos::prelude::*;
    if money.is_empty() {
        return view! { <span class="muted">"Nothing"</span> }.into_any();
    }
    money
        .iter()
        .map(|m| view! { <span class="money-line">{format_amount(m.minor, &m.code, m.scale)}</span> })
        .collect_view()
        .into_any()
}

/// Amounts per currency on one line, comma-separated; "nothing" when
/// there are none.
pub fn money_text(money: &[Money]) -> String {
    if money.is_empty() {
        return "nothing".to_owned();
    }
    money
        .iter()
        .map(|m| format_amount(m.minor, &m.code, m.scale))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, scale: u32, expected: Result<i64, AmountError>) {
        assert_eq!(
            parse_amount(text, "USD", scale),
            expected,
            "{text:?} at scale {scale}"
        );
    }

    #[test]
    fn good_amounts_become_minor_units() {
        check("12", 2, Ok(1200));
        check("12.5", 2, Ok(1250));
        check("12.50", 2, Ok(1250));
        check("0.01", 2, Ok(1));
        check("007", 0, Ok(7));
        check("92233720368547758.07", 2, Ok(i64::MAX));
    }

    #[test]
    fn bad_amounts_say_what_is_wrong() {
        check("", 2, Err(AmountError::Empty));
        check("   ", 2, Err(AmountError::Empty));
        check(" 12 ", 2, Err(AmountError::Whitespace));
        check("-1", 2, Err(AmountError::Negative));
        check("0", 2, Err(AmountError::Zero));
        check("0.00", 2, Err(AmountError::Zero));
        check("1e3", 2, Err(AmountError::NotANumber));
        check("NaN", 2, Err(AmountError::NotANumber));
        check("+5", 2, Err(AmountError::NotANumber));
        check("1,000", 2, Err(AmountError::NotANumber));
        check("1.", 2, Err(AmountError::NotANumber));
        check(".5", 2, Err(AmountError::NotANumber));
        check("1.2.3", 2, Err(AmountError::NotANumber));
        check("١٢", 2, Err(AmountError::NotANumber));
        check("１２", 2, Err(AmountError::NotANumber));
        check(
            "1.234",
            2,
            Err(AmountError::TooManyDecimals {
                code: "USD".into(),
                scale: 2,
            }),
        );
        check(
            "1.5",
            0,
            Err(AmountError::NoDecimalsAllowed { code: "USD".into() }),
        );
        check("99999999999999999999", 2, Err(AmountError::TooLarge));
        check("92233720368547758.08", 2, Err(AmountError::TooLarge));
        check(
            "99999999999999999999999999999999",
            0,
            Err(AmountError::TooLarge),
        );
    }

    #[test]
    fn amounts_format_per_scale() {
        assert_eq!(format_amount(123_456_789, "USD", 2), "1,234,567.89 USD");
        assert_eq!(format_amount(5, "USD", 2), "0.05 USD");
        assert_eq!(format_amount(-1250, "EUR", 2), "-12.50 EUR");
        assert_eq!(format_amount(1500, "JPY", 0), "1,500 JPY");
        assert_eq!(format_amount(0, "GEMS", 0), "0 GEMS");
        assert_eq!(format_number(100, 3), "0.100");
    }

    #[test]
    fn decimal_strings_have_no_separators() {
        assert_eq!(decimal_string(123_456_789, 2), "1234567.89");
        assert_eq!(decimal_string(5, 2), "0.05");
        assert_eq!(decimal_string(-1250, 2), "-12.50");
        assert_eq!(decimal_string(1500, 0), "1500");
        assert_eq!(decimal_string(i64::MIN, 2), "-92233720368547758.08");
    }

    #[test]
    fn rates_round_money_down_and_points_up() {
        let ten_gems_a_dollar = Rate {
            points: 10,
            money_minor: 100,
        };
        assert_eq!(ten_gems_a_dollar.money_for_points(25), Some(250));
        assert_eq!(ten_gems_a_dollar.points_for_money(250), Some(25));
        let three_points_a_cent = Rate {
            points: 3,
            money_minor: 1,
        };
        assert_eq!(three_points_a_cent.money_for_points(5), Some(1), "down");
        let seven_cents_for_three = Rate {
            points: 3,
            money_minor: 7,
        };
        assert_eq!(
            seven_cents_for_three.points_for_money(10),
            Some(5),
            "ceil(30/7)"
        );
        assert_eq!(seven_cents_for_three.money_for_points(5), Some(11));
    }

    proptest::proptest! {
        /// The points debited are the fewest worth at least the money asked.
        #[test]
        fn points_for_money_is_the_smallest_sufficient_amount(
            points in 1i64..1_000_000,
            money_minor in 1i64..1_000_000,
            asked in 1i64..1_000_000_000,
        ) {
            let rate = Rate { points, money_minor };
            let debit = rate.points_for_money(asked).unwrap();
            proptest::prop_assert!(rate.money_for_points(debit).unwrap() >= asked);
            proptest::prop_assert!(rate.money_for_points(debit - 1).unwrap() < asked);
        }

        /// Formatting then parsing gives back the same minor units.
        #[test]
        fn format_and_parse_round_trip(minor in 1i64..i64::MAX, scale in 0u32..=4) {
            let text = format_number(minor, scale).replace(',', "");
            proptest::prop_assert_eq!(parse_amount(&text, "X", scale), Ok(minor));
            // Export files carry the same number, without the separators.
            proptest::prop_assert_eq!(decimal_string(minor, scale), text);
        }
    }
}
