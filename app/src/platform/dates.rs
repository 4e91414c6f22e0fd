//! Date filters as the list pages take them: `YYYY-MM-DD`, inclusive, UTC.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};

use crate::error::AppError;

fn day(text: &str, what: &str) -> Result<Option<NaiveDate>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| AppError::invalid(format!("{what}: \"{text}\" is not a date; use YYYY-MM-DD")))
}

/// The instants a "from" and "to" day filter select: at or after `start`,
/// and before `end` (midnight after the "to" day).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayRange {
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

/// Either day may be empty; a start after the end is refused.
pub fn day_range(from: &str, to: &str) -> Result<DayRange, AppError> {
    let from = day(from, "From")?;
    let to = day(to, "To")?;
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            return Err(AppError::invalid("The start date is after the end date"));
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
        assert!(day_range("2026-03-02", "2026-03-01").is_err());
        assert!(day_range("yesterday", "")
            .unwrap_err()
            .message
            .starts_with("From"));
        assert!(day_range("", "2026-02-30")
            .unwrap_err()
            .message
            .starts_with("To"));
    }
}
