//! Date filters as the list pages take them: `YYYY-MM-DD`, inclusive, UTC.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};

/// Why a day filter was refused; the message is the one the list shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DayRangeError {
    #[error("{which}: \"{text}\" is not a date; use YYYY-MM-DD")]
    NotADate { which: &'static str, text: String },
    #[error("The start date is after the end date")]
    StartAfterEnd,
}

impl From<DayRangeError> for crate::error::AppError {
    fn from(err: DayRangeError) -> Self {
        Self::invalid(err.to_string())
    }
}

fn day(text: &str, which: &'static str) -> Result<Option<NaiveDate>, DayRangeError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| DayRangeError::NotADate {
            which,
            text: text.to_owned(),
        })
}

/// The instants a "from" and "to" day filter select: at or after `start`,
/// and before `end` (midnight after the "to" day).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayRange {
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

/// Either day may be empty; a start after the end is refused.
pub fn day_range(from: &str, to: &str) -> Result<DayRange, DayRangeError> {
    let from = day(from, "From")?;
    let to = day(to, "To")?;
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            return Err(DayRangeError::StartAfterEnd);
        }
    }
    let midnight = |d: NaiveDate| Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN));
    Ok(DayRange {
        start: from.map(midnight),
        end: to.and_then(|d| d.succ_opt()).map(midnight),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_covers_whole_days() {
        let range = day_range("2026-03-01", "2026-03-01").unwrap();
        assert_eq!(
            range.start.unwrap().to_rfc3339(),
            "2026-03-01T00:00:00+00:00"
        );
        assert_eq!(range.end.unwrap().to_rfc3339(), "2026-03-02T00:00:00+00:00");
        let open = day_range(" ", "").unwrap();
        assert_eq!((open.start, open.end), (None, None));
        assert_eq!(
            day_range("2026-03-02", "2026-03-01"),
            Err(DayRangeError::StartAfterEnd)
        );
        assert_eq!(
            day_range("yesterday", "").unwrap_err().to_string(),
            "From: \"yesterday\" is not a date; use YYYY-MM-DD"
        );
        assert!(day_range("", "2026-02-30")
            .unwrap_err()
            .to_string()
            .starts_with("To"));
    }
}
